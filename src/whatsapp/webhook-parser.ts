// Parsing of an authenticated webhook body (already JSON.parse'd) into a flat list of normalized
// updates. Lenient by design (wire/README.md): the documentation is thin and new fields appear,
// so this never throws on odd input. Whatever it does not recognise becomes an `unknown` update
// with a short description (to log and count), never an error that loses the rest of the body.
// A payment webhook is only a hint (the gateway verifies through the lookup API), so a payment
// status this gateway does not know still yields a `payment` update, with status null and the
// raw value kept. Every value is range-checked here (wire-values.ts): one out of range is never
// passed on (it could not be stored, or would break reads) and is listed in `problems`, which
// the inbox records on the stored webhook (FAILED, with the reason).

import { derivePaymentStatus } from '../domain/payment-status';
import { REFERENCE_ID_PATTERN } from '../domain/order-validation';
import type { PaymentStatus } from '../domain/types';
import { LookupRefund, LookupTransaction, parseWireRefunds, parseWireTransaction } from './lookup';
import { fromWirePaymentStatus, fromWireTransactionStatus, isObject, Json } from './wire-mapping';
import { MAX_INT32, quote, wireCurrency, wireId, wireInteger, wireMoney, WireProblems, wireText, wireTimestamp } from './wire-values';

/** Widths of the columns webhooks are matched on or stored in (src/db/entities). */
const MAX_WAMID = 255;
const MAX_PHONE_NUMBER_ID = 64;
const MAX_WABA_ID = 64;
const MAX_CONFIGURATION_NAME = 60;
const MAX_CONFIGURATION_STATUS = 64;
const MAX_ERROR_TEXT = 1000;

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
      /**
       * statuses[].id: an id of this notification, NOT a wamid (Meta's current page); the
       * payment is found by reference_id, never by this
       */
      notificationId: string | null;
      referenceId: string;
      /**
       * what the webhook claims, derived like the lookup's (derivePaymentStatus) from the status
       * and the one transaction it reports; null = a status value this gateway does not know
       */
      status: PaymentStatus | null;
      rawStatus: string;
      amount: { value: number; offset: number } | null;
      currency: string | null;
      transaction: WebhookPaymentTransaction | null;
      /** refunds[] at payment level (parsed for the refunds feature; nothing stores them yet) */
      refunds: LookupRefund[];
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
  /** values out of range, left out of the updates (where, what, what is allowed) */
  problems: string[];
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

/** A field name kept on an unknown update, bounded like a description. */
function fieldName(value: unknown): string | null {
  return typeof value === 'string' ? (value.length > 100 ? value.slice(0, 100) : value) : null;
}

