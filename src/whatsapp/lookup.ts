// Parsing of the payment lookup answer. The lookup is what the gateway trusts (webhooks are
// only hints), so the parser is lenient about shape (wire/README.md) but never invents data:
// a value it does not understand becomes null, and the raw payment status is kept beside the
// mapped one so an unknown status can be logged and looked up again rather than lost.

import type { PaymentGateway, PaymentStatus, TransactionStatus } from '../domain/types';
import type { WireMoney } from './wire-types';
import {
  fromWireGateway,
  fromWireMoney,
  fromWirePaymentStatus,
  fromWireTimestamp,
  fromWireTransactionStatus,
  isObject,
  Json,
  text,
} from './wire-mapping';

export interface LookupTransaction {
  /** the payment gateway's order id (Razorpay `order_...`) */
  id: string;
  /** the payment gateway's payment id (Razorpay `pay_...`), once there is one */
  pgTransactionId: string | null;
  gateway: PaymentGateway | null;
  status: TransactionStatus | null;
  /** e.g. "upi" */
  method: string | null;
  amount: WireMoney | null;
  currency: string | null;
  errorCode: string | null;
  errorReason: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface LookupPayment {
  referenceId: string;
  /** null = a status value this gateway does not know; see rawStatus */
  status: PaymentStatus | null;
  rawStatus: string;
  currency: string | null;
  amount: WireMoney | null;
  transactions: LookupTransaction[];
}


/** One wire transaction (of a lookup or a payment webhook); null without an id. */
export function parseWireTransaction(t: Json): LookupTransaction | null {
  const id = text(t.id);
  // Without an id a transaction cannot be told apart from the next report of the same one,
  // nor reconciled at the payment gateway; skipping it loses nothing the gateway could use.
  if (id === null) return null;
  const method = isObject(t.method) ? text(t.method.type) : text(t.method);
  const error = isObject(t.error) ? t.error : {};
  return {
    id,
    pgTransactionId: text(t.pg_transaction_id),
    gateway: fromWireGateway(t.type),
    status: fromWireTransactionStatus(t.status),
    method,
    amount: fromWireMoney(t.amount),
    currency: text(t.currency),
    errorCode: text(error.code),
    errorReason: text(error.reason),
    createdAt: fromWireTimestamp(t.created_timestamp),
    updatedAt: fromWireTimestamp(t.updated_timestamp),
  };
}

/** One wire payment object → LookupPayment (the requested reference id fills a missing one). */
export function parseLookupPayment(p: Json, requestedReferenceId: string): LookupPayment {
  const rawStatus = typeof p.status === 'string' ? p.status : '';
  const transactions = Array.isArray(p.transactions)
    ? p.transactions.filter(isObject).map(parseWireTransaction).filter((t): t is LookupTransaction => t !== null)
    : [];
  return {
    referenceId: text(p.reference_id) ?? requestedReferenceId,
    status: fromWirePaymentStatus(rawStatus),
    rawStatus,
    currency: text(p.currency),
    amount: fromWireMoney(p.amount),
    transactions,
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
  const chosen =
    candidates.find((p) => text(p.reference_id) === referenceId) ??
    candidates.find((p) => text(p.reference_id) === null);
  if (chosen === undefined) {
    throw new Error(`lookup answered for reference_id ${text(candidates[0].reference_id)}, not ${referenceId}`);
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
