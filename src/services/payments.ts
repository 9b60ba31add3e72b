import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { OrderEntity, OrderEventEntity, PaymentEntity, TransactionEntity } from '../db/entities';
import { formatMoney } from '../domain/money';
import { canAdvancePayment } from '../domain/payment-status';
import type { EventSource, PaymentStatus } from '../domain/types';
import type { LookupPayment } from '../whatsapp/client';
import { insertRows } from '../db/writes';
import { recordEvent } from './events';

/**
 * Applies what WhatsApp's payment lookup says to our payment, inside the caller's transaction.
 * The lookup is the truth: its status, amount, currency and transactions are recorded; the status
 * only ever moves forward; an amount or currency that differs from the order, or money captured
 * on a canceled order, is recorded as a PAYMENT_DISCREPANCY and never passes as verified.
 */
export async function applyLookup(
  m: EntityManager,
  order: OrderEntity,
  payment: PaymentEntity,
  lookup: LookupPayment | null,
  source: EventSource,
  hint?: { status: PaymentStatus },
): Promise<OrderEventEntity[]> {
  const events: OrderEventEntity[] = [];
  const now = new Date();
  if (!lookup) {
    if (hint) {
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

  const discrepancies: string[] = [];
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
    discrepancies.push('a payment was captured on a canceled order: refund it at the payment gateway');
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
  await m.update(
    PaymentEntity,
    { id: payment.id },
    { status, verified, verifiedAt, amount, amountOffset, currency, verifyAfter, verifyAttempts, hintStatus, updatedAt },
  );
}

async function upsertTransactions(m: EntityManager, payment: PaymentEntity, lookup: LookupPayment, now: Date): Promise<void> {
  const existing = await m.find(TransactionEntity, { where: { paymentId: payment.id } });
  const byId = new Map(existing.map((t) => [t.transactionId, t]));
  let created = 0;
  for (const t of lookup.transactions) {
    if (!t.status) continue;
    // transactions are listed by createdAt: several first seen in one lookup keep the lookup's
    // order (oldest first) instead of the random order of their ids
    const known = byId.get(t.id);
    const row =
      known ??
      m.create(TransactionEntity, { id: randomUUID(), paymentId: payment.id, transactionId: t.id, createdAt: new Date(now.getTime() + created++) });
    Object.assign(row, {
      gateway: t.gateway,
      pgTransactionId: t.pgTransactionId,
      status: t.status,
      method: t.method,
      amount: t.amount?.value ?? null,
      amountOffset: t.amount?.offset ?? null,
      currency: t.currency,
      errorCode: t.errorCode,
      errorReason: t.errorReason,
      upstreamCreatedAt: t.createdAt,
      upstreamUpdatedAt: t.updatedAt,
      updatedAt: now,
    });
    if (known) {
      const { id, paymentId, transactionId, createdAt, ...changes } = row;
      await m.update(TransactionEntity, { id }, changes);
    } else {
      await insertRows(m, TransactionEntity, row);
      byId.set(t.id, row);
    }
  }
}
