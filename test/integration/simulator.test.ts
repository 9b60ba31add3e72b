// The real client (src/whatsapp/client.ts) against the simulator over real HTTP, and the
// simulator's webhooks received by a small node:http server, checked against the wire samples.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WhatsAppSimulator } from '../../src/sandbox/simulator';
import { createWhatsAppClient, type WhatsAppClient } from '../../src/whatsapp/client';
import { buildOrderDetailsMessage, buildOrderStatusMessage, type OrderDetailsMessageSource } from '../../src/whatsapp/message-builders';
import { UpstreamError } from '../../src/whatsapp/upstream-error';
import { wire } from '../fixtures/load-wire';

const PHONE_NUMBER_ID = '106540352242922';
const APP_SECRET = 'app-secret-for-tests';
const TOKEN = 'cloud-token-secret';

// fixed for the whole run: a resend must carry the same content to count as the same order
const EXPIRES_AT = new Date(Date.now() + 3600_000);

/** The order of wire/order_details.request.json, with an expiry that is still ahead. */
function order(referenceId = 'A1001-1', change: Partial<OrderDetailsMessageSource> = {}): object {
  return buildOrderDetailsMessage({
    to: '919876543210',
    referenceId,
    type: 'PHYSICAL_GOODS',
    paymentConfiguration: 'prod-razorpay',
    gateway: 'RAZORPAY',
    body: 'Your order A1001 is ready. Tap Review and Pay.',
    footer: 'Example Store',
    currency: 'INR',
    offset: 100,
    items: [
      {
        retailerId: 'SKU-1',
        name: 'Cotton T-shirt',
        amount: 25000,
        saleAmount: 22500,
        quantity: 2,
        countryOfOrigin: 'India',
        importerName: 'Example Store Pvt Ltd',
        importerAddress: { addressLine1: '12 MG Road', city: 'Bengaluru', zoneCode: 'KA', postalCode: '560001', countryCode: 'IN' },
      },
    ],
    subtotal: 45000,
    total: 52000,
    tax: { value: 8100, description: 'GST 18%' },
    shipping: { value: 4000, description: 'Standard' },
    discount: { value: 5100, description: 'WELCOME', programName: 'Welcome offer' },
    expiresAt: EXPIRES_AT,
    expirationDescription: 'Pay within 1 hour',
    ...change,
  });
}

const status = (referenceId: string, s: Parameters<typeof buildOrderStatusMessage>[0]['status']) =>
  buildOrderStatusMessage({ to: '919876543210', referenceId, status: s, body: 'Update' });

const jsonOf = (res: Response): Promise<any> => res.json();

async function upstreamError(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error('expected an UpstreamError');
}

interface Hit {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** A stand-in for the gateway's webhook endpoint. */
class Receiver {
  hits: Hit[] = [];
  answers: number[] = [];
  private server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      this.hits.push({ headers: req.headers, raw, body: JSON.parse(raw) });
      res.writeHead(this.answers.shift() ?? 200).end();
      this.wake();
    });
  });
  private wake = () => undefined as void;
  url = '';

  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/whatsapp`;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  /** Waits for the n-th webhook (1-based) to arrive. */
  async nth(n: number, timeoutMs = 3000): Promise<Hit> {
    const deadline = Date.now() + timeoutMs;
    while (this.hits.length < n) {
      if (Date.now() > deadline) throw new Error(`webhook #${n} did not arrive within ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 25);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return this.hits[n - 1];
  }
}

