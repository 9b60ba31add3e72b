import { createHmac } from 'node:crypto';
import { createBusiness, TestBusiness } from '../helpers/fixtures';
import { orderInput, SEND, UPDATE, eventually } from '../helpers/stack';
import { subscribeWs } from '../helpers/ws';
import { adminOf, Cluster, gql, Instance, SCALE_APP_SECRET, startCluster, waitForSubscriptions } from './cluster';
import { wire } from '../fixtures/load-wire';

function paymentWebhook(phoneNumberId: string, referenceId: string, status: string): string {
  const body = wire('webhook.payment.captured.json');
  const change = body.entry[0].changes[0].value;
  change.metadata.phone_number_id = phoneNumberId;
  change.statuses[0].status = status;
  change.statuses[0].payment.reference_id = referenceId;
  return JSON.stringify(body);
}

async function postWebhook(url: string, body: string): Promise<number> {
  const signature = 'sha256=' + createHmac('sha256', SCALE_APP_SECRET).update(body).digest('hex');
  const res = await fetch(`${url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body,
  });
  return res.status;
}

const MESSAGES = `query($after: String) { orders(first: 100, after: $after) { edges { node { referenceId message { status attempts } payment { status verified } events { type toStatus } } } pageInfo { hasNextPage endCursor } } }`;

async function allOrders(url: string, key: string): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = (await gql(url, key, MESSAGES, { after })).orders;
    out.push(...page.edges.map((e: any) => e.node));
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

describe('two gateway instances on PostgreSQL + Redis', () => {
  let cluster: Cluster;
  let a: Instance;
  let b: Instance;
  let shop: TestBusiness;

  beforeAll(async () => {
    cluster = await startCluster();
    [a, b] = await Promise.all([cluster.start('A'), cluster.start('B')]);
    shop = await createBusiness(adminOf(a));
  });
  afterAll(() => cluster?.stop());
  beforeEach(() => cluster.sim.clearFaults());

  it('a dashboard on instance A receives, in order, every change caused through instance B', async () => {
    cluster.sim.configureWebhooks({ url: `${b.url}/webhooks/whatsapp`, appSecret: SCALE_APP_SECRET });
    const dashboard = subscribeWs(a.url, shop.keys.OPS, `subscription { orderEvents { referenceId type fromStatus toStatus source } }`);
    await waitForSubscriptions(a, 1);
    const input = orderInput(shop);
    const ref = input.referenceId as string;
    expect((await gql(b.url, shop.keys.STOREFRONT, SEND, { input })).sendOrderDetails.userErrors).toEqual([]);
    await gql(b.url, shop.keys.OPS, UPDATE, { input: { referenceId: ref, status: 'PROCESSING' } });
    await cluster.sim.pay(ref, 'captured');
    const expected = [
      'ORDER_CREATED:API:>PENDING',
      'MESSAGE_STATUS_CHANGED:API:QUEUED>ACCEPTED',
      'ORDER_STATUS_CHANGED:API:PENDING>PROCESSING',
      'MESSAGE_STATUS_CHANGED:API:QUEUED>ACCEPTED',
      'PAYMENT_STATUS_CHANGED:LOOKUP:NEW>CAPTURED',
    ];
    const seen = await eventually(async () => {
      const mine = dashboard.received.map((d) => d.orderEvents).filter((e) => e.referenceId === ref);
      const lines = mine.map((e) => `${e.type}:${e.source}:${e.fromStatus ?? ''}>${e.toStatus}`);
      expect(lines).toEqual(expected);
      return lines;
    }, 15000);
    expect(seen).toHaveLength(5);
    await dashboard.dispose();
  });

  it('200 orders sent half through each instance while 30% of sends fail end with exactly 200 accepted messages', async () => {
    cluster.sim.failRate(0.3, 'http503', 'messages');
    const refs: string[] = [];
    const instances = [a, b];
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const n = batch * 10 + i;
          const input = orderInput(shop, { referenceId: `SCALE-${n}` });
          refs.push(input.referenceId as string);
          const res = (await gql(instances[n % 2].url, shop.keys.STOREFRONT, SEND, { input })).sendOrderDetails;
          expect(res.userErrors).toEqual([]);
          expect(['ACCEPTED', 'QUEUED']).toContain(res.order.message.status);
        }),
      );
    }
    cluster.sim.clearFaults();
    await eventually(async () => {
      const orders = (await allOrders(a.url, shop.keys.OPS)).filter((o) => o.referenceId.startsWith('SCALE-'));
      expect(orders).toHaveLength(200);
      expect(orders.filter((o) => o.message.status !== 'ACCEPTED')).toEqual([]);
    }, 30000);
    const accepted = cluster.sim.acceptedMessages().filter((m) => refs.includes(m.referenceId ?? ''));
    expect(accepted.filter((m) => m.kind === 'order_details')).toHaveLength(200);
    expect(new Set(accepted.map((m) => m.referenceId)).size).toBe(200);
  });

  it('a webhook burst split over both instances ends in the lookup truth with one event per change', async () => {
    const refs: string[] = [];
    for (let i = 0; i < 20; i++) {
      const input = orderInput(shop, { referenceId: `BURST-${i}` });
      refs.push(input.referenceId as string);
      await gql(a.url, shop.keys.STOREFRONT, SEND, { input });
    }
    // WhatsApp's truth: half captured, half failed; only the lookup knows, webhooks are hints
    for (const [i, ref] of refs.entries()) await cluster.sim.pay(ref, i % 2 ? 'failed' : 'captured', { webhook: false });
    const deliveries: Array<[string, string]> = [];
    for (const [i, ref] of refs.entries()) {
      const truth = i % 2 ? 'failed' : 'captured';
      for (const status of ['pending', truth, truth, 'pending', truth]) deliveries.push([ref, status]);
    }
    deliveries.sort(() => Math.random() - 0.5);
    const statuses = await Promise.all(
      deliveries.map(([ref, status], n) => postWebhook((n % 2 ? a : b).url, paymentWebhook(shop.phoneNumberId, ref, status))),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
    await eventually(async () => {
      const orders = (await allOrders(b.url, shop.keys.OPS)).filter((o) => o.referenceId.startsWith('BURST-'));
      for (const o of orders) {
        const i = Number(o.referenceId.split('-')[1]);
        expect(o.payment).toEqual({ status: i % 2 ? 'FAILED' : 'CAPTURED', verified: true });
        const changes = o.events.filter((e: any) => e.type === 'PAYMENT_STATUS_CHANGED');
        expect(changes).toEqual([{ type: 'PAYMENT_STATUS_CHANGED', toStatus: i % 2 ? 'FAILED' : 'CAPTURED' }]);
      }
      expect(orders).toHaveLength(20);
    }, 30000);
  });

  it('killing one instance (SIGKILL) mid-load loses nothing the other cannot finish', async () => {
    const c = await cluster.start('C');
    cluster.sim.failRate(0.5, 'http503', 'messages');
    const sent: string[] = [];
    let next = 0;
    // five clients keep sending through C; C is killed once 30 orders were answered, mid-flight
    const client = async () => {
      while (next < 60 && c.process.exitCode === null && c.process.signalCode === null) {
        const input = orderInput(shop, { referenceId: `KILL-${next++}` });
        try {
          await gql(c.url, shop.keys.STOREFRONT, SEND, { input });
          sent.push(input.referenceId as string);
          if (sent.length === 30) await c.kill('SIGKILL');
        } catch {
          // cut off by the kill: maybe stored, maybe not
        }
      }
    };
    await Promise.all(Array.from({ length: 5 }, client));
    expect(next).toBeLessThan(60);
    expect(sent.length).toBeGreaterThan(0);
    cluster.sim.clearFaults();
    // B picks up what C had claimed once C's leases expire
    await eventually(async () => {
      const stored = (await allOrders(b.url, shop.keys.OPS)).filter((o) => o.referenceId.startsWith('KILL-'));
      for (const ref of sent) expect(stored.map((o) => o.referenceId)).toContain(ref);
      expect(stored.filter((o) => o.message.status !== 'ACCEPTED')).toEqual([]);
      const accepted = cluster.sim.acceptedMessages().filter((m) => (m.referenceId ?? '').startsWith('KILL-'));
      expect(accepted).toHaveLength(stored.length);
      expect(new Set(accepted.map((m) => m.referenceId)).size).toBe(stored.length);
    }, 60000);
  });

  it("an answer A keeps is dropped by a change made through B (the bus carries it), and A's copy is used meanwhile", async () => {
    const ref = `CACHE-${Date.now()}`;
    expect((await gql(a.url, shop.keys.STOREFRONT, SEND, { input: orderInput(shop, { referenceId: ref }) })).sendOrderDetails.userErrors).toEqual([]);
    const q = `query($ref: String!) { order(referenceId: $ref) { status events { type toStatus } } }`;
    const hitsOfA = async () => {
      const line = (await (await fetch(`${a.url}/metrics`)).text()).split('\n').find((l) => l.startsWith('wpg_answer_cache_hits '));
      return Number(line!.split(' ')[1]);
    };
    expect((await gql(a.url, shop.keys.MOBILE, q, { ref })).order.status).toBe('PENDING');
    const hits = await hitsOfA();
    expect((await gql(a.url, shop.keys.MOBILE, q, { ref })).order.status).toBe('PENDING');
    expect(await hitsOfA()).toBe(hits + 1);

    for (const status of ['PROCESSING', 'SHIPPED']) {
      const res = (await gql(b.url, shop.keys.OPS, UPDATE, { input: { referenceId: ref, status } })).updateOrderStatus;
      expect(res.userErrors).toEqual([]);
      // within the bus's delay, A answers with the change (long before a copy's 60 s age limit)
      const seen = await eventually(async () => {
        const order = (await gql(a.url, shop.keys.MOBILE, q, { ref })).order;
        expect(order.status).toBe(status);
        return order;
      }, 10000);
      expect(seen.events.map((e: { toStatus: string }) => e.toStatus)).toContain(status);
    }
  });

  it('1,000 concurrent subscribers on one instance each receive every one of 100 events', async () => {
    const SUBSCRIBERS = 1000;
    const CHANGES = 100;
    const input = orderInput(shop, { referenceId: 'FANOUT-1' });
    await gql(a.url, shop.keys.STOREFRONT, SEND, { input });
    const query = `subscription { orderStatusChanged(referenceId: "FANOUT-1") { eventId to } }`;
    const subs = Array.from({ length: SUBSCRIBERS }, () => subscribeWs(a.url, shop.keys.OPS, query));
    await waitForSubscriptions(a, SUBSCRIBERS, subs);
    const cycle = ['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED'];
    for (let i = 0; i < CHANGES; i++) {
      // changes go through the other instance: delivery crosses Redis
      const res = (await gql(b.url, shop.keys.OPS, UPDATE, { input: { referenceId: 'FANOUT-1', status: cycle[i % 3] } })).updateOrderStatus;
      expect(res.userErrors).toEqual([]);
    }
    for (const sub of subs) await sub.waitFor(CHANGES, 60000);
    const expected = subs[0].received.map((d) => d.orderStatusChanged.eventId);
    expect(new Set(expected).size).toBe(CHANGES);
    for (const sub of subs) {
      expect(sub.received.map((d) => d.orderStatusChanged.eventId)).toEqual(expected);
      expect(sub.errors).toEqual([]);
    }
    await Promise.all(subs.map((x) => x.dispose()));
  }, 180000);
});
