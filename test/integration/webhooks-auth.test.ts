// /webhooks/whatsapp over real HTTP: Meta's GET handshake, authentication of the exact raw bytes
// (X-Hub-Signature-256; for 360dialog x-360dialog-signature or X-Webhook-Token) before anything is
// parsed or stored,
// the size limit, and authenticated bodies that are malformed (kept, reported, never a crash).
import { createHash } from 'node:crypto';
import { PaymentEntity } from '../../src/db/entities';
import { createBusiness } from '../helpers/fixtures';
import { eventually, startTestStack, TEST_APP_SECRET, TEST_VERIFY_TOKEN, TEST_WEBHOOK_TOKEN, type TestStack } from '../helpers/stack';
import {
  connectSimulator,
  lookupsOf,
  paymentWebhook,
  postSigned,
  postWebhook,
  readOrder,
  sendOrder,
  sign,
  storedWebhook,
  storedWebhooks,
} from '../helpers/webhooks';

const MAX_BYTES = 65536;
const DIALOG360_SECRET = 'test-360dialog-partner-secret-0123';

describe('webhook endpoint: handshake and authentication (real server)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ MAX_WEBHOOK_BYTES: String(MAX_BYTES), DIALOG360_WEBHOOK_SECRET: DIALOG360_SECRET });
    connectSimulator(stack);
  });
  afterAll(() => stack.stop());

  const handshake = (params: Record<string, string>) =>
    fetch(`${stack.t.url}/webhooks/whatsapp?${new URLSearchParams(params).toString()}`);

  const count = async () => (await storedWebhooks(stack.t)).length;

  /** A valid-looking payment webhook for an order nobody has: authentication is all that matters here. */
  const someBody = (ref = 'AUTH-1') => JSON.stringify(paymentWebhook(stack.shop.phoneNumberId, ref, 'captured'));

  describe('GET: Meta verification handshake', () => {
    it('answers hub.challenge as plain text when hub.mode=subscribe and the verify token matches', async () => {
      const res = await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': '1158201444' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('1158201444');
    });

    it.each([
      ['a wrong verify token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'not-the-token', 'hub.challenge': 'abc' }],
      ['the token with a different case', { 'hub.mode': 'subscribe', 'hub.verify_token': TEST_VERIFY_TOKEN.toUpperCase(), 'hub.challenge': 'abc' }],
      ['another hub.mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': 'abc' }],
      ['no hub.mode', { 'hub.verify_token': TEST_VERIFY_TOKEN, 'hub.challenge': 'abc' }],
      ['no verify token', { 'hub.mode': 'subscribe', 'hub.challenge': 'abc' }],
      ['an empty verify token', { 'hub.mode': 'subscribe', 'hub.verify_token': '', 'hub.challenge': 'abc' }],
    ])('answers 403 and never echoes the challenge with %s', async (_what, params) => {
      const res = await handshake(params as Record<string, string>);
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain('abc');
    });
  });

  describe('POST: the raw bytes are authenticated before anything else', () => {
    it('stores a body with a valid X-Hub-Signature-256 byte for byte and answers 200 with its id', async () => {
      const raw = someBody('AUTH-OK');
      const res = await postWebhook(stack.t, raw, { 'x-hub-signature-256': sign(raw) });
      expect(res.status).toBe(200);
      expect(typeof res.body.received).toBe('string');
      const row = await storedWebhook(stack.t, res.body.received);
      expect(row.body).toBe(raw);
      expect(row.bodyHash).toBe(createHash('sha256').update(raw).digest('hex'));
      expect(row.authenticatedBy).toBe('SIGNATURE');
      // the 200 came after the row was committed; processing follows from the stored row
      await eventually(async () => expect((await storedWebhook(stack.t, res.body.received)).state).toBe('PROCESSED'));
    });

    it('accepts the signature whatever the content type says (Meta sends application/json, proxies vary)', async () => {
      const raw = someBody('AUTH-CT');
      const res = await postWebhook(stack.t, raw, { 'content-type': 'text/plain', 'x-hub-signature-256': sign(raw) });
      expect(res.status).toBe(200);
      expect((await storedWebhook(stack.t, res.body.received)).body).toBe(raw);
    });

    it.each([
      ['no signature header', () => ({})],
      ['a signature made with another secret (forged)', (raw: string) => ({ 'x-hub-signature-256': sign(raw, `${TEST_APP_SECRET}-forged`) })],
      ['a signature of another body', () => ({ 'x-hub-signature-256': sign(someBody('AUTH-OTHER')) })],
      ['the bare hex without "sha256="', (raw: string) => ({ 'x-hub-signature-256': sign(raw).slice('sha256='.length) })],
      ['a sha1= signature', (raw: string) => ({ 'x-hub-signature-256': `sha1=${sign(raw).slice(7, 47)}` })],
      ['a truncated signature', (raw: string) => ({ 'x-hub-signature-256': sign(raw).slice(0, 40) })],
      ['an empty signature', () => ({ 'x-hub-signature-256': '' })],
      ['"sha256=" alone', () => ({ 'x-hub-signature-256': 'sha256=' })],
      ['a wrong X-Webhook-Token', () => ({ 'x-webhook-token': `${TEST_WEBHOOK_TOKEN}-wrong` })],
      ['the app secret sent as X-Webhook-Token', () => ({ 'x-webhook-token': TEST_APP_SECRET })],
      ['the webhook token in another header', () => ({ authorization: `Bearer ${TEST_WEBHOOK_TOKEN}` })],
    ])('answers 401 and stores nothing with %s', async (_what, headersFor) => {
      const raw = someBody('AUTH-NO');
      const before = await count();
      const res = await postWebhook(stack.t, raw, headersFor(raw) as Record<string, string>);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatch(/not authenticated/);
      // the reason never echoes a secret
      expect(JSON.stringify(res.body)).not.toContain(TEST_APP_SECRET);
      expect(JSON.stringify(res.body)).not.toContain(TEST_WEBHOOK_TOKEN);
      expect(await count()).toBe(before);
    });

    it('refuses a replay of a validly signed webhook whose bytes were changed, even when the JSON means the same', async () => {
      const raw = someBody('AUTH-REPLAY');
      const signature = sign(raw);
      const before = await count();

      const altered = [
        raw.replace('AUTH-REPLAY', 'AUTH-REPLAX'), // one character of the reference id
        raw.replace('"captured"', '"pending"'), // the status a forger would want to change
        JSON.stringify(JSON.parse(raw), null, 2), // re-serialised: same JSON, other bytes
        `${raw}\n`, // a trailing newline
        ` ${raw}`, // a leading space
      ];
      for (const body of altered) {
        expect(body).not.toBe(raw);
        const res = await postWebhook(stack.t, body, { 'x-hub-signature-256': signature });
        expect(res.status).toBe(401);
      }
      expect(await count()).toBe(before);

      // the original bytes with that signature are still good
      const ok = await postWebhook(stack.t, raw, { 'x-hub-signature-256': signature });
      expect(ok.status).toBe(200);
      expect(await count()).toBe(before + 1);
    });

    it('a forged payment webhook for a real order is refused, stored nowhere and never looked up', async () => {
      const order = await sendOrder(stack.t, stack.shop);
      const raw = JSON.stringify(paymentWebhook(stack.shop.phoneNumberId, order.referenceId, 'captured', { amount: order.total.value }));
      const before = await count();
      const res = await postWebhook(stack.t, raw, { 'x-hub-signature-256': sign(raw, 'someone-elses-secret') });
      expect(res.status).toBe(401);
      expect(await count()).toBe(before);
      // nothing marked the payment for verification, so no lookup can follow
      const payment = await stack.t.gateway.db.manager.findOneByOrFail(PaymentEntity, { referenceId: order.referenceId });
      expect(payment.verifyAfter).toBeNull();
      expect(payment.hintStatus).toBeNull();
      expect(lookupsOf(stack.sim, order.referenceId)).toHaveLength(0);
      const read = await readOrder(stack.t, order.referenceId, stack.shop.keys.OPS);
      expect(read.payment).toMatchObject({ status: 'NEW', transactions: [] });
      expect(read.events.map((e: { type: string }) => e.type)).not.toContain('PAYMENT_STATUS_CHANGED');
    });

    it('accepts the 360dialog secret header X-Webhook-Token instead of a signature', async () => {
      const raw = someBody('AUTH-TOKEN');
      const res = await postWebhook(stack.t, raw, { 'x-webhook-token': TEST_WEBHOOK_TOKEN });
      expect(res.status).toBe(200);
      const row = await storedWebhook(stack.t, res.body.received);
      expect(row.authenticatedBy).toBe('TOKEN');
      expect(row.body).toBe(raw);
    });

    it('accepts x-360dialog-signature (HMAC-SHA256 with the partner secret), bare hex or sha256=-prefixed', async () => {
      for (const [ref, header] of [
        ['AUTH-D360-HEX', (raw: string) => sign(raw, DIALOG360_SECRET).slice('sha256='.length)],
        ['AUTH-D360-PREFIXED', (raw: string) => sign(raw, DIALOG360_SECRET)],
      ] as const) {
        const raw = someBody(ref);
        const res = await postWebhook(stack.t, raw, { 'x-360dialog-signature': header(raw) });
        expect(res.status).toBe(200);
        const row = await storedWebhook(stack.t, res.body.received);
        expect(row.authenticatedBy).toBe('DIALOG360_SIGNATURE');
        expect(row.body).toBe(raw);
      }
    });

    it('a wrong x-360dialog-signature is 401 with the reason, and nothing is stored', async () => {
      const raw = someBody('AUTH-D360-WRONG');
      const before = await count();
      for (const header of [
        sign(raw, 'not-the-partner-secret').slice('sha256='.length),
        sign(raw, TEST_APP_SECRET).slice('sha256='.length),
        sign(`${raw} `, DIALOG360_SECRET),
        'sha256=',
      ]) {
        const res = await postWebhook(stack.t, raw, { 'x-360dialog-signature': header });
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('webhook not authenticated: x-360dialog-signature does not match the body');
      }
      expect(await count()).toBe(before);
    });

    it('answers 413 for a body over MAX_WEBHOOK_BYTES (even validly signed) and stores nothing; a body under it is fine', async () => {
      const padded = (size: number) => {
        const body = paymentWebhook(stack.shop.phoneNumberId, 'AUTH-BIG', 'captured') as Record<string, unknown>;
        const base = JSON.stringify({ ...body, padding: '' }).length;
        return JSON.stringify({ ...body, padding: 'x'.repeat(size - base) });
      };
      const before = await count();
      const big = padded(MAX_BYTES + 1);
      expect(Buffer.byteLength(big)).toBe(MAX_BYTES + 1);
      const res = await postWebhook(stack.t, big, { 'x-hub-signature-256': sign(big) });
      expect(res.status).toBe(413);
      expect(await count()).toBe(before);

      const fits = padded(MAX_BYTES);
      const ok = await postWebhook(stack.t, fits, { 'x-hub-signature-256': sign(fits) });
      expect(ok.status).toBe(200);
      expect(await count()).toBe(before + 1);
    });
  });

  describe('authenticated but malformed bodies: kept, reported, never a crash', () => {
    it.each([
      ['not JSON', 'this is not json {', /not JSON/],
      ['an empty body', '', /not JSON/],
      ['truncated JSON', someBodyPrefix(), /not JSON/],
      ['a JSON array', '[1,2,3]', /array/],
      ['a JSON string', '"whatsapp"', /string/],
      ['null', 'null', /null/],
      ['an object without entry', '{"object":"whatsapp_business_account"}', /no entry array/],
    ])('%s: 200, stored, marked FAILED with the reason', async (_what, raw, reason) => {
      const res = await postWebhook(stack.t, raw, { 'x-hub-signature-256': sign(raw) });
      expect(res.status).toBe(200);
      const row = await eventually(async () => {
        const r = await storedWebhook(stack.t, res.body.received);
        expect(r.state).toBe('FAILED');
        return r;
      });
      expect(row.body).toBe(raw);
      expect(row.error).toMatch(reason);
      expect(row.attempts).toBe(1);
    });

    it('odd shapes inside a webhook envelope are reported on the row and the rest of the body still counts', async () => {
      const order = await sendOrder(stack.t, stack.shop);
      await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      const good = paymentWebhook(stack.shop.phoneNumberId, order.referenceId, 'captured').entry[0];
      const body = {
        object: 'whatsapp_business_account',
        entry: [
          1,
          { id: 'x' },
          { id: 'x', changes: [null, { value: {} }, { field: 'messages', value: 'nope' }, { field: 'messages', value: { statuses: 'nope' } }] },
          { id: 'x', changes: [{ field: 'messages', value: { statuses: [{ type: 'payment', status: 'captured', payment: {} }, 7, { id: 'wamid.X', status: 'teleported' }] } }] },
          good,
        ],
      };
      const res = await postSigned(stack.t, body);
      expect(res.status).toBe(200);
      const row = await eventually(async () => {
        const r = await storedWebhook(stack.t, res.body.received);
        expect(r.state).toBe('PROCESSED');
        return r;
      });
      for (const note of [
        'entry is not an object',
        'entry has no changes array',
        'change is not an object',
        'change without a field',
        'value is not an object',
        'statuses is not an array',
        'payment status without payment.reference_id',
        'status is not an object',
        'message status "teleported" is not handled',
      ]) {
        expect(row.error).toContain(note);
      }
      // the one good part of the body was applied: the payment was verified through the lookup
      await eventually(async () => {
        const read = await readOrder(stack.t, order.referenceId, stack.shop.keys.OPS);
        expect(read.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      });
    });

    it('a deeply nested body does not take the server down', async () => {
      const depth = 20000;
      const raw = `{"object":"whatsapp_business_account","entry":[${'['.repeat(depth)}${']'.repeat(depth)}]}`;
      expect(Buffer.byteLength(raw)).toBeLessThan(MAX_BYTES);
      const res = await postWebhook(stack.t, raw, { 'x-hub-signature-256': sign(raw) });
      expect(res.status).toBe(200);
      await eventually(async () => expect((await storedWebhook(stack.t, res.body.received)).state).not.toBe('RECEIVED'));
      expect((await fetch(`${stack.t.url}/healthz`)).status).toBe(200);
    });

    it('after all of that, the server still processes good webhooks', async () => {
      const order = await sendOrder(stack.t, stack.shop);
      await stack.sim.pay(order.referenceId, 'captured');
      await eventually(async () => {
        const read = await readOrder(stack.t, order.referenceId, stack.shop.keys.OPS);
        expect(read.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      });
      expect((await fetch(`${stack.t.url}/healthz`)).status).toBe(200);
    });
  });

  describe('360dialog end to end: signed (or token-authenticated) webhooks, lookups on the /v1/payments path', () => {
    it.each(['hex', 'sha256='] as const)('webhooks signed by 360dialog (x-360dialog-signature, %s) take a payment to CAPTURED and verified', async (format) => {
      const d360 = await createBusiness(stack.t, { name: `D360 Signed ${format}`, provider: 'DIALOG360' });
      stack.sim.configureWebhooks({
        url: `${stack.t.url}/webhooks/whatsapp`,
        dialog360Secret: DIALOG360_SECRET,
        dialog360SignatureFormat: format,
        phoneNumberIdFor: () => d360.phoneNumberId,
      });
      try {
        const order = await sendOrder(stack.t, d360);
        const paid = await stack.sim.pay(order.referenceId, 'captured');
        expect(paid.webhook?.status).toBe(200);
        expect(paid.webhook?.headers['x-hub-signature-256']).toBeUndefined();
        expect(paid.webhook?.headers['x-webhook-token']).toBeUndefined();
        expect(paid.webhook?.headers['x-360dialog-signature']).toMatch(format === 'hex' ? /^[0-9a-f]{64}$/ : /^sha256=[0-9a-f]{64}$/);
        await eventually(async () => {
          const r = await readOrder(stack.t, order.referenceId, d360.keys.OPS);
          expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
        });
        const rows = (await storedWebhooks(stack.t)).filter((w) => w.body.includes(order.referenceId));
        expect(rows.map((w) => w.authenticatedBy)).toEqual(['DIALOG360_SIGNATURE']);
        // the simulator forging the partner signature: refused
        const forged = await stack.sim.sendWebhook(paid.webhook!.body, { dialog360Signature: 'forged' });
        expect(forged.status).toBe(401);
      } finally {
        connectSimulator(stack);
      }
    });

    it('a customer paying on a DIALOG360 number ends CAPTURED and verified', async () => {
      const d360 = await createBusiness(stack.t, { name: 'D360 Shop', provider: 'DIALOG360' });
      // 360dialog forwards without a signature the gateway could check: the secret header is the proof
      stack.sim.configureWebhooks({
        url: `${stack.t.url}/webhooks/whatsapp`,
        webhookToken: TEST_WEBHOOK_TOKEN,
        phoneNumberIdFor: () => d360.phoneNumberId,
      });
      try {
        const order = await sendOrder(stack.t, d360);
        const paid = await stack.sim.pay(order.referenceId, 'captured');
        expect(paid.webhook?.status).toBe(200);
        expect(paid.webhook?.headers['x-hub-signature-256']).toBeUndefined();
        expect(paid.webhook?.headers['x-webhook-token']).toBe(TEST_WEBHOOK_TOKEN);
        const read = await eventually(async () => {
          const r = await readOrder(stack.t, order.referenceId, d360.keys.OPS);
          expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
          return r;
        });
        expect(read.payment.transactions).toEqual([
          expect.objectContaining({ id: paid.payment.transactions![0].id, status: 'SUCCESS', gateway: 'RAZORPAY' }),
        ]);
        const lookups = lookupsOf(stack.sim, order.referenceId);
        expect(lookups.length).toBeGreaterThanOrEqual(1);
        for (const l of lookups) expect(l.path).toBe(`/v1/payments/${d360.paymentConfiguration}/${order.referenceId}`);
        const rows = (await storedWebhooks(stack.t)).filter((w) => w.body.includes(order.referenceId));
        expect(rows.map((w) => w.authenticatedBy)).toEqual(['TOKEN']);
      } finally {
        connectSimulator(stack);
      }
    });
  });
});

function someBodyPrefix(): string {
  return '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"statuses":[';
}
