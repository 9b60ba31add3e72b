// The simulator's payment state and how it looks on the wire: the lookup answer
// (wire/lookup.response.*.json) and the payment webhook entry (wire/webhook.payment.*.json),
// key order included, so tests can compare them with the samples as text.
//
// Two vocabularies. 'meta' (the default) is Meta's current page (the meta-* samples): the lookup
// and the webhook say only `pending` or `captured`; every attempt is a transaction under the same
// payment gateway order id, told apart by pg_transaction_id (which an attempt in progress does not
// have yet); a failed attempt is a failed transaction; the webhook's statuses[].id is a
// notification id; the PG fields of the order are echoed. 'legacy' is the seed's 360dialog page
// (lookup.response.new.json, webhook.payment.failed.json): `new`/`failed` at payment level, a
// retry under a new order id, the webhook's id the order_details wamid. Tests use it to prove the
// gateway still accepts that vocabulary.

import { randomBytes } from 'node:crypto';
import type { WireLookupPayment, WireLookupTransaction, WireRefund, WireWebhookStatus } from '../whatsapp/wire-types';
import type { Provider } from './simulator-http';
import type { SimOrderStatus } from './simulator-rules';

export type PaymentWire = 'meta' | 'legacy';

export interface Sender {
  provider: Provider;
  phoneNumberId?: string;
  /** kept in memory only, to map 360dialog senders to a phone number id; never recorded */
  d360Key?: string;
}

export interface SimTransaction {
  id: string;
  pgTransactionId?: string;
  status: 'pending' | 'success' | 'failed';
  method?: string;
  error?: { code: string; reason: string };
  createdAt: number;
  updatedAt: number;
}

/** A refund WhatsApp made (through payments_refund, or at the payment gateway's dashboard). */
export interface SimRefund {
  id: string;
  /** minor units, offset 100 */
  amount: number;
  speedProcessed: 'normal' | 'instant';
  status: 'pending' | 'success' | 'failed';
  createdAt: number;
  updatedAt: number;
  /** true when it came through the API (payments_refund); false: made at the payment gateway */
  viaApi: boolean;
}

/** Where a payment stands, whatever the vocabulary that reports it. */
export type SimPaymentStatus = 'new' | 'pending' | 'failed' | 'captured';

