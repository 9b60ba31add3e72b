import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { OrderEntity, OrderEventEntity, OutboxEntity, PaymentEntity, RefundEntity } from '../db/entities';
import { insertRows } from '../db/writes';
import { CURRENCY, formatMoney } from '../domain/money';
import {
  canAdvanceRefund,
  convertAmount,
  matchReportedRefunds,
  type ReportedRefund,
  refundedTotal,
  type StoredRefund,
} from '../domain/refunds';
import type { EventSource, RefundSpeed, RefundStatus } from '../domain/types';
import type { LookupPayment } from '../whatsapp/client';
import type { LookupRefund } from '../whatsapp/lookup';
import { fromWireRefundSpeed } from '../whatsapp/refund-wire';
import { recordEvent } from './events';
import { orderChanged } from './order-changes';

// How refunds change once they are stored: WhatsApp's answer to the request (the outbox,
// refund-sending.ts) and the payment lookup's refunds[] (here) move them forward, one
// REFUND_STATUS_CHANGED event per change, always with the payment row locked, so the refunds of a
// payment change one writer at a time.

/** How soon to look a payment up again while a refund of it is in progress. */
export interface RefundFollowUp {
  baseMs: number;
  maxMs: number;
}

/** A refund's status in WhatsApp's lookup (and payment webhooks) as the gateway's. */
const STATUS_OF_REPORTED: Record<NonNullable<LookupRefund['status']>, RefundStatus> = {
  PENDING: 'PENDING',
  SUCCESS: 'SUCCEEDED',
  FAILED: 'FAILED',
};

/**
 * The text of a refund's REFUND_STATUS_CHANGED events: it names the refund (its id, the one inside
 * Refund.id; the refundStatusChanged subscription reads it back with `refundIdOfEvent`), its
 * amount and WhatsApp's refund id once known, then what happened.
 */
export function refundEventDetail(refund: RefundEntity, note: string | null = null): string {
  const upstream = refund.refundId ? `, WhatsApp refund ${refund.refundId}` : '';
  return `refund ${refund.id} of ${refund.currency} ${formatMoney(refund.amount, refund.offset)}${upstream}${note ? `: ${note}` : ''}`;
}

const EVENT_REFUND = /^refund ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) /;

/** The refund a REFUND_STATUS_CHANGED event is about (see refundEventDetail). */
export function refundIdOfEvent(detail: string | null): string | null {
  return (detail && EVENT_REFUND.exec(detail)?.[1]) || null;
}

/**
 * Locks the payment (FOR UPDATE on PostgreSQL; sqlite's writers are one at a time anyway) and reads
 * its refunds, oldest first: whoever changes a payment's refunds holds this lock, so two requests
 * are judged one after the other against the same refunds.
 */
export async function lockedRefunds(
  m: EntityManager,
  where: { id: string } | { orderId: string },
  lock: { lock?: { mode: 'pessimistic_write' } },
): Promise<{ payment: PaymentEntity; refunds: RefundEntity[] }> {
  const payment = await m.findOneOrFail(PaymentEntity, { where, ...lock });
  const refunds = await m.find(RefundEntity, { where: { paymentId: payment.id }, order: { createdAt: 'ASC', id: 'ASC' } });
  return { payment, refunds };
}

/** The captured amount in the payment's minor units (its offset), or null before a capture. */
export function capturedOf(payment: PaymentEntity): number | null {
  return payment.status === 'CAPTURED' && payment.amount !== null ? payment.amount : null;
}

export interface RefundChange {
  status?: RefundStatus;
  refundId?: string | null;
  speedProcessed?: RefundSpeed | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  upstreamCreatedAt?: Date | null;
  upstreamUpdatedAt?: Date | null;
}

/**
 * Writes a change of one refund (the caller holds the payment's lock and passes all its refunds,
 * this one included), and records REFUND_STATUS_CHANGED when its status moved. A status never
 * moves back: a change to a status that is no advance keeps the current one. When the change
 * completes the refund of the whole capture, the event says so (on a canceled order, that it
 * settles the capture the order should not have had).
 */
