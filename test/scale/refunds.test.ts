// Refunds with gateway processes. One SIGKILLed in the middle of a refund request, on sqlite and
// on PostgreSQL: the refund was stored (REQUESTED, its outbox job held by the request) and its call
// was out when the process died. A new process takes the job over once its lease runs out, settles
// the unknown outcome through the payment lookup, and exactly one refund reaches WhatsApp either
// way: the one WhatsApp made before the kill is found, not requested again; one it never made is
// requested once. And two instances refunding one payment at once never refund more than it.
import { REFUND, refundCalls } from '../helpers/refunds';
import { eventually, orderInput, SEND } from '../helpers/stack';
import { createBusiness } from '../helpers/fixtures';
import { adminOf, type Cluster, gql, startCluster } from './cluster';

const REFUNDS = `query($ref: String!) { order(referenceId: $ref) { payment { status refunds { status refundId amount { value } requestedByGateway } } } }`;
const VERIFY = `mutation($ref: String!) { verifyPayment(referenceId: $ref) { payment { status } userErrors { code } } }`;

describe.each(['sqlite', 'postgres'] as const)('refunds on %s: the gateway SIGKILLed during the refund request', (dialect) => {
  let cluster: Cluster;
  afterEach(() => cluster?.stop());

  it.each([
    ['after WhatsApp made the refund (its answer never came)', 'acceptedTimeout' as const, 1],
    ['before WhatsApp made it (the request was held, not acted on)', 'timeout' as const, 2],
  ])('%s: after a restart exactly one refund reaches WhatsApp, and the refund is settled', async (_case, fault, calls) => {
    // a short upstream timeout keeps the dead process's lease (2 × timeout + 5 s) short
    cluster = await startCluster({ dialect, env: { UPSTREAM_TIMEOUT_MS: '3000' } });
    cluster.sim.timeoutHoldMs = 60_000;
    const a = await cluster.start('A');
    const shop = await createBusiness(adminOf(a));
    const ref = `KILL-${fault}`;
    expect((await gql(a.url, shop.keys.STOREFRONT, SEND, { input: orderInput(shop, { referenceId: ref }) })).sendOrderDetails.userErrors).toEqual([]);
    await cluster.sim.pay(ref, 'captured', { webhook: false });
    expect((await gql(a.url, shop.keys.OPS, VERIFY, { ref })).verifyPayment.payment.status).toBe('CAPTURED');

    cluster.sim.failNext(1, fault, 'refund');
    const request = fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${shop.keys.OPS}` },
      body: JSON.stringify({ query: REFUND, variables: { input: { referenceId: ref, amount: { value: 20000 } } } }),
    }).then(
      () => 'answered',
      () => 'cut off',
    );
    // the call is out (held by WhatsApp): the process dies now
    await eventually(async () => expect(refundCalls(cluster.sim, ref)).toHaveLength(1), 15000);
    await a.kill('SIGKILL');
    expect(await request).toBe('cut off');
    expect(cluster.sim.refunds(ref)).toHaveLength(fault === 'acceptedTimeout' ? 1 : 0);

    const b = await cluster.start('B');
    const refunds = await eventually(async () => {
      const r = (await gql(b.url, shop.keys.OPS, REFUNDS, { ref })).order.payment.refunds;
      expect(r).toHaveLength(1);
      expect(['PENDING', 'SUCCEEDED']).toContain(r[0].status);
      return r;
    }, 60000);
    const made = cluster.sim.refunds(ref);
    expect(made).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ refundId: made[0].id, amount: { value: 20000 }, requestedByGateway: true });
    expect(refundCalls(cluster.sim, ref)).toHaveLength(calls);
  });
});

describe('refunds on two instances (PostgreSQL + Redis)', () => {
  let cluster: Cluster;
  afterEach(() => cluster?.stop());

  it('20 partial refunds of one payment sent through both instances at once: never more than the capture, each made once', async () => {
    cluster = await startCluster();
    const [a, b] = await Promise.all([cluster.start('A'), cluster.start('B')]);
    const shop = await createBusiness(adminOf(a));
    const ref = 'TWO-INSTANCES';
    expect((await gql(a.url, shop.keys.STOREFRONT, SEND, { input: orderInput(shop, { referenceId: ref }) })).sendOrderDetails.userErrors).toEqual([]);
    await cluster.sim.pay(ref, 'captured', { webhook: false });
    expect((await gql(b.url, shop.keys.OPS, VERIFY, { ref })).verifyPayment.payment.status).toBe('CAPTURED');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gql(i % 2 ? a.url : b.url, shop.keys.OPS, REFUND, { input: { referenceId: ref, amount: { value: 4000 } } })),
    );
    const accepted = results.filter((r) => r.refundPayment.refund !== null);
    expect(accepted).toHaveLength(13);
    expect(results.filter((r) => r.refundPayment.userErrors[0]?.code === 'REFUND_NOT_ALLOWED')).toHaveLength(7);
    await eventually(async () => {
      const r = (await gql(a.url, shop.keys.OPS, REFUNDS, { ref })).order.payment.refunds;
      expect(r.filter((x: { status: string }) => x.status === 'PENDING' || x.status === 'SUCCEEDED')).toHaveLength(13);
    }, 30000);
    expect(cluster.sim.refunds(ref).reduce((sum, r) => sum + r.amount, 0)).toBe(52000);
    expect(refundCalls(cluster.sim, ref)).toHaveLength(13);
  });
});
