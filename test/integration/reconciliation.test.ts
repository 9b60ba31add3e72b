// reconciliation(filter) and GET /reconciliation.csv over real HTTP: one row per transaction the
// lookup reported (and one per order with a payment but no transaction) in the period, with what
// a finance team matches at its payment gateway; filters, cursor pagination, roles, and the CSV
// carrying exactly the same rows.
import type { WireLookupPayment } from '../../src/whatsapp/wire-types';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { eventually, startTestStack, type TestStack } from '../helpers/stack';
import { connectSimulator, readOrder, sendOrder } from '../helpers/webhooks';

const RECONCILIATION = `query($filter: ReconciliationFilter!, $first: Int, $after: String) {
  reconciliation(filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      referenceId paymentConfiguration gateway transactionId pgTransactionId
      orderTotal { value offset currency } paidAmount { value offset currency }
      paymentStatus transactionStatus verified capturedAt receipt refundedAmount { value offset currency } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;

interface Row {
  referenceId: string;
  paymentConfiguration: string;
  gateway: string;
  transactionId: string | null;
  pgTransactionId: string | null;
  orderTotal: { value: number; offset: number; currency: string };
  paidAmount: { value: number; offset: number; currency: string } | null;
  paymentStatus: string;
  transactionStatus: string | null;
  verified: boolean;
  capturedAt: string | null;
  receipt: string | null;
  refundedAmount: { value: number; offset: number; currency: string } | null;
}

const TOTAL = { value: 52000, offset: 100, currency: 'INR' };
const iso = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();

describe('reconciliation (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let other: TestBusiness;
  let from: Date;
  let to: Date;
  /** every row this file's orders must produce, keyed by reference id */
  const expected = new Map<string, Row[]>();
  const refs: Record<string, string> = {};

  const transactionRow = (
    ref: string,
    configuration: string,
    gateway: string,
    payment: string,
    verified: boolean,
    t: NonNullable<WireLookupPayment['transactions']>[number],
    receipt: string | null = null,
  ): Row => ({
    referenceId: ref,
    paymentConfiguration: configuration,
    gateway,
    transactionId: t.id!,
    pgTransactionId: t.pg_transaction_id ?? null,
    orderTotal: TOTAL,
    paidAmount: t.status === 'success' ? { value: t.amount!.value, offset: t.amount!.offset, currency: t.currency! } : null,
    paymentStatus: payment,
    transactionStatus: t.status!.toUpperCase(),
    verified,
    capturedAt: t.status === 'success' && payment === 'CAPTURED' ? iso(t.updated_timestamp) : null,
    receipt,
    // on the capture's row: nothing refunded in this file (test/integration/refunds.test.ts refunds)
    refundedAmount: t.status === 'success' && payment === 'CAPTURED' ? { value: 0, offset: 100, currency: 'INR' } : null,
  });

  async function settle(ref: string, status: string, verified = true, key = shop.keys.OPS): Promise<void> {
    await eventually(async () => {
      const o = await readOrder(stack.t, ref, key);
      expect(o.payment).toMatchObject({ status, verified });
    });
  }

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
    other = await createBusiness(stack.t, { name: 'Reconciliation Other' });
    from = new Date(Date.now() - 60_000);

    // a second configuration on another payment gateway
    const added = dataOf(
      await stack.t.gql(
        `mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { paymentConfiguration { id } userErrors { code } } }`,
        { input: { businessId: shop.id, name: 'payu-main', gateway: 'PAYU' } },
      ),
    ).addPaymentConfiguration;
    expect(added.userErrors).toEqual([]);

    const cfg = shop.paymentConfiguration;
    // captured at the first try, with Razorpay's receipt (what the PG's reports show next to its order)
    refs.captured = (await sendOrder(stack.t, shop, { gatewayFields: { receipt: 'rcpt-A1001', notes: [{ key: 'crm', value: 'C-77' }] } })).referenceId;
    const captured = await stack.sim.pay(refs.captured, 'captured');
    await settle(refs.captured, 'CAPTURED');
    expected.set(refs.captured, captured.payment.transactions!.map((t) => transactionRow(refs.captured, cfg, 'RAZORPAY', 'CAPTURED', true, t, 'rcpt-A1001')));

    // failed, then a retry captured: two transactions (one PG order id), one row each; a receipt a
    // spreadsheet must not read as a formula
    refs.retried = (await sendOrder(stack.t, shop, { gatewayFields: { receipt: '-2+3' } })).referenceId;
    await stack.sim.pay(refs.retried, 'failed');
    await settle(refs.retried, 'FAILED');
    const retried = await stack.sim.pay(refs.retried, 'captured');
    await settle(refs.retried, 'CAPTURED');
    expect(retried.payment.transactions).toHaveLength(2);
    expect(retried.payment.transactions![0].id).toBe(retried.payment.transactions![1].id);
    expected.set(refs.retried, retried.payment.transactions!.map((t) => transactionRow(refs.retried, cfg, 'RAZORPAY', 'CAPTURED', true, t, '-2+3')));

    // still pending
    refs.pending = (await sendOrder(stack.t, shop)).referenceId;
    const pending = await stack.sim.pay(refs.pending, 'pending');
    await settle(refs.pending, 'PENDING');
    expected.set(refs.pending, pending.payment.transactions!.map((t) => transactionRow(refs.pending, cfg, 'RAZORPAY', 'PENDING', true, t)));

    // paid the wrong amount: captured, not verified, the paid amount shows it
    refs.mismatch = (await sendOrder(stack.t, shop)).referenceId;
    const mismatch = await stack.sim.pay(refs.mismatch, 'captured', { amount: 51000 });
    await settle(refs.mismatch, 'CAPTURED', false);
    expected.set(refs.mismatch, mismatch.payment.transactions!.map((t) => transactionRow(refs.mismatch, cfg, 'RAZORPAY', 'CAPTURED', false, t)));

    // on the other configuration (PayU)
    refs.payu = (await sendOrder(stack.t, shop, { paymentConfiguration: 'payu-main', gatewayFields: { udf: ['crm-77'] } })).referenceId;
    const payu = await stack.sim.pay(refs.payu, 'captured');
    await settle(refs.payu, 'CAPTURED');
    expected.set(refs.payu, payu.payment.transactions!.map((t) => transactionRow(refs.payu, 'payu-main', 'PAYU', 'CAPTURED', true, t)));

    // no payment yet: one row without a transaction
    refs.unpaid = (await sendOrder(stack.t, shop)).referenceId;
    expected.set(refs.unpaid, [
      {
        referenceId: refs.unpaid,
        paymentConfiguration: cfg,
        gateway: 'RAZORPAY',
        transactionId: null,
        pgTransactionId: null,
        orderTotal: TOTAL,
        paidAmount: null,
        paymentStatus: 'NEW',
        transactionStatus: null,
        verified: false,
        capturedAt: null,
        receipt: null,
        refundedAmount: null,
      },
    ]);

    // another business's captured order: never in this business's rows
    refs.foreign = (await sendOrder(stack.t, other)).referenceId;
    await stack.sim.pay(refs.foreign, 'captured');
    await settle(refs.foreign, 'CAPTURED', true, other.keys.OPS);

    to = new Date(Date.now() + 60_000);
  });
  afterAll(() => stack.stop());

  async function page(filter: Record<string, unknown>, first?: number, after?: string | null, key = shop.keys.OPS) {
    return dataOf(await stack.t.gql(RECONCILIATION, { filter, first, after }, key)).reconciliation as {
      edges: Array<{ cursor: string; node: Row }>;
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
    };
  }
  const period = () => ({ from: from.toISOString(), to: to.toISOString() });
  const byRef = (rows: Row[]) => {
    const out = new Map<string, Row[]>();
    for (const r of rows) out.set(r.referenceId, [...(out.get(r.referenceId) ?? []), r]);
    return out;
  };
  const sortTx = (rows: Row[]) => [...rows].sort((a, b) => (a.transactionId ?? '').localeCompare(b.transactionId ?? ''));

  describe('reconciliation(filter)', () => {
    it('lists one row per transaction and one per order without a transaction, with what the payment gateway knows', async () => {
      const res = await page(period(), 100);
      const rows = res.edges.map((e) => e.node);
      expect(res.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
      const got = byRef(rows);
      expect(new Set(got.keys())).toEqual(new Set(expected.keys()));
      for (const [ref, want] of expected) expect(sortTx(got.get(ref)!)).toEqual(sortTx(want));
      expect(rows).toHaveLength([...expected.values()].flat().length);
    });

    it('a failed attempt paid nothing; only the successful transaction carries the capture', async () => {
      const rows = (await page(period(), 100)).edges.map((e) => e.node).filter((r) => r.referenceId === refs.retried);
      const failed = rows.find((r) => r.transactionStatus === 'FAILED')!;
      const success = rows.find((r) => r.transactionStatus === 'SUCCESS')!;
      expect(failed).toMatchObject({ paidAmount: null, capturedAt: null, paymentStatus: 'CAPTURED' });
      expect(success).toMatchObject({ paidAmount: TOTAL, capturedAt: expect.any(String), pgTransactionId: expect.stringMatching(/^pay_/) });
    });

    it('the amount mismatch is visible: paid 510.00 against a total of 520.00, not verified', async () => {
      const rows = (await page(period(), 100)).edges.map((e) => e.node).filter((r) => r.referenceId === refs.mismatch);
      expect(rows).toEqual([expect.objectContaining({ orderTotal: TOTAL, paidAmount: { value: 51000, offset: 100, currency: 'INR' }, verified: false })]);
    });

    it('pages with cursors through the same rows in the same order, none twice, none missing', async () => {
      const all = (await page(period(), 100)).edges;
      const seen: Array<{ cursor: string; node: Row }> = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i++) {
        const p = await page(period(), 2, after);
        expect(p.edges.length).toBeLessThanOrEqual(2);
        expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
        if (p.edges.length) {
          expect(p.pageInfo.startCursor).toBe(p.edges[0].cursor);
          expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
        }
        seen.push(...p.edges);
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      expect(seen.map((e) => e.node)).toEqual(all.map((e) => e.node));
      expect(new Set(seen.map((e) => e.cursor)).size).toBe(seen.length);
    });

    it('filters by payment configuration and by payment status', async () => {
      const payu = (await page({ ...period(), paymentConfiguration: 'payu-main' }, 100)).edges.map((e) => e.node);
      expect(payu.map((r) => r.referenceId)).toEqual([refs.payu]);
      expect(payu[0].gateway).toBe('PAYU');

      const captured = (await page({ ...period(), paymentStatus: ['CAPTURED'] }, 100)).edges.map((e) => e.node);
      expect(new Set(captured.map((r) => r.referenceId))).toEqual(new Set([refs.captured, refs.retried, refs.mismatch, refs.payu]));
      const openOnes = (await page({ ...period(), paymentStatus: ['NEW', 'PENDING'] }, 100)).edges.map((e) => e.node);
      expect(new Set(openOnes.map((r) => r.referenceId))).toEqual(new Set([refs.pending, refs.unpaid]));
    });

    it('only rows of the period count', async () => {
      expect((await page({ from: new Date(from.getTime() - 3600_000).toISOString(), to: from.toISOString() }, 100)).edges).toEqual([]);
      expect((await page({ from: to.toISOString(), to: new Date(to.getTime() + 3600_000).toISOString() }, 100)).edges).toEqual([]);

      // two orders without transactions (of a business of their own), a moment apart: the boundary falls between them
      const own = await createBusiness(stack.t, { name: 'Reconciliation Period' });
      const first = await sendOrder(stack.t, own);
      await new Promise((r) => setTimeout(r, 20));
      const second = await sendOrder(stack.t, own);
      const boundary = new Date(new Date(await orderCreatedAt(first.referenceId, own)).getTime() + 1);
      const secondAt = new Date(await orderCreatedAt(second.referenceId, own));
      expect(secondAt.getTime()).toBeGreaterThanOrEqual(boundary.getTime());
      const before = (await page({ from: from.toISOString(), to: boundary.toISOString() }, 100, null, own.keys.OPS)).edges.map((e) => e.node.referenceId);
      const after = (await page({ from: boundary.toISOString(), to: new Date(Date.now() + 60_000).toISOString() }, 100, null, own.keys.OPS)).edges.map((e) => e.node.referenceId);
      expect(before).toEqual([first.referenceId]);
      expect(after).toEqual([second.referenceId]);
    });

    it('another business sees only its own rows; ADMIN sees every business', async () => {
      const theirs = (await page(period(), 100, null, other.keys.OPS)).edges.map((e) => e.node.referenceId);
      expect(theirs).toEqual([refs.foreign]);
      const admin = (await page(period(), 100, null, stack.t.adminKey)).edges.map((e) => e.node.referenceId);
      expect(admin).toContain(refs.foreign);
      expect(admin).toContain(refs.captured);
    });

    it.each(['STOREFRONT', 'MOBILE'] as const)('%s keys may not reconcile', async (role) => {
      const res = await stack.t.gql(RECONCILIATION, { filter: period(), first: 10 }, shop.keys[role]);
      expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(res.data?.reconciliation ?? null).toBeNull();
    });

    it('refuses a bad page size, an empty period and a foreign cursor with a clear error', async () => {
      const bad = async (variables: Record<string, unknown>) => {
        const res = await stack.t.gql(RECONCILIATION, variables, shop.keys.OPS);
        expect(res.errors?.length).toBeGreaterThan(0);
        return res.errors![0].message;
      };
      expect(await bad({ filter: period(), first: 0 })).toMatch(/first must be from 1/);
      expect(await bad({ filter: period(), first: 1001 })).toMatch(/first must be from 1/);
      expect(await bad({ filter: { from: to.toISOString(), to: from.toISOString() }, first: 10 })).toMatch(/from must be before/);
      expect(await bad({ filter: period(), first: 10, after: 'not-a-cursor' })).toMatch(/not a cursor/);
    });
  });

  describe('GET /reconciliation.csv', () => {
    const csv = (query: string, key: string | null = shop.keys.OPS) =>
      fetch(`${stack.t.url}/reconciliation.csv?${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    const q = (extra: Record<string, string> = {}) => new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), ...extra }).toString();
    const decimal = (m: { value: number; offset: number } | null) => (m ? (m.value / m.offset).toFixed(2) : '');

    it('downloads the same rows as the query, in the same order, as RFC 4180 CSV', async () => {
      const rows = (await page(period(), 1000)).edges.map((e) => e.node);
      const res = await csv(q());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toBe(
        `attachment; filename="reconciliation-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv"`,
      );
      const text = await res.text();
      expect(text.endsWith('\r\n')).toBe(true);
      const lines = text.slice(0, -2).split('\r\n');
      expect(lines[0]).toBe(
        'reference_id,payment_configuration,gateway,transaction_id,pg_transaction_id,order_total,paid_amount,currency,payment_status,transaction_status,verified,captured_at,at,receipt,refunded_amount',
      );
      const body = lines.slice(1).map((l) => l.split(','));
      expect(body).toHaveLength(rows.length);
      body.forEach((cells, i) => {
        const r = rows[i];
        expect(cells).toHaveLength(15);
        expect(cells.slice(0, 12)).toEqual([
          r.referenceId,
          r.paymentConfiguration,
          r.gateway,
          r.transactionId ?? '',
          r.pgTransactionId ?? '',
          decimal(r.orderTotal),
          decimal(r.paidAmount),
          r.paidAmount?.currency ?? r.orderTotal.currency,
          r.paymentStatus,
          r.transactionStatus ?? '',
          String(r.verified),
          r.capturedAt ?? '',
        ]);
        const at = new Date(cells[12]);
        expect(at.getTime()).toBeGreaterThanOrEqual(from.getTime());
        expect(at.getTime()).toBeLessThan(to.getTime());
        // a leading '-' in the merchant's receipt is quoted so a spreadsheet keeps it text
        expect(cells[13]).toBe(r.receipt === '-2+3' ? "'-2+3" : (r.receipt ?? ''));
        // the capture's row carries what was refunded of it (nothing here), the other rows nothing
        expect(cells[14]).toBe(decimal(r.refundedAmount));
      });
      expect(body.filter((c) => c[0] === refs.captured).map((c) => c[14])).toEqual(['0.00']);
      expect(body.filter((c) => c[0] === refs.captured).map((c) => c[13])).toEqual(['rcpt-A1001']);
      const mismatch = body.find((c) => c[0] === refs.mismatch)!;
      expect(mismatch.slice(5, 7)).toEqual(['520.00', '510.00']);
    });

    it('takes the same filters', async () => {
      const text = await (await csv(q({ paymentConfiguration: 'payu-main' }))).text();
      expect(text.trim().split('\r\n').slice(1).map((l) => l.split(',')[0])).toEqual([refs.payu]);
      const open = await (await csv(q({ paymentStatus: 'NEW,PENDING' }))).text();
      expect(new Set(open.trim().split('\r\n').slice(1).map((l) => l.split(',')[0]))).toEqual(new Set([refs.pending, refs.unpaid]));
    });

    it("another business's key gets only its rows", async () => {
      const text = await (await csv(q(), other.keys.OPS)).text();
      expect(text.trim().split('\r\n').slice(1).map((l) => l.split(',')[0])).toEqual([refs.foreign]);
    });

    it('answers 401 without a key or with a wrong one, 403 for roles that may not reconcile', async () => {
      expect((await csv(q(), null)).status).toBe(401);
      expect((await csv(q(), 'wpg_not_a_key_0123456789abcdef')).status).toBe(401);
      for (const role of ['STOREFRONT', 'MOBILE'] as const) {
        const res = await csv(q(), shop.keys[role]);
        expect(res.status).toBe(403);
        expect(await res.text()).not.toContain(refs.captured);
      }
      expect((await csv(q(), stack.t.adminKey)).status).toBe(200);
    });

    it('answers 400 with a hint for missing or bad parameters', async () => {
      for (const query of [
        new URLSearchParams({ from: from.toISOString() }).toString(),
        new URLSearchParams({ to: to.toISOString() }).toString(),
        new URLSearchParams({ from: 'yesterday', to: to.toISOString() }).toString(),
        q({ paymentStatus: 'CAPTURED,PAID' }),
        new URLSearchParams({ from: to.toISOString(), to: from.toISOString() }).toString(),
      ]) {
        const res = await csv(query);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: unknown }).error).toEqual(expect.any(String));
      }
    });
  });

  async function orderCreatedAt(ref: string, business: TestBusiness): Promise<string> {
    return dataOf(await stack.t.gql(`query($ref: String!) { order(referenceId: $ref) { createdAt } }`, { ref }, business.keys.OPS)).order.createdAt;
  }
});
