import { createHmac } from 'node:crypto';
import { authenticateWebhook } from '../../src/whatsapp/webhook-auth';
import { wireText } from '../fixtures/load-wire';

const APP_SECRET = 'app-secret-0123456789';
const TOKEN = 'shared-webhook-token';
const BOTH = { appSecret: APP_SECRET, webhookToken: TOKEN };
const SIGNATURE_ONLY = { appSecret: APP_SECRET, webhookToken: null };
const TOKEN_ONLY = { appSecret: null, webhookToken: TOKEN };

// The exact bytes as received, including the sample's formatting (what Meta signs).
const body = Buffer.from(wireText('webhook.payment.captured.json'), 'utf8');

function hex(raw: Buffer, secret = APP_SECRET): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}
const signature = `sha256=${hex(body)}`;

/** One hex digit of the signature changed (the last one, to a different digit). */
function forge(sig: string): string {
  const last = sig[sig.length - 1];
  return sig.slice(0, -1) + (last === '0' ? '1' : '0');
}

describe('authenticateWebhook: X-Hub-Signature-256', () => {
  it('accepts a valid signature of the exact raw bytes', () => {
    expect(authenticateWebhook(body, { signature }, SIGNATURE_ONLY)).toEqual({ ok: true, by: 'SIGNATURE' });
    expect(authenticateWebhook(body, { signature }, BOTH)).toEqual({ ok: true, by: 'SIGNATURE' });
  });

  it('accepts upper-case hex', () => {
    expect(authenticateWebhook(body, { signature: `sha256=${hex(body).toUpperCase()}` }, SIGNATURE_ONLY)).toEqual({
      ok: true,
      by: 'SIGNATURE',
    });
  });

  it('refuses a forged signature (one hex digit changed)', () => {
    const forged = forge(signature);
    expect(forged).not.toBe(signature);
    expect(forged).toHaveLength(signature.length);
    expect(authenticateWebhook(body, { signature: forged }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body',
    });
  });

  it('refuses a body replayed with changed bytes under the old signature', () => {
    const changed = Buffer.from(body);
    const at = changed.indexOf('52000');
    changed[at] = '9'.charCodeAt(0); // 52000 -> 92000: one byte
    expect(changed.equals(body)).toBe(false);
    expect(authenticateWebhook(changed, { signature }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body',
    });
    // whitespace counts too: re-serialising the JSON breaks the signature
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    expect(authenticateWebhook(reserialised, { signature }, SIGNATURE_ONLY).ok).toBe(false);
  });

  it('refuses a signature made with another secret', () => {
    expect(authenticateWebhook(body, { signature: `sha256=${hex(body, 'other')}` }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body',
    });
  });

  it('refuses a missing signature', () => {
    expect(authenticateWebhook(body, {}, SIGNATURE_ONLY)).toEqual({ ok: false, reason: 'missing X-Hub-Signature-256' });
    expect(authenticateWebhook(body, {}, BOTH)).toEqual({
      ok: false,
      reason: 'missing X-Hub-Signature-256 (or X-Webhook-Token)',
    });
  });

  it.each([
    ['a wrong prefix (sha1=)', `sha1=${hex(body)}`],
    ['no prefix', hex(body)],
    ['an upper-case prefix', `SHA256=${hex(body)}`],
    ['a truncated digest', signature.slice(0, -2)],
    ['a longer digest', `${signature}00`],
    ['non-hex characters', `sha256=${'z'.repeat(64)}`],
    ['an empty value', ''],
    ['the prefix only', 'sha256='],
    ['two values joined by Node', `${signature}, ${signature}`],
  ])('refuses %s without throwing', (_name, value) => {
    expect(authenticateWebhook(body, { signature: value }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body',
    });
  });

  it('refuses a duplicated (array) header, even when both values are valid', () => {
    expect(authenticateWebhook(body, { signature: [signature, signature] }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 is sent more than once',
    });
    expect(authenticateWebhook(body, { signature: [signature] }, SIGNATURE_ONLY).ok).toBe(false);
  });

  it('signs an empty body too', () => {
    const empty = Buffer.alloc(0);
    expect(authenticateWebhook(empty, { signature: `sha256=${hex(empty)}` }, SIGNATURE_ONLY)).toEqual({
      ok: true,
      by: 'SIGNATURE',
    });
  });
});