function verifies(hit: Hit, secret = APP_SECRET): boolean {
  const header = hit.headers['x-hub-signature-256'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(hit.raw, 'utf8').digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The value of the first change of a messages webhook. */
const valueOf = (body: any) => body.entry[0].changes[0].value;

/** Makes two wire bodies comparable by overwriting the fields that are random or time-dependent. */
function normalise(body: any, wamid: string | null): any {
  const copy = JSON.parse(JSON.stringify(body));
  for (const s of valueOf(copy).statuses ?? []) {
    if (wamid) s.id = 'WAMID';
    s.timestamp = 'TS';
    const t = s.payment?.transaction;
    if (t) Object.assign(t, { id: 'TX', created_timestamp: 0, updated_timestamp: 0, ...(t.pg_transaction_id ? { pg_transaction_id: 'PG' } : {}) });
  }
  return copy;
}

function normaliseLookup(body: any): any {
  const copy = JSON.parse(JSON.stringify(body));
  for (const t of copy.payments[0].transactions ?? []) {
    Object.assign(t, { id: 'TX', created_timestamp: 0, updated_timestamp: 0, ...(t.pg_transaction_id ? { pg_transaction_id: 'PG' } : {}) });
  }
  return copy;
}

let sim: WhatsAppSimulator;
let receiver: Receiver;
let client: WhatsAppClient;

beforeAll(async () => {
  sim = new WhatsAppSimulator({ webhookDelayMs: 5 });
  await sim.start();
  receiver = new Receiver();
  await receiver.start();
  client = createWhatsAppClient({
    provider: 'CLOUD_API',
    baseUrl: sim.url,
    apiVersion: sim.apiVersion,
    phoneNumberId: PHONE_NUMBER_ID,
    accessToken: TOKEN,
    timeoutMs: 3000,
  });
});

afterAll(async () => {
  await sim.stop();
  await receiver.stop();
});

beforeEach(() => {
  sim.reset();
  sim.paymentWire = 'meta';
  sim.configureWebhooks({ url: receiver.url, appSecret: APP_SECRET });
  receiver.hits = [];
  receiver.answers = [];
});

describe('messages', () => {
  it('accepts an order_details and answers like wire/messages.response.json with a fresh wamid', async () => {
    const res = await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(order('A1001-1')),
    });
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    const sample = wire('messages.response.json');
    expect(Object.keys(body)).toEqual(Object.keys(sample));
    expect(body.contacts).toEqual(sample.contacts);
    expect(body.messages[0].id).toMatch(/^wamid\.[A-Za-z0-9+/]+=*$/);

    const { wamid } = await client.sendMessage(order('A1001-1'));
    expect(wamid).not.toBe(body.messages[0].id);
    expect(sim.acceptedMessages('A1001-1').map((m) => m.wamid)).toEqual([body.messages[0].id, wamid]);
    expect(sim.acceptedMessages('A1001-1')[1]).toMatchObject({ kind: 'order_details', provider: 'CLOUD_API', phoneNumberId: PHONE_NUMBER_ID });
  });

  it('records what it received with the token redacted', async () => {
    await client.sendMessage(order('R-REC'));
    expect(sim.received).toHaveLength(1);
    expect(sim.received[0]).toMatchObject({ method: 'POST', path: `/v23.0/${PHONE_NUMBER_ID}/messages`, call: 'messages', status: 200 });
    expect(sim.received[0].headers.authorization).toBe('Bearer [redacted]');
    expect(sim.received[0].headers['content-type']).toBe('application/json');
    expect(JSON.stringify(sim.received)).not.toContain(TOKEN);
  });

  it('refuses wrong sums with 131009 and details; the client classifies it permanent', async () => {
    const err = await upstreamError(client.sendMessage(order('R-SUM', { total: 52001 })));
    expect(err).toMatchObject({ temporary: false, httpStatus: 400, whatsappCode: 131009 });
    expect(err.details).toMatch(/total_amount does not match order amounts.*52001.*52000/);
    expect(err.fbtraceId).toBeTruthy();

    const sub = await upstreamError(client.sendMessage(order('R-SUM', { subtotal: 50000, total: 57000 })));
    expect(sub.details).toMatch(/subtotal.*50000.*45000/);
    expect(sim.acceptedMessages('R-SUM')).toHaveLength(0);
  });

  it('refuses invalid input with a code and details naming the field', async () => {
    const cases: Array<[object, number, RegExp]> = [
      [order('bad ref!'), 131009, /reference_id must be 1-35 characters/],
      [order('X'.repeat(36)), 131009, /reference_id/],
      [{ ...order('R-ENV'), messaging_product: 'sms' }, 100, /messaging_product/],
      [order('R-TO', { to: '+91 98765' }), 100, /to must be/],
      [order('R-OFF', { offset: 1000 }), 131009, /offset must be 100/],
      [order('R-EXP', { expiresAt: new Date(Date.now() + 60_000) }), 131009, /300 seconds/],
      [order('R-IMP', { items: [{ retailerId: 'S', name: 'n', amount: 45000, quantity: 1 }] }), 100, /items\[0\]\.country_of_origin is required/],
      [order('R-Q', { items: [{ retailerId: 'S', name: 'n', amount: 22500, quantity: 2.5, countryOfOrigin: 'IN', importerName: 'I', importerAddress: { addressLine1: 'a', city: 'c', postalCode: 'p', countryCode: 'IN' } }] }), 131009, /quantity must be a positive integer/],
      [order('R-SALE', { catalogId: 'CAT', items: [{ retailerId: 'S', name: 'n', amount: 22500, saleAmount: 22500, quantity: 2 }] }), 131009, /sale_amount must be lower/],
    ];
    for (const [payload, code, details] of cases) {
      const err = await upstreamError(client.sendMessage(payload));
      expect({ code: err.whatsappCode, temporary: err.temporary }).toEqual({ code, temporary: false });
      expect(err.details).toMatch(details);
    }
    expect(sim.acceptedMessages()).toHaveLength(0);
  });

  it('checks the rest of order_details like WhatsApp: tax required, beneficiaries, PG fields of the own gateway only, web-only above INR 5,00,000', async () => {
    const raw = (referenceId: string, change: (p: any) => void) => {
      const payload: any = order(referenceId);
      change(payload.interactive.action.parameters);
      return payload;
    };
    const bigOrder = (referenceId: string) =>
      order(referenceId, { items: [{ retailerId: 'G', name: 'Gold', amount: 50_000_001, quantity: 1, countryOfOrigin: 'IN', importerName: 'I', importerAddress: { addressLine1: 'a', city: 'c', postalCode: 'p', countryCode: 'IN' } }], subtotal: 50_000_001, tax: null, shipping: null, discount: null, total: 50_000_001 });
    const withOptions = (payload: any, options: string[] | undefined) => {
      const gateway = payload.interactive.action.parameters.payment_settings[0].payment_gateway;
      if (options) gateway.enabled_payment_options = options;
      else delete gateway.enabled_payment_options;
      return payload;
    };
    const cases: Array<[object, number, RegExp]> = [
      [raw('R-TAX', (p) => delete p.order.tax), 100, /order\.tax is required/],
      [raw('R-BEN', (p) => (p.beneficiaries = [{ name: 'A', address_line1: 'x', city: 'c', state: 's', country: 'India', postal_code: '5600' }])), 131009, /beneficiaries\[0\]\.postal_code must be 6 digits/],
      [raw('R-BEN2', (p) => (p.beneficiaries = [{ name: 'A', address_line1: 'x', city: 'c', state: 's', country: 'Nepal', postal_code: '560001' }])), 131009, /beneficiaries\[0\]\.country/],
      [raw('R-PG', (p) => (p.payment_settings[0].payment_gateway.payu = { udf1: 'x' })), 131009, /payment_gateway\.payu is given, but the payment gateway is razorpay/],
      [raw('R-PG2', (p) => (p.payment_settings[0].payment_gateway.razorpay = { receipt: 'r'.repeat(41) })), 131009, /razorpay\.receipt is 41 characters/],
      [raw('R-PG3', (p) => (p.payment_settings[0].payment_gateway.razorpay = { udf1: 'x' })), 100, /razorpay\.udf1 is not a razorpay field/],
      [withOptions(bigOrder('R-5L'), undefined), 131009, /above INR 5,00,000.*enabled_payment_options to \["web"\]/],
      [withOptions(bigOrder('R-5L2'), ['web', 'upi']), 131009, /above INR 5,00,000/],
    ];
    for (const [payload, code, details] of cases) {
      const err = await upstreamError(client.sendMessage(payload));
      expect({ code: err.whatsappCode, temporary: err.temporary }).toEqual({ code, temporary: false });
      expect(err.details).toMatch(details);
    }
    expect(sim.acceptedMessages()).toHaveLength(0);
    // what the gateway's builder sends for such an order goes through
    await client.sendMessage(order('R-OK', { beneficiaries: [{ name: 'A', addressLine1: 'x', city: 'c', state: 's', country: 'India', postalCode: '560001' }], gatewayFields: { receipt: 'r', notes: [{ key: 'k', value: 'v' }] } }));
    await client.sendMessage(order('R-OK2', { items: [{ name: 'No SKU', amount: 45000, quantity: 1, countryOfOrigin: 'IN', importerName: 'I', importerAddress: { addressLine1: 'a', city: 'c', postalCode: 'p', countryCode: 'IN' } }] }));
    await client.sendMessage(bigOrder('R-5L-WEB'));
    expect(sim.acceptedMessages().map((m) => m.referenceId)).toEqual(['R-OK', 'R-OK2', 'R-5L-WEB']);
    expect(sim.order('R-OK')?.pgFields).toEqual({ receipt: 'r', notes: { k: 'v' } });
  });

  it('accepts the same order again but refuses a reused reference_id with different content', async () => {
    await client.sendMessage(order('R-DUP'));
    await client.sendMessage(order('R-DUP'));
    const err = await upstreamError(client.sendMessage(order('R-DUP', { to: '919800000000' })));
    expect(err).toMatchObject({ whatsappCode: 131009, temporary: false });
    const err2 = await upstreamError(client.sendMessage(order('R-DUP', { tax: { value: 8000 }, total: 51900 })));
    expect(err2.details).toMatch(/already used/);
    // the order is what must match; the message text around it may differ
    await client.sendMessage(order('R-DUP', { body: 'Reminder: your order A1001 is waiting.' }));
    expect(sim.acceptedMessages('R-DUP')).toHaveLength(3);
  });
});

