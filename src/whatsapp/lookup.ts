// Parsing of the payment lookup answer. The lookup is what the gateway trusts (webhooks are
// only hints), so the parser is lenient about shape (wire/README.md) but never invents data:
// a value it does not understand becomes null, the raw payment status is kept beside the derived
// one so an unknown status can be logged and looked up again rather than lost, and a value out of
// range (wire-values.ts) is dropped and noted in `problems`, which the gateway records as a
// PAYMENT_DISCREPANCY.

import { derivePaymentStatus } from '../domain/payment-status';
import type { PaymentGateway, PaymentStatus, TransactionStatus } from '../domain/types';
import { fromWireGateway, fromWirePaymentStatus, fromWireTransactionStatus, isObject, Json } from './wire-mapping';
import { WireAmount, wireCurrency, wireId, wireMoney, WireProblems, wireText, wireTimestamp } from './wire-values';

/** Column widths the parsed values must fit (src/db/entities/orders.ts). */
export const MAX_TRANSACTION_ID = 128;
const MAX_METHOD = 64;
const MAX_ERROR_CODE = 128;
const MAX_ERROR_REASON = 1000;
/** Attempts read per payment; real payments have a handful, and each becomes a stored row. */
export const MAX_TRANSACTIONS = 100;
const MAX_REFUNDS = 100;

export type RefundStatus = 'PENDING' | 'SUCCESS' | 'FAILED';

