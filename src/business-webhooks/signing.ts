import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is "whsec_" and the
 * base64 of the key; a request is signed as
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${body}`)>
 * with one more space-separated signature per extra secret (a rotation's overlap), so a receiver
 * holding either secret verifies it. Receivers use the specification's libraries (`standardwebhooks`
 * on npm: `new Webhook(secret).verify(body, headers)`); the tests verify with that library.
 */

const PREFIX = 'whsec_';

/** A new endpoint secret: 32 random bytes (the specification asks for 24 to 64). */
export function generateWebhookSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for `body`, signed with every secret given (current first). */
export function signWebhook(id: string, body: string, secrets: string[], at: Date = new Date()): SignedHeaders {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signed = `${id}.${timestamp}.${body}`;
  const signature = secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(signed, 'utf8').digest('base64')}`).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}
