// Parsing of an authenticated webhook body (already JSON.parse'd) into a flat list of normalized
// updates. Lenient by design (wire/README.md): the documentation is thin and new fields appear,
// so this never throws on odd input. Whatever it does not recognise becomes an `unknown` update
// with a short description (to log and count), never an error that loses the rest of the body.
// A payment webhook is only a hint (the gateway verifies through the lookup API), so a payment
// status this gateway does not know still yields a `payment` update, with status null and the
// raw value kept.

import type { PaymentGateway, PaymentStatus, TransactionStatus } from '../domain/types';
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
import { LookupTransaction, parseWireTransaction } from './lookup';

export interface WebhookError {
  code: number | null;
  title: string | null;
  message: string | null;
  /** error_data.details */
  details: string | null;
}

/** A transaction as a payment webhook reports it (same shape as the lookup's). */
export type WebhookPaymentTransaction = LookupTransaction;

export type WebhookMessageStatus = 'SENT' | 'DELIVERED' | 'READ' | 'FAILED';

export type WebhookUpdate =
  | {
      kind: 'payment';
      phoneNumberId: string | null;
      /** statuses[].id: the order_details message the payment belongs to */
      wamid: string | null;
      referenceId: string;
      /** null = a status value this gateway does not know; see rawStatus */
      status: PaymentStatus | null;
      rawStatus: string;
      amount: { value: number; offset: number } | null;
      currency: string | null;
      transaction: WebhookPaymentTransaction | null;
      timestamp: Date | null;
    }
  | {
      kind: 'message_status';
      phoneNumberId: string | null;
      wamid: string;
      status: WebhookMessageStatus;
      rawStatus: string;
      errors: WebhookError[];
      timestamp: Date | null;
      recipientId: string | null;
    }
  /** value.errors[] (not tied to a status), so wamid is null */
  | { kind: 'error'; phoneNumberId: string | null; wamid: string | null; errors: WebhookError[] }
  | {
      kind: 'payment_configuration';
      configurationName: string;
      /** as sent, e.g. "Active", "Needs Connecting" */
      status: string;
      providerName: string | null;
      providerMid: string | null;
      /** entry[].id */
      wabaId: string | null;
      timestamp: Date | null;
    }
  | { kind: 'unknown'; field: string | null; description: string };

export type PaymentWebhookUpdate = Extract<WebhookUpdate, { kind: 'payment' }>;
export type MessageStatusWebhookUpdate = Extract<WebhookUpdate, { kind: 'message_status' }>;
export type ErrorWebhookUpdate = Extract<WebhookUpdate, { kind: 'error' }>;
export type PaymentConfigurationWebhookUpdate = Extract<WebhookUpdate, { kind: 'payment_configuration' }>;
export type UnknownWebhookUpdate = Extract<WebhookUpdate, { kind: 'unknown' }>;

export interface ParsedWebhook {
  updates: WebhookUpdate[];
  /** why the body is not a webhook envelope at all; null when it is one */
  malformed: string | null;
}

/**
 * Most updates one body yields. Meta batches at most a few dozen; the cap keeps a hostile (or
 * broken) body from turning into unbounded work downstream (one lookup per payment hint).
 */
export const MAX_WEBHOOK_UPDATES = 1000;

const TOO_MANY = `too many updates: only the first ${MAX_WEBHOOK_UPDATES} were read`;

const MESSAGE_STATUS_BY_WIRE: Record<string, WebhookMessageStatus> = {
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'READ',
  failed: 'FAILED',
};


function integer(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return null;
}

/** A wire value quoted in a description, cut short: descriptions are for logs, not payloads. */
function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : typeof value;
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** A field name kept on an unknown update, bounded like a description. */
function fieldName(value: unknown): string | null {
  return typeof value === 'string' ? (value.length > 100 ? value.slice(0, 100) : value) : null;
}

/** Collects updates up to MAX_WEBHOOK_UPDATES; `add` answers false once the body is past it. */
class Collector {
  readonly updates: WebhookUpdate[] = [];
  overflow = false;

  add(update: WebhookUpdate): boolean {
    if (this.updates.length >= MAX_WEBHOOK_UPDATES) {
      this.overflow = true;
      return false;
    }
    this.updates.push(update);
    return true;
  }

  unknown(field: string | null, description: string): boolean {
    return this.add({ kind: 'unknown', field, description });
  }
}

function parseError(e: Json): WebhookError {
  const data = isObject(e.error_data) ? e.error_data : {};
  return { code: integer(e.code), title: text(e.title), message: text(e.message), details: text(data.details) };
}

/** errors[] → WebhookError[]; anything that is not an array of objects contributes nothing. */
function parseErrors(value: unknown): WebhookError[] {
  return Array.isArray(value) ? value.filter(isObject).map(parseError) : [];
}

function parseTransaction(t: unknown): WebhookPaymentTransaction | null {
  return isObject(t) ? parseWireTransaction(t) : null;
}

