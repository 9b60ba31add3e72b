// The simulator's payment state and how it looks on the wire: the lookup answer
// (wire/lookup.response.*.json) and the payment webhook entry (wire/webhook.payment.*.json),
// key order included, so tests can compare them with the samples as text.

import type { WireLookupPayment, WireLookupTransaction, WireWebhookStatus } from '../whatsapp/wire-types';
import type { Provider } from './simulator-http';
import type { SimOrderStatus } from './simulator-rules';

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

export interface SimOrder {
  referenceId: string;
  configurationName: string;
  gateway: string;
  to: string;
  status: SimOrderStatus;
  total: number;
  /** the latest accepted order_details; payment webhooks refer to it */
  orderDetailsWamid: string;
  fingerprint: string;
  sender: Sender;
  paymentStatus: 'new' | 'pending' | 'captured' | 'failed' | 'canceled';
  transactions: SimTransaction[];
  /** what the customer was charged, when a test makes it differ from the order (PayOptions.amount/currency) */
  paid?: { amount: number; currency: string };
}

const paidAmount = (order: SimOrder) => ({ value: order.paid?.amount ?? order.total, offset: 100 });
const paidCurrency = (order: SimOrder) => order.paid?.currency ?? 'INR';

export function lookupPayment(order: SimOrder): WireLookupPayment {
  const payment: WireLookupPayment = {
    reference_id: order.referenceId,
    status: order.paymentStatus,
    currency: paidCurrency(order),
    amount: paidAmount(order),
  };
  if (order.transactions.length > 0) payment.transactions = order.transactions.map((t) => transaction(order, t, true));
  return payment;
}

/** The lookup transaction carries amount and currency; the webhook's does not (see wire samples). */
function transaction(order: SimOrder, t: SimTransaction, withAmount: boolean): WireLookupTransaction {
  const out: WireLookupTransaction = { id: t.id };
  if (t.pgTransactionId) out.pg_transaction_id = t.pgTransactionId;
  out.type = order.gateway;
  out.status = t.status;
  out.created_timestamp = t.createdAt;
  out.updated_timestamp = t.updatedAt;
  if (t.status !== 'pending') {
    if (withAmount) {
      out.amount = paidAmount(order);
      out.currency = paidCurrency(order);
    }
    if (t.method) out.method = { type: t.method };
    if (t.error) out.error = t.error;
  }
  return out;
}

/** The statuses[] entry of a payment webhook (wire/webhook.payment.*.json). */
export function paymentStatusEntry(order: SimOrder, t: SimTransaction, now: number): WireWebhookStatus {
  const status: WireWebhookStatus = {
    id: order.orderDetailsWamid,
    recipient_id: order.to,
    type: 'payment',
    status: order.paymentStatus,
    timestamp: String(now),
    payment: {
      reference_id: order.referenceId,
      amount: paidAmount(order),
      currency: paidCurrency(order),
      receipt: '',
      transaction: transaction(order, t, false),
    },
  };
  return status;
}
