// Authentication of POST /webhooks/whatsapp, done on the exact raw bytes before anything parses
// them. Three mechanisms (DESIGN.md, wire/README.md):
//   - X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body keyed with the app secret
//     (Meta's Cloud API signs every webhook this way);
//   - x-360dialog-signature: hex HMAC-SHA256 of the raw body keyed with the partner's secret, bare
//     or with the same "sha256=" prefix (360dialog signs what it forwards to partners);
//   - X-Webhook-Token: a shared secret header, the fallback where no signature can be checked.
// A webhook is accepted when ANY configured mechanism verifies. Comparisons are constant-time and
// nothing here throws on odd input: a malformed header is just a header that does not verify.
// Reasons never echo a secret or the header values received.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookAuthMechanism } from '../domain/types';

export type { WebhookAuthMechanism };
export type WebhookAuthResult = { ok: true; by: WebhookAuthMechanism } | { ok: false; reason: string };

export interface WebhookAuthHeaders {
  /** the X-Hub-Signature-256 header as Node gives it (an array when a framework kept duplicates) */
  signature?: string | string[];
  /** the X-Webhook-Token header */
  token?: string | string[];
  /** the x-360dialog-signature header */
  dialog360Signature?: string | string[];
}

export interface WebhookSecrets {
  /** WHATSAPP_APP_SECRET; null (or empty) = signatures are not checked */
  appSecret: string | null;
  /** WHATSAPP_WEBHOOK_TOKEN; null (or empty) = the token header is not accepted */
  webhookToken: string | null;
  /** DIALOG360_WEBHOOK_SECRET; null (or empty, or left out) = 360dialog signatures are not checked */
  dialog360Secret?: string | null;
}

const SIGNATURE_PREFIX = 'sha256=';
/** 32 bytes of SHA-256 as hex; upper case is accepted (hex is case-insensitive). */
const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;

type Check = 'absent' | 'ok' | 'wrong' | 'duplicated';

/**
 * An HMAC-SHA256 signature header of the raw body. Meta's always carries the "sha256=" prefix;
 * 360dialog's has been seen with and without it (`prefix: 'optional'`).
 */
function checkSignature(rawBody: Buffer, header: string | string[] | undefined, secret: string, prefix: 'required' | 'optional' = 'required'): Check {
  if (header === undefined) return 'absent';
  // Node joins duplicated custom headers into one string (which then fails the format check);
  // an array means something upstream kept both values. Which one would be "the" signature is
  // ambiguous, so neither counts.
  if (Array.isArray(header)) return 'duplicated';
  const value = header.trim();
  const prefixed = value.startsWith(SIGNATURE_PREFIX);
  if (!prefixed && prefix === 'required') return 'wrong';
  const hex = prefixed ? value.slice(SIGNATURE_PREFIX.length) : value;
  if (!SIGNATURE_HEX.test(hex)) return 'wrong';
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(hex, 'hex');
  // Both are 32 bytes here (the regex fixed the length), which timingSafeEqual requires.
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'wrong';
}

function checkToken(header: string | string[] | undefined, webhookToken: string): Check {
  if (header === undefined) return 'absent';
  if (Array.isArray(header)) return 'duplicated';
  // Hashing both sides first gives equal-length buffers, so timingSafeEqual neither throws nor
  // leaks the configured token's length through an early length check.
  const given = createHash('sha256').update(header, 'utf8').digest();
  const expected = createHash('sha256').update(webhookToken, 'utf8').digest();
  return timingSafeEqual(given, expected) ? 'ok' : 'wrong';
}

/**
 * Decides whether a webhook body comes from WhatsApp (or the configured BSP). `rawBody` must be
 * the bytes exactly as received: a re-serialised JSON body has different bytes and never matches.
 */
export function authenticateWebhook(
  rawBody: Buffer,
  headers: WebhookAuthHeaders,
  secrets: WebhookSecrets,
): WebhookAuthResult {
  // An empty secret would make the HMAC (or the token) computable by anyone: treat it as unset.
  const appSecret = secrets.appSecret ? secrets.appSecret : null;
  const webhookToken = secrets.webhookToken ? secrets.webhookToken : null;
  const dialog360Secret = secrets.dialog360Secret ? secrets.dialog360Secret : null;
  if (appSecret === null && webhookToken === null && dialog360Secret === null) return { ok: false, reason: 'no webhook secret is configured' };
  if (!Buffer.isBuffer(rawBody)) {
    // Typically a JSON body parser ran before this route; the signature cannot be checked then.
    return { ok: false, reason: 'the raw request body is not available (read it before any body parser)' };
  }

  const signature = appSecret === null ? 'absent' : checkSignature(rawBody, headers.signature, appSecret);
  if (signature === 'ok') return { ok: true, by: 'SIGNATURE' };
  const dialog360 = dialog360Secret === null ? 'absent' : checkSignature(rawBody, headers.dialog360Signature, dialog360Secret, 'optional');
  if (dialog360 === 'ok') return { ok: true, by: 'DIALOG360_SIGNATURE' };
  const token = webhookToken === null ? 'absent' : checkToken(headers.token, webhookToken);
  if (token === 'ok') return { ok: true, by: 'TOKEN' };

  const problems: string[] = [];
  if (signature === 'wrong') problems.push('X-Hub-Signature-256 does not match the body');
  if (signature === 'duplicated') problems.push('X-Hub-Signature-256 is sent more than once');
  if (dialog360 === 'wrong') problems.push('x-360dialog-signature does not match the body');
  if (dialog360 === 'duplicated') problems.push('x-360dialog-signature is sent more than once');
  if (token === 'wrong') problems.push('X-Webhook-Token is wrong');
  if (token === 'duplicated') problems.push('X-Webhook-Token is sent more than once');
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };

  // Nothing usable was sent: name only the header(s) this gateway would accept.
  const accepted = [
    appSecret !== null ? 'X-Hub-Signature-256' : null,
    dialog360Secret !== null ? 'x-360dialog-signature' : null,
    webhookToken !== null ? 'X-Webhook-Token' : null,
  ].filter((h): h is string => h !== null);
  return { ok: false, reason: accepted.length === 1 ? `missing ${accepted[0]}` : `missing ${accepted[0]} (or ${accepted.slice(1).join(', or ')})` };
}
