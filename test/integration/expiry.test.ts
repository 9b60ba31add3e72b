// Expiry, over real HTTP against the simulator: when expiresAt passes, the payment lookup decides.
// Nothing captured or in progress → Order.expired and an ORDER_EXPIRED event (stored, published,
// in the history); a capture found then is applied as usual; an attempt in progress is looked at
// again until it ends; a lookup that fails is retried, across a restart; canceled orders and
// orders without an expiry are never looked up. WhatsApp will not take an order whose expiry is
// less than 300 s ahead, so "time passes" here by moving a sent order's expiry into the past.
import { OrderEntity } from '../../src/db/entities';
import type { TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { cancelOrder, expiryAhead, lookupCalls } from '../helpers/orders';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { connectSimulator, ofType, sendOrder, trail } from '../helpers/webhooks';
import { subscribeWs } from '../helpers/ws';

const EXPIRY = `query($ref: String!) { order(referenceId: $ref) {
  referenceId status expiresAt expired
  payment { status verified transactions { status } }
  events { id type source fromStatus toStatus detail }
} }`;

describe('expiry: when expiresAt passes, the payment lookup decides', () => {
  let stack: TestStack;
  let shop: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.sim.clearFaults());

  const read = async (ref: string) => dataOf(await stack.t.gql(EXPIRY, { ref }, shop.keys.OPS)).order;
  const send = async () => (await sendOrder(stack.t, shop, { expiresAt: expiryAhead(3600).toISOString(), expirationDescription: 'Pay within 1 hour' })).referenceId as string;

  /** Time passes: the order's expiry is now a second ago (and its check due), as after an hour. */
  async function expire(ref: string): Promise<void> {
    const past = new Date(Date.now() - 1000);
    await stack.t.gateway.db.transaction((m) => m.update(OrderEntity, { referenceId: ref }, { expiresAt: past, expiryCheckAfter: past }));
    stack.t.gateway.services.expiry.kick();
  }

  const checkRow = (ref: string) => stack.t.gateway.db.manager.findOneByOrFail(OrderEntity, { referenceId: ref });

  it('nobody paid: expired, one ORDER_EXPIRED event stored and published to subscribers, then no more lookups', async () => {
    const ref = await send();
    const o0 = await read(ref);
    expect(o0.expired).toBe(false);
    expect((await checkRow(ref)).expiryCheckAfter?.toISOString()).toBe(o0.expiresAt);
    const dashboard = subscribeWs(stack.t.url, shop.keys.OPS, `subscription($ref: String) { orderEvents(referenceId: $ref) { referenceId type source detail } }`, { ref });
    await dashboard.connected;
    try {
      await expire(ref);
      const o = await eventually(async () => {
        const r = await read(ref);
        expect(r.expired).toBe(true);
        return r;
      });
      expect(ofType(o.events, 'ORDER_EXPIRED')).toEqual([
        expect.objectContaining({ source: 'SYSTEM', fromStatus: null, toStatus: null, detail: expect.stringMatching(/passed and WhatsApp's payment lookup found no payment attempt$/) }),
      ]);
      expect(o.status).toBe('PENDING');
      expect(o.payment).toMatchObject({ status: 'NEW', verified: true });
      const [live] = await dashboard.waitFor(1);
      expect(live.orderEvents).toEqual({ referenceId: ref, type: 'ORDER_EXPIRED', source: 'SYSTEM', detail: ofType(o.events, 'ORDER_EXPIRED')[0].detail });
    } finally {
      await dashboard.dispose();
    }
    expect(lookupCalls(stack.sim, ref)).toHaveLength(1);
    expect((await checkRow(ref)).expiryCheckAfter).toBeNull();
    // later passes look at it no more
    await stack.t.gateway.services.expiry.pass();
    expect(lookupCalls(stack.sim, ref)).toHaveLength(1);
    expect(ofType((await read(ref)).events, 'ORDER_EXPIRED')).toHaveLength(1);
  });

  it('only failed attempts: expired, and the failure the lookup reports is recorded too', async () => {
    const ref = await send();
    await stack.sim.pay(ref, 'failed', { webhook: false });
    await expire(ref);
    const o = await eventually(async () => {
      const r = await read(ref);
      expect(r.expired).toBe(true);
      return r;
    });
    expect(o.payment).toMatchObject({ status: 'FAILED', transactions: [{ status: 'FAILED' }] });
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>FAILED']);
    expect(ofType(o.events, 'ORDER_EXPIRED')[0].detail).toMatch(/found only failed payment attempts$/);
  });

  it('a capture that arrived unannounced: applied as usual, and the order does not expire', async () => {
    const ref = await send();
    await stack.sim.pay(ref, 'captured', { webhook: false });
    await expire(ref);
    await eventually(async () => expect((await checkRow(ref)).expiryCheckAfter).toBeNull());
    const o = await read(ref);
    expect(o.expired).toBe(false);
    expect(o.payment).toMatchObject({ status: 'CAPTURED', verified: true });
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
    expect(ofType(o.events, 'ORDER_EXPIRED')).toEqual([]);
    expect(ofType(o.events, 'PAYMENT_DISCREPANCY')).toEqual([]);
  });

  it('an attempt in progress: not expired yet; looked at again until it ends, then expired when it failed', async () => {
    const ref = await send();
    await stack.sim.pay(ref, 'pending', { webhook: false });
    await expire(ref);
    await eventually(async () => expect(lookupCalls(stack.sim, ref).length).toBeGreaterThanOrEqual(2));
    const during = await read(ref);
    expect(during.expired).toBe(false);
    expect(during.payment.status).toBe('PENDING');
    expect((await checkRow(ref)).expiryCheckAfter).not.toBeNull();
    await stack.sim.pay(ref, 'failed', { webhook: false });
    const o = await eventually(async () => {
      const r = await read(ref);
      expect(r.expired).toBe(true);
      return r;
    });
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>PENDING', 'LOOKUP PENDING>FAILED']);
    expect(ofType(o.events, 'ORDER_EXPIRED')).toHaveLength(1);
  });

  it('a capture found after the order expired unpaid is applied and is a PAYMENT_DISCREPANCY (fulfil or refund)', async () => {
    const ref = await send();
    await expire(ref);
    await eventually(async () => expect((await read(ref)).expired).toBe(true));
    await stack.sim.pay(ref, 'captured');
    const o = await eventually(async () => {
      const r = await read(ref);
      expect(ofType(r.events, 'PAYMENT_DISCREPANCY')).toHaveLength(1);
      return r;
    });
    expect(o.expired).toBe(true);
    expect(o.payment).toMatchObject({ status: 'CAPTURED', verified: false });
    expect(ofType(o.events, 'PAYMENT_DISCREPANCY')[0].detail).toMatch(/captured on an order that had expired unpaid/);
  });

  it('the lookup fails at the expiry: retried, across a restart, and the order expires once', async () => {
    const ref = await send();
    stack.sim.lookupDown(true);
    try {
      await expire(ref);
      await eventually(async () => expect(lookupCalls(stack.sim, ref).filter((r) => r.status === 503).length).toBeGreaterThanOrEqual(2));
      expect((await read(ref)).expired).toBe(false);
      // the gateway restarts while the lookup is still down; the check is a column, not a timer
      await stack.t.restart();
      connectSimulator(stack);
      const failuresBefore = lookupCalls(stack.sim, ref).length;
      await eventually(async () => expect(lookupCalls(stack.sim, ref).length).toBeGreaterThan(failuresBefore));
      expect((await read(ref)).expired).toBe(false);
    } finally {
      stack.sim.lookupDown(false);
    }
    const o = await eventually(async () => {
      const r = await read(ref);
      expect(r.expired).toBe(true);
      return r;
    }, 15000);
    expect(ofType(o.events, 'ORDER_EXPIRED')).toHaveLength(1);
    expect(lookupCalls(stack.sim, ref).filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('a canceled order and an order without expiry are never looked up for expiry', async () => {
    const canceled = await send();
    expect((await cancelOrder(stack.t, { referenceId: canceled }, shop.keys.OPS)).userErrors).toEqual([]);
    const lookups = lookupCalls(stack.sim, canceled).length;
    await expire(canceled);
    await eventually(async () => expect((await checkRow(canceled)).expiryCheckAfter).toBeNull());
    expect(lookupCalls(stack.sim, canceled)).toHaveLength(lookups);
    expect((await read(canceled)).expired).toBe(false);

    const open = (await sendOrder(stack.t, shop)).referenceId as string;
    expect((await checkRow(open)).expiryCheckAfter).toBeNull();
    await stack.t.gateway.services.expiry.pass();
    expect(lookupCalls(stack.sim, open)).toHaveLength(0);
  });
});
