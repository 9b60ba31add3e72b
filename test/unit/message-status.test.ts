import { canAdvanceMessage, fromWireMessageStatus, isFinalMessage } from '../../src/domain/message-status';
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

describe('fromWireMessageStatus', () => {
  it.each([
    ['sent', 'SENT'],
    ['delivered', 'DELIVERED'],
    ['read', 'READ'],
    ['failed', 'FAILED'],
    ['DELIVERED', 'DELIVERED'],
  ])('%p -> %p', (wire, expected) => {
    expect(fromWireMessageStatus(wire)).toBe(expected);
  });

  // queued/accepted are the gateway's own states, never reported by WhatsApp.
  it.each(['queued', 'accepted', 'deleted', 'warning', '', 'toString', '__proto__'])('%p -> null', (wire) => {
    expect(fromWireMessageStatus(wire)).toBeNull();
  });
});
