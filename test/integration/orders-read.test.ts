// Reads end to end: order, payment, orders with keyset cursor pagination and the contract's
// filters, events and messages of an order, tenancy on each, and the number of SQL statements for a
// page with every relation, which must not grow with the page size (request-scoped DataLoaders).
import { OrderEntity } from '../../src/db/entities';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { cancelOrder, readOrder, readPayment, sendOrder, updateStatus } from '../helpers/orders';
import { orderInput, startTestStack, type TestStack } from '../helpers/stack';

const PAGE = `query($first: Int, $after: String, $filter: OrderFilter) {
  orders(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id referenceId status createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** A page with every relation of an order. */
const FULL_PAGE = `query($first: Int) {
  orders(first: $first) {
    edges { cursor node {
      id referenceId status allowedTransitions createdAt
      business { id name phoneNumbers { phoneNumberId } paymentConfigurations { name } }
      items { retailerId name quantity amount { value } saleAmount { value } total { value } }
      subtotal { value } tax { value } shipping { value } discount { value } total { value formatted }
      message { id kind status wamid attempts }
      messages { id kind status wamid attempts }
      payment { referenceId status verified amount { value } transactions { id status pgTransactionId method amount { value } }
        refunds { id status refundId amount { value } } refundedAmount { value } refundableAmount { value } }
      events { id type source fromStatus toStatus detail at }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const localIdOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1];

describe('order reads (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let other: TestBusiness;

  beforeAll(async () => {
    // the background loops poll rarely here, so that the statement counter sees only the reads
    // a page of 100 with every relation (the statement count below) costs more than the default limit allows
    stack = await startTestStack({ RELAY_POLL_MS: '600000', QUERY_MAX_COST: '2000000' });
    shop = stack.shop;
    other = await createBusiness(stack.t, { name: 'Other Shop' });
  });
  afterAll(() => stack.stop());

  const page = async (variables: Record<string, unknown>, key = shop.keys.MOBILE) => dataOf(await stack.t.gql(PAGE, variables, key)).orders;

  async function send(business: TestBusiness, referenceId: string, overrides: Record<string, unknown> = {}): Promise<any> {
    const res = await sendOrder(stack.t, orderInput(business, { referenceId, ...overrides }), business.keys.STOREFRONT);
    expect(res.userErrors).toEqual([]);
    return res.order;
  }

  describe('order, payment, events and messages', () => {
    beforeAll(async () => {
      await send(shop, 'RD-1');
      expect((await updateStatus(stack.t, { referenceId: 'RD-1', status: 'PROCESSING', description: 'Packing' }, shop.keys.OPS)).userErrors).toEqual([]);
      await stack.sim.pay('RD-1', 'pending', { webhook: false });
      expect((await cancelOrder(stack.t, { referenceId: 'RD-1' }, shop.keys.OPS)).userErrors[0].code).toBe('CANCEL_NOT_ALLOWED');
    });

    it('reads an order with its messages and events, oldest first', async () => {
      const order = await readOrder(stack.t, 'RD-1', shop.keys.MOBILE);
      const accepted = stack.sim.acceptedMessages('RD-1');
      expect(order.messages.map((m: any) => [m.kind, m.status, m.wamid])).toEqual([
        ['ORDER_DETAILS', 'ACCEPTED', accepted[0].wamid],
        ['ORDER_STATUS', 'ACCEPTED', accepted[1].wamid],
      ]);
      expect(order.events.map((e: any) => [e.type, e.source, e.fromStatus, e.toStatus])).toEqual([
        ['ORDER_CREATED', 'API', null, 'PENDING'],
        ['MESSAGE_STATUS_CHANGED', 'API', 'QUEUED', 'ACCEPTED'],
        ['ORDER_STATUS_CHANGED', 'API', 'PENDING', 'PROCESSING'],
        ['MESSAGE_STATUS_CHANGED', 'API', 'QUEUED', 'ACCEPTED'],
        ['PAYMENT_STATUS_CHANGED', 'LOOKUP', 'NEW', 'PENDING'],
      ]);
      const seq = order.events.map((e: any) => Number(localIdOf(e.id)));
      expect([...seq].sort((a, b) => a - b)).toEqual(seq);
      expect(order.allowedTransitions).toEqual(['PARTIALLY_SHIPPED', 'SHIPPED', 'COMPLETED']);
    });

    it('reads the payment with its transactions; unknown references read as null', async () => {
      const payment = await readPayment(stack.t, 'RD-1', shop.keys.MOBILE);
      expect(payment).toMatchObject({ referenceId: 'RD-1', status: 'PENDING', verified: true, amount: { value: 52000, offset: 100, currency: 'INR' } });
      expect(payment.transactions).toEqual([expect.objectContaining({ status: 'PENDING', gateway: 'RAZORPAY' })]);
      expect(await readPayment(stack.t, 'RD-NOPE', shop.keys.MOBILE)).toBeNull();
      expect(await readOrder(stack.t, 'RD-NOPE', shop.keys.MOBILE)).toBeNull();
    });

    it('node(id) finds the order, its messages and its events for the business, and nothing for another', async () => {
      const order = await readOrder(stack.t, 'RD-1', shop.keys.MOBILE);
      const ids = [order.id, order.messages[0].id, order.events[0].id];
      const query = `query($id: ID!) { node(id: $id) { id __typename } }`;
      for (const id of ids) {
        expect(dataOf(await stack.t.gql(query, { id }, shop.keys.MOBILE)).node).toEqual({ id, __typename: expect.stringMatching(/^(Order|OutboundMessage|OrderEvent)$/) });
        expect(dataOf(await stack.t.gql(query, { id }, other.keys.OPS)).node).toBeNull();
      }
    });

    it("another business's key reads null for the order and the payment, and never sees it in orders", async () => {
      for (const key of [other.keys.MOBILE, other.keys.OPS, other.keys.STOREFRONT]) {
        expect(await readOrder(stack.t, 'RD-1', key)).toBeNull();
        expect(await readPayment(stack.t, 'RD-1', key)).toBeNull();
        const refs = (await page({ first: 100 }, key)).edges.map((e: any) => e.node.referenceId);
        expect(refs).not.toContain('RD-1');
      }
      // a businessId argument does not widen a business key's view
      expect(dataOf(await stack.t.gql(`{ order(referenceId: "RD-1", businessId: "${shop.id}") { id } }`, {}, other.keys.OPS)).order).toBeNull();
      // the operator reads it, by reference alone (unambiguous here) or with the business
      expect(dataOf(await stack.t.gql(`{ order(referenceId: "RD-1") { referenceId } }`)).order).toEqual({ referenceId: 'RD-1' });
      expect(dataOf(await stack.t.gql(`{ payment(referenceId: "RD-1", businessId: "${shop.id}") { status } }`)).payment).toEqual({ status: 'PENDING' });
      expect(dataOf(await stack.t.gql(`{ order(referenceId: "RD-1", businessId: "${other.id}") { id } }`)).order).toBeNull();
    });
  });

  describe('orders: Relay cursor pagination', () => {
    let all: any[];
    let biz: TestBusiness;
    const paging = () => biz;

    beforeAll(async () => {
      biz = await createBusiness(stack.t, { name: 'Paging Shop' });
      for (let i = 0; i < 12; i++) await send(biz, `PG-${String(i).padStart(2, '0')}`);
      all = (await page({ first: 100 }, biz.keys.MOBILE)).edges.map((e: any) => e.node);
    });

    it('lists orders by creation, then id', async () => {
      expect(all.map((o) => o.referenceId)).toEqual(Array.from({ length: 12 }, (_, i) => `PG-${String(i).padStart(2, '0')}`));
      const keys = all.map((o) => [new Date(o.createdAt).getTime(), localIdOf(o.id)] as const);
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      expect(keys).toEqual(sorted);
    });

    it('walks every order exactly once with first/after, with correct pageInfo', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      const infos: any[] = [];
      for (;;) {
        const p: any = await page({ first: 5, after }, paging().keys.MOBILE);
        infos.push(p.pageInfo);
        seen.push(...p.edges.map((e: any) => e.node.referenceId));
        expect(p.pageInfo.startCursor).toBe(p.edges[0].cursor);
        expect(p.pageInfo.endCursor).toBe(p.edges.at(-1).cursor);
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      expect(seen).toEqual(all.map((o) => o.referenceId));
      expect(infos.map((i) => [i.hasNextPage, i.hasPreviousPage])).toEqual([
        [true, false],
        [true, true],
        [false, true],
      ]);
    });

    it('cursors are opaque and stable: orders added meanwhile never shift a page', async () => {
      const first: any = await page({ first: 4 }, paging().keys.MOBILE);
      for (const edge of first.edges) {
        expect(edge.cursor).not.toContain(localIdOf(edge.node.id));
        expect(edge.cursor).not.toContain(edge.node.referenceId);
      }
      await send(paging(), 'PG-LATE');
      const second: any = await page({ first: 4, after: first.pageInfo.endCursor }, paging().keys.MOBILE);
      expect(second.edges.map((e: any) => e.node.referenceId)).toEqual(['PG-04', 'PG-05', 'PG-06', 'PG-07']);
      const rest: any = await page({ first: 100, after: second.pageInfo.endCursor }, paging().keys.MOBILE);
      expect(rest.edges.map((e: any) => e.node.referenceId)).toEqual(['PG-08', 'PG-09', 'PG-10', 'PG-11', 'PG-LATE']);
      expect(rest.pageInfo.hasNextPage).toBe(false);
    });

    it('orders created in the same millisecond are ordered by id and none is skipped or repeated', async () => {
      const tie = await createBusiness(stack.t, { name: 'Tie Shop' });
      const refs = ['TIE-A', 'TIE-B', 'TIE-C', 'TIE-D', 'TIE-E'];
      for (const ref of refs) await send(tie, ref);
      const same = new Date('2026-03-01T10:00:00.123Z');
      await stack.t.gateway.db.transaction((m) => m.update(OrderEntity, { businessId: localIdOf(tie.id) }, { createdAt: same }));
      const seen: any[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard++) {
        const p: any = await page({ first: 2, after }, tie.keys.MOBILE);
        seen.push(...p.edges.map((e: any) => e.node));
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      expect(seen.map((o) => o.referenceId).sort()).toEqual(refs);
      const ids = seen.map((o) => localIdOf(o.id));
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(5);
    });

    it('caps the page size at 100 and refuses a bad cursor with a clear error', async () => {
      expect((await page({ first: 100 }, paging().keys.MOBILE)).edges.length).toBe(13);
      for (const first of [0, -1, 101]) {
        const res = await stack.t.gql(PAGE, { first }, paging().keys.MOBILE);
        expect(res.data).toBeNull();
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
        expect(res.errors?.[0].message).toMatch(/first must be from 1 to 100/);
      }
      const forged = Buffer.from(JSON.stringify(['x', 'y'])).toString('base64url');
      for (const after of ['not-a-cursor', '', forged, Buffer.from('[1,"' + 'a'.repeat(80) + '"]').toString('base64url')]) {
        const res = await stack.t.gql(PAGE, { first: 5, after }, paging().keys.MOBILE);
        if (after === '') {
          // an empty cursor is no cursor: the first page
          expect(dataOf(res).orders.edges.length).toBe(5);
          continue;
        }
        expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
        expect(res.errors?.[0].message).toMatch(/after is not a cursor from this API/);
      }
    });

    it("a cursor from another business's page reveals nothing of it", async () => {
      const theirs: any = await page({ first: 3 }, paging().keys.MOBILE);
      const mine: any = await page({ first: 100, after: theirs.pageInfo.endCursor }, other.keys.MOBILE);
      for (const edge of mine.edges) expect(edge.node.referenceId).not.toMatch(/^PG-/);
    });
  });

  describe('orders: filters', () => {
    let biz: TestBusiness;
    let secondConfiguration: string;
    let middle: Date;

    beforeAll(async () => {
      biz = await createBusiness(stack.t, { name: 'Filter Shop' });
      secondConfiguration = 'payu-filter';
      dataOf(
        await stack.t.gql(`mutation { addPaymentConfiguration(input: { businessId: "${biz.id}", name: "${secondConfiguration}", gateway: PAYU }) { userErrors { code } } }`),
      );
      await send(biz, 'F-NEW');
      await send(biz, 'F-OTHER-TO', { to: '918888888888' });
      const before = await readOrder(stack.t, 'F-OTHER-TO', biz.keys.MOBILE);
      middle = new Date(new Date(before.createdAt).getTime() + 1);
      await new Promise((r) => setTimeout(r, 5));
      await send(biz, 'F-PAYU', { paymentConfiguration: secondConfiguration });
      await send(biz, 'F-SHIPPED');
      expect((await updateStatus(stack.t, { referenceId: 'F-SHIPPED', status: 'SHIPPED' }, biz.keys.OPS)).userErrors).toEqual([]);
      await send(biz, 'F-CANCELED');
      await stack.sim.pay('F-CANCELED', 'failed', { webhook: false });
      expect((await cancelOrder(stack.t, { referenceId: 'F-CANCELED' }, biz.keys.OPS)).userErrors).toEqual([]);
      await send(biz, 'F-PENDING-PAY');
      await stack.sim.pay('F-PENDING-PAY', 'pending', { webhook: false });
      expect((await cancelOrder(stack.t, { referenceId: 'F-PENDING-PAY' }, biz.keys.OPS)).userErrors[0].code).toBe('CANCEL_NOT_ALLOWED');
    });

    const refs = async (filter: Record<string, unknown>) =>
      (await page({ first: 100, filter }, biz.keys.OPS)).edges.map((e: any) => e.node.referenceId);

    it.each([
      ['status', { status: ['CANCELED'] }, ['F-CANCELED']],
      ['several statuses', { status: ['SHIPPED', 'CANCELED'] }, ['F-SHIPPED', 'F-CANCELED']],
      ['paymentStatus', { paymentStatus: ['PENDING'] }, ['F-PENDING-PAY']],
      ['several payment statuses', { paymentStatus: ['FAILED', 'PENDING'] }, ['F-CANCELED', 'F-PENDING-PAY']],
      ['to', { to: '918888888888' }, ['F-OTHER-TO']],
      ['paymentConfiguration', { paymentConfiguration: 'payu-filter' }, ['F-PAYU']],
      ['status and paymentStatus together', { status: ['PENDING'], paymentStatus: ['NEW'] }, ['F-NEW', 'F-OTHER-TO', 'F-PAYU']],
      ['a status nobody has', { status: ['COMPLETED'] }, []],
    ])('filters by %s', async (_name, filter, expected) => {
      expect(await refs(filter)).toEqual(expected);
    });

    it('filters by creation time with createdAfter and createdBefore', async () => {
      expect(await refs({ createdBefore: middle.toISOString() })).toEqual(['F-NEW', 'F-OTHER-TO']);
      expect(await refs({ createdAfter: middle.toISOString() })).toEqual(['F-PAYU', 'F-SHIPPED', 'F-CANCELED', 'F-PENDING-PAY']);
      expect(await refs({ createdAfter: middle.toISOString(), status: ['PENDING'] })).toEqual(['F-PAYU', 'F-PENDING-PAY']);
    });

    it('pages through a filtered list', async () => {
      const filter = { status: ['PENDING'] };
      const first: any = await page({ first: 2, filter }, biz.keys.OPS);
      expect(first.edges.map((e: any) => e.node.referenceId)).toEqual(['F-NEW', 'F-OTHER-TO']);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second: any = await page({ first: 2, filter, after: first.pageInfo.endCursor }, biz.keys.OPS);
      expect(second.edges.map((e: any) => e.node.referenceId)).toEqual(['F-PAYU', 'F-PENDING-PAY']);
      expect(second.pageInfo.hasNextPage).toBe(false);
    });

    it('the operator sees every business in orders; a business key only its own', async () => {
      const mine = await refs({});
      expect(mine).toHaveLength(6);
      const adminRefs = (await page({ first: 100, filter: { to: '918888888888' } }, stack.t.adminKey)).edges.map((e: any) => e.node.referenceId);
      expect(adminRefs).toContain('F-OTHER-TO');
      const otherRefs = (await page({ first: 100 }, other.keys.OPS)).edges.map((e: any) => e.node.referenceId);
      for (const ref of mine) expect(otherRefs).not.toContain(ref);
    });
  });

  describe('SQL statements per page (DataLoaders)', () => {
    let bulk: TestBusiness;

    beforeAll(async () => {
      bulk = await createBusiness(stack.t, { name: 'Bulk Shop' });
      const refs = Array.from({ length: 100 }, (_, i) => `B-${String(i).padStart(3, '0')}`);
      // the first order alone, so it is strictly the oldest (the first page's check relies on it)
      await send(bulk, refs[0]);
      for (let i = 1; i < refs.length; i += 10) {
        await Promise.all(refs.slice(i, i + 10).map((ref) => send(bulk, ref)));
      }
      // give orders across the range transactions, more messages and more events
      for (let i = 0; i < refs.length; i += 3) {
        await stack.sim.pay(refs[i], i % 2 === 0 ? 'failed' : 'pending', { webhook: false });
        await cancelOrder(stack.t, { referenceId: refs[i], description: 'Seeded' }, bulk.keys.OPS);
      }
      for (let i = 1; i < refs.length; i += 3) {
        expect((await updateStatus(stack.t, { referenceId: refs[i], status: 'PROCESSING' }, bulk.keys.OPS)).userErrors).toEqual([]);
      }
      // a third captured, and half of those partly refunded (twice)
      for (let i = 2; i < refs.length; i += 3) {
        await stack.sim.pay(refs[i], 'captured', { webhook: false });
        const verified = dataOf(await stack.t.gql(`mutation($r: String!) { verifyPayment(referenceId: $r) { userErrors { code } } }`, { r: refs[i] }, bulk.keys.OPS));
        expect(verified.verifyPayment.userErrors).toEqual([]);
        if (i % 2 === 0) continue;
        for (const value of [1000, 2000]) {
          const refunded = dataOf(
            await stack.t.gql(`mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { userErrors { code } } }`, { input: { referenceId: refs[i], amount: { value } } }, bulk.keys.OPS),
          );
          expect(refunded.refundPayment.userErrors).toEqual([]);
        }
      }
    }, 60_000);

    /** Statements the gateway sent to answer one request (the smallest of two runs, to ignore stray background work). */
    async function statementsFor(first: number): Promise<{ count: number; data: any }> {
      let best: { count: number; data: any } | null = null;
      for (let run = 0; run < 2; run++) {
        stack.counter.reset();
        const data = dataOf(await stack.t.gql(FULL_PAGE, { first }, bulk.keys.OPS));
        const count = stack.counter.count;
        if (!best || count < best.count) best = { count, data };
      }
      return best!;
    }

    it('does not grow with the page size: orders(first: 1), (first: 10) and (first: 100) with every relation', async () => {
      const one = await statementsFor(1);
      const ten = await statementsFor(10);
      const hundred = await statementsFor(100);

      // the pages really carry the relations being counted
      expect(one.data.orders.edges).toHaveLength(1);
      expect(ten.data.orders.edges).toHaveLength(10);
      const nodes = hundred.data.orders.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(100);
      const withTransactions = nodes.filter((n: any) => n.payment.transactions.length > 0);
      expect(withTransactions).toHaveLength(67);
      expect(one.data.orders.edges[0].node.payment.transactions).toHaveLength(1);
      expect(nodes.filter((n: any) => n.status === 'CANCELED').length).toBeGreaterThan(10);
      expect(nodes.filter((n: any) => n.messages.length === 2).length).toBeGreaterThan(40);
      const refunded = nodes.filter((n: any) => n.payment.refunds.length > 0);
      expect(refunded).toHaveLength(16);
      for (const n of refunded) {
        expect(n.payment.refunds.map((r: any) => r.amount.value)).toEqual([1000, 2000]);
        expect(n.payment.refundableAmount.value).toBe(49000);
      }
      for (const n of nodes) {
        expect(n.items).toHaveLength(1);
        expect(n.message.kind).toBe('ORDER_DETAILS');
        expect(n.events.length).toBeGreaterThanOrEqual(2);
        expect(n.business.name).toBe('Bulk Shop');
      }

      expect(ten.count).toBe(one.count);
      expect(hundred.count).toBe(one.count);
      // one statement per relation, plus the key and the page: a handful, not hundreds
      expect(one.count).toBeLessThanOrEqual(12);
    });
  });
});