describe('faults', () => {
  it('failNext http500: a temporary error, then success', async () => {
    sim.failNext(1, 'http500');
    const err = await upstreamError(client.sendMessage(order('R-500')));
    expect(err).toMatchObject({ temporary: true, httpStatus: 500 });
    await expect(client.sendMessage(order('R-500'))).resolves.toHaveProperty('wamid');
    expect(sim.acceptedMessages('R-500')).toHaveLength(1);
    expect(sim.received.map((r) => r.fault)).toEqual(['http500', undefined]);
  });

  it('http429, http503 and whatsapp131056 are temporary with their codes', async () => {
    sim.failNext(1, 'http429');
    sim.failNext(1, 'http503');
    sim.failNext(1, 'whatsapp131056');
    expect(await upstreamError(client.sendMessage(order('R-429')))).toMatchObject({ temporary: true, httpStatus: 429, whatsappCode: 130429 });
    expect(await upstreamError(client.sendMessage(order('R-429')))).toMatchObject({ temporary: true, httpStatus: 503 });
    expect(await upstreamError(client.sendMessage(order('R-429')))).toMatchObject({ temporary: true, httpStatus: 400, whatsappCode: 131056 });
    expect(sim.acceptedMessages('R-429')).toHaveLength(0);
  });

  it('timeout: the client gives up after its timeoutMs with a temporary error, and nothing is accepted', async () => {
    sim.timeoutHoldMs = 5000;
    sim.failNext(1, 'timeout');
    const quick = createWhatsAppClient({ provider: 'CLOUD_API', baseUrl: sim.url, apiVersion: 'v23.0', phoneNumberId: PHONE_NUMBER_ID, accessToken: TOKEN, timeoutMs: 200 });
    const started = Date.now();
    const err = await upstreamError(quick.sendMessage(order('R-TIME')));
    expect(err).toMatchObject({ kind: 'timeout', temporary: true });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sim.acceptedMessages('R-TIME')).toHaveLength(0);
    await expect(quick.sendMessage(order('R-TIME'))).resolves.toHaveProperty('wamid');
  });

  it('reset: a dropped connection is a temporary network error', async () => {
    sim.failNext(1, 'reset');
    expect(await upstreamError(client.sendMessage(order('R-RST')))).toMatchObject({ kind: 'network', temporary: true });
  });

  it('failNext only for lookups leaves messages alone', async () => {
    sim.failNext(1, 'http503', 'lookup');
    await client.sendMessage(order('R-ONLY'));
    expect(await upstreamError(client.lookupPayment('prod-razorpay', 'R-ONLY'))).toMatchObject({ temporary: true, httpStatus: 503 });
    await expect(client.lookupPayment('prod-razorpay', 'R-ONLY')).resolves.toMatchObject({ status: 'NEW' });
  });

  it('failRate 1 fails every send, 0 turns it off; lookups are untouched', async () => {
    sim.failRate(1, 'http503');
    await expect(upstreamError(client.sendMessage(order('R-RATE')))).resolves.toMatchObject({ httpStatus: 503 });
    await expect(upstreamError(client.sendMessage(order('R-RATE')))).resolves.toMatchObject({ httpStatus: 503 });
    await expect(client.lookupPayment('prod-razorpay', 'R-RATE')).resolves.toBeNull();
    sim.failRate(0, 'http503');
    await expect(client.sendMessage(order('R-RATE'))).resolves.toHaveProperty('wamid');
  });

  it('failRate uses the injected random source for its share', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8];
    const seeded = new WhatsAppSimulator({ random: () => draws.shift() ?? 1 });
    await seeded.start();
    try {
      seeded.failRate(0.5, 'http500');
      const c = createWhatsAppClient({ provider: 'CLOUD_API', baseUrl: seeded.url, apiVersion: 'v1', phoneNumberId: '1', accessToken: 't' });
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push(await c.sendMessage(order('R-SEED')).then(() => 'ok', (e: UpstreamError) => e.httpStatus));
      expect(outcomes).toEqual([500, 'ok', 500, 'ok']);
    } finally {
      await seeded.stop();
    }
  });

  it('rejectReference: a permanent refusal with the chosen code for that reference only', async () => {
    sim.rejectReference('R-REJ', 131047);
    const err = await upstreamError(client.sendMessage(order('R-REJ')));
    expect(err).toMatchObject({ temporary: false, httpStatus: 400, whatsappCode: 131047 });
    await expect(client.sendMessage(order('R-OK'))).resolves.toHaveProperty('wamid');
    sim.rejectReference('R-REJ5', 131000, 503);
    expect(await upstreamError(client.sendMessage(order('R-REJ5')))).toMatchObject({ temporary: true, httpStatus: 503 });
  });

  it('requires the auth header of the provider the path belongs to', async () => {
    const bare = await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/messages`, { method: 'POST', body: JSON.stringify(order('R-AUTH')) });
    expect(bare.status).toBe(401);
    expect((await jsonOf(bare)).error.code).toBe(190);
    const wrong = await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/messages`, {
      method: 'POST',
      headers: { 'D360-API-KEY': 'k' },
      body: JSON.stringify(order('R-AUTH')),
    });
    expect(wrong.status).toBe(401);
    expect(sim.acceptedMessages()).toHaveLength(0);
  });

  it('checks tokens when given a list', async () => {
    const strict = new WhatsAppSimulator({ tokens: ['right'] });
    await strict.start();
    try {
      const c = (accessToken: string) => createWhatsAppClient({ provider: 'CLOUD_API', baseUrl: strict.url, apiVersion: 'v1', phoneNumberId: '1', accessToken });
      expect(await upstreamError(c('wrong').sendMessage(order('R-TOK')))).toMatchObject({ httpStatus: 401, whatsappCode: 190, temporary: false });
      await expect(c('right').sendMessage(order('R-TOK'))).resolves.toHaveProperty('wamid');
    } finally {
      await strict.stop();
    }
  });

  it('stop() does not wait for a held request', async () => {
    const other = new WhatsAppSimulator({ timeoutHoldMs: 60_000 });
    await other.start();
    other.failNext(1, 'timeout');
    const c = createWhatsAppClient({ provider: 'CLOUD_API', baseUrl: other.url, apiVersion: 'v1', phoneNumberId: '1', accessToken: 't', timeoutMs: 30_000 });
    const pending = upstreamError(c.sendMessage(order('R-HOLD')));
    while (other.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await other.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({ kind: 'network', temporary: true });
  });
});

/** The order of the wire sample with Razorpay's PG fields, as Meta's samples echo them. */
function orderWithReceipt(referenceId: string): any {
  const payload: any = order(referenceId);
  payload.interactive.action.parameters.payment_settings[0].payment_gateway.razorpay = { receipt: 'rcpt-A1001', notes: { crm: 'C-77' } };
  return payload;
}

