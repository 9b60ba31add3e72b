import { buildSchema } from 'graphql';
import { assertListBounds } from '../../src/graphql/limits';
import { createBusiness, TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { eventually, orderInput, SEND, startTestStack, TestStack, UPDATE } from '../helpers/stack';
import { subscribeWs } from '../helpers/ws';
import { wsOperation } from '../helpers/ws-raw';

// One estimate of what a query costs (one per field, every list at its largest size), applied
// before anything runs, on HTTP and WebSocket alike; and a budget of that cost per API key.

async function post(s: TestStack, query: string, variables: Record<string, unknown> | undefined, key: string) {
  const res = await fetch(`${s.t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

/** The answer's size as the gateway counts it: one per field and per list element. */
function fieldsIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + 1 + fieldsIn(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + 1 + fieldsIn(v), 0);
  return 0;
}

// what answering would read; the expiry watcher's own poll of orders runs in the background meanwhile
const ORDER_READS = /FROM "orders"(?!.*"expiryCheckAfter")/;

describe('the cost of a query', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());

  it('counts every list at its largest size and a page at the page asked for, then reports what the answer really cost', async () => {
    for (let i = 0; i < 2; i++) dataOf(await s.t.gql(SEND, { input: orderInput(s.shop) }, s.shop.keys.STOREFRONT));
    const query = `query($n: Int) { orders(first: $n) { edges { node { items { name } events { type } messages { status } payment { transactions { id } } } } } }`;
    const res = await post(s, query, { n: 10 }, s.shop.keys.OPS);
    expect(res.status).toBe(200);
    // one per field and per list element: items 1 + 999 × (1 + 1), events 1 + 100 × 2, messages 1 + 50 × 2,
    // payment 1 + transactions (1 + 50 × 2); node 1 + those = 2404; an edge 1 + 2404 in edges (1);
    // the page of 10: 1 + 10 × 2406
    expect(res.body.extensions.cost.requestedQueryCost).toBe(1 + 10 * 2406);
    expect(res.body.extensions.cost.actualQueryCost).toBe(fieldsIn(res.body.data));
    expect(res.body.extensions.cost.actualQueryCost).toBeLessThan(200);
    // the same query with a page of 3 costs what 3 orders can
    expect((await post(s, query, { n: 3 }, s.shop.keys.OPS)).body.extensions.cost.requestedQueryCost).toBe(1 + 3 * 2406);
  });

  it('refuses a query over the limit before it runs, with the same answer over HTTP and WebSocket', async () => {
    const query = `{ orders(first: 100) { edges { node { referenceId items { name } } } } }`;
    s.counter.reset();
    const overHttp = await post(s, query, undefined, s.shop.keys.MOBILE);
    const overWs = await wsOperation(s.t.url, s.shop.keys.MOBILE, { query });
    expect(overHttp.status).toBe(400);
    const expected = {
      message: expect.stringMatching(/^This query would cost 200301, over the limit of 50000: ask for smaller pages \(first\) or fewer fields/),
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    };
    expect(overHttp.body.errors).toEqual([expect.objectContaining(expected)]);
    expect(overWs.errors).toEqual([expect.objectContaining(expected)]);
    expect(s.counter.statements.filter((q) => ORDER_READS.test(q))).toEqual([]);
    // a page the limit allows runs, over both
    const allowed = `{ orders(first: 20) { edges { node { referenceId items { name } } } } }`;
    expect((await post(s, allowed, undefined, s.shop.keys.MOBILE)).body.errors).toBeUndefined();
    const allowedWs = await wsOperation(s.t.url, s.shop.keys.MOBILE, { query: allowed });
    expect(allowedWs.results[0].errors).toBeUndefined();
    expect(allowedWs.results[0].extensions.cost.requestedQueryCost).toBe(1 + 20 * 2003);
  });

  it("counts a subscription's selection, per event it would answer", async () => {
    const heavy = `subscription { orderStatusChanged { order { a: items { name } b: items { name } c: items { name } } } }`;
    const cheap = `subscription { orderStatusChanged { referenceId to } }`;
    const refused = await wsOperation(s.t.url, s.shop.keys.OPS, { query: heavy.replace('c: items { name }', Array.from({ length: 60 }, (_, i) => `x${i}: items { name }`).join(' ')) });
    expect(refused.errors?.[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    const base = s.t.gateway.services.events.subscriberCount;
    const sub = subscribeWs(s.t.url, s.shop.keys.OPS, cheap);
    await eventually(async () => expect(s.t.gateway.services.events.subscriberCount).toBe(base + 1));
    const ref = dataOf(await s.t.gql(SEND, { input: orderInput(s.shop) }, s.shop.keys.STOREFRONT)).sendOrderDetails.order.referenceId;
    dataOf(await s.t.gql(UPDATE, { input: { referenceId: ref, status: 'PROCESSING' } }, s.shop.keys.OPS));
    expect((await sub.waitFor(1))[0].orderStatusChanged).toEqual({ referenceId: ref, to: 'PROCESSING' });
    await sub.dispose();
  });

  it('reads the lists it counts at their caps: the latest 50 messages and 100 events', async () => {
    const ref = dataOf(await s.t.gql(SEND, { input: orderInput(s.shop) }, s.shop.keys.STOREFRONT)).sendOrderDetails.order.referenceId;
    for (let i = 0; i < 55; i++) {
      const res = dataOf(await s.t.gql(UPDATE, { input: { referenceId: ref, status: i % 2 ? 'SHIPPED' : 'PROCESSING' } }, s.shop.keys.OPS)).updateOrderStatus;
      expect(res.userErrors).toEqual([]);
    }
    const stored = await s.t.gateway.services.orderQueries.eventsByOrderIds([
      (await s.t.gateway.services.orderQueries.order({ principal: { keyId: 'admin', role: 'ADMIN', businessId: null }, requestId: 't' }, ref, null))!.id,
    ]);
    expect(stored.length).toBeGreaterThan(100);
    const order = dataOf(await s.t.gql(`query($ref: String!) { order(referenceId: $ref) { messages { kind } events { id type } } }`, { ref }, s.shop.keys.OPS)).order;
    expect(order.messages).toHaveLength(50);
    expect(order.messages[49].kind).toBe('ORDER_STATUS');
    expect(order.events).toHaveLength(100);
    // the latest ones, oldest first
    expect(order.events[99].id).toBe(Buffer.from(`OrderEvent:${stored[stored.length - 1].id}`).toString('base64url'));
  });

  it("pages the operator's businesses, and counts them by that page (a business's own key sees one)", async () => {
    for (let i = 0; i < 3; i++) await createBusiness(s.t, { name: `Paged ${i}` });
    const all = dataOf(await s.t.gql(`{ businesses { id } }`)).businesses.map((b: { id: string }) => b.id);
    expect(all.length).toBeGreaterThanOrEqual(4);
    const page = `query($first: Int, $after: ID) { businesses(first: $first, after: $after) { id phoneNumbers { phoneNumberId } } }`;
    const first = await post(s, page, { first: 2 }, s.t.adminKey);
    expect(first.body.data.businesses.map((b: { id: string }) => b.id)).toEqual(all.slice(0, 2));
    // 1 + 2 × (element 1 + id 1 + phoneNumbers (1 + 20 × 2))
    expect(first.body.extensions.cost.requestedQueryCost).toBe(1 + 2 * 43);
    const next = await post(s, page, { first: 2, after: all[1] }, s.t.adminKey);
    expect(next.body.data.businesses.map((b: { id: string }) => b.id)).toEqual(all.slice(2, 4));
    expect((await post(s, page, { first: 1001 }, s.t.adminKey)).body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
    expect((await post(s, page, { after: 'nope' }, s.t.adminKey)).body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after' } });
    const own = await post(s, page, {}, s.shop.keys.OPS);
    expect(own.body.data.businesses).toHaveLength(1);
    expect(own.body.extensions.cost.requestedQueryCost).toBe(1 + 43);
  });

  it('a list added to the schema without a bound stops the gateway at start', () => {
    const schema = buildSchema(`type Query { shipments(first: Int): [Shipment!]! } type Shipment { parcels: [String!]! notes: [String] }`);
    expect(() => assertListBounds(schema)).toThrow(
      /Lists without a cost bound in src\/graphql\/limits.ts: Query.shipments \(page\), Shipment.parcels, Shipment.notes$/,
    );
  });
});

const LIGHT_SEND = `mutation($input: SendOrderDetailsInput!) { sendOrderDetails(input: $input) { order { referenceId } userErrors { code } } }`;

describe('cost budgets per API key', () => {
  let s: TestStack;
  let shop: TestBusiness;
  beforeAll(async () => {
    s = await startTestStack({ QUERY_MAX_COST: '400', COST_BUDGET_MOBILE: '400:40' });
    shop = await createBusiness(s.t);
  });
  afterAll(() => s.stop());

  // 160 fields that each read the database: 320, in a bucket of 400 refilled by 40 a second
  const EXPENSIVE = `query($ref: String!) { ${Array.from({ length: 160 }, (_, i) => `o${i}: order(referenceId: $ref) { status }`).join(' ')} }`;

  it('refuses with 429 and Retry-After, before it runs, what would overdraw the bucket; every answer reports the bucket', async () => {
    const ref = dataOf(await s.t.gql(LIGHT_SEND, { input: orderInput(shop) }, shop.keys.STOREFRONT)).sendOrderDetails.order.referenceId;
    const first = await post(s, EXPENSIVE, { ref }, shop.keys.MOBILE);
    expect({ status: first.status, errors: first.body.errors }).toEqual({ status: 200, errors: undefined });
    expect(first.body.extensions.cost).toEqual({
      requestedQueryCost: 320,
      actualQueryCost: 320,
      throttleStatus: { maximumAvailable: 400, currentlyAvailable: expect.any(Number), restoreRate: 40 },
    });
    expect(first.body.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(100);

    s.counter.reset();
    const second = await post(s, EXPENSIVE, { ref }, shop.keys.MOBILE);
    expect(second.status).toBe(429);
    // (320 - about 80 left) / 40 a second
    expect(Number(second.retryAfter)).toBeGreaterThanOrEqual(5);
    expect(Number(second.retryAfter)).toBeLessThanOrEqual(8);
    expect(second.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/query budget is spent: this operation costs 320 and \d+ is available \(a bucket of 400, refilled by 40 a second\); retry in \d s/),
        extensions: expect.objectContaining({ code: 'THROTTLED', retryAfter: Number(second.retryAfter), cost: expect.objectContaining({ requestedQueryCost: 320 }) }),
      }),
    ]);
    expect(s.counter.statements.filter((q) => ORDER_READS.test(q))).toEqual([]);

    // over WebSocket: the same refusal, with the time to wait in the error
    const overWs = await wsOperation(s.t.url, shop.keys.MOBILE, { query: EXPENSIVE, variables: { ref } });
    expect(overWs.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'THROTTLED', retryAfter: expect.any(Number) }) })]);
    expect(overWs.errors![0].extensions.http).toBeUndefined();

    // the other keys, even of the same business and role, have buckets of their own
    const otherMobile = (
      dataOf(await s.t.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`, { input: { businessId: shop.id, role: 'MOBILE' } }))
    ).createApiKey.secret;
    expect((await post(s, EXPENSIVE, { ref }, otherMobile)).status).toBe(200);
  });

  it('gives back what the estimate charged beyond what the answer holds', async () => {
    const key = (
      dataOf(await s.t.gql(`mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`, { input: { businessId: shop.id, role: 'MOBILE' } }))
    ).createApiKey.secret;
    const ref = dataOf(await s.t.gql(LIGHT_SEND, { input: orderInput(shop) }, shop.keys.STOREFRONT)).sendOrderDetails.order.referenceId;
    const query = `query($ref: String!) { order(referenceId: $ref) { events { type } } }`;
    const res = await post(s, query, { ref }, key);
    const events = res.body.data.order.events.length;
    // charged 1 + 1 + 100 × 2 (events at their cap), cost 1 + 1 + 2 a real event
    expect(res.body.extensions.cost).toEqual({
      requestedQueryCost: 202,
      actualQueryCost: 2 + 2 * events,
      throttleStatus: expect.objectContaining({ currentlyAvailable: 400 - 2 - 2 * events }),
    });
    // the next answer starts from the refunded bucket
    const again = await post(s, query, { ref }, key);
    expect(again.body.extensions.cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(400 - 2 * (2 + 2 * events));
  });
});
