// Business webhooks in sandbox mode, as the README shows them: the demo business's events reach the
// sandbox's own receiver (which verifies them with standardwebhooks), and a storefront running the
// README's receiver.js, registered with the README's createWebhookEndpoint request, learns that
// the payment was captured. Both snippets are read from README.md itself, so they cannot rot.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { DEMO } from '../../src/sandbox/seed';
import { deliveriesOf } from '../helpers/business-webhooks';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf, startTestGateway, type TestGateway } from '../helpers/gateway';
import { eventually, orderInput, SEND } from '../helpers/stack';

const ROOT = join(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README's fenced blocks of a language that contain `marker`. */
function readmeBlock(lang: string, marker: string): string {
  const blocks = [...README.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
  const found = blocks.filter((b) => b.includes(marker));
  if (found.length !== 1) throw new Error(`README.md should have one \`\`\`${lang} block with "${marker}", has ${found.length}`);
  return found[0];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe('business webhooks in the sandbox, as the README shows them', () => {
  let t: TestGateway;
  let keys: { storefront: string; ops: string };
  const demo = { phoneNumberId: DEMO.phoneNumberId, paymentConfiguration: DEMO.paymentConfiguration } as TestBusiness;

  beforeAll(async () => {
    t = await startTestGateway({ SANDBOX: 'true' });
    keys = { storefront: t.gateway.sandbox!.storefrontKey!, ops: t.gateway.sandbox!.opsKey! };
  });
  afterAll(() => t.stop());

  const sendDemoOrder = async () => {
    const res = dataOf(await t.gql(SEND, { input: orderInput(demo) }, keys.storefront)).sendOrderDetails;
    expect(res.userErrors).toEqual([]);
    return res.order.referenceId as string;
  };
  const pay = async (referenceId: string) => {
    const res = await fetch(`${t.url}/sandbox/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.storefront}` },
      body: JSON.stringify({ referenceId }),
    });
    expect(res.status).toBe(200);
  };
  const receiverLog = async (key: string | null = keys.ops) =>
    fetch(`${t.url}/sandbox/webhook-receiver`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

  it('allows private addresses, and the demo business delivers to the sandbox receiver, which verifies every webhook', async () => {
    expect(t.gateway.config.outboundWebhooksAllowPrivate).toBe(true);
    // kept with the sandbox's other secrets, in its database
    expect(t.gateway.sandbox!.webhookReceiverSecret).toMatch(/^whsec_/);
    const endpoints = dataOf(await t.gql(`{ webhookEndpoints { id url eventTypes } }`, {}, keys.ops)).webhookEndpoints;
    expect(endpoints).toEqual([{ id: expect.any(String), url: `http://127.0.0.1:${t.gateway.port}/sandbox/webhook-receiver`, eventTypes: [] }]);

    const ref = await sendDemoOrder();
    await pay(ref);
    const got = await eventually(async () => {
      const body = (await (await receiverLog()).json()) as { received: any[] };
      const captured = body.received.find((r) => r.event?.data?.referenceId === ref && r.event.data.toStatus === 'CAPTURED');
      expect(captured).toBeDefined();
      return body.received.filter((r) => r.event?.data?.referenceId === ref);
    });
    expect(got.every((r) => r.verified && r.error === null)).toBe(true);
    expect(got[0].event).toMatchObject({ type: 'ORDER_CREATED', data: { referenceId: ref } });
    expect(got.find((r) => r.event.data.toStatus === 'CAPTURED').event.data.order.payment).toMatchObject({ status: 'CAPTURED', verified: true });
    // the log needs a key; a forged request is refused and shown as such
    expect((await receiverLog(null)).status).toBe(401);
    const forged = JSON.stringify({ type: 'PAYMENT_STATUS_CHANGED', data: { referenceId: ref } });
    const headers = new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).sign('msg_forged', new Date(), forged);
    const res = await fetch(`${t.url}/sandbox/webhook-receiver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': headers },
      body: forged,
    });
    expect(res.status).toBe(400);
    // (the demo's own deliveries may still be coming in: the forged one is found by its id)
    const shown = ((await (await receiverLog()).json()) as { received: any[] }).received.filter((r) => r.webhookId === 'msg_forged');
    expect(shown).toEqual([{ webhookId: 'msg_forged', receivedAt: expect.any(String), verified: false, event: null, error: 'No matching signature found' }]);
  });

  it('a restart keeps the receiver endpoint (its URL follows the port) and its secret', async () => {
    const before = { ...t.gateway.sandbox! };
    await t.restart();
    keys = { storefront: t.gateway.sandbox!.storefrontKey!, ops: t.gateway.sandbox!.opsKey! };
    const after = { ...t.gateway.sandbox! };
    expect(after.webhookReceiverEndpointId).toBe(before.webhookReceiverEndpointId);
    expect(after.webhookReceiverSecret).toBe(before.webhookReceiverSecret);
    const endpoints = dataOf(await t.gql(`{ webhookEndpoints { url } }`, {}, keys.ops)).webhookEndpoints;
    expect(endpoints).toEqual([{ url: `http://127.0.0.1:${t.gateway.port}/sandbox/webhook-receiver` }]);
    const ref = await sendDemoOrder();
    await eventually(async () => {
      const body = (await (await receiverLog()).json()) as { received: any[] };
      expect(body.received.some((r) => r.verified && r.event.data.referenceId === ref)).toBe(true);
    });
  });

  describe("the README's storefront receiver (receiver.js) and its createWebhookEndpoint request", () => {
    let dir: string;
    let child: ChildProcess | null = null;
    let output = '';

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'wpg-receiver-'));
    });
    afterAll(() => {
      child?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('is told "payment captured" for a verified payment, and refuses a body it did not get from the gateway', async () => {
      const port = await freePort();
      // the request exactly as the README sends it, to this test's receiver port
      const curl = readmeBlock('sh', 'createWebhookEndpoint');
      const body = /-d '(.*)'\s*$/m.exec(curl)![1].replace('http://localhost:3000/', `http://127.0.0.1:${port}/`);
      expect(curl).toContain('"authorization: Bearer $OPS_KEY"');
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.ops}` },
        body,
      });
      const created = ((await res.json()) as any).data.createWebhookEndpoint;
      expect(created.userErrors).toEqual([]);
      expect(created.secret).toMatch(/^whsec_/);

      const script = join(dir, 'receiver.js');
      writeFileSync(script, readmeBlock('js', "require('standardwebhooks')"));
      child = spawn(process.execPath, [script], {
        env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: created.secret, PORT: String(port), NODE_PATH: join(ROOT, 'node_modules') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (c) => (output += c));
      child.stderr!.on('data', (c) => (output += c));
      // listening: a forged request is refused with 400
      await eventually(async () => {
        const forged = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}', headers: { 'webhook-id': 'x', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' } });
        expect(forged.status).toBe(400);
      });

      const ref = await sendDemoOrder();
      await pay(ref);
      await eventually(async () => expect(output).toContain(`payment captured for ${ref}: ship it`));
      const line = output.split('\n').find((l) => l.includes(ref))!;
      const webhookId = /webhook-id (\S+)\)/.exec(line)![1];
      // the receiver printed before it answered: the gateway records the 204 just after
      await eventually(async () => {
        const deliveries = await deliveriesOf(t, keys.ops, created.webhookEndpoint.id);
        expect(deliveries).toEqual([expect.objectContaining({ eventId: webhookId, eventType: 'PAYMENT_STATUS_CHANGED', status: 'SUCCEEDED', lastStatusCode: 204 })]);
      });
      expect(output.match(/payment captured/g)).toHaveLength(1);
    });
  });
});
