// The answer cache (src/services/answer-cache.ts): a repeated `order` / `orders` read is answered
// from a kept copy, and the copy is never older than the data once a change has committed. Every
// kind of change an order can go through is made while a reader polls it; after each, the polled
// answer must equal an answer computed afresh (the same document under a new comment, which the
// cache has never seen).
import { dataOf } from '../helpers/gateway';
import type { TestBusiness } from '../helpers/fixtures';
import { createBusiness } from '../helpers/fixtures';
import { refundPayment } from '../helpers/refunds';
import { eventually, orderInput, SEND, startTestStack, type TestStack, UPDATE } from '../helpers/stack';
import { connectSimulator, messageStatusWebhook, postSigned } from '../helpers/webhooks';

const ORDER_FIELDS = `id referenceId status statusDescription allowedTransitions expired updatedAt
  total { value offset currency }
  business { id name paymentConfigurations { name gateway status } }
  items { retailerId name quantity amount { value offset } }
  payment { status verified verifiedAt updatedAt amount { value offset currency }
    transactions { id pgTransactionId status method errorCode errorReason amount { value } }
    refunds { id status amount { value } }
    refundedAmount { value } refundableAmount { value } }
  message { id status wamid errorCode updatedAt }
  messages { id kind status wamid updatedAt }
  events { id type source fromStatus toStatus detail }`;
const ORDER = `query Polled($ref: String!) { order(referenceId: $ref) { ${ORDER_FIELDS} } }`;
const PAGE = `query Page($first: Int!) { orders(first: $first, newestFirst: true) { edges { node { referenceId status payment { status } } } pageInfo { hasNextPage } } }`;

