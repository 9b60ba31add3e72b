import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createBusiness, TestBusiness } from '../helpers/fixtures';
import { eventually, orderInput } from '../helpers/stack';
import { adminOf, Cluster, Instance, startCluster } from './cluster';

// Hardening under real processes: a gateway SIGKILLed while requests hold idempotency keys, a
// cost budget shared by two instances through Redis, and what the most expensive query a MOBILE
// key may send costs the process in memory and the API in latency.

const LIGHT_SEND = `mutation($input: SendOrderDetailsInput!) { sendOrderDetails(input: $input) { order { id referenceId message { status } } userErrors { code message } } }`;

async function post(url: string, key: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, bytes: text.length, body: JSON.parse(text) as any };
}

function wsClient(url: string, key: string): Client {
  return createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
    keepAlive: 0,
    onNonLazyError: () => undefined,
  });
}

function wsQuery(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<{ data?: any; errors?: any[] }> {
  return new Promise((resolve) => {
    let result: { data?: any; errors?: any[] } = {};
    client.subscribe(
      { query, variables },
      {
        next: (value) => (result = value as typeof result),
        error: (err) => resolve({ errors: Array.isArray(err) ? err : [err] }),
        complete: () => resolve(result),
      },
    );
  });
}

function rssMb(instance: Instance): number {
  const status = readFileSync(`/proc/${instance.process.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

describe('hardening with separate gateway processes (PostgreSQL + Redis)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster?.stop());
  beforeEach(() => cluster.sim.clearFaults());

  it('requests holding idempotency keys when their process is SIGKILLed are answered by retries on a restarted process, each order sent once', async () => {
    const a = await cluster.start('KILLED');
    const shop = await createBusiness(adminOf(a));
    const inputs = Array.from({ length: 30 }, (_, i) => orderInput(shop, { referenceId: `KILL-${i}` }));
    const keys = inputs.map((_, i) => `kill-key-${i}-${Math.random().toString(36).slice(2, 8)}`);
    const refs = new Set(inputs.map((i) => i.referenceId as string));
    // WhatsApp holds the sends: the requests are mid-flight, some with their order stored
    cluster.sim.failNext(30, 'timeout', 'messages');
    const inFlight = inputs.map((input, i) =>
      post(a.url, shop.keys.STOREFRONT, LIGHT_SEND, { input }, { 'idempotency-key': keys[i] }).catch(() => 'killed' as const),
    );
    const held = () => cluster.sim.received.filter((r) => r.fault === 'timeout' && refs.has((r.body as any)?.interactive?.action?.parameters?.reference_id));
    await eventually(async () => expect(held().length).toBeGreaterThanOrEqual(10), 20_000);
    await a.kill('SIGKILL');
    const firstAnswers = await Promise.all(inFlight);
    const heldAtKill = held().length;
    cluster.sim.clearFaults();

    const b = await cluster.start('RESTARTED');
    const retries = await Promise.all(
      inputs.map(async (input, i) => {
        const started = Date.now();
        const res = await post(b.url, shop.keys.STOREFRONT, LIGHT_SEND, { input }, { 'idempotency-key': keys[i] });
        return { res, ms: Date.now() - started };
      }),
    );
    for (const [i, { res }] of retries.entries()) {
      expect({ status: res.status, errors: res.body.errors, userErrors: res.body.data?.sendOrderDetails.userErrors }).toEqual({ status: 200, errors: undefined, userErrors: [] });
      expect(res.body.data.sendOrderDetails.order.referenceId).toBe(inputs[i].referenceId);
    }
    // the key now replays that order
    const replay = await post(b.url, shop.keys.STOREFRONT, LIGHT_SEND, { input: inputs[0] }, { 'idempotency-key': keys[0] });
    expect(replay.body.data.sendOrderDetails.order.id).toBe(retries[0].res.body.data.sendOrderDetails.order.id);

    // every order reaches WhatsApp exactly once (held sends were never accepted: the relay asks the lookup first)
    await eventually(async () => {
      const accepted = cluster.sim.acceptedMessages().filter((m) => refs.has(m.referenceId ?? '') && m.kind === 'order_details');
      expect(accepted.map((m) => m.referenceId).sort()).toEqual([...refs].sort());
    }, 60_000);
    const slowest = Math.max(...retries.map((r) => r.ms));
    process.stdout.write(
      `idempotency after SIGKILL: ${inputs.length} keyed requests in flight (${heldAtKill} held by WhatsApp, ${firstAnswers.filter((x) => x === 'killed').length} cut by the kill); ` +
        `every retry answered with its order, the slowest in ${slowest} ms; order_details accepted per reference: 1\n`,
    );
    await b.kill();
  });

  it('two instances share one budget per key through Redis', async () => {
    const env = { QUERY_MAX_COST: '400', COST_BUDGET_MOBILE: '400:40' };
    const [a, b] = await Promise.all([cluster.start('BUDGET-A', env), cluster.start('BUDGET-B', env)]);
    const shop = await createBusiness(adminOf(a));
    const ref = (await post(a.url, shop.keys.STOREFRONT, LIGHT_SEND, { input: orderInput(shop) })).body.data.sendOrderDetails.order.referenceId;
    const expensive = `query($ref: String!) { ${Array.from({ length: 160 }, (_, i) => `o${i}: order(referenceId: $ref) { status }`).join(' ')} }`;
    const onA = await post(a.url, shop.keys.MOBILE, expensive, { ref });
    expect(onA.status).toBe(200);
    expect(onA.body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(100);
    const onB = await post(b.url, shop.keys.MOBILE, expensive, { ref });
    expect(onB.status).toBe(429);
    expect(onB.body.errors[0].extensions.code).toBe('THROTTLED');
    await Promise.all([a.kill(), b.kill()]);
  });

  describe('the most expensive query a MOBILE key may send', () => {
    let seeded: { shop: TestBusiness; refs: string[] };
    // every item at WhatsApp's longest retailer id: the answer is as large as the limit lets it be
    const retailerId = (i: number) => `SKU-${String(i).padStart(3, '0')}-`.padEnd(100, 'x');
    // 1 + 24 × (edges 1 + edge 1 + cursor 1 + node 1 + items (1 + 999 × (1 + 1))) = 48,073: a page of 25 is over 50,000
    const MAX_QUERY = `query($after: String) { orders(first: 24, after: $after) { edges { cursor node { items { retailerId } } } } }`;

    beforeAll(async () => {
      const seeder = await cluster.start('SEEDER');
      const shop = await createBusiness(adminOf(seeder));
      const refs: string[] = [];
      for (let batch = 0; batch < 6; batch++) {
        await Promise.all(
          Array.from({ length: 5 }, async (_, j) => {
            const base = orderInput(shop) as any;
            const item = { ...base.items[0], amount: { value: 100 }, saleAmount: undefined, quantity: 1, name: 'N'.repeat(60) };
            const input = { ...base, referenceId: `BIG-${batch * 5 + j}`, items: Array.from({ length: 999 }, (_, i) => ({ ...item, retailerId: retailerId(i) })) };
            const res = await post(seeder.url, shop.keys.STOREFRONT, LIGHT_SEND, { input });
            expect(res.body.data.sendOrderDetails.userErrors).toEqual([]);
            refs.push(input.referenceId);
          }),
        );
      }
      await seeder.kill();
      seeded = { shop, refs };
    }, 300_000);

    async function attack(instance: Instance, seconds: number) {
      const { shop, refs } = seeded;
      const stop = Date.now() + seconds * 1000;
      const latencies: number[] = [];
      const outcomes = { http: 0, ws: 0, throttled: 0, other: [] as string[], bytes: 0 };
      const baseline = rssMb(instance);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(instance))), 50);
      // a storefront going about its business: one small read every 20 ms
      const probe = (async () => {
        for (let i = 0; Date.now() < stop; i++) {
          const started = performance.now();
          const res = await post(instance.url, shop.keys.STOREFRONT, `query($ref: String!) { order(referenceId: $ref) { status } }`, { ref: refs[i % refs.length] });
          latencies.push(performance.now() - started);
          if (res.status !== 200 || res.body.errors) outcomes.other.push(`probe: ${res.status} ${JSON.stringify(res.body.errors)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const note = (errors: any[] | undefined) => {
        if (!errors) return true;
        if (errors[0]?.extensions?.code === 'THROTTLED') outcomes.throttled++;
        else outcomes.other.push(JSON.stringify(errors).slice(0, 200));
        return false;
      };
      const overHttp = Array.from({ length: 4 }, async (_, n) => {
        for (let i = n; Date.now() < stop; i++) {
          const res = await post(instance.url, shop.keys.MOBILE, MAX_QUERY, { after: null });
          if (note(res.body.errors)) (outcomes.http++, (outcomes.bytes = Math.max(outcomes.bytes, res.bytes)));
          else if (res.status === 429) await new Promise((r) => setTimeout(r, 200));
        }
      });
      const clients = Array.from({ length: 4 }, () => wsClient(instance.url, shop.keys.MOBILE));
      const overWs = clients.map(async (client) => {
        while (Date.now() < stop) {
          const res = await wsQuery(client, MAX_QUERY, { after: null });
          if (note(res.errors)) outcomes.ws++;
          else await new Promise((r) => setTimeout(r, 200));
        }
      });
      await Promise.all([probe, ...overHttp, ...overWs]);
      clearInterval(sampler);
      await Promise.all(clients.map((c) => c.dispose()));
      return { baseline, peak, latencies, outcomes };
    }

    it('stays bounded in memory and keeps the API answering, with the budget and with the cost limit alone', async () => {
      const report: string[] = [];
      const runs: Array<Awaited<ReturnType<typeof attack>>> = [];
      for (const [label, env] of [
        ['default MOBILE budget', {}],
        ['cost limit alone (COST_BUDGET_MOBILE=off)', { COST_BUDGET_MOBILE: 'off' }],
      ] as const) {
        const instance = await cluster.start(`COST-${label}`, env);
        const r = await attack(instance, 15);
        await instance.kill();
        runs.push(r);
        report.push(
          `${label}: ${r.outcomes.http} answers over HTTP and ${r.outcomes.ws} over WebSocket in 15 s (largest ${(r.outcomes.bytes / 1e6).toFixed(1)} MB), ` +
            `${r.outcomes.throttled} throttled; memory ${r.baseline.toFixed(0)} → peak ${r.peak.toFixed(0)} MB; ` +
            `API p50 ${percentile(r.latencies, 50).toFixed(1)} ms, p99 ${percentile(r.latencies, 99).toFixed(1)} ms over ${r.latencies.length} requests`,
        );
      }
      process.stdout.write(`most expensive MOBILE query (cost 48,073: 24 orders × 999 items × a 100-character retailerId):\n  ${report.join('\n  ')}\n`);
      for (const r of runs) {
        expect(r.outcomes.other).toEqual([]);
        expect(r.outcomes.http + r.outcomes.ws).toBeGreaterThan(0);
        // 2.6 GB before the limit counted items; now what one answer of 50,000 fields and elements
        // holds (about 50 MB in flight), times the queries in flight: 8 here without a budget
        expect(r.peak - r.baseline).toBeLessThan(1000);
      }
    }, 180_000);
  });
});
