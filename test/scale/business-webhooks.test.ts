// Business webhooks across processes: gateway instances started from the built code
// (dist/src/main.js) on PostgreSQL + Redis, delivering to a real receiver on a local port.
// Two instances share the work and deliver every event exactly once, each order's in order; an
// instance SIGKILLed after an event was stored and while its delivery was in flight delivers it
// after the restart, once.
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { CREATE_ENDPOINT, deliveriesOf } from '../helpers/business-webhooks';
import { Receiver, verify } from '../helpers/receiver';
import { eventually, orderInput, SEND, UPDATE } from '../helpers/stack';
import { adminOf, Cluster, gql, Instance, SCALE_ADMIN_KEY, SCALE_APP_SECRET, startCluster } from './cluster';

const ALLOW_PRIVATE = { OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'true' };

/** The 2xx answers an instance got from business webhook receivers (its /metrics). */
async function attempts2xx(instance: Instance): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('wpg_business_webhook_attempts_total{result="2xx"} '));
  return line ? Number(line.split(' ')[1]) : 0;
}

const EVENTS = `query($ref: String!) { order(referenceId: $ref) { events { id type toStatus } } }`;
/**
 * The events as stored: read with the operator's key, whose reads are never served from a kept
 * answer. A business key's copy on A may lag an event stored by B for the bus's delay, and would let
 * the check below pass before the last deliveries arrived.
 */
const storedEvents = async (i: Instance, ref: string) => ((await gql(i.url, SCALE_ADMIN_KEY, EVENTS, { ref })).order.events as Array<{ id: string }>).map((e) => e.id);

async function endpoint(instance: Instance, shop: TestBusiness, url: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const res = (await gql(instance.url, shop.keys.OPS, CREATE_ENDPOINT, { input: { url, eventTypes } })).createWebhookEndpoint;
  expect(res.userErrors).toEqual([]);
  return { id: res.webhookEndpoint.id, secret: res.secret };
}

describe('business webhooks with several gateway processes (PostgreSQL + Redis)', () => {
  let cluster: Cluster;
  let receiver: Receiver;

  beforeAll(async () => {
    cluster = await startCluster();
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await cluster?.stop();
  });

  it('two instances deliver every event exactly once, each order’s in the order it happened', async () => {
    const [a, b] = await Promise.all([cluster.start('A', ALLOW_PRIVATE), cluster.start('B', ALLOW_PRIVATE)]);
    cluster.sim.configureWebhooks({ url: `${b.url}/webhooks/whatsapp`, appSecret: SCALE_APP_SECRET });
    const shop = await createBusiness(adminOf(a));
    // a receiver slow enough that both instances have calls in flight at once
    receiver.answer = () => ({ status: 204, delayMs: 20 });
    const hook = await endpoint(a, shop, `${receiver.url}/two`);

    const refs: string[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const via = i % 2 === 0 ? a : b;
        const input = orderInput(shop);
        expect((await gql(via.url, shop.keys.STOREFRONT, SEND, { input })).sendOrderDetails.userErrors).toEqual([]);
        refs.push(input.referenceId as string);
        await gql((i % 3 === 0 ? a : b).url, shop.keys.OPS, UPDATE, { input: { referenceId: input.referenceId, status: 'PROCESSING' } }).catch(() => undefined);
        if (i % 2 === 1) await cluster.sim.pay(input.referenceId as string, 'captured');
      }),
    );

    // every stored event of every order, exactly once, each order's in order (read once the
    // instances have stopped producing events: message status webhooks keep coming for a while)
    let ids: string[] = [];
    await eventually(async () => {
      const got = receiver.received.filter((r) => r.path.endsWith('/two'));
      ids = got.map((r) => r.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length);
      let total = 0;
      for (const ref of refs) {
        const events = await storedEvents(a, ref);
        total += events.length;
        const forRef = got.filter((r) => r.json.data.referenceId === ref);
        expect(forRef.map((r) => r.headers['webhook-id'])).toEqual(events);
      }
      expect(got.length).toBe(total);
      for (const r of got) expect(verify(hook.secret, r).data.businessId).toBe(shop.id);
    }, 60_000);
    // and the delivery log agrees on both instances
    const adminA = adminOf(a);
    const log = await deliveriesOf(adminA, shop.keys.OPS, hook.id);
    expect(log.length).toBe(ids.length);
    expect(log.every((d) => d.status === 'SUCCEEDED' && d.attempts === 1)).toBe(true);
    // both instances took part, and between them made exactly one request per event
    const made = await Promise.all([a, b].map(async (i) => attempts2xx(i)));
    expect(made.every((n) => n > 0)).toBe(true);
    expect(made[0] + made[1]).toBe(ids.length);
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
  }, 120_000);

  it('SIGKILL while a stored event’s delivery is in flight: after the restart it is delivered, once', async () => {
    const a = await cluster.start('K1', ALLOW_PRIVATE);
    const shop = await createBusiness(adminOf(a));
    const hook = await endpoint(a, shop, `${receiver.url}/kill`, ['ORDER_CREATED']);
    // the receiver holds the first request without answering: the instance dies meanwhile
    let first = true;
    receiver.answer = (r) => {
      if (!r.path.endsWith('/kill')) return 204;
      if (first) {
        first = false;
        return 'hang';
      }
      return 204;
    };
    const input = orderInput(shop);
    const ref = input.referenceId as string;
    expect((await gql(a.url, shop.keys.STOREFRONT, SEND, { input })).sendOrderDetails.userErrors).toEqual([]);
    await eventually(async () => expect(receiver.forOrder(ref)).toHaveLength(1));
    await a.kill('SIGKILL');
    expect(receiver.forOrder(ref)[0].answered).toBeNull();

    const restarted = await cluster.start('K2', ALLOW_PRIVATE);
    // the dead instance's claim runs out (2 x 10 s + 5 s) and the restarted one sends it again
    await eventually(async () => expect(receiver.forOrder(ref).filter((r) => r.answered === 204)).toHaveLength(1), 60_000);
    const got = receiver.forOrder(ref);
    expect(got).toHaveLength(2);
    expect(got[1].headers['webhook-id']).toBe(got[0].headers['webhook-id']);
    expect(verify(hook.secret, got[1]).data).toMatchObject({ referenceId: ref, type: 'ORDER_CREATED' });
    const [d] = await eventually(async () => {
      const list = await deliveriesOf(adminOf(restarted), shop.keys.OPS, hook.id);
      expect(list[0]?.status).toBe('SUCCEEDED');
      return list;
    });
    expect(d).toMatchObject({ attempts: 1, lastStatusCode: 204 });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.forOrder(ref)).toHaveLength(2);
    await restarted.kill('SIGTERM');
  }, 120_000);
});