/** Collects updates up to MAX_WEBHOOK_UPDATES; `add` answers false once the body is past it. */
class Collector {
  readonly updates: WebhookUpdate[] = [];
  readonly problems = new WireProblems();
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

function parseError(e: Json, path: string, problems: WireProblems): WebhookError {
  const data = isObject(e.error_data) ? e.error_data : {};
  return {
    code: wireInteger(e.code, `${path}.code`, problems, 0, MAX_INT32),
    title: wireText(e.title, MAX_ERROR_TEXT),
    message: wireText(e.message, MAX_ERROR_TEXT),
    details: wireText(data.details, MAX_ERROR_TEXT),
  };
}

/** errors[] → WebhookError[]; anything that is not an array of objects contributes nothing. */
function parseErrors(value: unknown, path: string, problems: WireProblems): WebhookError[] {
  if (!Array.isArray(value)) return [];
  const errors: WebhookError[] = [];
  value.forEach((e, i) => {
    if (isObject(e)) errors.push(parseError(e, `${path}[${i}]`, problems));
  });
  return errors;
}

function parsePayment(out: Collector, s: Json, phoneNumberId: string | null, path: string, rawStatus: string, timestamp: Date | null): boolean {
  const problems = out.problems;
  const notificationId = wireId(s.id, `${path}.id`, problems, MAX_WAMID);
  const payment = isObject(s.payment) ? s.payment : {};
  const reference: unknown = payment.reference_id;
  // The lookup API is addressed by reference_id: without it there is nothing to verify.
  if (reference === undefined || reference === null || reference === '') {
    return out.unknown('messages', 'payment status without payment.reference_id');
  }
  if (typeof reference !== 'string' || !REFERENCE_ID_PATTERN.test(reference)) {
    problems.add(`${path}.payment.reference_id`, `is ${quote(reference)}, not a reference id (1-35 of A-Z a-z 0-9 _ . -)`);
    return out.unknown('messages', 'payment status with an invalid payment.reference_id');
  }
  const transaction = isObject(payment.transaction)
    ? parseWireTransaction(payment.transaction, `${path}.payment.transaction`, problems)
    : null;
  const reported = fromWirePaymentStatus(rawStatus);
  return out.add({
    kind: 'payment',
    phoneNumberId,
    notificationId,
    referenceId: reference,
    // the attempt counts even when its id is unusable: it still happened
    status:
      reported === null
        ? null
        : derivePaymentStatus(reported, isObject(payment.transaction) ? [fromWireTransactionStatus(payment.transaction.status)] : []),
    rawStatus,
    amount: wireMoney(payment.amount, `${path}.payment.amount`, problems),
    currency: wireCurrency(payment.currency, `${path}.payment.currency`, problems),
    transaction,
    refunds: parseWireRefunds(payment.refunds, `${path}.payment.refunds`, problems),
    timestamp,
  });
}

function parseStatus(out: Collector, s: unknown, phoneNumberId: string | null, path: string): boolean {
  if (!isObject(s)) return out.unknown('messages', 'status is not an object');
  const rawStatus = typeof s.status === 'string' ? (wireText(s.status, 40) ?? '') : '';
  const timestamp = wireTimestamp(s.timestamp, `${path}.timestamp`, out.problems);

  if (s.type === 'payment' || isObject(s.payment)) return parsePayment(out, s, phoneNumberId, path, rawStatus, timestamp);

  const key = rawStatus.trim().toLowerCase();
  const status = Object.hasOwn(MESSAGE_STATUS_BY_WIRE, key) ? MESSAGE_STATUS_BY_WIRE[key] : null;
  if (status === null) {
    return out.unknown('messages', rawStatus === '' ? 'status without a status value' : `message status ${quote(rawStatus)} is not handled`);
  }
  const wamid = wireId(s.id, `${path}.id`, out.problems, MAX_WAMID);
  if (wamid === null) return out.unknown('messages', `message status ${quote(rawStatus)} without id`);
  return out.add({
    kind: 'message_status',
    phoneNumberId,
    wamid,
    status,
    rawStatus,
    errors: parseErrors(s.errors, `${path}.errors`, out.problems),
    timestamp,
    recipientId: wireId(s.recipient_id, `${path}.recipient_id`, out.problems, 64),
  });
}

function parseMessagesValue(out: Collector, value: Json, path: string): boolean {
  const metadata = isObject(value.metadata) ? value.metadata : {};
  const phoneNumberId = wireId(metadata.phone_number_id, `${path}.metadata.phone_number_id`, out.problems, MAX_PHONE_NUMBER_ID);
  let recognised = false;

  if (value.statuses !== undefined) {
    recognised = true;
    if (!Array.isArray(value.statuses)) {
      if (!out.unknown('messages', 'statuses is not an array')) return false;
    } else {
      for (let i = 0; i < value.statuses.length; i++) {
        if (!parseStatus(out, value.statuses[i], phoneNumberId, `${path}.statuses[${i}]`)) return false;
      }
    }
  }

  // 2046/2047 may arrive here instead of in statuses[].errors (wire/README.md).
  if (value.errors !== undefined) {
    recognised = true;
    if (!Array.isArray(value.errors)) {
      if (!out.unknown('messages', 'errors is not an array')) return false;
    } else if (value.errors.length > 0) {
      const errors = parseErrors(value.errors, `${path}.errors`, out.problems);
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

function parsePaymentConfigurationValue(out: Collector, value: Json, entry: Json, path: string, entryPath: string): boolean {
  const problems = out.problems;
  const configurationName = wireId(value.configuration_name, `${path}.configuration_name`, problems, MAX_CONFIGURATION_NAME);
  const status = wireId(value.status, `${path}.status`, problems, MAX_CONFIGURATION_STATUS);
  if (configurationName === null || status === null) {
    return out.unknown('payment_configuration_update', 'payment_configuration_update without configuration_name or status');
  }
  return out.add({
    kind: 'payment_configuration',
    configurationName,
    status,
    providerName: wireId(value.provider_name, `${path}.provider_name`, problems, 64),
    providerMid: wireId(value.provider_mid, `${path}.provider_mid`, problems, 128),
    wabaId: wireId(entry.id, `${entryPath}.id`, problems, MAX_WABA_ID),
    timestamp:
      wireTimestamp(value.updated_timestamp, `${path}.updated_timestamp`, problems) ??
      wireTimestamp(value.created_timestamp, `${path}.created_timestamp`, problems) ??
      wireTimestamp(entry.time, `${entryPath}.time`, problems),
  });
}

function parseChange(out: Collector, change: unknown, entry: Json, path: string, entryPath: string): boolean {
  if (!isObject(change)) return out.unknown(null, 'change is not an object');
  const field = fieldName(change.field);
  if (field === null) return out.unknown(null, 'change without a field');
  if (field !== 'messages' && field !== 'payment_configuration_update') {
    return out.unknown(field, `field ${quote(field)} is not handled`);
  }
  if (!isObject(change.value)) return out.unknown(field, 'value is not an object');
  return field === 'messages'
    ? parseMessagesValue(out, change.value, `${path}.value`)
    : parsePaymentConfigurationValue(out, change.value, entry, `${path}.value`, entryPath);
}

function parseEntries(out: Collector, entries: unknown[]): void {
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e];
    if (!isObject(entry)) {
      if (!out.unknown(null, 'entry is not an object')) return;
      continue;
    }
    if (!Array.isArray(entry.changes)) {
      if (!out.unknown(null, 'entry has no changes array')) return;
      continue;
    }
    for (let c = 0; c < entry.changes.length; c++) {
      if (!parseChange(out, entry.changes[c], entry, `entry[${e}].changes[${c}]`, `entry[${e}]`)) return;
    }
  }
}

/**
 * An authenticated, JSON.parse'd webhook body → normalized updates in body order. `malformed`
 * is set (with no updates) when the body is not a webhook envelope at all; otherwise every odd
 * part becomes an `unknown` update and the rest is still read; values out of range are left out
 * and listed in `problems`. Never throws.
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
  return { updates: out.updates, malformed, problems: out.problems.list() };
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