function parseStatus(out: Collector, s: unknown, phoneNumberId: string | null): boolean {
  if (!isObject(s)) return out.unknown('messages', 'status is not an object');
  const wamid = text(s.id);
  const rawStatus = typeof s.status === 'string' ? s.status : '';
  const timestamp = fromWireTimestamp(s.timestamp);

  if (s.type === 'payment' || isObject(s.payment)) {
    const payment = isObject(s.payment) ? s.payment : {};
    const referenceId = text(payment.reference_id);
    // The lookup API is addressed by reference_id: without it there is nothing to verify.
    if (referenceId === null) return out.unknown('messages', 'payment status without payment.reference_id');
    return out.add({
      kind: 'payment',
      phoneNumberId,
      wamid,
      referenceId,
      status: fromWirePaymentStatus(rawStatus),
      rawStatus,
      amount: fromWireMoney(payment.amount),
      currency: text(payment.currency),
      transaction: parseTransaction(payment.transaction),
      timestamp,
    });
  }

  const key = rawStatus.trim().toLowerCase();
  const status = Object.hasOwn(MESSAGE_STATUS_BY_WIRE, key) ? MESSAGE_STATUS_BY_WIRE[key] : null;
  if (status === null) {
    return out.unknown('messages', rawStatus === '' ? 'status without a status value' : `message status ${quote(rawStatus)} is not handled`);
  }
  if (wamid === null) return out.unknown('messages', `message status ${quote(rawStatus)} without id`);
  return out.add({
    kind: 'message_status',
    phoneNumberId,
    wamid,
    status,
    rawStatus,
    errors: parseErrors(s.errors),
    timestamp,
    recipientId: text(s.recipient_id),
  });
}

function parseMessagesValue(out: Collector, value: Json): boolean {
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const phoneNumberId = text(metadata.phone_number_id);
  let recognised = false;

  if (value.statuses !== undefined) {
    recognised = true;
    if (!Array.isArray(value.statuses)) {
      if (!out.unknown('messages', 'statuses is not an array')) return false;
    } else {
      for (const s of value.statuses) if (!parseStatus(out, s, phoneNumberId)) return false;
    }
  }

  // 2046/2047 may arrive here instead of in statuses[].errors (wire/README.md).
  if (value.errors !== undefined) {
    recognised = true;
    if (!Array.isArray(value.errors)) {
      if (!out.unknown('messages', 'errors is not an array')) return false;
    } else if (value.errors.length > 0) {
      const errors = parseErrors(value.errors);
      const ok =
        errors.length > 0
          ? out.add({ kind: 'error', phoneNumberId, wamid: null, errors })
          : out.unknown('messages', 'errors holds no error objects');
      if (!ok) return false;
    }
  }

  // Customers writing to the business: not this gateway's job, but visible in the counts.
  if (value.messages !== undefined) {
    recognised = true;
    if (!Array.isArray(value.messages)) {
      if (!out.unknown('messages', 'messages is not an array')) return false;
    } else {
      for (let i = 0; i < value.messages.length; i++) if (!out.unknown('messages', 'inbound message')) return false;
    }
  }

  if (!recognised) return out.unknown('messages', 'messages change without statuses, errors or messages');
  return true;
}

function parsePaymentConfigurationValue(out: Collector, value: Json, entry: Json): boolean {
  const configurationName = text(value.configuration_name);
  const status = text(value.status);
  if (configurationName === null || status === null) {
    return out.unknown('payment_configuration_update', 'payment_configuration_update without configuration_name or status');
  }
  return out.add({
    kind: 'payment_configuration',
    configurationName,
    status,
    providerName: text(value.provider_name),
    providerMid: text(value.provider_mid),
    wabaId: text(entry.id),
    timestamp:
      fromWireTimestamp(value.updated_timestamp) ??
      fromWireTimestamp(value.created_timestamp) ??
      fromWireTimestamp(entry.time),
  });
}

function parseChange(out: Collector, change: unknown, entry: Json): boolean {
  if (!isObject(change)) return out.unknown(null, 'change is not an object');
  const field = fieldName(change.field);
  if (field === null) return out.unknown(null, 'change without a field');
  if (field !== 'messages' && field !== 'payment_configuration_update') {
    return out.unknown(field, `field ${quote(field)} is not handled`);
  }
  if (!isObject(change.value)) return out.unknown(field, 'value is not an object');
  return field === 'messages'
    ? parseMessagesValue(out, change.value)
    : parsePaymentConfigurationValue(out, change.value, entry);
}

function parseEntries(out: Collector, entries: unknown[]): void {
  for (const entry of entries) {
    if (!isObject(entry)) {
      if (!out.unknown(null, 'entry is not an object')) return;
      continue;
    }
    if (!Array.isArray(entry.changes)) {
      if (!out.unknown(null, 'entry has no changes array')) return;
      continue;
    }
    for (const change of entry.changes) if (!parseChange(out, change, entry)) return;
  }
}

/**
 * An authenticated, JSON.parse'd webhook body → normalized updates in body order. `malformed`
 * is set (with no updates) when the body is not a webhook envelope at all; otherwise every odd
 * part becomes an `unknown` update and the rest is still read. Never throws.
 */
export function parseWebhook(body: unknown): ParsedWebhook {
  const out = new Collector();
  let malformed: string | null;
  try {
    malformed = parseBody(out, body);
  } catch (err) {
    // Only reachable with input JSON.parse cannot produce (throwing getters, proxies); keep what
    // was read rather than lose it.
    malformed = `body could not be read: ${err instanceof Error ? err.message.slice(0, 100) : 'unknown error'}`;
  }
  if (out.overflow) out.updates.push({ kind: 'unknown', field: null, description: TOO_MANY });
  return { updates: out.updates, malformed };
}

function parseBody(out: Collector, body: unknown): string | null {
  if (!isObject(body)) {
    return `body is ${Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`}, not a JSON object`;
  }
  if (!Array.isArray(body.entry)) return 'body has no entry array';
  // Other Graph objects (page, instagram, ...) also have entry[].changes[] with a "messages"
  // field; reading them as WhatsApp statuses would be wrong. A missing object is tolerated.
  if (body.object !== undefined && body.object !== 'whatsapp_business_account') {
    out.unknown(null, `object ${quote(body.object)} is not whatsapp_business_account`);
    return null;
  }
  parseEntries(out, body.entry);
  return null;
}
