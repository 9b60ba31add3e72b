import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { OrderEntity, OrderEventEntity, PaymentEntity, TransactionEntity } from '../db/entities';
import { formatMoney } from '../domain/money';
import { matchAttempts } from '../domain/payment-attempts';
import { canAdvancePayment } from '../domain/payment-status';
import type { EventSource, PaymentStatus } from '../domain/types';
import type { LookupPayment } from '../whatsapp/client';
import { insertRows } from '../db/writes';
import { recordEvent } from './events';
import { applyRefunds, type RefundFollowUp } from './refund-settlement';
import { orderChanged } from './order-changes';

/**
 * Applies what WhatsApp's payment lookup says to our payment, inside the caller's transaction.
 * The lookup is the truth: its status, amount, currency and transactions are recorded; the status
 * only ever moves forward; an amount or currency that differs from the order, or money captured
 * on a canceled order, is recorded as a PAYMENT_DISCREPANCY and never passes as verified. The
 * refunds it lists settle ours (refund-settlement.ts); with `refundFollowUp`, a refund still in
 * progress plans the next lookup.
 */
export async function applyLookup(
  m: EntityManager,
  order: OrderEntity,
  payment: PaymentEntity,
  lookup: LookupPayment | null,
  source: EventSource,
  hint?: { status: PaymentStatus },
  refundFollowUp?: RefundFollowUp,
): Promise<OrderEventEntity[]> {
  const events: OrderEventEntity[] = [];
  const now = new Date();
  if (!lookup) {
    // a webhook saying only "pending" without an attempt claims no payment (NEW): nothing to deny
    if (hint && hint.status !== 'NEW') {
      events.push(
        ...(await recordDiscrepancies(m, order, source, hint.status, [
          `a webhook reported a ${hint.status} payment but WhatsApp's payment lookup has no payment for this order`,
        ])),
      );
    }
    // WhatsApp knows no payment yet: a NEW payment is confirmed as it is
    if (payment.status === 'NEW') {
      payment.verified = true;
      payment.verifiedAt = now;
      payment.updatedAt = now;
      await savePayment(m, payment);
    }
    return events;
  }

  if (lookup.transactions.length > 0) await upsertTransactions(m, payment, lookup, now);
  if (lookup.amount) {
    payment.amount = lookup.amount.value;
    payment.amountOffset = lookup.amount.offset;
  }
  payment.currency = lookup.currency ?? payment.currency;

  // values WhatsApp answered out of range were left out (never stored); they are still news
  const discrepancies: string[] = lookup.problems.map((p) => `the payment lookup's ${p}; it was not stored`);
  // a hint behind the lookup is ordinary reordering (pending arriving after captured); a hint the
  // lookup does not lead to (captured while the lookup says failed) is a claim WhatsApp denies
  if (hint && lookup.status && hint.status !== lookup.status && !canAdvancePayment(hint.status, lookup.status)) {
    discrepancies.push(`a webhook said ${hint.status} but WhatsApp's payment lookup says ${lookup.status}`);
  }
  const paidSomething = lookup.status === 'CAPTURED' || lookup.status === 'PENDING';
  if (paidSomething && lookup.amount && !sameAmount(lookup.amount, order)) {
    discrepancies.push(
      `paid amount ${formatMoney(lookup.amount.value, lookup.amount.offset)} differs from the order total ${formatMoney(order.total, order.offset)}`,
    );
  }
  if (paidSomething && lookup.currency && lookup.currency !== order.currency) {
    discrepancies.push(`paid currency ${lookup.currency} differs from the order currency ${order.currency}`);
  }
  if (lookup.status === 'CAPTURED' && order.status === 'CANCELED') {
    discrepancies.push('a payment was captured on a canceled order: refund it with refundPayment (the order\'s history shows when it is fully refunded)');
  }
  if (lookup.status === 'CAPTURED' && order.expired) {
    discrepancies.push('a payment was captured on an order that had expired unpaid: fulfil it, or refund it with refundPayment');
  }

  const from = payment.status;
  const to = lookup.status;
  const moved = to !== null && canAdvancePayment(from, to);
  if (moved) payment.status = to!;
  // the status is only "verified" when the lookup confirms it and nothing about it is in doubt
  const confirmed = to !== null && payment.status === to && discrepancies.length === 0;
  payment.verified = confirmed;
  payment.verifiedAt = confirmed ? now : payment.verifiedAt;
  payment.updatedAt = now;
  await savePayment(m, payment);

  if (moved) {
    events.push(
      await recordEvent(m, order, {
        type: 'PAYMENT_STATUS_CHANGED',
        source,
        fromStatus: from,
        toStatus: payment.status,
        detail: 'confirmed by the payment lookup',
      }),
    );
  }
  events.push(...(await recordDiscrepancies(m, order, source, to, discrepancies)));
  events.push(...(await applyRefunds(m, order, payment, lookup, source, refundFollowUp)));
  return events;
}

