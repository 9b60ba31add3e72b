// The reads an ops dashboard needs beyond plain paging: newest first, reference id search, the
// work-queue filters (events, message delivery, payments waiting for a lookup), where a live
// view starts (viewer.lastEventId) and when a message was stored. Real server, simulator over HTTP.
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { eventually, orderInput, SEND, startTestStack, type TestStack, UPDATE } from '../helpers/stack';
import { connectSimulator } from '../helpers/webhooks';
import { subscribeWs } from '../helpers/ws';

const ORDERS = `query($first: Int, $after: String, $filter: OrderFilter, $newestFirst: Boolean) {
  orders(first: $first, after: $after, filter: $filter, newestFirst: $newestFirst) {
    edges { cursor node { referenceId createdAt } }
    pageInfo { hasNextPage endCursor }
  } }`;
const VIEWER = `{ viewer { role lastEventId } }`;

describe('dashboard reads: ordering, search, work-queue filters, live start (real server)', () => {
  let s: TestStack;
  let shop: TestBusiness;
  let other: TestBusiness;
  const run = Math.random().toString(36).slice(2, 6).toUpperCase();

  beforeAll(async () => {
    s = await startTestStack();
    shop = s.shop;
    other = await createBusiness(s.t, { name: 'Other shop' });
    connectSimulator(s);
  });
  afterAll(() => s.stop());

  const send = async (referenceId: string, business: TestBusiness = shop, refusedWith?: string) => {
    const res = dataOf(await s.t.gql(SEND, { input: orderInput(business, { referenceId }) }, business.keys.STOREFRONT)).sendOrderDetails;
    expect(res.userErrors.map((e: { code: string }) => e.code)).toEqual(refusedWith ? [refusedWith] : []);
    return res.order;
  };
  const refs = async (variables: Record<string, unknown>, key = shop.keys.OPS): Promise<string[]> =>
    dataOf(await s.t.gql(ORDERS, { first: 100, ...variables }, key)).orders.edges.map((e: any) => e.node.referenceId);
  /** Every page of a listing, following endCursor. */
  const allPages = async (variables: Record<string, unknown>, first: number): Promise<string[]> => {
    const out: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = dataOf(await s.t.gql(ORDERS, { ...variables, first, after }, shop.keys.OPS)).orders;
      out.push(...page.edges.map((e: any) => e.node.referenceId));
      if (!page.pageInfo.hasNextPage) return out;
      after = page.pageInfo.endCursor;
    }
  };

  it('newestFirst lists the newest order first and pages towards older ones with nothing missed or doubled', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) sent.push((await send(`NF${run}-${i}`)).referenceId);
    const filter = { referenceIdPrefix: `NF${run}-` };
    expect(await allPages({ filter, newestFirst: true }, 3)).toEqual([...sent].reverse());
    expect(await allPages({ filter }, 3)).toEqual(sent);
    expect(await allPages({ filter, newestFirst: false }, 2)).toEqual(sent);
  });

  it('referenceIdPrefix finds reference ids by their start, ignoring case, with _ taken literally, in the caller business only', async () => {
    const a = (await send(`SR${run}_1`)).referenceId;
    const b = (await send(`SR${run}_2`)).referenceId;
    const c = (await send(`SR${run}X3`)).referenceId;
    await send(`SR${run}_9`, other);
    expect(await refs({ filter: { referenceIdPrefix: `SR${run}` }, newestFirst: true })).toEqual([c, b, a]);
    expect(await refs({ filter: { referenceIdPrefix: `sr${run.toLowerCase()}_` } })).toEqual([a, b]);
    expect(await refs({ filter: { referenceIdPrefix: a } })).toEqual([a]);
    expect(await refs({ filter: { referenceIdPrefix: `SR${run}_9` } })).toEqual([]);
    expect(await refs({ filter: { referenceIdPrefix: `SR${run}_9` } }, other.keys.OPS)).toEqual([`SR${run}_9`]);
  });

  it('refuses a referenceIdPrefix that cannot start a reference id, naming the argument', async () => {
    for (const bad of ['', 'a b', "x' OR 1=1 --", '%', 'x'.repeat(36)]) {
      const res = await s.t.gql(ORDERS, { filter: { referenceIdPrefix: bad } }, shop.keys.OPS);
      expect(res.errors?.[0]).toMatchObject({
        message: expect.stringContaining('referenceIdPrefix must be 1-35 characters'),
        extensions: { code: 'BAD_USER_INPUT', field: 'filter.referenceIdPrefix' },
      });
    }
  });

  it('eventType keeps the orders that had such an event: a status change, a payment discrepancy', async () => {
    const moved = (await send(`EV${run}-moved`)).referenceId;
    const untouched = (await send(`EV${run}-new`)).referenceId;
    const odd = (await send(`EV${run}-odd`)).referenceId;
    const upd = dataOf(await s.t.gql(UPDATE, { input: { referenceId: moved, status: 'PROCESSING' } }, shop.keys.OPS)).updateOrderStatus;
    expect(upd.userErrors).toEqual([]);
    // the customer is charged another amount than the order's: the lookup reports it, a discrepancy
    await s.sim.pay(odd, 'captured', { amount: 100 });
    const prefix = { referenceIdPrefix: `EV${run}-` };
    await eventually(async () =>
      expect(await refs({ filter: { ...prefix, eventType: ['PAYMENT_DISCREPANCY'] } })).toEqual([odd]),
    );
    expect(await refs({ filter: { ...prefix, eventType: ['ORDER_STATUS_CHANGED'] } })).toEqual([moved]);
    expect(await refs({ filter: { ...prefix, eventType: ['ORDER_STATUS_CHANGED', 'PAYMENT_DISCREPANCY'] }, newestFirst: true })).toEqual([odd, moved]);
    expect(await refs({ filter: { ...prefix, eventType: ['ORDER_CREATED'] } })).toEqual([moved, untouched, odd]);
    expect(await refs({ filter: { ...prefix, eventType: ['UPSTREAM_ERROR'] } })).toEqual([]);
  });

  it('messageStatus finds orders with a FAILED or QUEUED message, and messageCreatedBefore only those waiting since before a time', async () => {
    const failed = `MS${run}-failed`;
    s.sim.rejectReference(failed, 131009);
    await send(failed, shop, 'UPSTREAM_REJECTED');
    // a temporary failure: the message stays QUEUED and the relay retries it later
    s.sim.failRate(1, 'http503', 'messages');
    let queued: string;
    try {
      queued = (await send(`MS${run}-queued`)).referenceId;
      const later = (await send(`MS${run}-later`)).referenceId;
      const prefix = { referenceIdPrefix: `MS${run}-` };
      expect(await refs({ filter: { ...prefix, messageStatus: ['FAILED'] } })).toEqual([failed]);
      expect(await refs({ filter: { ...prefix, messageStatus: ['QUEUED'] } })).toEqual([queued, later]);
      expect(await refs({ filter: { ...prefix, messageStatus: ['FAILED', 'QUEUED'] }, newestFirst: true })).toEqual([later, queued, failed]);
      const order = dataOf(
        await s.t.gql(`query($r: String!) { order(referenceId: $r) { messages { status createdAt updatedAt } } }`, { r: queued }, shop.keys.OPS),
      ).order;
      const storedAt = new Date(order.messages[0].createdAt);
      expect(order.messages[0].status).toBe('QUEUED');
      expect(Math.abs(storedAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect(
        await refs({ filter: { ...prefix, messageStatus: ['QUEUED'], messageCreatedBefore: new Date(storedAt.getTime() + 1).toISOString() } }),
      ).toEqual([queued]);
      expect(await refs({ filter: { ...prefix, messageStatus: ['QUEUED'], messageCreatedBefore: storedAt.toISOString() } })).toEqual([]);
    } finally {
      s.sim.clearFaults();
    }
    await eventually(async () => expect(await refs({ filter: { referenceIdPrefix: `MS${run}-`, messageStatus: ['QUEUED'] } })).toEqual([]));
  });

  it('paymentVerificationDue finds payments a webhook spoke of while the lookup is down, until the lookup confirms them', async () => {
    const waiting = (await send(`PV${run}-waiting`)).referenceId;
    const quiet = (await send(`PV${run}-quiet`)).referenceId;
    const prefix = { referenceIdPrefix: `PV${run}-` };
    s.sim.lookupDown(true);
    try {
      await s.sim.pay(waiting, 'captured');
      await eventually(async () => expect(await refs({ filter: { ...prefix, paymentVerificationDue: true } })).toEqual([waiting]));
      expect(await refs({ filter: { ...prefix, paymentVerificationDue: false } })).toEqual([quiet]);
      expect(await refs({ filter: { ...prefix, paymentVerificationDue: true, paymentStatus: ['NEW'] } })).toEqual([waiting]);
    } finally {
      s.sim.lookupDown(false);
    }
    await eventually(async () => expect(await refs({ filter: { ...prefix, paymentVerificationDue: true } })).toEqual([]));
    expect(await refs({ filter: { ...prefix, paymentVerificationDue: false, paymentStatus: ['CAPTURED'] } })).toEqual([waiting]);
  });

  it('viewer.lastEventId is the newest event the key may see; subscribing after it streams only what comes next', async () => {
    const fresh = await createBusiness(s.t, { name: 'Fresh shop' });
    expect(dataOf(await s.t.gql(VIEWER, {}, fresh.keys.OPS)).viewer).toEqual({ role: 'OPS', lastEventId: null });

    const ref = (await send(`LE${run}-1`, fresh)).referenceId;
    const events = dataOf(
      await s.t.gql(`query($r: String!) { order(referenceId: $r) { events { id } } }`, { r: ref }, fresh.keys.OPS),
    ).order.events as Array<{ id: string }>;
    const last = events[events.length - 1].id;
    expect(dataOf(await s.t.gql(VIEWER, {}, fresh.keys.OPS)).viewer.lastEventId).toBe(last);
    expect(dataOf(await s.t.gql(VIEWER, {}, fresh.keys.STOREFRONT)).viewer.lastEventId).toBe(last);
    // another business's events move its own mark, never this one's
    await send(`LE${run}-x`, other);
    expect(dataOf(await s.t.gql(VIEWER, {}, fresh.keys.OPS)).viewer.lastEventId).toBe(last);
    // the operator sees every business: its mark is at least as new
    const admin = Number(Buffer.from(dataOf(await s.t.gql(VIEWER)).viewer.lastEventId, 'base64url').toString().split(':')[1]);
    expect(admin).toBeGreaterThan(Number(Buffer.from(last, 'base64url').toString().split(':')[1]));

    const live = subscribeWs(s.t.url, fresh.keys.OPS, `subscription($after: ID) { orderEvents(afterEventId: $after) { id referenceId type } }`, {
      after: last,
    });
    await live.connected;
    const upd = dataOf(await s.t.gql(UPDATE, { input: { referenceId: ref, status: 'SHIPPED' } }, fresh.keys.OPS)).updateOrderStatus;
    expect(upd.userErrors).toEqual([]);
    const got = (await live.waitFor(2)).map((d) => d.orderEvents);
    expect(got.map((e) => e.type)).toEqual(['ORDER_STATUS_CHANGED', 'MESSAGE_STATUS_CHANGED']);
    expect(got.every((e) => e.id !== last && !events.some((old) => old.id === e.id))).toBe(true);
    await live.dispose();
  });
});
