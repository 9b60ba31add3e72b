import { canAdvanceMessage, isFinalMessage } from '../../src/domain/message-status';
import { MESSAGE_STATUSES, type MessageStatus } from '../../src/domain/types';

// By hand: QUEUED < ACCEPTED < SENT < DELIVERED < READ with forward jumps; FAILED reachable
// from everything before READ; FAILED final.
const T = true;
const F = false;
const ADVANCE: Record<MessageStatus, Record<MessageStatus, boolean>> = {
  QUEUED:    { QUEUED: F, ACCEPTED: T, SENT: T, DELIVERED: T, READ: T, FAILED: T },
  ACCEPTED:  { QUEUED: F, ACCEPTED: F, SENT: T, DELIVERED: T, READ: T, FAILED: T },
  SENT:      { QUEUED: F, ACCEPTED: F, SENT: F, DELIVERED: T, READ: T, FAILED: T },
  DELIVERED: { QUEUED: F, ACCEPTED: F, SENT: F, DELIVERED: F, READ: T, FAILED: T },
  READ:      { QUEUED: F, ACCEPTED: F, SENT: F, DELIVERED: F, READ: F, FAILED: F },
  FAILED:    { QUEUED: F, ACCEPTED: F, SENT: F, DELIVERED: F, READ: F, FAILED: F },
};

const pairs = MESSAGE_STATUSES.flatMap((from) =>
  MESSAGE_STATUSES.map((to) => [from, to, ADVANCE[from][to]] as const),
);

describe('canAdvanceMessage', () => {
  it('covers all 36 pairs', () => {
    expect(pairs).toHaveLength(36);
  });

  it.each(pairs)('%s -> %s is %p', (from, to, expected) => {
    expect(canAdvanceMessage(from, to)).toBe(expected);
  });
});

describe('isFinalMessage', () => {
  it.each([
    ['QUEUED', false],
    ['ACCEPTED', false],
    ['SENT', false],
    ['DELIVERED', false],
    ['READ', true],
    ['FAILED', true],
  ] as const)('%s final: %p', (status, expected) => {
    expect(isFinalMessage(status)).toBe(expected);
  });
});