/**
 * Every lookup re-checks the payment, so a duplicate webhook or a second verifyPayment finds the
 * same discrepancy again: each one is recorded once per order, not once per look.
 */
async function recordDiscrepancies(
  m: EntityManager,
  order: OrderEntity,
  source: EventSource,
  toStatus: PaymentStatus | null,
  details: string[],
): Promise<OrderEventEntity[]> {
  if (details.length === 0) return [];
  const recorded = await m.find(OrderEventEntity, {
    select: { id: true, toStatus: true, detail: true },
    where: { orderId: order.id, type: 'PAYMENT_DISCREPANCY' },
  });
  const key = (status: string | null, detail: string | null) => `${status ?? ''}\n${detail ?? ''}`;
  const known = new Set(recorded.map((e) => key(e.toStatus, e.detail)));
  const events: OrderEventEntity[] = [];
  for (const detail of details) {
    if (known.has(key(toStatus, detail))) continue;
    known.add(key(toStatus, detail));
    events.push(await recordEvent(m, order, { type: 'PAYMENT_DISCREPANCY', source, toStatus, detail }));
  }
  return events;
}

function sameAmount(paid: { value: number; offset: number }, order: OrderEntity): boolean {
  // compare in a common unit so 52000/100 equals 520000/1000
  return BigInt(paid.value) * BigInt(order.offset) === BigInt(order.total) * BigInt(paid.offset);
}

/**
 * Writes the payment's own columns in one UPDATE. (save() reads the row back first to work out
 * what changed: a second statement per write, inside a transaction that on sqlite holds up every
 * other writer.)
 */
export async function savePayment(m: EntityManager, payment: PaymentEntity): Promise<void> {
  const { status, verified, verifiedAt, amount, amountOffset, currency, verifyAfter, verifyAttempts, hintStatus, updatedAt } = payment;
  orderChanged(m, payment.businessId, payment.orderId);
  await m.update(
    PaymentEntity,
    { id: payment.id },
    { status, verified, verifiedAt, amount, amountOffset, currency, verifyAfter, verifyAttempts, hintStatus, updatedAt },
  );
}

/**
 * Records every attempt the lookup lists (its list is complete and oldest first). A transaction
 * is not identified by its id alone: every attempt of a payment may carry the same payment
 * gateway order id and differ only in pg_transaction_id, which an attempt in progress may not
 * have yet. So the lookup's attempts are matched to the stored ones of the same id, first by
 * pg_transaction_id, then in order (an attempt seen before without a pg_transaction_id is the
 * same attempt now that it has one); whatever is left is a new attempt, stored at the next
 * position. The unique (paymentId, position) index makes two concurrent writers of one new
 * attempt collide instead of storing it twice.
 */
async function upsertTransactions(m: EntityManager, payment: PaymentEntity, lookup: LookupPayment, now: Date): Promise<void> {
  orderChanged(m, payment.businessId, payment.orderId);
  const existing = await m.find(TransactionEntity, { where: { paymentId: payment.id }, order: { position: 'ASC' } });
  const listed = lookup.transactions.filter((t) => t.status !== null);
  const matched = matchAttempts(existing, listed);
  let next = existing.reduce((max, t) => Math.max(max, t.position + 1), 0);
  for (let i = 0; i < listed.length; i++) {
    const t = listed[i];
    const known = matched[i];
    const values = {
      transactionId: t.id,
      gateway: t.gateway,
      pgTransactionId: t.pgTransactionId ?? known?.pgTransactionId ?? null,
      status: t.status!,
      method: t.method,
      amount: t.amount?.value ?? null,
      amountOffset: t.amount?.offset ?? null,
      orderAmount: t.orderAmount?.value ?? null,
      orderAmountOffset: t.orderAmount?.offset ?? null,
      currency: t.currency,
      errorCode: t.errorCode,
      errorReason: t.errorReason,
      upstreamCreatedAt: t.createdAt,
      upstreamUpdatedAt: t.updatedAt,
      updatedAt: now,
    };
    if (known) {
      await m.update(TransactionEntity, { id: known.id }, values);
    } else {
      await insertRows(m, TransactionEntity, { id: randomUUID(), paymentId: payment.id, position: next++, createdAt: now, ...values });
    }
  }
}
