// The client against a scripted local HTTP server: URLs, headers, and how odd answers are read.
// (The realistic end-to-end runs against the simulator are in test/integration/simulator.test.ts.)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWhatsAppClient, type WhatsAppClientOptions } from '../../src/whatsapp/client';
import { UpstreamError } from '../../src/whatsapp/upstream-error';
import { wire } from '../fixtures/load-wire';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
let seen: Seen[];
let reply: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      reply(req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  seen = [];
  reply = (_req, res) => json(res, 200, { messages: [{ id: 'wamid.X' }] });
});

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const cloud = (extra: Partial<WhatsAppClientOptions> = {}) =>
  createWhatsAppClient({ provider: 'CLOUD_API', baseUrl: base, apiVersion: 'v23.0', phoneNumberId: '1065', accessToken: 'tok-secret', ...extra });

async function rejection(p: Promise<unknown>): Promise<UpstreamError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    return err as UpstreamError;
  }
  throw new Error('expected the call to fail');
}

describe('createWhatsAppClient', () => {
  it('refuses unusable options with a message saying what to set', () => {
    expect(() => cloud({ baseUrl: 'graph.facebook.com' })).toThrow(/baseUrl "graph.facebook.com" is not a URL/);
    expect(() => cloud({ accessToken: '' })).toThrow(/accessToken is empty/);
    expect(() => cloud({ phoneNumberId: '' })).toThrow(/phoneNumberId is empty/);
    expect(() => createWhatsAppClient({ provider: 'DIALOG360', baseUrl: base, apiVersion: '', phoneNumberId: '', accessToken: 'k' })).not.toThrow();
  });

  it('CLOUD_API: posts to /{version}/{phone}/messages with a bearer token and JSON', async () => {
    const payload = { messaging_product: 'whatsapp', to: '91' };
    await expect(cloud({ baseUrl: `${base}/` }).sendMessage(payload)).resolves.toEqual({ wamid: 'wamid.X' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v23.0/1065/messages' });
    expect(seen[0].headers.authorization).toBe('Bearer tok-secret');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(seen[0].headers['d360-api-key']).toBeUndefined();
    expect(JSON.parse(seen[0].body)).toEqual(payload);
  });

  it('CLOUD_API: looks payments up with URL-encoded path segments', async () => {
    reply = (_req, res) => json(res, 200, { payments: [{ reference_id: 'A/1 x', status: 'new' }] });
    const p = await cloud().lookupPayment('prod razorpay', 'A/1 x');
    expect(p?.status).toBe('NEW');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v23.0/1065/payments/prod%20razorpay/A%2F1%20x' });
  });

  it('DIALOG360: uses /messages, /v1/payments/... and the D360-API-KEY header only', async () => {
    const client = createWhatsAppClient({ provider: 'DIALOG360', baseUrl: base, apiVersion: 'v23.0', phoneNumberId: '1065', accessToken: 'd360-key' });
    await client.sendMessage({});
    reply = (_req, res) => json(res, 200, { payments: [] });
    await expect(client.lookupPayment('cfg', 'R1')).resolves.toBeNull();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /messages', 'GET /v1/payments/cfg/R1']);
    for (const s of seen) {
      expect(s.headers['d360-api-key']).toBe('d360-key');
      expect(s.headers.authorization).toBeUndefined();
    }
  });

  it('a 2xx without a wamid is a temporary protocol error', async () => {
    reply = (_req, res) => json(res, 200, { messages: [] });
    expect(await rejection(cloud().sendMessage({}))).toMatchObject({ kind: 'protocol', temporary: true, httpStatus: 200 });
  });

  it('a 404 with a Graph error means "no payment"; a bare 404 page is a permanent error', async () => {
    reply = (_req, res) => json(res, 404, { error: { code: 100, message: 'Payment not found' } });
    await expect(cloud().lookupPayment('cfg', 'R1')).resolves.toBeNull();
    reply = (_req, res) => json(res, 404, '<html>Not Found</html>');
    expect(await rejection(cloud().lookupPayment('cfg', 'R1'))).toMatchObject({ temporary: false, httpStatus: 404 });
  });

  it('a lookup answer that is not JSON, or about another reference, is a protocol error', async () => {
    reply = (_req, res) => json(res, 200, 'OK');
    expect((await rejection(cloud().lookupPayment('cfg', 'R1'))).kind).toBe('protocol');
    reply = (_req, res) => json(res, 200, { payments: [{ reference_id: 'R2', status: 'captured' }] });
    expect((await rejection(cloud().lookupPayment('cfg', 'R1'))).message).toContain('"R2", not R1');
  });

  it("reads the lookup's documented error body (lookup.response.meta-error.json): a 5xx in it is temporary", async () => {
    const sample = wire('lookup.response.meta-error.json');
    reply = (_req, res) => json(res, 500, sample);
    const e = await rejection(cloud().lookupPayment('cfg', 'R1'));
    expect(e).toMatchObject({ kind: 'http', temporary: true, httpStatus: 500, details: 'System error. Please try again.' });
    expect(e.message).toContain('Generic error');
    // the same body under a 2xx status is an error all the same, and still temporary by its code
    reply = (_req, res) => json(res, 200, sample);
    expect(await rejection(cloud().lookupPayment('cfg', 'R1'))).toMatchObject({ temporary: true, httpStatus: 200 });
    // a 4xx code in it is permanent; a 404 in it means "no payment", like Graph's
    reply = (_req, res) => json(res, 400, { errors: [{ code: 400, title: 'Bad request', details: 'reference_id is invalid' }] });
    expect(await rejection(cloud().lookupPayment('cfg', 'R1'))).toMatchObject({ temporary: false, httpStatus: 400, details: 'reference_id is invalid' });
    reply = (_req, res) => json(res, 404, { errors: [{ code: 404, title: 'Not found', details: 'no payment' }] });
    await expect(cloud().lookupPayment('cfg', 'R1')).resolves.toBeNull();
  });

  it('a wamid the gateway could not keep (over 255 characters, control characters) is a protocol error, not an acceptance', async () => {
    reply = (_req, res) => json(res, 200, { messages: [{ id: `wamid.${'x'.repeat(300)}` }] });
    expect(await rejection(cloud().sendMessage({}))).toMatchObject({ kind: 'protocol', httpStatus: 200 });
    reply = (_req, res) => json(res, 200, { messages: [{ id: 'wamid.A\u0000B' }] });
    expect((await rejection(cloud().sendMessage({}))).message).toContain('not a wamid the gateway can keep');
  });

  it("control characters in WhatsApp's error texts are dropped (PostgreSQL refuses NUL in the stored message)", async () => {
    reply = (_req, res) => json(res, 400, { error: { code: 131009, message: 'bad\u0000 value', error_data: { details: 'field\u0000x' } } });
    const e = await rejection(cloud().sendMessage({}));
    expect(e.details).toBe('fieldx');
    expect(e.message).not.toContain('\u0000');
  });

  it('an error code out of the 32-bit range is left out (it could not be stored), the text keeps it', async () => {
    reply = (_req, res) => json(res, 400, { error: { code: 99999999999, message: '(#99999999999) odd' } });
    const e = await rejection(cloud().sendMessage({}));
    expect(e.whatsappCode).toBeUndefined();
    expect(e.message).toContain('99999999999');
  });

  it('does not follow redirects (the token would travel with it)', async () => {
    reply = (req, res) => {
      if (req.url === '/elsewhere') return json(res, 200, { messages: [{ id: 'wamid.Y' }] });
      res.writeHead(307, { location: `${base}/elsewhere` });
      res.end();
    };
    expect(await rejection(cloud().sendMessage({}))).toMatchObject({ temporary: false, httpStatus: 307 });
    expect(seen).toHaveLength(1);
  });

  it('maps an upstream 503 to a temporary error with its code', async () => {
    reply = (_req, res) => json(res, 503, { error: { code: 2, message: 'Service temporarily unavailable' } });
    expect(await rejection(cloud().sendMessage({}))).toMatchObject({ temporary: true, httpStatus: 503, whatsappCode: 2 });
  });

  it('times out a stalled answer and says so', async () => {
    reply = () => undefined; // never answers; afterAll closes the socket
    const started = Date.now();
    const err = await rejection(cloud({ timeoutMs: 150 }).sendMessage({}));
    expect(err).toMatchObject({ kind: 'timeout', temporary: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out an answer whose body stalls after its headers', async () => {
    reply = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"messages":[');
    };
    const err = await rejection(cloud({ timeoutMs: 150 }).sendMessage({}));
    expect(err).toMatchObject({ kind: 'timeout', temporary: true, outcomeUnknown: true });
  });

  it('reports an answer cut off mid-body as a network error whose outcome is unknown', async () => {
    reply = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"messages":[', () => res.socket?.destroy());
    };
    const err = await rejection(cloud().sendMessage({}));
    expect(err).toMatchObject({ kind: 'network', temporary: true, outcomeUnknown: true });
  });

  it('reports a refused connection as a temporary network error, without the token', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await rejection(cloud({ baseUrl: `http://127.0.0.1:${port}` }).sendMessage({}));
    expect(err).toMatchObject({ kind: 'network', temporary: true });
    expect(err.message).toContain('ECONNREFUSED');
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain('tok-secret');
  });
});

describe('requestRefund (payments_refund)', () => {
  const request = { referenceId: 'A1001-1', configurationName: 'demo-razorpay', speed: 'NORMAL' as const, amount: { value: 20000, offset: 100 } };
  const answered = (body: unknown, status = 200) => {
    reply = (_req, res) => json(res, status, body);
  };

  it('CLOUD_API: posts the documented body (value and offset as strings) to /{version}/{phone}/payments_refund and reads the documented answer', async () => {
    answered(wire('refund.response.json'));
    await expect(cloud().requestRefund(request)).resolves.toEqual({ id: 'rfnd_Sdrd41xQ8mT2aZ', status: 'pending', speedProcessed: 'NORMAL' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v23.0/1065/payments_refund' });
    expect(seen[0].headers.authorization).toBe('Bearer tok-secret');
    expect(JSON.parse(seen[0].body)).toEqual(wire('refund.request.json'));
  });

  it('DIALOG360: the same body under its base URL, at /payments_refund or the configured path, with the D360 key', async () => {
    answered({ id: 'rfnd_1', status: 'completed', speed_processed: 'instant' });
    const d360 = (path?: string) =>
      createWhatsAppClient({ provider: 'DIALOG360', baseUrl: `${base}/`, apiVersion: '', phoneNumberId: '', accessToken: 'd360-key', dialog360RefundPath: path });
    await expect(d360().requestRefund({ ...request, speed: 'INSTANT' })).resolves.toEqual({ id: 'rfnd_1', status: 'completed', speedProcessed: 'INSTANT' });
    await d360('/v1/payments_refund').requestRefund(request);
    expect(seen.map((s) => s.url)).toEqual(['/payments_refund', '/v1/payments_refund']);
    expect(seen[0].headers['d360-api-key']).toBe('d360-key');
    expect(JSON.parse(seen[0].body)).toMatchObject({ speed: 'instant', amount: { currency: 'INR', value: '20000', offset: '100' } });
  });

  it('refuses a refund path that could leave the provider: a host, a query, dot segments', () => {
    for (const path of ['payments_refund', '//evil.example/x', '/a/../b', '/a?b=1', 'https://evil.example/x', '/a b']) {
      expect(() => createWhatsAppClient({ provider: 'DIALOG360', baseUrl: base, apiVersion: '', phoneNumberId: '', accessToken: 'k', dialog360RefundPath: path })).toThrow(
        /dialog360RefundPath .* is not a path/,
      );
    }
  });

  it('reads status failed, and a speed it does not know as null (the refund is no less answered)', async () => {
    answered({ id: 'rfnd_2', status: 'failed', speed_processed: 'optimum' });
    await expect(cloud().requestRefund(request)).resolves.toEqual({ id: 'rfnd_2', status: 'failed', speedProcessed: null });
  });

  it.each([
    ['no id', { status: 'pending' }, /no id/],
    ['an id too long to keep', { id: 'r'.repeat(129), status: 'pending' }, /id is 129 characters long/],
    ['an id with a NUL', { id: 'rfnd\u0000', status: 'pending' }, /control characters/],
    ['an unknown status', { id: 'rfnd_3', status: 'processed' }, /status is "processed"/],
    ['not an object', [1, 2], /not a JSON object/],
  ])('an answer with %s is an unknown outcome (WhatsApp may have made the refund), never a refusal', async (_what, body, reason) => {
    answered(body);
    const err = await rejection(cloud().requestRefund(request));
    expect(err).toMatchObject({ kind: 'protocol', temporary: true, outcomeUnknown: true });
    expect(err.message).toMatch(reason);
  });

  it('a 200 that is not JSON is an unknown outcome; a 400 is a refusal with its code; a 503 is temporary and known not to be done', async () => {
    reply = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy error</html>');
    };
    expect(await rejection(cloud().requestRefund(request))).toMatchObject({ kind: 'protocol', outcomeUnknown: true });
    answered({ error: { code: 131009, message: 'Parameter value is not valid', error_data: { details: 'amount exceeds the refundable amount' } } }, 400);
    expect(await rejection(cloud().requestRefund(request))).toMatchObject({ temporary: false, outcomeUnknown: false, httpStatus: 400, whatsappCode: 131009, details: 'amount exceeds the refundable amount' });
    answered({ error: { code: 2, message: 'Service temporarily unavailable' } }, 503);
    expect(await rejection(cloud().requestRefund(request))).toMatchObject({ temporary: true, outcomeUnknown: false, httpStatus: 503 });
  });

  it('a timeout is an unknown outcome', async () => {
    reply = () => undefined;
    expect(await rejection(cloud({ timeoutMs: 150 }).requestRefund(request))).toMatchObject({ kind: 'timeout', outcomeUnknown: true });
  });
});
