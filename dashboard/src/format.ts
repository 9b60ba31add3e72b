import type { Money, UserError } from './types';

/** "INR 520.00": the gateway formats the amount (integer minor units); the currency goes first. */
export function money(m: Money | null | undefined): string {
  return m ? `${m.currency} ${m.formatted}` : '–';
}

/** ENUM_VALUE → "Enum value" */
export function label(value: string | null | undefined): string {
  if (!value) return '–';
  const words = value.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function dateTime(iso: string | null | undefined): string {
  return iso ? TIME.format(new Date(iso)) : '–';
}

/** "just now", "4 min", "3 h", "2 d": how long ago, short enough for a table cell. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** What a userError means for the person who clicked, then the gateway's own words. */
export function explainUserError(e: UserError): string {
  const why: Record<string, string> = {
    INVALID_STATUS_TRANSITION: 'WhatsApp does not allow this status change',
    CANCEL_NOT_ALLOWED: 'The order cannot be canceled because its payment is pending or captured',
    UPSTREAM_UNAVAILABLE: 'WhatsApp could not be reached; nothing was changed, try again in a moment',
    UPSTREAM_REJECTED: 'WhatsApp refused the request; retrying it unchanged will not help',
    ORDER_NOT_FOUND: 'The order was not found',
    INVALID_INPUT: 'A field is not valid',
    IDEMPOTENCY_KEY_REUSED: 'This request was already made with different content',
    REFUND_NOT_ALLOWED: 'The refund is not possible',
    WEBHOOK_URL_NOT_ALLOWED: 'The gateway will not call this URL',
    NOT_FOUND: 'It no longer exists (deleted meanwhile?) or this key may not see it',
  };
  const code = e.whatsappCode ? ` (WhatsApp error ${e.whatsappCode})` : '';
  const field = e.field?.length ? ` [${e.field.join('.')}]` : '';
  const lead = why[e.code];
  return lead ? `${lead}${code}. ${e.message}${field}` : `${e.message}${code}${field}`;
}

/** "200", "199.5" or "199.50" (rupees) as paise, without floating point; null when it is not such an amount. */
export function paise(text: string): number | null {
  const m = /^\s*(\d{1,8})(?:\.(\d{1,2}))?\s*$/.exec(text);
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

/** YYYY-MM-DD of a local date, as <input type="date"> wants it. */
export function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
