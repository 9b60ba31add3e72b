// HTTP plumbing of the simulator: reading bodies, routing the two providers' paths, the Graph
// error envelope, and redacting credentials from what it records.

import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

export type CallKind = 'messages' | 'lookup' | 'refund';
export const CALL_KINDS: readonly CallKind[] = ['messages', 'lookup', 'refund'];
export type Provider = 'CLOUD_API' | 'DIALOG360';

export const MAX_BODY_BYTES = 1024 * 1024;

/** The Graph API error envelope, as in wire/error.response.json. */
export function graphError(code: number, message: string, details?: string) {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: details ?? message },
      fbtrace_id: randomBytes(9).toString('base64url'),
    },
  };
}

export function redact(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
    if (name === 'authorization') out[name] = text.replace(/^(\S+\s+)?.*$/, (_m, scheme: string | undefined) => `${scheme ?? ''}[redacted]`);
    else if (name === 'd360-api-key') out[name] = '[redacted]';
    else out[name] = text;
  }
  return out;
}

export function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Key-order-insensitive JSON, so a resend is recognised as "the same order" whatever the serializer did. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.removeAllListeners('data');
        req.resume();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export interface Route {
  call: CallKind;
  provider: Provider;
  phoneNumberId?: string;
  configurationName?: string;
  referenceId?: string;
}

const VERSION = /^v\d+(\.\d+)?$/;

export function route(method: string, s: string[]): Route | null {
  // Cloud API: /{version}/{phone-number-id}/messages, /{version}/{phone-number-id}/payments/{configuration}/{reference}
  // and /{version}/{phone-number-id}/payments_refund
  if (method === 'POST' && s.length === 3 && VERSION.test(s[0]) && s[2] === 'messages') {
    return { call: 'messages', provider: 'CLOUD_API', phoneNumberId: s[1] };
  }
  if (method === 'GET' && s.length === 5 && VERSION.test(s[0]) && s[2] === 'payments') {
    return { call: 'lookup', provider: 'CLOUD_API', phoneNumberId: s[1], configurationName: s[3], referenceId: s[4] };
  }
  if (method === 'POST' && s.length === 3 && VERSION.test(s[0]) && s[2] === 'payments_refund') {
    return { call: 'refund', provider: 'CLOUD_API', phoneNumberId: s[1] };
  }
  // 360dialog: /messages, /v1/payments/{configuration}/{reference}, and /payments_refund (its
  // refund path is undocumented: the gateway's default, DIALOG360_REFUND_PATH)
  if (method === 'POST' && s.length === 1 && s[0] === 'messages') return { call: 'messages', provider: 'DIALOG360' };
  if (method === 'POST' && s.length === 1 && s[0] === 'payments_refund') return { call: 'refund', provider: 'DIALOG360' };
  if (method === 'GET' && s.length === 4 && s[0] === 'v1' && s[1] === 'payments') {
    return { call: 'lookup', provider: 'DIALOG360', configurationName: s[2], referenceId: s[3] };
  }
  return null;
}