describe('the answer cache: repeated reads from a copy that is never older than a committed change', () => {
  let s: TestStack;
  let shop: TestBusiness;
  let fresh = 0;

  beforeAll(async () => {
    s = await startTestStack();
    shop = s.shop;
    connectSimulator(s);
  });
  afterAll(() => s.stop());
  afterEach(() => s.sim.clearFaults());

  const read = async (query: string, variables: Record<string, unknown>, key = shop.keys.OPS) => dataOf(await s.t.gql(query, variables, key));
  /** the same document, never seen before: computed from the database */
  const readFresh = (query: string, variables: Record<string, unknown>, key = shop.keys.OPS) => read(`# fresh ${++fresh}\n${query}`, variables, key);
  const metric = async (name: string) => {
    const text = await (await fetch(`${s.t.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`/metrics has no ${name}`);
    return Number(line.split(' ')[1]);
  };
  /** the statements that read one order by its reference (OrderQueries.order) */
  const orderReads = () => s.counter.statements.filter((q) => /FROM "orders" WHERE "businessId" = .* AND "referenceId" = /.test(q));
  /** sends an order and waits until WhatsApp accepted its message (the outbox sends it after the answer): then it is quiet */
  const send = async (overrides: Record<string, unknown> = {}, business = shop) => {
    const res = dataOf(await s.t.gql(SEND, { input: orderInput(business, overrides) }, business.keys.STOREFRONT)).sendOrderDetails;
    expect(res.userErrors).toEqual([]);
    const ref = res.order.referenceId as string;
    await eventually(async () => expect((await readFresh(ORDER, { ref }, business.keys.OPS)).order.message.status).toBe('ACCEPTED'));
    return ref;
  };
  /**
   * Waits until `check` holds on a fresh answer; then the polled answer must hold it at once (its
   * copy was dropped when the change committed), and, once the order is quiet (a refund or a
   * capture brings follow-up lookups), equal a fresh answer and be served from a copy again.
   */
  const afterChange = async (ref: string, check: (order: any) => void) => {
    await eventually(async () => check((await readFresh(ORDER, { ref })).order));
    check((await read(ORDER, { ref })).order);
    await eventually(async () => {
      const polled = (await read(ORDER, { ref })).order;
      expect(polled).toEqual((await readFresh(ORDER, { ref })).order);
      const hits = await metric('wpg_answer_cache_hits');
      expect((await read(ORDER, { ref })).order).toEqual(polled);
      expect(await metric('wpg_answer_cache_hits')).toBe(hits + 1);
    });
  };

  it('answers a repeated order read from its copy: no statement, the same bytes, extensions.cost charged as before', async () => {
    const ref = await send();
    const first = await s.t.gql(ORDER, { ref }, shop.keys.MOBILE);
    const hits = await metric('wpg_answer_cache_hits');
    s.counter.reset();
    const second = await s.t.gql(ORDER, { ref }, shop.keys.MOBILE);
    expect(orderReads()).toEqual([]);
    expect(await metric('wpg_answer_cache_hits')).toBe(hits + 1);
    expect(second.data).toEqual(first.data);
    // the cost is reported and charged for the copy as for the first answer
    const [c1, c2] = [(first as any).extensions.cost, (second as any).extensions.cost];
    expect(c2.requestedQueryCost).toBe(c1.requestedQueryCost);
    expect(c2.actualQueryCost).toBe(c1.actualQueryCost);
    expect(c2.actualQueryCost).toBeGreaterThan(10);
    expect(c2.throttleStatus.maximumAvailable).toBe(c1.throttleStatus.maximumAvailable);
  });

  it('follows every change of the order: payment, message statuses, status updates, refunds and the business', async () => {
    const ref = await send();
    const before = (await read(ORDER, { ref })).order;
    expect(before.payment.status).toBe('NEW');
    expect((await read(ORDER, { ref })).order).toEqual(before);

    // the customer pays: webhook (a hint), then the lookup's answer
    await s.sim.pay(ref, 'captured', { phoneNumberId: shop.phoneNumberId });
    await afterChange(ref, (o) => expect(o.payment).toMatchObject({ status: 'CAPTURED', verified: true }));

    // WhatsApp's message statuses (no event of the order's status)
    const wamid = before.message.wamid as string;
    for (const status of ['delivered', 'read']) {
      const res = await postSigned(s.t, messageStatusWebhook(shop.phoneNumberId, wamid, status));
      expect(res.status).toBe(200);
      await afterChange(ref, (o) => expect(o.message.status).toBe(status.toUpperCase()));
    }

    // the business moves the order on
    const moved = dataOf(await s.t.gql(UPDATE, { input: { referenceId: ref, status: 'PROCESSING' } }, shop.keys.OPS)).updateOrderStatus;
    expect(moved.userErrors).toEqual([]);
    // read-your-writes on this instance: the very next read shows it, no waiting
    expect((await read(ORDER, { ref })).order.status).toBe('PROCESSING');
    await afterChange(ref, (o) => expect(o.messages.map((m: any) => m.kind)).toEqual(['ORDER_DETAILS', 'ORDER_STATUS']));

    // a partial refund: requested, then settled through WhatsApp
    const refunded = await refundPayment(s.t, { referenceId: ref, amount: { value: 10000, offset: 100 } }, shop.keys.STOREFRONT);
    expect(refunded.userErrors).toEqual([]);
    expect((await read(ORDER, { ref })).order.payment.refunds).toHaveLength(1);
    await afterChange(ref, (o) => expect(o.payment).toMatchObject({ refunds: [{ status: 'SUCCEEDED' }], refundedAmount: { value: 10000 } }));

    // the business itself: a new payment configuration shows in the order's business
    const added = dataOf(
      await s.t.gql(
        `mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { userErrors { code } } }`,
        { input: { businessId: shop.id, name: 'cache-cfg', gateway: 'PAYU' } },
      ),
    ).addPaymentConfiguration;
    expect(added.userErrors).toEqual([]);
    expect((await read(ORDER, { ref })).order.business.paymentConfigurations.map((c: any) => c.name)).toContain('cache-cfg');
  });

  it('drops a page when an order of its business is created or changes, and not for another business', async () => {
    // a business of its own, so that no other test's orders are settling in it
    const quiet = await createBusiness(s.t, { name: 'Quiet Cache Shop' });
    await send({}, quiet);
    const page = (await read(PAGE, { first: 3 }, quiet.keys.OPS)).orders;
    expect((await read(PAGE, { first: 3 }, quiet.keys.OPS)).orders).toEqual(page);
    // another business's new order leaves the page's copy alone
    await send({}, shop);
    const hits = await metric('wpg_answer_cache_hits');
    expect((await read(PAGE, { first: 3 }, quiet.keys.OPS)).orders).toEqual(page);
    expect(await metric('wpg_answer_cache_hits')).toBe(hits + 1);

    // a new order of its own business: the next read shows it
    const res = dataOf(await s.t.gql(SEND, { input: orderInput(quiet) }, quiet.keys.STOREFRONT)).sendOrderDetails;
    expect(res.userErrors).toEqual([]);
    const ref = res.order.referenceId as string;
    expect((await read(PAGE, { first: 3 }, quiet.keys.OPS)).orders.edges[0].node.referenceId).toBe(ref);

    const moved = dataOf(await s.t.gql(UPDATE, { input: { referenceId: ref, status: 'PROCESSING' } }, quiet.keys.OPS)).updateOrderStatus;
    expect(moved.userErrors).toEqual([]);
    expect((await read(PAGE, { first: 3 }, quiet.keys.OPS)).orders.edges[0].node.status).toBe('PROCESSING');
    await eventually(async () => expect((await read(PAGE, { first: 3 }, quiet.keys.OPS)).orders).toEqual((await readFresh(PAGE, { first: 3 }, quiet.keys.OPS)).orders));
  });

  it('keeps each business and role to its own answers', async () => {
    const ref = await send();
    const mine = (await read(ORDER, { ref })).order;
    expect(mine.referenceId).toBe(ref);
    // another business asks for the same reference with the same document: it has no such order
    const other = await createBusiness(s.t, { name: 'Nosy Shop' });
    expect((await read(ORDER, { ref }, other.keys.OPS)).order).toBeNull();
    expect((await read(ORDER, { ref }, other.keys.OPS)).order).toBeNull();
    // once that business creates its own order of that reference, it sees its own, not ours
    const theirs = dataOf(await s.t.gql(SEND, { input: orderInput(other, { referenceId: ref }) }, other.keys.STOREFRONT)).sendOrderDetails;
    expect(theirs.userErrors).toEqual([]);
    const seen = (await read(ORDER, { ref }, other.keys.OPS)).order;
    expect(seen.id).not.toBe(mine.id);
    expect(seen.business.id).toBe(other.id);
    // a MOBILE key of our business reads the same data under its own entry
    expect((await read(ORDER, { ref }, shop.keys.MOBILE)).order).toEqual(mine);
  });

  it('never keeps mutations, errors or an ADMIN read', async () => {
    const ref = await send();
    const missesBefore = await metric('wpg_answer_cache_misses');
    const hitsBefore = await metric('wpg_answer_cache_hits');
    // ADMIN: runs every time
    const admin = `query($ref: String!, $b: ID) { order(referenceId: $ref, businessId: $b) { referenceId status } }`;
    for (let i = 0; i < 2; i++) expect(dataOf(await s.t.gql(admin, { ref, b: shop.id })).order.referenceId).toBe(ref);
    // an answer with errors (a bad cursor) is not kept
    for (let i = 0; i < 2; i++) {
      const res = await s.t.gql(`query { orders(first: 1, after: "not-a-cursor") { edges { cursor } } }`, {}, shop.keys.OPS);
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    // another root field beside order: runs every time
    for (let i = 0; i < 2; i++) {
      const res = await s.t.gql(`query($ref: String!) { order(referenceId: $ref) { status } payment(referenceId: $ref) { status } }`, { ref }, shop.keys.OPS);
      expect(dataOf(res).payment.status).toBe('NEW');
    }
    expect(await metric('wpg_answer_cache_hits')).toBe(hitsBefore);
    expect(await metric('wpg_answer_cache_misses')).toBe(missesBefore + 2);
  });
});

describe('with ANSWER_CACHE_MB=0', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack({ ANSWER_CACHE_MB: '0' });
  });
  afterAll(() => s.stop());

  it('every read runs, and /metrics has no cache figures', async () => {
    const ref = (dataOf(await s.t.gql(SEND, { input: orderInput(s.shop) }, s.shop.keys.STOREFRONT)).sendOrderDetails.order.referenceId) as string;
    const q = `query($ref: String!) { order(referenceId: $ref) { status } }`;
    await s.t.gql(q, { ref }, s.shop.keys.OPS);
    s.counter.reset();
    expect(dataOf(await s.t.gql(q, { ref }, s.shop.keys.OPS)).order.status).toBe('PENDING');
    expect(s.counter.statements.some((q) => /FROM "orders" WHERE "businessId" = .* AND "referenceId" = /.test(q))).toBe(true);
    expect(await (await fetch(`${s.t.url}/metrics`)).text()).not.toContain('wpg_answer_cache');
  });
});
