import { dataOf } from '../helpers/gateway';
import { createBusiness, TestBusiness } from '../helpers/fixtures';
import { eventually, orderInput, SEND, startTestStack, TestStack, UPDATE } from '../helpers/stack';
import { subscribeWs } from '../helpers/ws';

const ORDER_EVENTS = `subscription($ref: String, $after: ID) { orderEvents(referenceId: $ref, afterEventId: $after) { id referenceId type source fromStatus toStatus } }`;
const STATUS = `subscription($ref: String) { orderStatusChanged(referenceId: $ref) { eventId referenceId from to source order { status statusDescription allowedTransitions } } }`;
const PAYMENT = `subscription($ref: String) { paymentStatusChanged(referenceId: $ref) { referenceId from to verified source payment { status verified transactions { id status } } } }`;

describe('live subscriptions over graphql-ws (real server, real WebSocket clients)', () => {
  let s: TestStack;
  let other: TestBusiness;

  beforeAll(async () => {
    s = await startTestStack();
    other = await createBusiness(s.t, { name: 'Other shop' });
  });
  afterAll(() => s.stop());

  /** Waits until the gateway holds `count` more live subscriptions than `base` (no sleeping on a guess). */
  const subscribed = (base: number, count: number) =>
    eventually(async () => expect(s.t.gateway.services.events.subscriberCount).toBeGreaterThanOrEqual(base + count));

  const send = async (overrides: Record<string, unknown> = {}) => {
    const res = dataOf(await s.t.gql(SEND, { input: orderInput(s.shop, overrides) }, s.shop.keys.STOREFRONT)).sendOrderDetails;
    expect(res.userErrors).toEqual([]);
    return res.order.referenceId as string;
  };
  const update = async (referenceId: string, status: string, description?: string) => {
    const res = dataOf(await s.t.gql(UPDATE, { input: { referenceId, status, description } }, s.shop.keys.OPS)).updateOrderStatus;
    expect(res.userErrors).toEqual([]);
  };

  it('closes a connection without a key, or with a bad one, with 4401 and the reason', async () => {
    const none = subscribeWs(s.t.url, null, ORDER_EVENTS);
    expect(await none.closed).toEqual({ code: 4401, reason: expect.stringMatching(/^Unauthorized: send connectionParams/) });
    const bad = subscribeWs(s.t.url, 'wpg_ops_wrong', ORDER_EVENTS);
    expect(await bad.closed).toEqual({ code: 4401, reason: expect.stringMatching(/not valid/) });
  });

  it("streams every event of the caller's business in order, and nothing of another business", async () => {
    const base = s.t.gateway.services.events.subscriberCount;
    const ops = subscribeWs(s.t.url, s.shop.keys.OPS, ORDER_EVENTS);
    const stranger = subscribeWs(s.t.url, other.keys.OPS, ORDER_EVENTS);
    await subscribed(base, 2);
    const ref = await send();
    await update(ref, 'PROCESSING');
    await update(ref, 'SHIPPED');
    const events = (await ops.waitFor(6)).map((d) => d.orderEvents).filter((e) => e.referenceId === ref);
    expect(events.map((e) => `${e.type}:${e.fromStatus ?? ''}>${e.toStatus}`)).toEqual([
      'ORDER_CREATED:>PENDING',
      'MESSAGE_STATUS_CHANGED:QUEUED>ACCEPTED',
      'ORDER_STATUS_CHANGED:PENDING>PROCESSING',
      'MESSAGE_STATUS_CHANGED:QUEUED>ACCEPTED',
      'ORDER_STATUS_CHANGED:PROCESSING>SHIPPED',
      'MESSAGE_STATUS_CHANGED:QUEUED>ACCEPTED',
    ]);
    const ids = events.map((e) => Buffer.from(e.id, 'base64url').toString());
    expect([...ids].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]))).toEqual(ids);
    expect(stranger.received).toEqual([]);
    await Promise.all([ops.dispose(), stranger.dispose()]);
  });

  it('orderStatusChanged loads the order as it is after each event (no stale loaders)', async () => {
    const ref = await send();
    const base = s.t.gateway.services.events.subscriberCount;
    const sub = subscribeWs(s.t.url, s.shop.keys.OPS, STATUS, { ref });
    await subscribed(base, 1);
    await update(ref, 'PROCESSING', 'packing');
    await update(ref, 'SHIPPED', 'on its way');
    await update(ref, 'COMPLETED');
    const changes = (await sub.waitFor(3)).map((d) => d.orderStatusChanged);
    expect(changes.map((c) => [c.from, c.to, c.order.status, c.order.statusDescription])).toEqual([
      ['PENDING', 'PROCESSING', 'PROCESSING', 'packing'],
      ['PROCESSING', 'SHIPPED', 'SHIPPED', 'on its way'],
      ['SHIPPED', 'COMPLETED', 'COMPLETED', null],
    ]);
    expect(changes[2].order.allowedTransitions).toEqual([]);
    await sub.dispose();
  });

  it('paymentStatusChanged tells the verified status once the lookup confirmed it', async () => {
    s.sim.configureWebhooks({ url: `${s.t.url}/webhooks/whatsapp`, appSecret: 'test-app-secret-0123456789' });
    const ref = await send();
    const base = s.t.gateway.services.events.subscriberCount;
    const sub = subscribeWs(s.t.url, s.shop.keys.MOBILE, PAYMENT, { ref });
    await subscribed(base, 1);
    await s.sim.pay(ref, 'captured');
    const [change] = (await sub.waitFor(1)).map((d) => d.paymentStatusChanged);
    expect(change).toMatchObject({ referenceId: ref, from: 'NEW', to: 'CAPTURED', verified: true, source: 'LOOKUP' });
    expect(change.payment.transactions).toEqual([{ id: expect.stringMatching(/^order_/), status: 'SUCCESS' }]);
    await sub.dispose();
  });

  it('a MOBILE key must name one order', async () => {
    const sub = subscribeWs(s.t.url, s.shop.keys.MOBILE, ORDER_EVENTS);
    await eventually(async () => expect(JSON.stringify(sub.errors)).toMatch(/MOBILE key subscribes to one order at a time/));
    await sub.dispose();
  });

  it('afterEventId replays the stored events after it, then continues live, with no gap and no duplicate', async () => {
    const ref = await send();
    await update(ref, 'PROCESSING');
    const history = dataOf(await s.t.gql(`query($ref: String!) { order(referenceId: $ref) { events { id type } } }`, { ref }, s.shop.keys.OPS)).order.events;
    expect(history).toHaveLength(4);
    const sub = subscribeWs(s.t.url, s.shop.keys.OPS, ORDER_EVENTS, { ref, after: history[0].id });
    const replayed = await sub.waitFor(3);
    expect(replayed.map((d) => d.orderEvents.id)).toEqual(history.slice(1).map((e: { id: string }) => e.id));
    await update(ref, 'SHIPPED');
    const all = (await sub.waitFor(5)).map((d) => d.orderEvents);
    expect(all.slice(3).map((e) => e.type)).toEqual(['ORDER_STATUS_CHANGED', 'MESSAGE_STATUS_CHANGED']);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    await sub.dispose();
  });

  it('a bad afterEventId is a clear error', async () => {
    const sub = subscribeWs(s.t.url, s.shop.keys.OPS, ORDER_EVENTS, { after: 'nope' });
    await eventually(async () => expect(JSON.stringify(sub.errors)).toMatch(/afterEventId must be the id of an OrderEvent/));
    await sub.dispose();
  });

  it('revoking a key ends its open subscriptions', async () => {
    const created = dataOf(
      await s.t.gql(`mutation($b: ID!) { createApiKey(input: { businessId: $b, role: OPS }) { apiKey { id } secret } }`, { b: s.shop.id }),
    ).createApiKey;
    const sub = subscribeWs(s.t.url, created.secret, ORDER_EVENTS);
    await sub.connected;
    dataOf(await s.t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { userErrors { code } } }`, { id: created.apiKey.id }));
    expect(await sub.closed).toEqual({ code: 4403, reason: 'API key revoked' });
  });

  it('many concurrent subscribers each receive every event (none lost)', async () => {
    const SUBSCRIBERS = 200;
    const CHANGES = 20;
    const ref = await send();
    const base = s.t.gateway.services.events.subscriberCount;
    const subs = Array.from({ length: SUBSCRIBERS }, () => subscribeWs(s.t.url, s.shop.keys.OPS, STATUS, { ref }));
    await subscribed(base, SUBSCRIBERS);
    const cycle = ['PROCESSING', 'PARTIALLY_SHIPPED', 'SHIPPED'];
    let current = 'PENDING';
    for (let i = 0; i < CHANGES; i++) {
      let next = cycle[i % 3];
      if (next === current) next = cycle[(i + 1) % 3];
      await update(ref, next);
      current = next;
    }
    for (const sub of subs) expect(await sub.waitFor(CHANGES, 20000)).toHaveLength(CHANGES);
    const first = subs[0].received.map((d) => d.orderStatusChanged.eventId);
    for (const sub of subs) expect(sub.received.map((d) => d.orderStatusChanged.eventId)).toEqual(first);
    await Promise.all(subs.map((x) => x.dispose()));
  }, 60000);
});