export async function changeRefund(
  m: EntityManager,
  order: OrderEntity,
  payment: PaymentEntity,
  all: RefundEntity[],
  refund: RefundEntity,
  change: RefundChange,
  source: EventSource,
  note: string | null,
): Promise<OrderEventEntity | null> {
  const from = refund.status;
  const moves = change.status !== undefined && canAdvanceRefund(from, change.status);
  const before = refundedTotal(all);
  if (moves) refund.status = change.status!;
  if (change.refundId !== undefined && refund.refundId === null) refund.refundId = change.refundId;
  if (change.speedProcessed) refund.speedProcessed = change.speedProcessed;
  if (change.errorCode !== undefined) refund.errorCode = change.errorCode;
  if (change.errorMessage !== undefined) refund.errorMessage = change.errorMessage === null ? null : change.errorMessage.slice(0, 2000);
  if (change.upstreamCreatedAt) refund.upstreamCreatedAt = change.upstreamCreatedAt;
  if (change.upstreamUpdatedAt) refund.upstreamUpdatedAt = change.upstreamUpdatedAt;
  refund.updatedAt = new Date();
  const { status, refundId, speedProcessed, errorCode, errorMessage, upstreamCreatedAt, upstreamUpdatedAt, updatedAt } = refund;
  orderChanged(m, refund.businessId, refund.orderId);
  await m.update(RefundEntity, { id: refund.id }, { status, refundId, speedProcessed, errorCode, errorMessage, upstreamCreatedAt, upstreamUpdatedAt, updatedAt });
  if (!moves) return null;
  return recordEvent(m, order, {
    type: 'REFUND_STATUS_CHANGED',
    source,
    fromStatus: from,
    toStatus: refund.status,
    detail: refundEventDetail(refund, withCompletion(note, order, payment, before, refundedTotal(all))),
  });
}

/** The note of a change, and, when it completed the refund of the whole capture, that it did. */
function withCompletion(note: string | null, order: OrderEntity, payment: PaymentEntity, before: number, after: number): string | null {
  const captured = capturedOf(payment);
  if (captured === null || before >= captured || after < captured) return note;
  const whole = `the payment is now fully refunded (${CURRENCY} ${formatMoney(captured, payment.amountOffset ?? order.offset)})`;
  const settles = order.status === 'CANCELED' ? '; this settles the payment captured on the canceled order' : '';
  return [note, `${whole}${settles}`].filter(Boolean).join('; ');
}

/** A refund of this payment, not yet stored: the identity columns from the order and payment, the rest given. */
export function newRefund(
  order: OrderEntity,
  payment: PaymentEntity,
  fields: Pick<RefundEntity, 'refundId' | 'amount' | 'offset' | 'status' | 'speedRequested' | 'speedProcessed' | 'requestedByGateway' | 'reason' | 'upstreamCreatedAt' | 'upstreamUpdatedAt'>,
  now: Date,
): RefundEntity {
  return Object.assign(new RefundEntity(), {
    id: randomUUID(),
    paymentId: payment.id,
    orderId: order.id,
    businessId: order.businessId,
    referenceId: order.referenceId,
    currency: payment.currency ?? order.currency,
    errorCode: null,
    errorMessage: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  });
}

/** Stores a new refund with its REFUND_STATUS_CHANGED event (from nothing to its first status). */
export async function insertRefund(
  m: EntityManager,
  order: OrderEntity,
  payment: PaymentEntity,
  all: RefundEntity[],
  refund: RefundEntity,
  source: EventSource,
  note: string,
): Promise<OrderEventEntity> {
  const before = refundedTotal(all);
  await insertRows(m, RefundEntity, refund);
  all.push(refund);
  return recordEvent(m, order, {
    type: 'REFUND_STATUS_CHANGED',
    source,
    toStatus: refund.status,
    detail: refundEventDetail(refund, withCompletion(note, order, payment, before, refundedTotal(all))),
  });
}

/** When to look the payment up again while a refund is in progress: after as long as it has been so. */
export function followUpAt(since: Date, now: Date, followUp: RefundFollowUp): Date {
  const wait = Math.min(followUp.maxMs, Math.max(followUp.baseMs, now.getTime() - since.getTime()));
  return new Date(now.getTime() + wait);
}

/**
 * Plans a payment lookup for a refund in progress, unless one is planned already (a webhook's, a
 * retry's, or the verifier's own lease): WhatsApp's webhooks are hints and may be lost, so a
 * refund never waits for one to settle.
 */
export function planRefundLookup(payment: PaymentEntity, since: Date, followUp: RefundFollowUp, now = new Date()): boolean {
  if (payment.verifyAfter !== null) return false;
  payment.verifyAfter = followUpAt(since, now, followUp);
  return true;
}

/**
 * Refunds as WhatsApp reports them, read from a payment lookup: the refunds of every transaction,
 * each once, in the payment's minor units (an amount with no exact value in them is null).
 */