/** A refund as WhatsApp reports it (parsed for the refunds feature; nothing stores it yet). */
export interface LookupRefund {
  id: string;
  amount: WireAmount | null;
  /** e.g. "normal", "optimum" */
  speedProcessed: string | null;
  /** null = a status value this gateway does not know; see rawStatus */
  status: RefundStatus | null;
  rawStatus: string;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface LookupTransaction {
  /**
   * the payment gateway's order id (Razorpay `order_...`). Every attempt of one payment may carry
   * the same one (Meta's captured-after-retry sample): an attempt is told apart by
   * pgTransactionId, and by its place in the list while it has none yet.
   */
  id: string;
  /** the payment gateway's payment id (Razorpay `pay_...`), once there is one */
  pgTransactionId: string | null;
  gateway: PaymentGateway | null;
  status: TransactionStatus | null;
  /** e.g. "upi" */
  method: string | null;
  amount: WireAmount | null;
  /** what the payment gateway's order was for (order_amount) */
  orderAmount: WireAmount | null;
  currency: string | null;
  errorCode: string | null;
  errorReason: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  /** refunds of this attempt (the lookup lists them inside the transaction) */
  refunds: LookupRefund[];
}

export interface LookupPayment {
  referenceId: string;
  /**
   * derived from the reported status and the transactions (derivePaymentStatus); null = a status
   * value this gateway does not know, see rawStatus
   */
  status: PaymentStatus | null;
  rawStatus: string;
  currency: string | null;
  amount: WireAmount | null;
  /** every attempt, oldest first */
  transactions: LookupTransaction[];
  /** values out of range, dropped rather than stored (where, what, what is allowed) */
  problems: string[];
}

const REFUND_STATUS_BY_WIRE: Record<string, RefundStatus> = { pending: 'PENDING', success: 'SUCCESS', failed: 'FAILED' };

function rawText(value: unknown): string {
  return typeof value === 'string' ? (wireText(value, 40) ?? '') : '';
}

/** One refund of a lookup transaction or a payment webhook; null without an id. */
export function parseWireRefund(r: Json, path: string, problems: WireProblems): LookupRefund | null {
  const id = wireId(r.id, `${path}.id`, problems, MAX_TRANSACTION_ID);
  if (id === null) return null;
  const rawStatus = rawText(r.status);
  const key = rawStatus.trim().toLowerCase();
  return {
    id,
    amount: wireMoney(r.amount, `${path}.amount`, problems),
    speedProcessed: wireId(r.speed_processed, `${path}.speed_processed`, problems, 32),
    status: Object.hasOwn(REFUND_STATUS_BY_WIRE, key) ? REFUND_STATUS_BY_WIRE[key] : null,
    rawStatus,
    createdAt: wireTimestamp(r.created_timestamp, `${path}.created_timestamp`, problems),
    updatedAt: wireTimestamp(r.updated_timestamp, `${path}.updated_timestamp`, problems),
  };
}

/** refunds[] (anything that is not an array of objects gives none). */
export function parseWireRefunds(value: unknown, path: string, problems: WireProblems): LookupRefund[] {
  if (!Array.isArray(value)) return [];
  if (value.length > MAX_REFUNDS) problems.add(path, `lists ${value.length} refunds; only the first ${MAX_REFUNDS} were read`);
  return value
    .slice(0, MAX_REFUNDS)
    .map((r, i) => (isObject(r) ? parseWireRefund(r, `${path}[${i}]`, problems) : null))
    .filter((r): r is LookupRefund => r !== null);
}

/** One wire transaction (of a lookup or a payment webhook); null without a usable id. */
export function parseWireTransaction(t: Json, path: string, problems: WireProblems): LookupTransaction | null {
  const id = wireId(t.id, `${path}.id`, problems, MAX_TRANSACTION_ID);
  // Without an id a transaction cannot be reconciled at the payment gateway; skipping it loses
  // nothing the gateway could use (an over-long or garbled id is noted by wireId).
  if (id === null) return null;
  const method = isObject(t.method) ? t.method.type : t.method;
  const error = isObject(t.error) ? t.error : {};
  return {
    id,
    pgTransactionId: wireId(t.pg_transaction_id, `${path}.pg_transaction_id`, problems, MAX_TRANSACTION_ID),
    gateway: fromWireGateway(t.type),
    status: fromWireTransactionStatus(t.status),
    method: wireId(method, `${path}.method`, problems, MAX_METHOD),
    amount: wireMoney(t.amount, `${path}.amount`, problems),
    orderAmount: wireMoney(t.order_amount, `${path}.order_amount`, problems),
    currency: wireCurrency(t.currency, `${path}.currency`, problems),
    errorCode: wireId(error.code, `${path}.error.code`, problems, MAX_ERROR_CODE),
    errorReason: wireText(error.reason, MAX_ERROR_REASON),
    createdAt: wireTimestamp(t.created_timestamp, `${path}.created_timestamp`, problems),
    updatedAt: wireTimestamp(t.updated_timestamp, `${path}.updated_timestamp`, problems),
    refunds: parseWireRefunds(t.refunds, `${path}.refunds`, problems),
  };
}

/** One wire payment object → LookupPayment (the requested reference id fills a missing one). */
export function parseLookupPayment(p: Json, requestedReferenceId: string): LookupPayment {
  const problems = new WireProblems();
  const rawStatus = rawText(p.status);
  let raw: Json[] = Array.isArray(p.transactions) ? p.transactions.filter(isObject) : [];
  if (raw.length > MAX_TRANSACTIONS) {
    problems.add('payment.transactions', `lists ${raw.length} attempts; only the first ${MAX_TRANSACTIONS} were read`);
    raw = raw.slice(0, MAX_TRANSACTIONS);
  }
  const transactions = raw
    .map((t, i) => parseWireTransaction(t, `payment.transactions[${i}]`, problems))
    .filter((t): t is LookupTransaction => t !== null);
  const reported = fromWirePaymentStatus(rawStatus);
  return {
    referenceId: requestedReferenceId,
    // every attempt counts, also one this parser could not keep (no id): it still happened
    status: reported === null ? null : derivePaymentStatus(reported, raw.map((t) => fromWireTransactionStatus(t.status))),
    rawStatus,
    currency: wireCurrency(p.currency, 'payment.currency', problems),
    amount: wireMoney(p.amount, 'payment.amount', problems),
    transactions,
    problems: problems.list(),
  };
}

/**
 * The body of a 2xx lookup answer → the payment for `referenceId`, or null when WhatsApp has
 * none (empty list). Accepts `{ payments: [...] }` and a bare payment object. The payment with
 * the requested reference id is chosen (one without a reference_id is taken to be it).
 * Throws an Error (not UpstreamError: the caller decides) when the body is neither shape or
 * only holds payments of other reference ids.
 */
export function parseLookupResponse(body: unknown, referenceId: string): LookupPayment | null {
  if (!isObject(body)) throw new Error('lookup answer is not a JSON object');
  let candidates: Json[];
  if (Array.isArray(body.payments)) candidates = body.payments.filter(isObject);
  else if ('reference_id' in body || 'status' in body) candidates = [body];
  else if ('payments' in body && (body.payments === null || body.payments === undefined)) candidates = [];
  else throw new Error('lookup answer has neither "payments" nor a payment object');
  if (candidates.length === 0) return null;
  // Another order's payment must never be applied to this one: it would look like a
  // discrepancy at best and mark the wrong order paid at worst.
  const referenceOf = (p: Json) =>
    (typeof p.reference_id === 'string' && p.reference_id !== '') || typeof p.reference_id === 'number' ? String(p.reference_id) : null;
  const chosen = candidates.find((p) => referenceOf(p) === referenceId) ?? candidates.find((p) => referenceOf(p) === null);
  if (chosen === undefined) {
    throw new Error(`lookup answered for reference_id ${JSON.stringify(String(referenceOf(candidates[0])).slice(0, 40))}, not ${referenceId}`);
  }
  return parseLookupPayment(chosen, referenceId);
}

/**
 * Whether WhatsApp accepted an order_details message for the reference it was asked about, judged
 * from the payment lookup's answer. This is the only place the gateway decides it, because
 * WhatsApp does not document what its lookup answers for a reference it never accepted: the
 * gateway takes "no payment" (a Graph-shaped 404, or an empty `payments` list; the client turns both
 * into null) to mean "not accepted", and any payment object, whatever its status, to mean
 * "accepted". If WhatsApp answered a `pending` payment for references it never saw, an
 * order_details whose first answer was lost would never be sent again (docs/ARCHITECTURE.md lists
 * this among the points the documentation leaves open).
 */
export function orderDetailsAccepted(lookup: LookupPayment | null): boolean {
  return lookup !== null;
}
