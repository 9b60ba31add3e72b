// One simulated WhatsApp for several gateway instances (`npm run simulator`, SIMULATOR_URL): each
// instance says where it takes webhooks; every webhook goes to one live instance (they take turns,
// and one that is down or failing passes it on), since any instance can process a stored webhook.
// A gateway pointed at a shared simulator sends, looks up and lets the customer pay through it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { startGateway, StartupError } from '../../src/gateway';
import { createLogger } from '../../src/logger';
import { DEMO } from '../../src/sandbox/seed';
import { WhatsAppSimulator } from '../../src/sandbox/simulator';
import { createTestDatabase } from '../helpers/database';
import { dataOf, startTestGateway, type TestGateway } from '../helpers/gateway';
import { eventually, freePort, orderInput, SEND } from '../helpers/stack';
import type { TestBusiness } from '../helpers/fixtures';
import { FULL_ORDER } from '../helpers/webhooks';

const SECRET = 'shared-deployment-secret';

/** A stand-in for one instance's webhook endpoint, answering `status`. */
class Endpoint {
  hits: string[] = [];
  status = 200;
  url = '';
  private server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      this.hits.push(raw);
      res.writeHead(this.status).end();
    });
  });
  async start(port = 0) {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/whatsapp`;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('the simulator delivers each webhook to one live instance', () => {
  let sim: WhatsAppSimulator;
  let a: Endpoint;
  let b: Endpoint;
  const hook = (n: number) => sim.sendWebhook({ object: 'whatsapp_business_account', entry: [{ id: String(n), changes: [] }] });

  beforeEach(async () => {
    sim = new WhatsAppSimulator();
    await sim.start();
    a = new Endpoint();
    b = new Endpoint();
    await a.start();
    await b.start();
    sim.addWebhookTarget({ url: a.url, appSecret: SECRET });
    sim.addWebhookTarget({ url: b.url, appSecret: SECRET });
    sim.addWebhookTarget({ url: a.url, appSecret: SECRET }); // a restarted instance joins again: still one endpoint
  });
  afterEach(async () => {
    await sim.stop();
    await a.stop().catch(() => undefined);
    await b.stop();
  });

  it('instances of one deployment take turns, each webhook signed once and delivered once', async () => {
    expect(sim.webhookTargets()).toEqual([a.url, b.url]);
    const deliveries = await Promise.all([1, 2, 3, 4].map(hook));
    expect(deliveries.every((d) => d.delivered && d.attempts === 1 && d.headers['x-hub-signature-256'])).toBe(true);
    expect([a.hits.length, b.hits.length]).toEqual([2, 2]);
  });

  it('an instance that is down or answers 5xx passes the webhook on to a live one', async () => {
    await a.stop();
    const whileDown = await Promise.all([1, 2, 3, 4].map(hook));
    expect(whileDown.map((d) => [d.delivered, d.url])).toEqual(Array(4).fill([true, b.url]));
    expect(b.hits).toHaveLength(4);

    await a.start(Number(new URL(a.url).port));
    a.status = 503;
    const failing = await hook(5);
    expect(failing).toMatchObject({ delivered: true, url: b.url });
    expect(a.hits.length + b.hits.length).toBe(6); // at most one 503 on the way
  });

  it('a 4xx is the instance\'s verdict on the webhook: it is not passed on', async () => {
    a.status = 401;
    b.status = 401;
    const refused = await hook(1);
    expect(refused).toMatchObject({ delivered: false, status: 401, attempts: 1 });
    expect(a.hits.length + b.hits.length).toBe(1);
  });

  it('an instance that leaves gets no more; one with other secrets starts another deployment', async () => {
    sim.removeWebhookTarget(a.url);
    expect(sim.webhookTargets()).toEqual([b.url]);
    await Promise.all([1, 2].map(hook));
    expect([a.hits.length, b.hits.length]).toEqual([0, 2]);
    sim.addWebhookTarget({ url: a.url, appSecret: 'another-deployment' });
    expect(sim.webhookTargets()).toEqual([a.url]);
    sim.removeWebhookTarget(a.url);
    expect(sim.webhookTargets()).toEqual([]);
    expect(await hook(3)).toMatchObject({ delivered: false, error: expect.stringMatching(/no webhook URL configured/) });
  });

  it('instances join and leave over HTTP; a bad URL is refused with a message', async () => {
    const control = async (path: string, body?: unknown) => {
      const res = await fetch(`${sim.url}/_simulator/${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(await control('webhook-targets/remove', { url: b.url })).toEqual({ status: 200, body: { ok: true } });
    expect((await control('webhook-targets')).body).toEqual({ targets: [a.url] });
    expect((await control('webhook-targets', { url: b.url, appSecret: SECRET })).status).toBe(200);
    expect((await control('webhook-targets')).body).toEqual({ targets: [a.url, b.url] });
    const bad = await control('webhook-targets', { url: 'gateway:4000/webhooks', appSecret: SECRET });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/webhook url "gateway:4000\/webhooks" is not an http\(s\) URL/);
    expect((await control('webhook-targets', { appSecret: SECRET })).body.error).toMatch(/"url" \(string\) is required/);
  });
});