describe("payments on Meta's wire (the default)", () => {
  const get = async (ref = 'A1001-1') =>
    jsonOf(await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/payments/prod-razorpay/${ref}`, { headers: { authorization: `Bearer ${TOKEN}` } }));

  it('the lookup answers exactly like the meta samples: no attempt, a failed attempt, captured after a retry', async () => {
    expect(sim.paymentWire).toBe('meta');
    await client.sendMessage(orderWithReceipt('A1001-1'));
    const noAttempt = wire('lookup.response.meta-no-attempt.json');
    Object.assign(noAttempt.payments[0], { receipt: 'rcpt-A1001', notes: { crm: 'C-77' } });
    expect(JSON.stringify(await get())).toBe(JSON.stringify(noAttempt));
    await expect(client.lookupPayment('prod-razorpay', 'A1001-1')).resolves.toMatchObject({ status: 'NEW', rawStatus: 'pending', transactions: [] });

    const failed = await sim.pay('A1001-1', 'failed', { webhook: false, errorReason: 'incorrect_pin' });
    expect(failed.status).toBe('failed');
    const failedSample = wire('lookup.response.meta-failed-attempt.json');
    Object.assign(failedSample.payments[0], { receipt: 'rcpt-A1001', notes: { crm: 'C-77' } });
    expect(JSON.stringify(normaliseLookup(await get()))).toBe(JSON.stringify(normaliseLookup(failedSample)));
    await expect(client.lookupPayment('prod-razorpay', 'A1001-1')).resolves.toMatchObject({ status: 'FAILED', rawStatus: 'pending' });

    // the customer retries: a new attempt under the same payment gateway order id
    const pending = await sim.pay('A1001-1', 'pending', { webhook: false });
    expect(pending.attempt).toEqual({ id: failed.attempt.id, pgTransactionId: null, status: 'pending' });
    await expect(client.lookupPayment('prod-razorpay', 'A1001-1')).resolves.toMatchObject({ status: 'PENDING' });
    const captured = await sim.pay('A1001-1', 'captured', { webhook: false });
    expect(captured.attempt).toMatchObject({ id: failed.attempt.id, status: 'success' });
    expect(captured.attempt.pgTransactionId).not.toBe(failed.attempt.pgTransactionId);

    const raw = await get();
    const retried = wire('lookup.response.meta-captured-after-retry.json');
    delete retried.payments[0].transactions[1].refunds; // nothing refunded here (see the refunds tests)
    expect(JSON.stringify(normaliseLookup(raw))).toBe(JSON.stringify(normaliseLookup(retried)));
    const [t1, t2] = raw.payments[0].transactions;
    expect(t1.id).toBe(t2.id);
    expect(t1.pg_transaction_id).toMatch(/^pay_/);
    expect(t2.pg_transaction_id).toMatch(/^pay_/);
    expect(t1.pg_transaction_id).not.toBe(t2.pg_transaction_id);
    const payment = await client.lookupPayment('prod-razorpay', 'A1001-1');
    expect(payment).toMatchObject({ status: 'CAPTURED', problems: [] });
    expect(payment!.transactions.map((t) => `${t.status} ${t.errorReason}`)).toEqual(['FAILED incorrect_pin', 'SUCCESS null']);
    await expect(sim.pay('A1001-1', 'failed')).rejects.toThrow(/already captured/);
  });

  it('payment webhooks say pending or captured, with a notification id (not the wamid), and echo the PG fields', async () => {
    const { wamid } = await client.sendMessage(orderWithReceipt('A1001-1'));
    await sim.pay('A1001-1', 'failed');
    await sim.pay('A1001-1', 'captured');
    const [failed, captured] = [await receiver.nth(1), await receiver.nth(2)];
    for (const hit of [failed, captured]) {
      expect(verifies(hit)).toBe(true);
      expect(valueOf(hit.body).statuses[0].id).not.toBe(wamid);
      expect(valueOf(hit.body).statuses[0].id).toMatch(/^[A-Za-z0-9_-]{27}$/);
    }
    expect(valueOf(failed.body).statuses[0]).toMatchObject({ status: 'pending', payment: { transaction: { status: 'failed', error: { code: 'BAD_REQUEST_ERROR' } } } });
    // the captured one is Meta's documented webhook (less the refund, which this test does not make)
    const sample = wire('webhook.payment.meta-captured-with-refund.json');
    delete valueOf(sample).statuses[0].payment.refunds;
    expect(JSON.stringify(normalise(captured.body, wamid))).toBe(JSON.stringify(normalise(sample, 'x')));
    expect(valueOf(captured.body).statuses[0].payment.transaction.created_timestamp).toMatch(/^\d+$/);
  });

  it('a failed lookup answers the documented {errors:[...]} body (lookup.response.meta-error.json); messages keep Graph errors', async () => {
    await client.sendMessage(order('R-ERR'));
    sim.failNext(1, 'http500', 'lookup');
    const res = await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/payments/prod-razorpay/R-ERR`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(500);
    expect(JSON.stringify(await jsonOf(res))).toBe(JSON.stringify(wire('lookup.response.meta-error.json')));
    sim.lookupDown(true);
    expect(await upstreamError(client.lookupPayment('prod-razorpay', 'R-ERR'))).toMatchObject({ temporary: true, httpStatus: 503 });
    sim.lookupDown(false);
    sim.failNext(1, 'http500', 'messages');
    expect(await upstreamError(client.sendMessage(order('R-ERR')))).toMatchObject({ temporary: true, whatsappCode: 1 });
  });
});