describe('authenticateWebhook: X-Webhook-Token', () => {
  it('accepts the right token', () => {
    expect(authenticateWebhook(body, { token: TOKEN }, TOKEN_ONLY)).toEqual({ ok: true, by: 'TOKEN' });
    expect(authenticateWebhook(body, { token: TOKEN }, BOTH)).toEqual({ ok: true, by: 'TOKEN' });
  });

  it.each([
    ['a wrong token', 'shared-webhook-tokem'],
    ['a prefix of the token', TOKEN.slice(0, -1)],
    ['the token plus a character', `${TOKEN}x`],
    ['an empty token', ''],
  ])('refuses %s', (_name, token) => {
    expect(authenticateWebhook(body, { token }, TOKEN_ONLY)).toEqual({ ok: false, reason: 'X-Webhook-Token is wrong' });
  });

  it('refuses a missing or duplicated token', () => {
    expect(authenticateWebhook(body, {}, TOKEN_ONLY)).toEqual({ ok: false, reason: 'missing X-Webhook-Token' });
    expect(authenticateWebhook(body, { token: [TOKEN, TOKEN] }, TOKEN_ONLY)).toEqual({
      ok: false,
      reason: 'X-Webhook-Token is sent more than once',
    });
  });

  it('ignores a signature header when no app secret is configured', () => {
    expect(authenticateWebhook(body, { signature }, TOKEN_ONLY)).toEqual({ ok: false, reason: 'missing X-Webhook-Token' });
  });

  it('ignores a token header when no token is configured', () => {
    expect(authenticateWebhook(body, { token: TOKEN }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'missing X-Hub-Signature-256',
    });
  });
});

describe('authenticateWebhook: both mechanisms', () => {
  it('accepts a right token beside a wrong signature (either mechanism suffices)', () => {
    expect(authenticateWebhook(body, { signature: forge(signature), token: TOKEN }, BOTH)).toEqual({
      ok: true,
      by: 'TOKEN',
    });
  });

  it('accepts a right signature beside a wrong token', () => {
    expect(authenticateWebhook(body, { signature, token: 'nope' }, BOTH)).toEqual({ ok: true, by: 'SIGNATURE' });
  });

  it('reports the wrong signature when nothing verifies', () => {
    expect(authenticateWebhook(body, { signature: forge(signature) }, BOTH)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body',
    });
    expect(authenticateWebhook(body, { signature: forge(signature), token: 'nope' }, BOTH)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body; X-Webhook-Token is wrong',
    });
    expect(authenticateWebhook(body, { token: 'nope' }, BOTH)).toEqual({ ok: false, reason: 'X-Webhook-Token is wrong' });
  });
});

