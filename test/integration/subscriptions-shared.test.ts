import { dataOf } from '../helpers/gateway';
import { eventually, orderInput, SEND, startTestStack, TestStack, UPDATE } from '../helpers/stack';
import { subscribeWs } from '../helpers/ws';

// Identical subscriptions share one execution per event (src/graphql/shared-subscribe.ts). Each
// subscriber must still get exactly its own answer: its selection, its business, its filter, and
// the data as it is after the event.

const STATUS = `subscription { orderStatusChanged { eventId referenceId to order { status } } }`;
const STATUS_OTHER_SELECTION = `subscription { orderStatusChanged { referenceId from } }`;
const ONE_ORDER = `subscription($ref: String) { orderStatusChanged(referenceId: $ref) { referenceId to order { status } } }`;
/** the loader query one execution of STATUS makes (src/db/batch-reads.ts) */
const ORDER_LOAD = /FROM "orders" WHERE "id" IN \(/;

describe('identical subscriptions share one execution per event', () => {
  let s: TestStack;

  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());

  const send = async () => {
    const res = dataOf(await s.t.gql(SEND, { input: orderInput(s.shop) }, s.shop.keys.STOREFRONT)).sendOrderDetails;
    expect(res.userErrors).toEqual([]);
    return res.order.referenceId as string;
  };
  const update = async (referenceId: string, status: string) => {
    const res = dataOf(await s.t.gql(UPDATE, { input: { referenceId, status } }, s.shop.keys.OPS)).updateOrderStatus;
    expect(res.userErrors).toEqual([]);
  };
  const subscribed = (count: number) => eventually(async () => expect(s.t.gateway.services.events.subscriberCount).toBeGreaterThanOrEqual(count));

  it('gives every subscriber its own selection and filter, with the data after each event, executing each once', async () => {
    const [a, b] = [await send(), await send()];
    const base = s.t.gateway.services.events.subscriberCount;
    const same = Array.from({ length: 20 }, () => subscribeWs(s.t.url, s.shop.keys.OPS, STATUS));
    const otherSelection = subscribeWs(s.t.url, s.shop.keys.OPS, STATUS_OTHER_SELECTION);
    const otherRole = subscribeWs(s.t.url, s.shop.keys.STOREFRONT, STATUS);
    const oneOrder = subscribeWs(s.t.url, s.shop.keys.MOBILE, ONE_ORDER, { ref: a });
    await subscribed(base + 23);

    s.counter.reset();
    await update(a, 'PROCESSING');
    for (const sub of [...same, otherSelection, otherRole, oneOrder]) await sub.waitFor(1);
    // 20 identical subscriptions, one more of another role, one of one order: three executions
    expect(s.counter.statements.filter((q) => ORDER_LOAD.test(q))).toHaveLength(3);

    await update(b, 'PROCESSING');
    await update(a, 'SHIPPED');
    for (const sub of [...same, otherRole]) {
      const got = (await sub.waitFor(3)).map((d) => d.orderStatusChanged);
      expect(got.map((e) => [e.referenceId, e.to, e.order.status])).toEqual([
        [a, 'PROCESSING', 'PROCESSING'],
        [b, 'PROCESSING', 'PROCESSING'],
        [a, 'SHIPPED', 'SHIPPED'],
      ]);
      expect(new Set(got.map((e) => e.eventId)).size).toBe(3);
    }
    expect((await otherSelection.waitFor(3)).map((d) => d.orderStatusChanged)).toEqual([
      { referenceId: a, from: 'PENDING' },
      { referenceId: b, from: 'PENDING' },
      { referenceId: a, from: 'PROCESSING' },
    ]);
    await eventually(async () => expect(oneOrder.received).toHaveLength(2));
    expect(oneOrder.received.map((d) => d.orderStatusChanged)).toEqual([
      { referenceId: a, to: 'PROCESSING', order: { status: 'PROCESSING' } },
      { referenceId: a, to: 'SHIPPED', order: { status: 'SHIPPED' } },
    ]);
    for (const sub of [...same, otherSelection, otherRole, oneOrder]) {
      expect(sub.errors).toEqual([]);
      await sub.dispose();
    }
  });

  it('a subscriber that leaves stops receiving while the others go on', async () => {
    const ref = await send();
    const base = s.t.gateway.services.events.subscriberCount;
    const staying = subscribeWs(s.t.url, s.shop.keys.OPS, STATUS);
    const leaving = subscribeWs(s.t.url, s.shop.keys.OPS, STATUS);
    await subscribed(base + 2);
    await update(ref, 'PROCESSING');
    await leaving.waitFor(1);
    await leaving.dispose();
    await eventually(async () => expect(s.t.gateway.services.events.subscriberCount).toBe(base + 1));
    await update(ref, 'SHIPPED');
    expect((await staying.waitFor(2)).map((d) => d.orderStatusChanged.to)).toEqual(['PROCESSING', 'SHIPPED']);
    expect(leaving.received).toHaveLength(1);
    await staying.dispose();
  });
});