describe('refunds (payments_refund, as Meta documents it)', () => {
  // a refund settles a moment after its answer: its webhook belongs to the test that made it
  afterEach(() => sim.settle());
  const request = (referenceId: string, value: number, speed: 'NORMAL' | 'INSTANT' = 'NORMAL') =>
    client.requestRefund({ referenceId, configurationName: 'prod-razorpay', speed, amount: { value, offset: 100 } });
  const get = async (ref = 'A1001-1') =>
    jsonOf(await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/payments/prod-razorpay/${ref}`, { headers: { authorization: `Bearer ${TOKEN}` } }));
  /** Random ids and times of refunds overwritten, so a body compares with a sample as text. */
  const sameRefunds = (refunds: any[]) => refunds.forEach((r) => Object.assign(r, { id: 'RFND', created_timestamp: 0, updated_timestamp: 0 }));

  async function captured(ref: string): Promise<void> {
    await client.sendMessage(orderWithReceipt(ref));
    await sim.pay(ref, 'failed', { webhook: false, errorReason: 'incorrect_pin' });
    await sim.pay(ref, 'captured', { webhook: false });
  }

  it('answers pending like refund.response.json, then the refund succeeds: a payment webhook with refunds[] like the meta sample, and the lookup lists it inside the captured transaction', async () => {
    await captured('A1001-1');
    const answer = await request('A1001-1', 20000);
    expect(answer).toEqual({ id: expect.stringMatching(/^rfnd_[A-Za-z0-9]{14}$/), status: 'pending', speedProcessed: 'NORMAL' });
    const raw = sim.received.find((r) => r.call === 'refund')!;
    expect(raw.path).toBe(`/v23.0/${PHONE_NUMBER_ID}/payments_refund`);
    expect(JSON.stringify(raw.body)).toBe(JSON.stringify({ ...wire('refund.request.json'), payment_config_id: 'prod-razorpay' }));

    const hit = await receiver.nth(1);
    expect(verifies(hit)).toBe(true);
    const sample = wire('webhook.payment.meta-captured-with-refund.json');
    valueOf(sample).statuses[0].payment.refunds[0].status = 'success';
    sameRefunds(valueOf(sample).statuses[0].payment.refunds);
    const got = JSON.parse(hit.raw);
    expect(valueOf(got).statuses[0].payment.refunds[0]).toMatchObject({ id: answer.id, status: 'success', created_timestamp: expect.stringMatching(/^\d+$/) });
    sameRefunds(valueOf(got).statuses[0].payment.refunds);
    expect(JSON.stringify(normalise(got, 'x'))).toBe(JSON.stringify(normalise(sample, 'x')));

    const lookup = await get();
    expect(lookup.payments[0].transactions[1].refunds[0]).toMatchObject({ id: answer.id, status: 'success', created_timestamp: expect.any(Number) });
    sameRefunds(lookup.payments[0].transactions[1].refunds);
    const retried = wire('lookup.response.meta-captured-after-retry.json');
    sameRefunds(retried.payments[0].transactions[1].refunds);
    expect(JSON.stringify(normaliseLookup(lookup))).toBe(JSON.stringify(normaliseLookup(retried)));
    const parsed = await client.lookupPayment('prod-razorpay', 'A1001-1');
    expect(parsed!.transactions[1].refunds).toEqual([expect.objectContaining({ id: answer.id, status: 'SUCCESS', amount: { value: 20000, offset: 100 } })]);
  });

  it('refuses what WhatsApp would: a payment not captured, more than is left, a malformed body; the same request twice is two refunds (no idempotency key)', async () => {
    await client.sendMessage(order('R-RF'));
    expect(await upstreamError(request('R-RF', 100))).toMatchObject({ temporary: false, whatsappCode: 131009, details: expect.stringMatching(/not captured/) });
    await sim.pay('R-RF', 'captured', { webhook: false });
    expect(await upstreamError(request('R-RF', 52001))).toMatchObject({ temporary: false, details: expect.stringMatching(/more than the 52000 left to refund/) });
    await request('R-RF', 30000);
    await request('R-RF', 10000);
    expect(sim.refunds('R-RF').map((r) => r.amount)).toEqual([30000, 10000]);
    expect(await upstreamError(request('R-RF', 12001))).toMatchObject({ temporary: false });
    const bad = await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/payments_refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reference_id: 'R-RF', speed: 'normal', payment_config_id: 'prod-razorpay', amount: { currency: 'INR', value: 100, offset: 100 } }),
    });
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error.error_data.details).toMatch(/amount.value must be a string of digits/);
  });

  it('answerRefunds makes the next answers completed or failed; rejectReference(only: refund) refuses them for good; faults apply to refund calls', async () => {
    await captured('R-RA');
    sim.answerRefunds('completed', 'failed');
    await expect(request('R-RA', 100, 'INSTANT')).resolves.toMatchObject({ status: 'completed', speedProcessed: 'INSTANT' });
    await expect(request('R-RA', 100)).resolves.toMatchObject({ status: 'failed' });
    expect(sim.refunds('R-RA').map((r) => r.status)).toEqual(['success', 'failed']);
    sim.failNext(1, 'http503', 'refund');
    expect(await upstreamError(request('R-RA', 100))).toMatchObject({ temporary: true, httpStatus: 503, outcomeUnknown: false });
    expect(sim.refunds('R-RA')).toHaveLength(2);
    // the lost-answer faults make the refund and lose the answer
    for (const kind of ['acceptedGarbage', 'acceptedReset'] as const) {
      sim.failNext(1, kind, 'refund');
      expect(await upstreamError(request('R-RA', 100))).toMatchObject({ temporary: true, outcomeUnknown: true });
    }
    expect(sim.refunds('R-RA')).toHaveLength(4);
    // a 500 that came after WhatsApp acted: the client sees a server error, the refund was made
    sim.failNext(1, 'acceptedHttp500', 'refund');
    expect(await upstreamError(request('R-RA', 100))).toMatchObject({ temporary: true, httpStatus: 500 });
    expect(sim.refunds('R-RA')).toHaveLength(5);
    sim.rejectReference('R-RA', 131009, 400, 'refund');
    expect(await upstreamError(request('R-RA', 100))).toMatchObject({ temporary: false, whatsappCode: 131009 });
    // messages of that reference are not refused
    await expect(client.sendMessage(status('R-RA', 'PROCESSING'))).resolves.toHaveProperty('wamid');
  });

  it('a refund made at the payment gateway is reported like any other; settleRefund ends a pending one on demand', async () => {
    await captured('R-RG');
    sim.autoSettleRefunds = false;
    try {
      const outside = await sim.refundAtGateway('R-RG', { amount: 5000 });
      expect(outside).toMatchObject({ amount: 5000, status: 'pending', viaApi: false });
      const pendingHit = await receiver.nth(1);
      expect(valueOf(pendingHit.body).statuses[0].payment.refunds).toEqual([expect.objectContaining({ id: outside.id, status: 'pending' })]);
      const ours = await request('R-RG', 47000);
      expect(sim.refunds('R-RG').map((r) => `${r.status} ${r.viaApi}`)).toEqual(['pending false', 'pending true']);
      await sim.settleRefund(ours.id, 'failed');
      const hit = await receiver.nth(3);
      expect(valueOf(hit.body).statuses[0].payment.refunds.map((r: any) => r.status)).toEqual(expect.arrayContaining(['failed']));
      await expect(sim.settleRefund(ours.id, 'success')).rejects.toThrow(/already failed/);
    } finally {
      sim.autoSettleRefunds = true;
    }
  });

  it('DIALOG360: POST /payments_refund with the D360 key', async () => {
    const d360 = createWhatsAppClient({ provider: 'DIALOG360', baseUrl: sim.url, apiVersion: '', phoneNumberId: '', accessToken: 'd360-refund-key' });
    sim.configureWebhooks({ url: receiver.url, appSecret: APP_SECRET, phoneNumberIdFor: { 'd360-refund-key': '999' } });
    await d360.sendMessage(order('R-D360'));
    await sim.pay('R-D360', 'captured', { webhook: false, phoneNumberId: '999' });
    await expect(d360.requestRefund({ referenceId: 'R-D360', configurationName: 'prod-razorpay', speed: 'NORMAL', amount: { value: 100, offset: 100 } })).resolves.toMatchObject({ status: 'pending' });
    expect(sim.received.filter((r) => r.call === 'refund').map((r) => r.path)).toEqual(['/payments_refund']);
  });

  it('control endpoints: refund-answers, refund, refund-settle and refunds over HTTP', async () => {
    const control = (path: string, body?: unknown) =>
      fetch(`${sim.url}/_simulator/${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    await captured('R-RC');
    expect((await control('refund-answers', { statuses: ['failed'] })).status).toBe(200);
    await expect(request('R-RC', 100)).resolves.toMatchObject({ status: 'failed' });
    sim.autoSettleRefunds = false;
    try {
      const made = await jsonOf(await control('refund', { referenceId: 'R-RC', amount: 2500, speed: 'instant' }));
      expect(made.refund).toMatchObject({ amount: 2500, speedProcessed: 'instant', status: 'pending' });
      expect((await control('refund-settle', { refundId: made.refund.id, outcome: 'success' })).status).toBe(200);
      const listed = (await jsonOf(await control('refunds/R-RC'))).refunds;
      expect(listed.map((r: any) => `${r.amount} ${r.status}`)).toEqual(['100 failed', '2500 success']);
      expect((await jsonOf(await control('refund', { referenceId: 'R-RC', amount: 999999 }))).error).toMatch(/amount must be a whole number of paise from 1 to 49500/);
      expect((await jsonOf(await control('refund-answers', { statuses: ['maybe'] }))).error).toMatch(/must be one of pending, completed, failed/);
    } finally {
      sim.autoSettleRefunds = true;
    }
  });
});