describe('authenticateWebhook: x-360dialog-signature (360dialog signs what it forwards)', () => {
  const PARTNER_SECRET = 'partner-secret-0123456789';
  const D360_ONLY = { appSecret: null, webhookToken: null, dialog360Secret: PARTNER_SECRET };
  const ALL = { appSecret: APP_SECRET, webhookToken: TOKEN, dialog360Secret: PARTNER_SECRET };
  const bare = hex(body, PARTNER_SECRET);

  it('accepts the HMAC-SHA256 of the raw bytes as bare hex, with a sha256= prefix, in upper case', () => {
    for (const header of [bare, `sha256=${bare}`, bare.toUpperCase(), ` ${bare} `]) {
      expect(authenticateWebhook(body, { dialog360Signature: header }, D360_ONLY)).toEqual({ ok: true, by: 'DIALOG360_SIGNATURE' });
    }
  });

  it('refuses a forged one, one of other bytes, one keyed with the app secret, and garbage', () => {
    const wrong = { ok: false, reason: 'x-360dialog-signature does not match the body' };
    expect(authenticateWebhook(body, { dialog360Signature: forge(bare) }, D360_ONLY)).toEqual(wrong);
    expect(authenticateWebhook(Buffer.concat([body, Buffer.from(' ')]), { dialog360Signature: bare }, D360_ONLY)).toEqual(wrong);
    expect(authenticateWebhook(body, { dialog360Signature: hex(body) }, D360_ONLY)).toEqual(wrong);
    for (const garbage of ['', 'sha256=', 'sha1=' + bare.slice(0, 40), bare.slice(1), `${bare}00`, 'zz'.repeat(32)]) {
      expect(authenticateWebhook(body, { dialog360Signature: garbage }, D360_ONLY)).toEqual(wrong);
    }
    expect(authenticateWebhook(body, { dialog360Signature: [bare, bare] }, D360_ONLY)).toEqual({
      ok: false,
      reason: 'x-360dialog-signature is sent more than once',
    });
  });

  it('is not checked without its secret, and Meta signatures do not pass as it', () => {
    expect(authenticateWebhook(body, { dialog360Signature: bare }, BOTH)).toEqual({ ok: false, reason: 'missing X-Hub-Signature-256 (or X-Webhook-Token)' });
    // X-Hub-Signature-256 needs its prefix; the 360dialog header does not
    expect(authenticateWebhook(body, { signature: hex(body) }, SIGNATURE_ONLY)).toEqual({ ok: false, reason: 'X-Hub-Signature-256 does not match the body' });
  });

  it('sits beside the other mechanisms: any one that verifies suffices; every failure is named', () => {
    expect(authenticateWebhook(body, { signature: forge(signature), dialog360Signature: bare }, ALL)).toEqual({ ok: true, by: 'DIALOG360_SIGNATURE' });
    expect(authenticateWebhook(body, { signature, dialog360Signature: forge(bare) }, ALL)).toEqual({ ok: true, by: 'SIGNATURE' });
    expect(authenticateWebhook(body, { dialog360Signature: forge(bare), token: TOKEN }, ALL)).toEqual({ ok: true, by: 'TOKEN' });
    expect(authenticateWebhook(body, { signature: forge(signature), dialog360Signature: forge(bare), token: 'nope' }, ALL)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature-256 does not match the body; x-360dialog-signature does not match the body; X-Webhook-Token is wrong',
    });
    expect(authenticateWebhook(body, {}, ALL)).toEqual({ ok: false, reason: 'missing X-Hub-Signature-256 (or x-360dialog-signature, or X-Webhook-Token)' });
    expect(authenticateWebhook(body, {}, D360_ONLY)).toEqual({ ok: false, reason: 'missing x-360dialog-signature' });
    const r = authenticateWebhook(body, { dialog360Signature: forge(bare) }, D360_ONLY);
    expect(!r.ok && r.reason).not.toContain(PARTNER_SECRET);
  });
});

describe('authenticateWebhook: configuration', () => {
  it('refuses everything when no secret is configured', () => {
    const none = { appSecret: null, webhookToken: null };
    expect(authenticateWebhook(body, { signature, token: TOKEN }, none)).toEqual({
      ok: false,
      reason: 'no webhook secret is configured',
    });
    expect(authenticateWebhook(body, {}, none)).toEqual({ ok: false, reason: 'no webhook secret is configured' });
  });

  it('treats empty secrets as not configured (an empty HMAC key is no secret)', () => {
    const empty = Buffer.from('{}');
    const emptyKeySignature = `sha256=${hex(empty, '')}`;
    expect(authenticateWebhook(empty, { signature: emptyKeySignature, token: '' }, { appSecret: '', webhookToken: '' })).toEqual({
      ok: false,
      reason: 'no webhook secret is configured',
    });
  });

  it('never echoes secrets or received header values in the reason', () => {
    const results = [
      authenticateWebhook(body, { signature: forge(signature), token: 'guess-1' }, BOTH),
      authenticateWebhook(body, { token: 'guess-2' }, TOKEN_ONLY),
      authenticateWebhook(body, {}, BOTH),
    ];
    for (const r of results) {
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      for (const secret of [APP_SECRET, TOKEN, 'guess-1', 'guess-2', hex(body).slice(0, 16)]) {
        expect(r.reason).not.toContain(secret);
      }
    }
  });

  it('refuses, without throwing, a body that is not the raw bytes (a body parser ran first)', () => {
    const parsed = JSON.parse(body.toString('utf8')) as unknown as Buffer;
    expect(authenticateWebhook(parsed, { signature }, SIGNATURE_ONLY)).toEqual({
      ok: false,
      reason: 'the raw request body is not available (read it before any body parser)',
    });
  });
});
