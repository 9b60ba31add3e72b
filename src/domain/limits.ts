// The longest text the gateway accepts for each field a caller gives, in characters (code points,
// as WhatsApp counts them). These are WhatsApp's own limits where it has one, and the width of the
// column the text is stored in everywhere: the entities size their columns from these constants
// and the validation checks against them, so a text that passes validation always fits its column
// (PostgreSQL refuses one that does not; sqlite would keep it silently).

export const MAX_REFERENCE_ID = 35;
export const MAX_PAYMENT_CONFIGURATION = 60;
export const MAX_BODY = 1024;
export const MAX_FOOTER = 60;
export const MAX_RETAILER_ID = 100;
export const MAX_ITEM_NAME = 60;
/** tax, shipping and discount descriptions */
export const MAX_CHARGE_DESCRIPTION = 60;
export const MAX_PROGRAM_NAME = 60;
/** expiration description and order status description */
export const MAX_LONG_DESCRIPTION = 120;
export const MAX_COUNTRY_OF_ORIGIN = 100;
export const MAX_IMPORTER_NAME = 200;
export const MAX_CATALOG_ID = 128;
/** the customer's number: digits with country code */
export const MAX_TO_DIGITS = 15;
/** WhatsApp's ids of phone numbers and business accounts: digits */
export const MAX_PHONE_NUMBER_ID = 64;
export const MAX_WABA_ID = 64;
export const MAX_DISPLAY_PHONE_NUMBER = 32;
export const MAX_BUSINESS_NAME = 200;
export const MAX_API_URL = 500;
export const MAX_API_KEY_LABEL = 200;
export const MAX_IDEMPOTENCY_KEY = 255;
/** refundPayment's reason: kept with the refund, never sent to WhatsApp */
export const MAX_REFUND_REASON = 255;
/** order events are numbered by a 32-bit sequence: a larger id was never issued */
export const MAX_EVENT_ID = 2147483647;

/**
 * Characters no caller text may hold: C0 control characters other than tab, line feed and
 * carriage return, DEL, and unpaired UTF-16 surrogates. PostgreSQL cannot store NUL at all, no
 * WhatsApp text renders the others, and an unpaired surrogate is not Unicode text (it would be
 * stored as U+FFFD, silently changing what was sent).
 */
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|\p{Cs}/u;

/** The first forbidden character of `s` as `U+0000`, or null when there is none. */
export function forbiddenCharacter(s: string): string | null {
  const match = FORBIDDEN_CHARACTER.exec(s);
  if (!match) return null;
  return `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The times the gateway stores and compares: years 0001 to 9999 (both databases hold them, RFC 3339 writes them). */
export const MIN_TIME_MS = -62135596800000; // 0001-01-01T00:00:00.000Z
export const MAX_TIME_MS = 253402300799999; // 9999-12-31T23:59:59.999Z

/** A time given by a caller (a cursor, a query parameter) that can be stored and compared. */
export function isStorableTime(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;
}
