// Expiry on several instances (PostgreSQL + Redis): every instance watches for expired orders, and
// each order's expiry is decided once (one lookup, at most one ORDER_EXPIRED), also when the
// instance that claimed the check is SIGKILLed in the middle of its lookup.
import { Database } from '../../src/db/database';
import { OrderEntity } from '../../src/db/entities';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { expiryAhead, lookupCalls } from '../helpers/orders';
import { eventually, orderInput, SEND } from '../helpers/stack';
import { adminOf, type Cluster, gql, type Instance, SCALE_APP_SECRET, startCluster } from './cluster';

const EXPIRY = `query($ref: String!) { order(referenceId: $ref) { referenceId expired payment { status } events { type } } }`;

/** Time passes for these orders: their expiry is now a second ago, as an hour after they were sent. */
async function expire(cluster: Cluster, refs: string[]): Promise<void> {
  const db = await Database.connect(cluster.database.url);
  try {
    const past = new Date(Date.now() - 1000);
    await db.transaction(async (m) => {
      for (const referenceId of refs) await m.update(OrderEntity, { referenceId }, { expiresAt: past, expiryCheckAfter: past });
    });
  } finally {
    await db.close();
  }
}

async function sendWithExpiry(instance: Instance, shop: TestBusiness, referenceId: string): Promise<void> {
  const input = orderInput(shop, { referenceId, expiresAt: expiryAhead(3600).toISOString() });
  const res = (await gql(instance.url, shop.keys.STOREFRONT, SEND, { input })).sendOrderDetails;
  expect(res.userErrors).toEqual([]);
}

describe('expiry on two gateway instances (PostgreSQL + Redis)', () => {
  let cluster: Cluster;

  afterEach(() => cluster?.stop());

  it('40 orders expiring at once, watched by both instances: each decided once, one lookup each', async () => {
    // lookups get time enough on a busy machine: one that timed out would rightly be made again,
    // and this test counts claims by the lookups they make
    cluster = await startCluster({ env: { UPSTREAM_TIMEOUT_MS: '5000' } });
    const [a, b] = await Promise.all([cluster.start('A'), cluster.start('B')]);
    cluster.sim.configureWebhooks({ url: `${a.url}/webhooks/whatsapp`, appSecret: SCALE_APP_SECRET });
    const shop = await createBusiness(adminOf(a));
    const refs = Array.from({ length: 40 }, (_, i) => `EXP-${i}`);
    for (const [i, ref] of refs.entries()) await sendWithExpiry(i % 2 ? a : b, shop, ref);
    // a quarter paid without the gateway hearing of it; a quarter tried and failed
    for (const [i, ref] of refs.entries()) {
      if (i % 4 === 0) await cluster.sim.pay(ref, 'captured', { webhook: false });
      if (i % 4 === 1) await cluster.sim.pay(ref, 'failed', { webhook: false });
    }
    await expire(cluster, refs);

    await eventually(async () => {
      for (const ref of refs) {
        const o = (await gql(b.url, shop.keys.OPS, EXPIRY, { ref })).order;
        const captured = Number(ref.split('-')[1]) % 4 === 0;
        expect(o.payment.status).toBe(captured ? 'CAPTURED' : Number(ref.split('-')[1]) % 4 === 1 ? 'FAILED' : 'NEW');
        expect(o.expired).toBe(!captured);
        expect(o.events.filter((e: { type: string }) => e.type === 'ORDER_EXPIRED')).toHaveLength(captured ? 0 : 1);
      }
    }, 30000);
    // one claim per order: exactly one lookup each, whichever instance made it
    for (const ref of refs) expect(lookupCalls(cluster.sim, ref)).toHaveLength(1);
  });

  it('the instance that claimed the checks is SIGKILLed mid-lookup: the other takes over once the leases expire, and each order expires once', async () => {
    cluster = await startCluster();
    const a = await cluster.start('A');
    const shop = await createBusiness(adminOf(a));
    const refs = Array.from({ length: 5 }, (_, i) => `EXP-KILL-${i}`);
    for (const ref of refs) await sendWithExpiry(a, shop, ref);
    // A's lookups hang until A is dead
    cluster.sim.lookupDelayMs = 5000;
    await expire(cluster, refs);
    await eventually(async () => {
      for (const ref of refs) expect(lookupCalls(cluster.sim, ref)).toHaveLength(1);
    }, 15000);
    await a.kill('SIGKILL');
    cluster.sim.lookupDelayMs = 0;
    const b = await cluster.start('B');
    await eventually(async () => {
      for (const ref of refs) {
        const o = (await gql(b.url, shop.keys.OPS, EXPIRY, { ref })).order;
        expect(o.expired).toBe(true);
        expect(o.events.filter((e: { type: string }) => e.type === 'ORDER_EXPIRED')).toHaveLength(1);
      }
    }, 30000);
    // A's lookup was lost with A; B looked each order up once more
    for (const ref of refs) expect(lookupCalls(cluster.sim, ref)).toHaveLength(2);
  });
});
