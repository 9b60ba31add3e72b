// Idempotency keys on every state-changing order mutation (idempotencyKey input field or the
// Idempotency-Key header): a replay does nothing again, also under concurrent duplicates; another
// input with the same key is IDEMPOTENCY_KEY_REUSED; records are kept 24 hours.
import { randomUUID } from 'node:crypto';
import { IdempotencyRecordEntity } from '../../src/db/entities';
import { hashInput, IdempotencyKeyBusy, IdempotencyService, type StoredResult } from '../../src/services/idempotency';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { cancelOrder, lookupCalls, messageCalls, readOrder, sendOrder, updateStatus } from '../helpers/orders';
import { eventually, orderInput, SEND, startTestStack, type TestStack, UPDATE } from '../helpers/stack';

describe('idempotency keys (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;
  let other: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    other = await createBusiness(stack.t, { name: 'Other Shop' });
  });
  afterAll(() => stack.stop());

  const newKey = () => `key-${Math.random().toString(36).slice(2)}`;
  const newRef = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  /** A claim of the storefront key without a result, as a request that died leaves it; the key's id. */
  const leaveClaim = async (key: string, requestHash: string, createdAt: Date, expiresAt: Date) => {
    const scope = (await stack.t.gateway.services.auth.authenticate(`Bearer ${shop.keys.STOREFRONT}`)).principal!.keyId;
    await stack.t.gateway.db.transaction((m) =>
      m.insert(IdempotencyRecordEntity, { id: randomUUID(), scope, key, operation: 'sendOrderDetails', requestHash, response: null, createdAt, expiresAt }),
    );
    return scope;
  };
  const orderCount = async (key = shop.keys.STOREFRONT) =>
    dataOf(await stack.t.gql(`{ orders(first: 100) { edges { cursor } } }`, {}, key)).orders.edges.length;

  describe('sendOrderDetails', () => {
    it('the same key and input (input field) replays the first result and sends nothing again', async () => {
      const key = newKey();
      const input = orderInput(shop, { referenceId: newRef('I'), idempotencyKey: key });
      const first = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
      expect(first.userErrors).toEqual([]);
      const received = stack.sim.received.length;
      const replay = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
      expect(replay).toEqual(first);
      expect(stack.sim.received.length).toBe(received);
    });

    it('the Idempotency-Key header works the same way', async () => {
      const key = newKey();
      const input = orderInput(shop, { referenceId: newRef('H') });
      const first = await sendOrder(stack.t, input, shop.keys.STOREFRONT, { 'idempotency-key': key });
      expect(first.userErrors).toEqual([]);
      const received = stack.sim.received.length;
      const replay = await sendOrder(stack.t, input, shop.keys.STOREFRONT, { 'idempotency-key': key });
      expect(replay.order.id).toBe(first.order.id);
      expect(replay.userErrors).toEqual([]);
      expect(stack.sim.received.length).toBe(received);
      // the header and the field are the same key
      const viaField = await sendOrder(stack.t, { ...input, idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(viaField.order.id).toBe(first.order.id);
      expect(stack.sim.received.length).toBe(received);
    });

    it('the same key with another input is IDEMPOTENCY_KEY_REUSED: nothing stored, nothing sent', async () => {
      const key = newKey();
      const first = await sendOrder(stack.t, orderInput(shop, { referenceId: newRef('U'), idempotencyKey: key }), shop.keys.STOREFRONT);
      expect(first.userErrors).toEqual([]);
      const received = stack.sim.received.length;
      const count = await orderCount();
      const otherRef = newRef('U2');
      const reused = await sendOrder(stack.t, orderInput(shop, { referenceId: otherRef, idempotencyKey: key }), shop.keys.STOREFRONT);
      expect(reused).toEqual({
        order: null,
        userErrors: [expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'], whatsappCode: null })],
      });
      expect(reused.userErrors[0].message).toMatch(/different input; use a new key/);
      expect(stack.sim.received.length).toBe(received);
      expect(await orderCount()).toBe(count);
      expect(await readOrder(stack.t, otherRef, shop.keys.STOREFRONT)).toBeNull();
    });

    it('a result with userErrors is replayed too, and fixing the input needs a new key', async () => {
      const key = newKey();
      const ref = newRef('V');
      const bad = await sendOrder(stack.t, orderInput(shop, { referenceId: ref, to: '+91 98765', idempotencyKey: key }), shop.keys.STOREFRONT);
      expect(bad.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'to'] })]);
      expect(await sendOrder(stack.t, orderInput(shop, { referenceId: ref, to: '+91 98765', idempotencyKey: key }), shop.keys.STOREFRONT)).toEqual(bad);
      const fixed = await sendOrder(stack.t, orderInput(shop, { referenceId: ref, idempotencyKey: key }), shop.keys.STOREFRONT);
      expect(fixed.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
      expect(messageCalls(stack.sim, ref)).toHaveLength(0);
    });

    it('concurrent duplicates with the same key get one order and one message', async () => {
      const key = newKey();
      const ref = newRef('CK');
      const input = orderInput(shop, { referenceId: ref, idempotencyKey: key });
      const results = await Promise.all(Array.from({ length: 8 }, () => sendOrder(stack.t, input, shop.keys.STOREFRONT)));
      for (const r of results) {
        expect(r.userErrors).toEqual([]);
        expect(r.order.id).toBe(results[0].order.id);
      }
      expect(messageCalls(stack.sim, ref)).toHaveLength(1);
      expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
      const order = await readOrder(stack.t, ref, shop.keys.STOREFRONT);
      expect(order.events.filter((e: any) => e.type === 'ORDER_CREATED')).toHaveLength(1);
    });

    it('concurrent duplicates without a key (same referenceId and content) also send one message', async () => {
      const ref = newRef('CR');
      const input = orderInput(shop, { referenceId: ref });
      const results = await Promise.all(Array.from({ length: 6 }, () => sendOrder(stack.t, input, shop.keys.STOREFRONT)));
      for (const r of results) {
        expect(r.userErrors).toEqual([]);
        expect(r.order.id).toBe(results[0].order.id);
      }
      expect(messageCalls(stack.sim, ref)).toHaveLength(1);
    });

    it('rejects a key longer than 255 characters', async () => {
      const ref = newRef('L');
      const res = await sendOrder(stack.t, orderInput(shop, { referenceId: ref, idempotencyKey: 'k'.repeat(256) }), shop.keys.STOREFRONT);
      expect(res).toEqual({ order: null, userErrors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'idempotencyKey'] })] });
      expect(messageCalls(stack.sim, ref)).toHaveLength(0);
    });
  });

  describe('updateOrderStatus and cancelOrder', () => {
    it('a replayed status change does nothing again, even after the order moved on', async () => {
      const ref = newRef('S');
      expect((await sendOrder(stack.t, orderInput(shop, { referenceId: ref }), shop.keys.STOREFRONT)).userErrors).toEqual([]);
      const key = newKey();
      const first = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED', idempotencyKey: key }, shop.keys.OPS);
      expect(first.userErrors).toEqual([]);
      expect((await updateStatus(stack.t, { referenceId: ref, status: 'COMPLETED' }, shop.keys.OPS)).userErrors).toEqual([]);
      const received = stack.sim.received.length;

      // without the key this would be refused (COMPLETED is final); with it, the first result replays
      const replay = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED', idempotencyKey: key }, shop.keys.OPS);
      expect(replay.userErrors).toEqual([]);
      expect(replay.order.id).toBe(first.order.id);
      // the order is read fresh: it is COMPLETED now, and stays so
      expect(replay.order.status).toBe('COMPLETED');
      expect(stack.sim.received.length).toBe(received);
      const order = await readOrder(stack.t, ref, shop.keys.OPS);
      expect(order.events.filter((e: any) => e.type === 'ORDER_STATUS_CHANGED').map((e: any) => e.toStatus)).toEqual(['SHIPPED', 'COMPLETED']);

      const reused = await updateStatus(stack.t, { referenceId: ref, status: 'PROCESSING', idempotencyKey: key }, shop.keys.OPS);
      expect(reused.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
    });

    it('concurrent duplicate status changes with one key send one order_status message', async () => {
      const ref = newRef('SC');
      expect((await sendOrder(stack.t, orderInput(shop, { referenceId: ref }), shop.keys.STOREFRONT)).userErrors).toEqual([]);
      const key = newKey();
      const results = await Promise.all(
        Array.from({ length: 6 }, () => stack.t.gql(UPDATE, { input: { referenceId: ref, status: 'PROCESSING', description: 'Packing' } }, shop.keys.OPS, { 'idempotency-key': key })),
      );
      for (const r of results) expect(dataOf(r).updateOrderStatus.userErrors).toEqual([]);
      const statusCalls = messageCalls(stack.sim, ref).filter((c) => (c.body as any).interactive.type === 'order_status');
      expect(statusCalls).toHaveLength(1);
      const order = await readOrder(stack.t, ref, shop.keys.OPS);
      expect(order.events.filter((e: any) => e.type === 'ORDER_STATUS_CHANGED')).toHaveLength(1);
    });

    it('a replayed cancel asks no lookup and sends nothing again', async () => {
      const ref = newRef('X');
      expect((await sendOrder(stack.t, orderInput(shop, { referenceId: ref }), shop.keys.STOREFRONT)).userErrors).toEqual([]);
      const key = newKey();
      const first = await cancelOrder(stack.t, { referenceId: ref, description: 'No stock', idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(first.userErrors).toEqual([]);
      expect(first.order.status).toBe('CANCELED');
      const received = stack.sim.received.length;
      const replay = await cancelOrder(stack.t, { referenceId: ref, description: 'No stock', idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(replay).toEqual(first);
      expect(stack.sim.received.length).toBe(received);
      expect(lookupCalls(stack.sim, ref)).toHaveLength(1);
    });

    it('a replayed refusal stays the same refusal (2047), without a second lookup', async () => {
      const ref = newRef('XP');
      expect((await sendOrder(stack.t, orderInput(shop, { referenceId: ref }), shop.keys.STOREFRONT)).userErrors).toEqual([]);
      await stack.sim.pay(ref, 'pending', { webhook: false });
      const key = newKey();
      const first = await cancelOrder(stack.t, { referenceId: ref, idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(first.userErrors).toEqual([expect.objectContaining({ code: 'CANCEL_NOT_ALLOWED', whatsappCode: 2047 })]);
      const replay = await cancelOrder(stack.t, { referenceId: ref, idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(replay.userErrors).toEqual(first.userErrors);
      expect(lookupCalls(stack.sim, ref)).toHaveLength(1);
    });

    it('one key on two operations is IDEMPOTENCY_KEY_REUSED', async () => {
      const ref = newRef('O');
      const key = newKey();
      expect((await sendOrder(stack.t, orderInput(shop, { referenceId: ref, idempotencyKey: key }), shop.keys.STOREFRONT)).userErrors).toEqual([]);
      const received = stack.sim.received.length;
      const res = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED', idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
      expect(res.userErrors[0].message).toMatch(/different operation/);
      const cancel = await cancelOrder(stack.t, { referenceId: ref, idempotencyKey: key }, shop.keys.STOREFRONT);
      expect(cancel.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
      expect(stack.sim.received.length).toBe(received);
      expect((await readOrder(stack.t, ref, shop.keys.STOREFRONT)).status).toBe('PENDING');
    });
  });

  describe('scope and lifetime', () => {
    it("keys belong to the API key that sent them: another business's identical key is independent", async () => {
      const key = newKey();
      const mine = await sendOrder(stack.t, orderInput(shop, { referenceId: newRef('K'), idempotencyKey: key }), shop.keys.STOREFRONT);
      const theirs = await sendOrder(stack.t, orderInput(other, { referenceId: newRef('K'), idempotencyKey: key }), other.keys.STOREFRONT);
      expect(mine.userErrors).toEqual([]);
      expect(theirs.userErrors).toEqual([]);
      expect(theirs.order.id).not.toBe(mine.order.id);
      expect(theirs.order.business.name).toBe('Other Shop');
      // and a replay through another business's key never hands out this business's order
      const replayByOther = await sendOrder(stack.t, orderInput(shop, { referenceId: mine.order.referenceId, idempotencyKey: key }), other.keys.STOREFRONT);
      expect(replayByOther.order).toBeNull();
      expect(replayByOther.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })]);
    });

    it('keeps a key 24 hours; after that the same key starts a new request', async () => {
      const key = newKey();
      const first = await sendOrder(stack.t, orderInput(shop, { referenceId: newRef('E'), idempotencyKey: key }), shop.keys.STOREFRONT);
      expect(first.userErrors).toEqual([]);
      const db = stack.t.gateway.db;
      const record = await db.manager.findOneByOrFail(IdempotencyRecordEntity, { key });
      expect(record.operation).toBe('sendOrderDetails');
      expect(record.expiresAt.getTime() - record.createdAt.getTime()).toBe(24 * 60 * 60 * 1000);

      // a day later (moved back in the store): the key is free again
      const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 1000);
      await db.transaction((m) => m.update(IdempotencyRecordEntity, { id: record.id }, { createdAt: dayAgo, expiresAt: new Date(Date.now() - 1000) }));
      const ref = newRef('E2');
      const fresh = await sendOrder(stack.t, orderInput(shop, { referenceId: ref, idempotencyKey: key }), shop.keys.STOREFRONT);
      expect(fresh.userErrors).toEqual([]);
      expect(fresh.order.referenceId).toBe(ref);
      expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
    });

    it('a key whose first request never finished (the gateway died mid-request) is taken over, not stuck for a day', async () => {
      const key = newKey();
      const ref = newRef('CR');
      const input = orderInput(shop, { referenceId: ref, idempotencyKey: key });
      // what a crash between claiming the key and storing the result leaves behind (a claim written
      // before leases: its expiresAt a day ahead)
      const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000);
      await leaveClaim(key, 'unknown', tenMinutesAgo, new Date(tenMinutesAgo.getTime() + 24 * 60 * 60 * 1000));
      const res = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([]);
      expect(res.order.referenceId).toBe(ref);
      expect(stack.sim.acceptedMessages(ref)).toHaveLength(1);
      // and from now on the key replays this result
      expect((await sendOrder(stack.t, input, shop.keys.STOREFRONT)).order.id).toBe(res.order.id);
      expect(messageCalls(stack.sim, ref)).toHaveLength(1);
    });

    it('a claim whose holder stopped renewing it (a process killed seconds ago) is taken over at once, not after minutes', async () => {
      const key = newKey();
      const ref = newRef('KL');
      const input = orderInput(shop, { referenceId: ref, idempotencyKey: key });
      // claimed 8 s ago by a request whose lease (renewed while it ran) ran out 2 s ago
      const apiKeyId = await leaveClaim(key, hashInput(input), new Date(Date.now() - 8000), new Date(Date.now() - 2000));
      const res = await sendOrder(stack.t, input, shop.keys.STOREFRONT);
      expect(res.userErrors).toEqual([]);
      expect(res.order.referenceId).toBe(ref);
      expect(messageCalls(stack.sim, ref)).toHaveLength(1);
      const record = await stack.t.gateway.db.manager.findOneByOrFail(IdempotencyRecordEntity, { scope: apiKeyId, key });
      expect(Buffer.from(`Order:${JSON.parse(record.response!).ids.order}`).toString('base64url')).toBe(res.order.id);
    });

    it('the same key sent by two different roles of one business is two keys', async () => {
      const ref = newRef('RK');
      expect((await sendOrder(stack.t, orderInput(shop, { referenceId: ref }), shop.keys.STOREFRONT)).userErrors).toEqual([]);
      const key = newKey();
      const byStorefront = await updateStatus(stack.t, { referenceId: ref, status: 'PROCESSING', idempotencyKey: key }, shop.keys.STOREFRONT);
      const byOps = await updateStatus(stack.t, { referenceId: ref, status: 'SHIPPED', idempotencyKey: key }, shop.keys.OPS);
      expect(byStorefront.userErrors).toEqual([]);
      expect(byOps.userErrors).toEqual([]);
      expect(byOps.order.status).toBe('SHIPPED');
    });
  });

  it('a failing send document with a key is no replay of a GraphQL error', async () => {
    // GraphQL-level errors (here: an invalid enum) never reach the service, so they claim no key
    const key = newKey();
    const bad = await stack.t.gql(SEND, { input: { ...orderInput(shop), type: 'NOT_A_TYPE', idempotencyKey: key } }, shop.keys.STOREFRONT);
    expect(bad.errors?.length).toBeGreaterThan(0);
    const good = await sendOrder(stack.t, orderInput(shop, { referenceId: newRef('G'), idempotencyKey: key }), shop.keys.STOREFRONT);
    expect(good.userErrors).toEqual([]);
  });
});

describe('idempotency claims are held by a lease while their request runs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack.stop());

  const ctx = (keyId: string) => ({ principal: { keyId, role: 'STOREFRONT' as const, businessId: null }, requestId: 'test' });
  const result = (id: string): StoredResult => ({ ids: { order: id }, userErrors: [] });

  it('a request running longer than its lease keeps its key: a duplicate waits and replays its result, the work runs once', async () => {
    const service = new IdempotencyService(stack.t.gateway.db, { leaseMs: 300, renewMs: 100, waitMs: 10_000 });
    let runs = 0;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const first = service.run(ctx('lease-a'), 'op', 'k1', { a: 1 }, async () => {
      runs++;
      await released;
      return result('first');
    });
    // the claim is stored, then renewed past several lease lengths
    const db = stack.t.gateway.db;
    const claimed = await eventually(async () => (await db.manager.findOneByOrFail(IdempotencyRecordEntity, { scope: 'lease-a', key: 'k1' })).expiresAt.getTime());
    await eventually(async () =>
      expect((await db.manager.findOneByOrFail(IdempotencyRecordEntity, { scope: 'lease-a', key: 'k1' })).expiresAt.getTime()).toBeGreaterThan(claimed + 600),
    );
    const duplicate = service.run(ctx('lease-a'), 'op', 'k1', { a: 1 }, async () => {
      runs++;
      return result('duplicate');
    });
    release();
    expect(await first).toEqual(result('first'));
    expect(await duplicate).toEqual(result('first'));
    expect(runs).toBe(1);
  });

  it('a duplicate that waited its limit for a live first request is told to retry later (IDEMPOTENCY_KEY_IN_USE), not a fault', async () => {
    const service = new IdempotencyService(stack.t.gateway.db, { leaseMs: 300, renewMs: 100, waitMs: 500 });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const first = service.run(ctx('lease-b'), 'op', 'k2', { a: 1 }, async () => {
      await released;
      return result('first');
    });
    await eventually(async () => expect(await stack.t.gateway.db.manager.countBy(IdempotencyRecordEntity, { scope: 'lease-b' })).toBe(1));
    const refused = await service.run(ctx('lease-b'), 'op', 'k2', { a: 1 }, async () => result('duplicate')).catch((err) => err);
    expect(refused).toBeInstanceOf(IdempotencyKeyBusy);
    expect(refused).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE', message: expect.stringMatching(/still running after 0.5 s; retry later with the same key/) });
    release();
    expect(await first).toEqual(result('first'));
    // and the retry later gets the result
    expect(await service.run(ctx('lease-b'), 'op', 'k2', { a: 1 }, async () => result('again'))).toEqual(result('first'));
  });
});