describe('payment lookup (the older vocabulary, paymentWire: legacy)', () => {
  beforeEach(() => {
    sim.paymentWire = 'legacy';
  });
  afterEach(() => {
    sim.paymentWire = 'meta';
  });

  it('answers 404 (null in the client) for an unknown reference or another configuration', async () => {
    await expect(client.lookupPayment('prod-razorpay', 'NOPE')).resolves.toBeNull();
    await client.sendMessage(order('A1001-1'));
    await expect(client.lookupPayment('other-config', 'A1001-1')).resolves.toBeNull();
  });

  it('answers exactly wire/lookup.response.new.json after the order, then pending and captured like the samples', async () => {
    await client.sendMessage(order('A1001-1'));
    const get = async () =>
      jsonOf(await fetch(`${sim.url}/v23.0/${PHONE_NUMBER_ID}/payments/prod-razorpay/A1001-1`, { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect(JSON.stringify(await get())).toBe(JSON.stringify(wire('lookup.response.new.json')));
    await expect(client.lookupPayment('prod-razorpay', 'A1001-1')).resolves.toMatchObject({ status: 'NEW', amount: { value: 52000, offset: 100 }, transactions: [] });

    await sim.pay('A1001-1', 'pending', { webhook: false });
    expect(JSON.stringify(normaliseLookup(await get()))).toBe(JSON.stringify(normaliseLookup(wire('lookup.response.pending.json'))));

    await sim.pay('A1001-1', 'captured', { webhook: false });
    const raw = await get();
    expect(JSON.stringify(normaliseLookup(raw))).toBe(JSON.stringify(normaliseLookup(wire('lookup.response.captured.json'))));
    const payment = await client.lookupPayment('prod-razorpay', 'A1001-1');
    expect(payment).toMatchObject({ status: 'CAPTURED', currency: 'INR', amount: { value: 52000, offset: 100 } });
    expect(payment!.transactions).toHaveLength(1);
    const [tx] = payment!.transactions;
    expect(tx).toMatchObject({ status: 'SUCCESS', gateway: 'RAZORPAY', method: 'upi', amount: { value: 52000, offset: 100 }, currency: 'INR' });
    expect(tx.id).toMatch(/^order_[A-Za-z0-9]{14}$/);
    expect(tx.pgTransactionId).toMatch(/^pay_[A-Za-z0-9]{14}$/);
    expect(tx.id).toBe(raw.payments[0].transactions[0].id); // the pending transaction completed, no second one
    expect(tx.createdAt).toBeInstanceOf(Date);
  });

  it('a retry after a failed payment is a new transaction; a captured payment is final', async () => {
    await client.sendMessage(order('R-RETRY'));
    await sim.pay('R-RETRY', 'failed', { webhook: false });
    await sim.pay('R-RETRY', 'captured', { webhook: false });
    const p = await client.lookupPayment('prod-razorpay', 'R-RETRY');
    expect(p?.status).toBe('CAPTURED');
    expect(p?.transactions.map((t) => [t.status, t.errorCode])).toEqual([
      ['FAILED', 'BAD_REQUEST_ERROR'],
      ['SUCCESS', null],
    ]);
    await expect(sim.pay('R-RETRY', 'failed')).rejects.toThrow(/already captured/);
    await expect(sim.pay('NEVER-SENT', 'captured')).rejects.toThrow(/no order_details was accepted/);
  });

  it('lookupDown makes lookups temporarily unavailable until it is lifted', async () => {
    await client.sendMessage(order('R-DOWN'));
    sim.lookupDown(true);
    expect(await upstreamError(client.lookupPayment('prod-razorpay', 'R-DOWN'))).toMatchObject({ temporary: true, httpStatus: 503 });
    sim.lookupDown(false);
    await expect(client.lookupPayment('prod-razorpay', 'R-DOWN')).resolves.toMatchObject({ status: 'NEW' });
  });
});

describe('webhooks', () => {
  it('order_status with an invalid transition: accepted, then a signed 2046 error webhook like the sample', async () => {
    await client.sendMessage(order('A1001-1'));
    await client.sendMessage(status('A1001-1', 'COMPLETED'));
    const { wamid } = await client.sendMessage(status('A1001-1', 'PROCESSING'));
    const hit = await receiver.nth(1);
    expect(verifies(hit)).toBe(true);
    expect(hit.headers['content-type']).toBe('application/json');
    expect(valueOf(hit.body).statuses[0].id).toBe(wamid);
    expect(JSON.stringify(normalise(hit.body, wamid))).toBe(JSON.stringify(normalise(wire('webhook.order-status-error.2046.json'), 'x')));
    await sim.settle();
    expect(receiver.hits).toHaveLength(1); // the valid COMPLETED transition sent no error
    expect(sim.order('A1001-1')?.status).toBe('completed');
  });

  it('cancel while the payment is captured: accepted, then a 2047 error webhook like the sample', async () => {
    await client.sendMessage(order('A1001-1'));
    await sim.pay('A1001-1', 'captured', { webhook: false });
    const { wamid } = await client.sendMessage(status('A1001-1', 'CANCELED'));
    const hit = await receiver.nth(1);
    expect(verifies(hit)).toBe(true);
    expect(JSON.stringify(normalise(hit.body, wamid))).toBe(JSON.stringify(normalise(wire('webhook.order-status-error.2047.json'), 'x')));
    expect(sim.order('A1001-1')?.status).toBe('pending');
  });

  it('follows the status machine: in-progress statuses interchange, both partially-shipped spellings, nothing back to pending', async () => {
    await client.sendMessage(order('R-SM'));
    const steps: Array<[Parameters<typeof status>[1], 'partially_shipped' | 'partially-shipped', string]> = [
      ['PROCESSING', 'partially_shipped', 'processing'],
      ['SHIPPED', 'partially_shipped', 'shipped'],
      ['PROCESSING', 'partially_shipped', 'processing'],
      ['PARTIALLY_SHIPPED', 'partially-shipped', 'partially_shipped'],
      ['SHIPPED', 'partially_shipped', 'shipped'],
      ['PARTIALLY_SHIPPED', 'partially_shipped', 'partially_shipped'],
    ];
    for (const [next, spelling, expected] of steps) {
      const message = buildOrderStatusMessage({ to: '919876543210', referenceId: 'R-SM', status: next, body: 'b' }, { partiallyShippedSpelling: spelling });
      await client.sendMessage(message);
      expect(sim.order('R-SM')?.status).toBe(expected);
    }
    const { wamid } = await client.sendMessage(status('R-SM', 'PENDING'));
    const hit = await receiver.nth(1);
    expect(valueOf(hit.body).statuses[0]).toMatchObject({ id: wamid, status: 'failed', errors: [{ code: 2046 }] });
    await sim.settle();
    expect(receiver.hits).toHaveLength(1);
  });

  it('cancel with a new payment is allowed and then terminal', async () => {
    await client.sendMessage(order('R-CAN'));
    await client.sendMessage(status('R-CAN', 'CANCELED'));
    await sim.settle();
    expect(receiver.hits).toHaveLength(0);
    await client.sendMessage(status('R-CAN', 'PROCESSING'));
    expect(valueOf((await receiver.nth(1)).body).statuses[0].errors[0].error_data.details).toBe('Order R-CAN cannot move from canceled to processing');
  });

  it('order_status for an unknown reference is refused at once with 131009', async () => {
    const err = await upstreamError(client.sendMessage(status('NO-ORDER', 'PROCESSING')));
    expect(err).toMatchObject({ temporary: false, whatsappCode: 131009 });
    expect(err.details).toMatch(/send an order_details message for it first/);
  });

  it('pay(captured) sends a signed payment webhook like wire/webhook.payment.captured.json (paymentWire: legacy)', async () => {
    sim.paymentWire = 'legacy';
    const { wamid } = await client.sendMessage(order('A1001-1'));
    const result = await sim.pay('A1001-1', 'captured');
    expect(result.webhook).toMatchObject({ delivered: true, status: 200, attempts: 1 });
    const hit = await receiver.nth(1);
    expect(verifies(hit)).toBe(true);
    expect(hit.raw).toBe(result.webhook!.rawBody);
    const status0 = valueOf(hit.body).statuses[0];
    expect(status0.id).toBe(wamid);
    expect(valueOf(hit.body).metadata.phone_number_id).toBe(PHONE_NUMBER_ID);
    expect(status0.payment.transaction.id).toBe(result.payment.transactions![0].id);
    expect(JSON.stringify(normalise(hit.body, wamid))).toBe(JSON.stringify(normalise(wire('webhook.payment.captured.json'), 'x')));
  });

  it('pay(pending) then pay(failed) send webhooks like the pending and failed samples (paymentWire: legacy)', async () => {
    sim.paymentWire = 'legacy';
    const { wamid } = await client.sendMessage(order('A1001-1'));
    await sim.pay('A1001-1', 'pending');
    await sim.pay('A1001-1', 'failed');
    const [pending, failed] = [await receiver.nth(1), await receiver.nth(2)];
    expect(JSON.stringify(normalise(pending.body, wamid))).toBe(JSON.stringify(normalise(wire('webhook.payment.pending.json'), 'x')));
    expect(JSON.stringify(normalise(failed.body, wamid))).toBe(JSON.stringify(normalise(wire('webhook.payment.failed.json'), 'x')));
    expect(valueOf(pending.body).statuses[0].payment.transaction.id).toBe(valueOf(failed.body).statuses[0].payment.transaction.id);
  });

  it('sendMessageStatus sends delivered/failed statuses like the samples', async () => {
    const { wamid } = await client.sendMessage(order('R-MS'));
    await sim.sendMessageStatus(wamid, 'delivered');
    await sim.sendMessageStatus(wamid, 'failed');
    const delivered = normalise((await receiver.nth(1)).body, wamid);
    const failed = normalise((await receiver.nth(2)).body, wamid);
    expect(JSON.stringify(delivered)).toBe(JSON.stringify(normalise(wire('webhook.message-status.delivered.json'), 'x')));
    expect(JSON.stringify(failed)).toBe(JSON.stringify(normalise(wire('webhook.message-status.failed.json'), 'x')));
    await expect(sim.sendMessageStatus('wamid.unknown', 'read')).rejects.toThrow(/no accepted message/);
  });

  it('sendWebhook signs validly, forges, or leaves the signature out', async () => {
    const body = wire('webhook.payment-configuration-update.json');
    await sim.sendWebhook(body);
    await sim.sendWebhook(body, { signature: 'forged' });
    await sim.sendWebhook(body, { signature: 'none' });
    const [valid, forged, none] = receiver.hits;
    expect(valid.raw).toBe(JSON.stringify(body));
    expect(verifies(valid)).toBe(true);
    expect(forged.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifies(forged)).toBe(false);
    expect(none.headers['x-hub-signature-256']).toBeUndefined();
  });

  it('sends X-Webhook-Token when configured (360dialog style)', async () => {
    sim.configureWebhooks({ url: receiver.url, webhookToken: 'shared-secret' });
    await sim.sendWebhook({ object: 'whatsapp_business_account', entry: [] });
    await sim.sendWebhook({ object: 'whatsapp_business_account', entry: [] }, { token: 'forged' });
    expect(receiver.hits[0].headers['x-webhook-token']).toBe('shared-secret');
    expect(receiver.hits[0].headers['x-hub-signature-256']).toBeUndefined();
    expect(receiver.hits[1].headers['x-webhook-token']).not.toBe('shared-secret');
  });

  it('retries a webhook answered 5xx, but not one answered 4xx', async () => {
    await client.sendMessage(order('R-WR'));
    receiver.answers = [500, 200];
    const retried = await sim.pay('R-WR', 'pending');
    expect(retried.webhook).toMatchObject({ delivered: true, attempts: 2, status: 200 });
    receiver.answers = [401];
    const refused = await sim.pay('R-WR', 'captured');
    expect(refused.webhook).toMatchObject({ delivered: false, attempts: 1, status: 401 });
    expect(receiver.hits).toHaveLength(3);
  });

  it('autoDeliver sends sent then delivered for each accepted message', async () => {
    sim.configureWebhooks({ url: receiver.url, appSecret: APP_SECRET, autoDeliver: true });
    const { wamid } = await client.sendMessage(order('R-AUTO'));
    const [sent, delivered] = [await receiver.nth(1), await receiver.nth(2)];
    expect(valueOf(sent.body).statuses[0]).toMatchObject({ id: wamid, status: 'sent' });
    expect(valueOf(delivered.body).statuses[0]).toMatchObject({ id: wamid, status: 'delivered' });
  });
});

describe('DIALOG360', () => {
  it('serves /messages and /v1/payments with the D360-API-KEY header, and maps the key to a phone number id in webhooks', async () => {
    sim.configureWebhooks({ url: receiver.url, appSecret: APP_SECRET, phoneNumberIdFor: { 'd360-key': '999000111' } });
    const d360 = createWhatsAppClient({ provider: 'DIALOG360', baseUrl: sim.url, apiVersion: 'ignored', phoneNumberId: 'ignored', accessToken: 'd360-key' });
    const { wamid } = await d360.sendMessage(order('R-360'));
    await expect(d360.lookupPayment('prod-razorpay', 'R-360')).resolves.toMatchObject({ status: 'NEW' });
    expect(sim.received.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /messages', 'GET /v1/payments/prod-razorpay/R-360']);
    for (const r of sim.received) {
      expect(r.headers['d360-api-key']).toBe('[redacted]');
      expect(r.headers.authorization).toBeUndefined();
    }
    expect(sim.acceptedMessages('R-360')).toEqual([expect.objectContaining({ wamid, provider: 'DIALOG360', phoneNumberId: undefined })]);
    expect(JSON.stringify(sim.received)).not.toContain('d360-key');

    await sim.pay('R-360', 'captured');
    expect(valueOf((await receiver.nth(1)).body).metadata.phone_number_id).toBe('999000111');
  });

  it('refuses a 360dialog path without the D360-API-KEY header', async () => {
    const res = await fetch(`${sim.url}/messages`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await jsonOf(res)).error.error_data.details).toMatch(/D360-API-KEY/);
  });
});

describe('control endpoints', () => {
  const control = (path: string, body?: unknown) =>
    fetch(`${sim.url}/_simulator/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('fail-next, pay, accepted and orders work over HTTP', async () => {
    expect((await control('fail-next', { n: 1, kind: 'http503', only: 'messages' })).status).toBe(200);
    expect(await upstreamError(client.sendMessage(order('R-CTL')))).toMatchObject({ httpStatus: 503 });
    await client.sendMessage(order('R-CTL'));

    const paid = await control('pay', { referenceId: 'R-CTL', outcome: 'captured' });
    expect(paid.status).toBe(200);
    expect((await jsonOf(paid)).payment.status).toBe('captured');
    await expect(client.lookupPayment('prod-razorpay', 'R-CTL')).resolves.toMatchObject({ status: 'CAPTURED' });
    expect(verifies(await receiver.nth(1))).toBe(true);

    expect((await jsonOf(await control('accepted?referenceId=R-CTL'))).accepted).toHaveLength(1);
    expect((await jsonOf(await control('orders/R-CTL'))).order).toMatchObject({ paymentStatus: 'captured', total: 52000 });
    expect(sim.received.every((r) => !r.path.startsWith('/_simulator'))).toBe(true);
  });

  it('reject-reference, lookup-down and reset work over HTTP', async () => {
    await control('reject-reference', { referenceId: 'R-CR', whatsappCode: 131026 });
    expect(await upstreamError(client.sendMessage(order('R-CR')))).toMatchObject({ whatsappCode: 131026, temporary: false });
    await control('lookup-down', { down: true });
    expect(await upstreamError(client.lookupPayment('prod-razorpay', 'R-CR'))).toMatchObject({ httpStatus: 503 });
    await control('reset', {});
    await expect(client.sendMessage(order('R-CR'))).resolves.toHaveProperty('wamid');
    await expect(client.lookupPayment('prod-razorpay', 'R-CR')).resolves.toMatchObject({ status: 'NEW' });
  });

  it('answers 400 with a message for bad control input and 404 for unknown endpoints', async () => {
    const bad = await control('fail-next', { n: 1, kind: 'meteor' });
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error).toMatch(/fault kind must be one of/);
    const missing = await control('pay', { outcome: 'captured' });
    expect((await jsonOf(missing)).error).toMatch(/"referenceId" \(string\) is required/);
    expect((await control('nothing-here', {})).status).toBe(404);
  });
});

describe('reference ids per business, as WhatsApp keeps them', () => {
  const OTHER_NUMBER = '109999000111222';
  const clientOf = (phoneNumberId: string) =>
    createWhatsAppClient({ provider: 'CLOUD_API', baseUrl: sim.url, apiVersion: sim.apiVersion, phoneNumberId, accessToken: TOKEN, timeoutMs: 3000 });

  it('a second business may send A1001-1 with other content; each lookup answers its own order', async () => {
    const other = clientOf(OTHER_NUMBER);
    await client.sendMessage(order('A1001-1'));
    await expect(other.sendMessage(order('A1001-1', { body: 'Another shop, another order' }))).resolves.toHaveProperty('wamid');

    await sim.pay('A1001-1', 'captured', { phoneNumberId: OTHER_NUMBER });
    await expect(other.lookupPayment('prod-razorpay', 'A1001-1')).resolves.toMatchObject({ status: 'CAPTURED' });
    const first = await client.lookupPayment('prod-razorpay', 'A1001-1');
    expect(first!.status).not.toBe('CAPTURED');
    expect(first!.transactions).toEqual([]);
    expect(sim.order('A1001-1', PHONE_NUMBER_ID)).toMatchObject({ paymentStatus: 'new' });
    expect(sim.order('A1001-1', OTHER_NUMBER)).toMatchObject({ paymentStatus: 'captured' });
    expect(sim.acceptedMessages('A1001-1', OTHER_NUMBER)).toHaveLength(1);
    // the payment webhook names the number that sent the order
    expect(valueOf((await receiver.nth(1)).body).metadata.phone_number_id).toBe(OTHER_NUMBER);
  });

  it('a business cannot look up, or move, another business\'s order', async () => {
    const other = clientOf(OTHER_NUMBER);
    await client.sendMessage(order('R-MINE'));
    await expect(other.lookupPayment('prod-razorpay', 'R-MINE')).resolves.toBeNull();
    expect(await upstreamError(other.sendMessage(status('R-MINE', 'PROCESSING')))).toMatchObject({ whatsappCode: 131009, temporary: false });
    expect(sim.order('R-MINE')?.status).toBe('pending');
  });

  it('the simulated customer asks which number when a reference id is used by several', async () => {
    await client.sendMessage(order('R-TWICE'));
    await clientOf(OTHER_NUMBER).sendMessage(order('R-TWICE'));
    await expect(sim.pay('R-TWICE', 'captured')).rejects.toThrow(`reference_id R-TWICE was used by several phone numbers (${PHONE_NUMBER_ID}, ${OTHER_NUMBER}): say which with phoneNumberId`);
    expect(() => sim.order('R-TWICE')).toThrow(/several phone numbers/);
    await expect(sim.pay('R-TWICE', 'captured', { phoneNumberId: '100000000000000' })).rejects.toThrow(/no order_details was accepted for reference_id R-TWICE from phone number 100000000000000/);

    const control = (path: string, body?: unknown) =>
      fetch(`${sim.url}/_simulator/${path}`, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    const ambiguous = await control('pay', { referenceId: 'R-TWICE', outcome: 'captured' });
    expect(ambiguous.status).toBe(400);
    expect((await jsonOf(ambiguous)).error).toMatch(/say which with phoneNumberId/);
    expect((await control('pay', { referenceId: 'R-TWICE', outcome: 'captured', phoneNumberId: PHONE_NUMBER_ID })).status).toBe(200);
    expect((await jsonOf(await control(`orders/R-TWICE?phoneNumberId=${PHONE_NUMBER_ID}`))).order).toMatchObject({ paymentStatus: 'captured' });
    expect((await jsonOf(await control(`orders/R-TWICE?phoneNumberId=${OTHER_NUMBER}`))).order).toMatchObject({ paymentStatus: 'new' });
  });
});
