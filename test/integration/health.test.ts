import { loadConfig } from '../../src/config';
import { Database } from '../../src/db/database';
import { startGateway, StartupError } from '../../src/gateway';
import { createLogger } from '../../src/logger';
import { createTestDatabase, TEST_DIALECT } from '../helpers/database';
import { startTestGateway, TestGateway } from '../helpers/gateway';
import { eventually, orderInput, SEND, startTestStack, TestStack } from '../helpers/stack';
import { subscribeWs } from '../helpers/ws';

describe('health and readiness', () => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway();
  });
  afterAll(() => t.stop());

  it('answers /healthz and /readyz once migrated', async () => {
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('answers unknown paths with a 404 that points at the API', async () => {
    const res = await fetch(`${t.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/\/graphql/);
  });

  it('serves GET /graphql for queries', async () => {
    const q = encodeURIComponent('{ viewer { role } }');
    const res = await fetch(`${t.url}/graphql?query=${q}`, {
      headers: { authorization: `Bearer ${t.adminKey}`, 'apollo-require-preflight': 'true' },
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({ viewer: { role: 'ADMIN' } });
  });

  it('answers errors without stack traces or paths of the server', async () => {
    const res = await t.gql('{ orders(first: 500) { edges { cursor } } }');
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res)).not.toMatch(/stacktrace|node_modules|\/src\//);
  });
});

describe('start-up against an unmigrated database', () => {
  it('refuses to start (when not migrating at start) and says to run npm run migrate', async () => {
    const database = await createTestDatabase();
    try {
      const config = loadConfig({ DATABASE_URL: database.url, MIGRATE_ON_START: 'false', PORT: '0', HOST: '127.0.0.1' });
      await expect(startGateway(config, createLogger('silent'))).rejects.toThrow(StartupError);
      await expect(startGateway(config, createLogger('silent'))).rejects.toThrow(/npm run migrate/);
      const db = await Database.connect(database.url);
      expect(db.dialect).toBe(TEST_DIALECT);
      await db.runMigrations();
      await db.close();
      const gateway = await startGateway(config, createLogger('silent'));
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      await gateway.stop();
    } finally {
      await database.drop();
    }
  });
});

describe('start-up on a port already taken', () => {
  it('refuses in one line naming the port and PORT, and graphql-ws prints nothing', async () => {
    const first = await startTestGateway();
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const taken = first.gateway.port;
      const config = loadConfig({ DATABASE_URL: first.database.url, MIGRATE_ON_START: 'false', PORT: String(taken), HOST: '127.0.0.1' });
      const second = startGateway(config, createLogger('silent'));
      await expect(second).rejects.toThrow(StartupError);
      await expect(second).rejects.toThrow(new RegExp(`^Port ${taken} on 127\\.0\\.0\\.1 is already in use .*set PORT to a free port, e\\.g\\. PORT=${taken + 1}\\.$`));
      expect(errors).not.toHaveBeenCalled();
      // the first gateway is untouched: HTTP and WebSockets still served
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      const sub = subscribeWs(first.url, first.adminKey, 'subscription { orderEvents { id } }');
      await sub.connected;
      await sub.dispose();
    } finally {
      errors.mockRestore();
      await first.stop();
    }
  });
});

describe('GET /metrics', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());

  const metric = async (name: string) => {
    const text = await (await fetch(`${s.t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };

  it('reports queue depths and live subscriptions in the Prometheus format', async () => {
    const res = await fetch(`${s.t.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metric('wpg_outbox_queued')).toBe(0);
    await s.t.gateway.services.outbox.stop();
    s.sim.failNext(1, 'http503', 'messages');
    await s.t.gql(SEND, { input: orderInput(s.shop) }, s.shop.keys.STOREFRONT);
    expect(await metric('wpg_outbox_queued')).toBe(1);
    s.t.gateway.services.outbox.start();
    await eventually(async () => expect(await metric('wpg_outbox_queued')).toBe(0));

    const sub = subscribeWs(s.t.url, s.shop.keys.OPS, 'subscription { orderEvents { id } }');
    await eventually(async () => expect(await metric('wpg_subscriptions_active')).toBe(1));
    expect(await metric('wpg_websocket_connections')).toBe(1);
    // a client that goes away from a quiet subscription releases it at once
    await sub.dispose();
    await eventually(async () => expect(await metric('wpg_subscriptions_active')).toBe(0));
    expect(await metric('wpg_process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