describe('a sandbox gateway on a shared simulator (SIMULATOR_URL)', () => {
  let sim: WhatsAppSimulator;
  let t: TestGateway;

  beforeAll(async () => {
    sim = new WhatsAppSimulator({ webhookDelayMs: 5 });
    await sim.start();
    t = await startTestGateway({ SIMULATOR_URL: sim.url });
  });
  afterAll(async () => {
    await t.stop().catch(() => undefined);
    await sim.stop();
  });

  it('is a sandbox that talks to it and has joined it with its webhook endpoint', () => {
    expect(t.gateway.config).toMatchObject({ sandbox: true, whatsappApiUrl: sim.url, dialog360ApiUrl: sim.url });
    expect(t.gateway.simulator).toBeNull();
    expect(sim.webhookTargets()).toEqual([`http://127.0.0.1:${t.gateway.port}/webhooks/whatsapp`]);
  });

  it('sends the demo order there, and POST /sandbox/pay pays through it: CAPTURED, verified, delivered', async () => {
    const s = t.gateway.sandbox!;
    const input = orderInput({ phoneNumberId: DEMO.phoneNumberId, paymentConfiguration: DEMO.paymentConfiguration } as TestBusiness);
    const sent = dataOf(await t.gql(SEND, { input }, s.storefrontKey)).sendOrderDetails;
    expect(sent.userErrors).toEqual([]);
    expect(sim.acceptedMessages(sent.order.referenceId, DEMO.phoneNumberId)).toHaveLength(1);

    const res = await fetch(`${t.url}/sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ referenceId: sent.order.referenceId }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ payment: { status: 'captured' }, webhookSent: true });
    await eventually(async () => {
      const o = dataOf(await t.gql(FULL_ORDER, { ref: sent.order.referenceId }, s.opsKey)).order;
      expect(o.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      expect(o.message.status).toBe('DELIVERED');
    });
    const unknown = await fetch(`${t.url}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ referenceId: 'NEVER-SENT' }) });
    expect(unknown.status).toBe(409);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no order_details was accepted for reference_id NEVER-SENT/);
  });

  it('leaves it when it stops, and joins again when it starts', async () => {
    const before = `http://127.0.0.1:${t.gateway.port}/webhooks/whatsapp`;
    const left = new Promise<void>((resolve) => {
      const remove = sim.removeWebhookTarget.bind(sim);
      jest.spyOn(sim, 'removeWebhookTarget').mockImplementationOnce((url) => {
        remove(url);
        expect(url).toBe(before);
        expect(sim.webhookTargets()).toEqual([]);
        resolve();
      });
    });
    await t.restart();
    await left;
    expect(sim.webhookTargets()).toEqual([`http://127.0.0.1:${t.gateway.port}/webhooks/whatsapp`]);
  });

  it('joins with SIMULATOR_WEBHOOK_URL when the simulator reaches it by another name (containers)', async () => {
    await t.restart({ SIMULATOR_WEBHOOK_URL: 'http://gateway-1:4000/webhooks/whatsapp' });
    expect(sim.webhookTargets()).toEqual(['http://gateway-1:4000/webhooks/whatsapp']);
  });
});

describe('a shared simulator that is not running', () => {
  it('stops the start with one line saying to start it, or to unset SIMULATOR_URL', async () => {
    const database = await createTestDatabase();
    const url = `http://127.0.0.1:${await freePort()}`;
    try {
      const config = loadConfig({ SIMULATOR_URL: url, DATABASE_URL: database.url, MIGRATE_ON_START: 'true', PORT: '0', HOST: '127.0.0.1' });
      const start = startGateway(config, createLogger('silent'), { simulatorWaitMs: 300 });
      await expect(start).rejects.toThrow(StartupError);
      await expect(start).rejects.toThrow(
        `Cannot register with the sandbox's WhatsApp: the WhatsApp simulator at SIMULATOR_URL=${url} cannot be reached (ECONNREFUSED): start it with \`npm run simulator\`. Or unset SIMULATOR_URL to simulate WhatsApp in this process.`,
      );
    } finally {
      await database.drop();
    }
  });
});
