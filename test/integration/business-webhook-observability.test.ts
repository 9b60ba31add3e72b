// What an operator sees of business webhooks: /metrics (deliveries waiting and failed, the age of
// the oldest waiting, attempts by result, deliveries finished) and the logs, which must never
// carry an endpoint's secret or a delivery's body, at any level.
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { Gateway, startGateway } from '../../src/gateway';
import { WhatsAppSimulator } from '../../src/sandbox/simulator';
import { createEndpoint, deliveriesOf, ROTATE_SECRET, UPDATE_ENDPOINT } from '../helpers/business-webhooks';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { createBusiness } from '../helpers/fixtures';
import { dataOf, type TestGateway } from '../helpers/gateway';
import { Receiver } from '../helpers/receiver';
import { eventually } from '../helpers/stack';
import { sendOrder } from '../helpers/webhooks';

describe('business webhooks: metrics and logs', () => {
  let database: TestDatabase;
  let sim: WhatsAppSimulator;
  let gateway: Gateway;
  let t: TestGateway;
  let receiver: Receiver;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    sim = new WhatsAppSimulator({ webhookDelayMs: 5 });
    await sim.start(0);
    receiver = await new Receiver().start();
    const config = loadConfig({
      SANDBOX: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      MIGRATE_ON_START: 'true',
      WHATSAPP_API_URL: sim.url,
      DIALOG360_API_URL: sim.url,
      SECRETS_KEY: 'ab'.repeat(32),
      ADMIN_API_KEY: 'observability-admin-key-0123456789',
      WHATSAPP_APP_SECRET: 'observability-app-secret',
      WHATSAPP_VERIFY_TOKEN: 'observability-verify',
      RETRY_BASE_MS: '20',
      RETRY_MAX_MS: '100',
      RELAY_POLL_MS: '20',
      OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'true',
      ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `obs-${database.dataDir.split('-').pop()}` } : {}),
    });
    // every line at every level, unredacted: nothing may need redacting in the first place
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    gateway = await startGateway(config, pino({ level: 'trace' }, sink));
    t = {
      gateway,
      database,
      url: gateway.url,
      adminKey: config.adminApiKey!,
      gql: async (query: string, variables?: Record<string, unknown>, key: string | null = config.adminApiKey) => {
        const res = await fetch(`${gateway.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
        return { ...((await res.json()) as object), status: res.status };
      },
    } as unknown as TestGateway;
  });
  afterAll(async () => {
    await gateway.stop();
    await receiver.stop();
    await sim.stop();
    await database.drop();
  });

  const metrics = async () => (await (await fetch(`${gateway.url}/metrics`)).text()).split('\n');
  const metric = async (series: string): Promise<number> => {
    const line = (await metrics()).find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };

  it('reports deliveries waiting and failed, the age of the oldest waiting one, attempts by result and deliveries finished', async () => {
    expect(await metric('wpg_business_webhook_deliveries{status="PENDING"}')).toBe(0);
    expect(await metric('wpg_business_webhook_oldest_pending_age_seconds')).toBe(0);
    const shop = await createBusiness(t);
    const good = await createEndpoint(t, shop.keys.OPS, { url: `${receiver.url}/good`, eventTypes: ['ORDER_CREATED'] });
    const bad = await createEndpoint(t, shop.keys.OPS, { url: `${receiver.url}/bad`, eventTypes: ['ORDER_CREATED'] });
    receiver.answer = (r) => (r.path.endsWith('/bad') ? 503 : 204);
    await sendOrder(t, shop);
    await eventually(async () => expect((await deliveriesOf(t, shop.keys.OPS, good.id))[0]?.status).toBe('SUCCEEDED'));
    await eventually(async () => expect((await deliveriesOf(t, shop.keys.OPS, bad.id))[0]?.attempts).toBeGreaterThanOrEqual(3));

    await new Promise((r) => setTimeout(r, 1100));
    expect(await metric('wpg_business_webhook_deliveries{status="PENDING"}')).toBe(1);
    expect(await metric('wpg_business_webhook_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(1);
    expect(await metric('wpg_outbox_jobs{kind="BUSINESS_WEBHOOK"}')).toBe(1);
    expect(await metric('wpg_business_webhook_attempts_total{result="2xx"}')).toBe(1);
    expect(await metric('wpg_business_webhook_attempts_total{result="5xx"}')).toBeGreaterThanOrEqual(3);
    expect(await metric('wpg_business_webhook_deliveries_finished_total{status="SUCCEEDED"}')).toBe(1);

    // disabled, the waiting delivery ends FAILED
    dataOf(await t.gql(UPDATE_ENDPOINT, { input: { id: bad.id, enabled: false } }, shop.keys.OPS));
    await eventually(async () => expect((await deliveriesOf(t, shop.keys.OPS, bad.id))[0]?.status).toBe('FAILED'));
    await eventually(async () => expect(await metric('wpg_business_webhook_deliveries{status="FAILED"}')).toBe(1));
    expect(await metric('wpg_business_webhook_deliveries{status="PENDING"}')).toBe(0);
    expect(await metric('wpg_business_webhook_oldest_pending_age_seconds')).toBe(0);
    expect(await metric('wpg_business_webhook_deliveries_finished_total{status="FAILED"}')).toBe(1);
  });

  it('logs never carry an endpoint secret or a delivery body, while they do report the failures', async () => {
    const shop = await createBusiness(t);
    const before = logLines.length;
    const endpoint = await createEndpoint(t, shop.keys.OPS, { url: `${receiver.url}/flaky`, description: 'logs' });
    const rotated = dataOf(await t.gql(ROTATE_SECRET, { id: endpoint.id, overlap: 60 }, shop.keys.OPS)).rotateWebhookEndpointSecret;
    let failures = 2;
    receiver.answer = (r) => (r.path.endsWith('/flaky') && failures-- > 0 ? 500 : 204);
    const order = await sendOrder(t, shop);
    await eventually(async () => expect((await deliveriesOf(t, shop.keys.OPS, endpoint.id)).filter((d) => d.status === 'SUCCEEDED').length).toBeGreaterThanOrEqual(2));
    const bodies = receiver.received.filter((r) => r.path.endsWith('/flaky')).map((r) => r.body);
    expect(bodies.length).toBeGreaterThanOrEqual(3);

    const logs = logLines.slice(before).join('\n');
    // the failures are there, by delivery and reason
    expect(logs).toContain('HTTP 500 Internal Server Error');
    expect(logs).toContain('"kind":"BUSINESS_WEBHOOK"');
    for (const secret of [endpoint.secret, rotated.secret]) {
      expect(logs).not.toContain(secret);
      expect(logs).not.toContain(secret.slice('whsec_'.length, 'whsec_'.length + 16));
    }
    for (const body of bodies) expect(logs).not.toContain(body);
    // nor any part of a body beyond the ids the log names
    expect(logs).not.toContain('"order":{');
    expect(logs).not.toContain(`"referenceId":"${order.referenceId}"`);
    for (const r of receiver.received) expect(logs).not.toContain(r.headers['webhook-signature']);
  });
});