export interface SimOrder {
  referenceId: string;
  configurationName: string;
  gateway: string;
  to: string;
  status: SimOrderStatus;
  total: number;
  /** the latest accepted order_details; legacy payment webhooks refer to it */
  orderDetailsWamid: string;
  fingerprint: string;
  sender: Sender;
  /** every attempt, oldest first */
  transactions: SimTransaction[];
  /** the payment gateway order every attempt belongs to (Meta's wire), made at the first attempt */
  pgOrderId?: string;
  /** payment_settings[0].payment_gateway.<gateway> of the order_details, echoed as WhatsApp does */
  pgFields?: Record<string, unknown>;
  /** what the customer was charged, when a test makes it differ from the order (PayOptions.amount/currency) */
  paid?: { amount: number; currency: string };
  /** refunds of the captured payment, oldest first */
  refunds: SimRefund[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Razorpay-like ids: order_SdrcSSqobZ7voR, pay_SdrcU2qLk8Xy1a */
export const gatewayId = (prefix: string) => prefix + [...randomBytes(14)].map((b) => ALNUM[b % ALNUM.length]).join('');
/** like gBGGFlB5YjhvAgnhuF1qIUvCo7A: the id Meta gives a payment notification */
const notificationId = () => randomBytes(20).toString('base64url');

export function paymentStatusOf(order: SimOrder): SimPaymentStatus {
  const t = order.transactions;
  if (t.some((x) => x.status === 'success')) return 'captured';
  if (t.length === 0) return 'new';
  return t.some((x) => x.status === 'pending') ? 'pending' : 'failed';
}

/** The payment status word each vocabulary puts on the wire. */
function wireStatus(order: SimOrder, vocabulary: PaymentWire): string {
  const status = paymentStatusOf(order);
  if (vocabulary === 'legacy') return status;
  return status === 'captured' ? 'captured' : 'pending';
}

/**
 * The customer tries to pay (or the attempt in progress ends): a pending attempt completes;
 * otherwise a new attempt starts, under the same payment gateway order (Meta) or a new one
 * (legacy). Returns the attempt.
 */
export function attempt(
  order: SimOrder,
  outcome: 'captured' | 'failed' | 'pending',
  now: number,
  vocabulary: PaymentWire,
  opts: { method?: string; errorCode?: string; errorReason?: string },
): SimTransaction {
  const last = order.transactions.at(-1);
  let tx: SimTransaction;
  if (last?.status === 'pending') tx = last;
  else {
    const id = vocabulary === 'meta' ? (order.pgOrderId ??= gatewayId('order_')) : gatewayId('order_');
    tx = { id, status: 'pending', createdAt: now, updatedAt: now };
    order.transactions.push(tx);
  }
  tx.updatedAt = now;
  tx.status = outcome === 'captured' ? 'success' : outcome;
  if (outcome !== 'pending') tx.method = opts.method ?? 'upi';
  // the payment gateway's payment id exists once the attempt reached it; the older vocabulary
  // only showed it for a capture
  if (outcome === 'captured' || (outcome === 'failed' && vocabulary === 'meta')) tx.pgTransactionId ??= gatewayId('pay_');
  if (outcome === 'failed') {
    tx.error = { code: opts.errorCode ?? 'BAD_REQUEST_ERROR', reason: opts.errorReason ?? 'Payment declined by the bank' };
  }
  return tx;
}

const paidAmount = (order: SimOrder) => ({ value: order.paid?.amount ?? order.total, offset: 100 });
/** Meta's lookup samples write amounts offset first */
const lookupAmount = (value: number) => ({ offset: 100, value });
const paidCurrency = (order: SimOrder) => order.paid?.currency ?? 'INR';

/** The PG fields of the order, as WhatsApp echoes them next to the payment. */
function echo(order: SimOrder): Record<string, unknown> {
  return order.pgFields ? { ...order.pgFields } : {};
}

export function lookupPayment(order: SimOrder, vocabulary: PaymentWire): WireLookupPayment {
  if (vocabulary === 'legacy') {
    const payment: WireLookupPayment = {
      reference_id: order.referenceId,
      status: wireStatus(order, vocabulary),
      currency: paidCurrency(order),
      amount: paidAmount(order),
    };
    if (order.transactions.length > 0) payment.transactions = order.transactions.map((t) => transaction(order, t, vocabulary, 'lookup'));
    return payment;
  }
  // key order of lookup.response.meta-captured-after-retry.json
  const payment: WireLookupPayment = {
    reference_id: order.referenceId,
    status: wireStatus(order, vocabulary),
    amount: lookupAmount(paidAmount(order).value),
    currency: paidCurrency(order),
  };
  if (order.transactions.length > 0) payment.transactions = order.transactions.map((t) => transaction(order, t, vocabulary, 'lookup'));
  return Object.assign(payment, echo(order));
}

function transaction(order: SimOrder, t: SimTransaction, vocabulary: PaymentWire, where: 'lookup' | 'webhook'): WireLookupTransaction {
  const out: WireLookupTransaction = { id: t.id };
  if (t.pgTransactionId) out.pg_transaction_id = t.pgTransactionId;
  out.type = order.gateway;
  out.status = t.status;
  // Meta's samples have both forms: numbers in the lookup, strings in the webhook
  out.created_timestamp = vocabulary === 'meta' && where === 'webhook' ? String(t.createdAt) : t.createdAt;
  out.updated_timestamp = vocabulary === 'meta' && where === 'webhook' ? String(t.updatedAt) : t.updatedAt;
  if (t.status === 'pending') return out;
  // the lookup's transaction carries amounts; the webhook's does not (see the samples)
  if (where === 'lookup') {
    if (vocabulary === 'meta') {
      out.amount = lookupAmount(paidAmount(order).value);
      out.order_amount = lookupAmount(order.total);
    } else out.amount = paidAmount(order);
    out.currency = paidCurrency(order);
  }
  if (t.method) out.method = { type: t.method };
  if (t.error) out.error = t.error;
  // the lookup lists refunds inside the transaction they refund (the captured one)
  if (where === 'lookup' && t.status === 'success' && order.refunds.length > 0) {
    out.refunds = order.refunds.map((r) => wireRefund(r, 'number'));
  }
  return out;
}

/** What is left to refund: the captured amount minus refunds pending or succeeded. */
export function refundable(order: SimOrder): number {
  if (paymentStatusOf(order) !== 'captured') return 0;
  const held = order.refunds.filter((r) => r.status !== 'failed').reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, paidAmount(order).value - held);
}

/** A refund as the samples show it (key order included): timestamps as numbers in the lookup, strings in webhooks. */
function wireRefund(r: SimRefund, timestamps: 'number' | 'string'): WireRefund {
  const ts = (n: number) => (timestamps === 'string' ? String(n) : n);
  return {
    id: r.id,
    amount: { value: r.amount, offset: 100 },
    speed_processed: r.speedProcessed,
    status: r.status,
    created_timestamp: ts(r.createdAt),
    updated_timestamp: ts(r.updatedAt),
  };
}

/**
 * The statuses[] entry of the payment webhook WhatsApp sends when a refund of a captured payment
 * changes (webhook.payment.meta-captured-with-refund.json): the captured transaction, and every
 * refund at payment level.
 */
export function refundStatusEntry(order: SimOrder, now: number, vocabulary: PaymentWire): WireWebhookStatus {
  const captured = order.transactions.find((t) => t.status === 'success');
  if (!captured) throw new Error(`refundStatusEntry: the payment of ${order.referenceId} is not captured`);
  const entry = paymentStatusEntry(order, captured, now, vocabulary);
  entry.payment!.refunds = order.refunds.map((r) => wireRefund(r, 'string'));
  return entry;
}

/** The statuses[] entry of a payment webhook about attempt `t` (wire/webhook.payment.*.json). */
export function paymentStatusEntry(order: SimOrder, t: SimTransaction, now: number, vocabulary: PaymentWire): WireWebhookStatus {
  if (vocabulary === 'legacy') {
    return {
      id: order.orderDetailsWamid,
      recipient_id: order.to,
      type: 'payment',
      status: wireStatus(order, vocabulary),
      timestamp: String(now),
      payment: {
        reference_id: order.referenceId,
        amount: paidAmount(order),
        currency: paidCurrency(order),
        receipt: '',
        transaction: transaction(order, t, vocabulary, 'webhook'),
      },
    };
  }
  // key order of webhook.payment.meta-captured-with-refund.json
  return {
    id: notificationId(),
    recipient_id: order.to,
    type: 'payment',
    status: wireStatus(order, vocabulary),
    payment: {
      reference_id: order.referenceId,
      amount: paidAmount(order),
      transaction: transaction(order, t, vocabulary, 'webhook'),
      currency: paidCurrency(order),
      ...echo(order),
    },
    timestamp: String(now),
  };
}
