// Delivery status of an outbound message. WhatsApp's status webhooks can arrive out of order
// (read before delivered), so an update is applied only when it moves the message forward.
import type { MessageStatus } from './types';

/** Position on the happy path; FAILED is off the path and handled separately. */
const RANK: Readonly<Record<Exclude<MessageStatus, 'FAILED'>, number>> = {
  QUEUED: 0,
  ACCEPTED: 1,
  SENT: 2,
  DELIVERED: 3,
  READ: 4,
};

/**
 * Forward jumps are allowed (a missed "delivered" webhook must not block "read"). FAILED is
 * final, and a READ message is past failing: a late failure for it is stale.
 */
export function canAdvanceMessage(from: MessageStatus, to: MessageStatus): boolean {
  if (from === to || from === 'FAILED') return false;
  if (to === 'FAILED') return from !== 'READ';
  return RANK[to] > RANK[from];
}

export function isFinalMessage(status: MessageStatus): boolean {
  return status === 'FAILED' || status === 'READ';
}