export function reportedRefunds(lookup: LookupPayment, offset: number): Array<{ wire: LookupRefund; reported: ReportedRefund }> {
  const byId = new Map<string, LookupRefund>();
  for (const t of lookup.transactions) for (const r of t.refunds) byId.set(r.id, r);
  return [...byId.values()].map((wire) => ({
    wire,
    reported: {
      id: wire.id,
      amount: wire.amount ? convertAmount(wire.amount.value, wire.amount.offset, offset) : null,
      createdAt: wire.createdAt,
    },
  }));
}

/**
 * Our refunds as the matching sees them: a REQUESTED refund is in flight while its outbox job is
 * held (a call in progress, or a holder that died mid-call) or its last outcome is unknown.
 */
export async function storedForMatching(m: EntityManager, refunds: RefundEntity[]): Promise<StoredRefund[]> {
  const requested = refunds.filter((r) => r.status === 'REQUESTED' && r.refundId === null).map((r) => r.id);
  const jobs = requested.length
    ? await m.find(OutboxEntity, { select: { subjectId: true, lockedUntil: true, outcomeUnknown: true }, where: { kind: 'REFUND', subjectId: In(requested) } })
    : [];
  const inFlight = new Set(jobs.filter((j) => j.lockedUntil !== null || Boolean(j.outcomeUnknown)).map((j) => j.subjectId));
  return refunds.map((r) => ({ id: r.id, refundId: r.refundId, status: r.status, amount: r.amount, createdAt: r.createdAt, inFlight: inFlight.has(r.id) }));
}

/**
 * Applies the refunds[] of a payment lookup (the truth, as for payments), inside the caller's
 * transaction with the payment locked: a refund we know moves forward to what WhatsApp says; one
 * whose request is still in flight waits for that request's outcome (matchReportedRefunds); any
 * other was made outside the gateway (at the payment gateway's dashboard) and is recorded, so it
 * counts against what is left to refund. With `followUp`, a refund still in progress plans the
 * next lookup.
 */
export async function applyRefunds(
  m: EntityManager,
  order: OrderEntity,
  payment: PaymentEntity,
  lookup: LookupPayment,
  source: EventSource,
  followUp?: RefundFollowUp,
): Promise<OrderEventEntity[]> {
  const offset = payment.amountOffset ?? order.offset;
  const reported = reportedRefunds(lookup, offset);
  // only a captured payment has refunds of ours (refundPayment refuses any other): most lookups,
  // of payments on their way, read nothing more
  if (reported.length === 0 && payment.status !== 'CAPTURED') return [];
  const refunds = await m.find(RefundEntity, { where: { paymentId: payment.id }, order: { createdAt: 'ASC', id: 'ASC' } });
  if (reported.length === 0 && refunds.length === 0) return [];
  const matches = matchReportedRefunds(await storedForMatching(m, refunds), reported.map((r) => r.reported));
  const events: OrderEventEntity[] = [];
  const now = new Date();
  let undecided = false;
  for (const [i, { match }] of matches.entries()) {
    const wire = reported[i].wire;
    const status = wire.status ? STATUS_OF_REPORTED[wire.status] : undefined;
    const details = {
      speedProcessed: fromWireRefundSpeed(wire.speedProcessed),
      upstreamCreatedAt: wire.createdAt,
      upstreamUpdatedAt: wire.updatedAt,
    };
    if (match.kind === 'known') {
      const refund = refunds.find((r) => r.id === match.refund.id)!;
      const event = await changeRefund(m, order, payment, refunds, refund, { status, ...details }, source, 'confirmed by the payment lookup');
      if (event) events.push(event);
    } else if (match.kind === 'undecided' || match.kind === 'ours') {
      undecided = true;
    } else if (reported[i].reported.amount !== null) {
      const refund = newRefund(
        order,
        payment,
        {
          refundId: wire.id,
          amount: reported[i].reported.amount,
          offset,
          // a status word the gateway does not know: money may be moving, so it counts as pending
          status: status ?? 'PENDING',
          speedRequested: details.speedProcessed ?? 'NORMAL',
          speedProcessed: details.speedProcessed,
          requestedByGateway: false,
          reason: null,
          upstreamCreatedAt: details.upstreamCreatedAt,
          upstreamUpdatedAt: details.upstreamUpdatedAt,
        },
        now,
      );
      events.push(await insertRefund(m, order, payment, refunds, refund, source, 'made outside the gateway (at the payment gateway), reported by the payment lookup'));
    }
  }
  const open = refunds.filter((r) => r.status === 'PENDING' || (r.status === 'REQUESTED' && undecided));
  if (followUp && open.length > 0 && planRefundLookup(payment, open[0].createdAt, followUp, now)) {
    orderChanged(m, payment.businessId, payment.orderId);
    await m.update(PaymentEntity, { id: payment.id }, { verifyAfter: payment.verifyAfter });
  }
  return events;
}
