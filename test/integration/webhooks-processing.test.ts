// What the gateway does with authenticated webhooks, over real HTTP: routing by phone number id
// and field, message statuses (forward only, one event per change), refused order_status
// messages (2046, 2047, any failure: UPSTREAM_ERROR and the order back where it was), payment
// configuration updates, unknown kinds kept and ignored, and durability across a restart.
import { randomUUID } from 'node:crypto';
import { PaymentEntity, ReceivedWebhookEntity } from '../../src/db/entities';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf } from '../helpers/gateway';
import { CANCEL, eventually, startTestStack, UPDATE, type TestStack } from '../helpers/stack';
import {
  connectSimulator,
  lookupsOf,
  messageStatusWebhook,
  ofType,
  orderStatusErrorWebhook,
  paymentWebhook,
  postSigned,
  readOrder,
  sendOrder,
  storedWebhook,
  storedWebhooks,
  trail,
  valueOf,
} from '../helpers/webhooks';
import { wire } from '../fixtures/load-wire';

describe('webhook processing (real server, simulator over HTTP)', () => {
  let stack: TestStack;
  let shop: TestBusiness;

  beforeAll(async () => {
    stack = await startTestStack();
    shop = stack.shop;
    connectSimulator(stack);
  });
  afterAll(() => stack.stop());

  /** POSTs a signed body and waits until the gateway has processed it; returns its stored row. */
  async function deliver(body: unknown): Promise<ReceivedWebhookEntity> {
    const res = await postSigned(stack.t, body);
    expect(res.status).toBe(200);
    return eventually(async () => {
      const row = await storedWebhook(stack.t, res.body.received);
      expect(row.state).not.toBe('RECEIVED');
      return row;
    });
  }

  const paymentRow = (referenceId: string) => stack.t.gateway.db.manager.findOneByOrFail(PaymentEntity, { referenceId });

  async function updateStatus(business: TestBusiness, referenceId: string, status: string): Promise<any> {
    const res = dataOf(await stack.t.gql(UPDATE, { input: { referenceId, status } }, business.keys.OPS)).updateOrderStatus;
    expect(res.userErrors).toEqual([]);
    return res.order;
  }

  const orderStatusMessage = (order: { messages: Array<{ kind: string; wamid: string | null; status: string }> }) =>
    order.messages.filter((m) => m.kind === 'ORDER_STATUS').at(-1)!;

  describe('routing by metadata.phone_number_id', () => {
    it('a payment webhook naming a phone number nobody has is kept, noted and triggers no lookup', async () => {
      const order = await sendOrder(stack.t, shop);
      const row = await deliver(paymentWebhook('999000111222333', order.referenceId, 'captured'));
      expect(row.state).toBe('PROCESSED');
      expect(row.error).toContain(`no order ${order.referenceId} for phone number 999000111222333`);
      // processing is one transaction: had the payment been marked due it would show now
      expect((await paymentRow(order.referenceId)).verifyAfter).toBeNull();
      expect(lookupsOf(stack.sim, order.referenceId)).toHaveLength(0);
    });

    it("another business's phone number does not reach this business's order of the same reference", async () => {
      const other = await createBusiness(stack.t, { name: 'Routing Other' });
      const order = await sendOrder(stack.t, shop);
      const row = await deliver(paymentWebhook(other.phoneNumberId, order.referenceId, 'captured'));
      expect(row.error).toContain(`no order ${order.referenceId} for phone number ${other.phoneNumberId}`);
      expect((await paymentRow(order.referenceId)).verifyAfter).toBeNull();
      expect((await readOrder(stack.t, order.referenceId, shop.keys.OPS)).payment.status).toBe('NEW');
    });

    it("the right phone number reaches the order and its payment is looked up under the order's configuration", async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'pending', { webhook: false });
      const row = await deliver(paymentWebhook(shop.phoneNumberId, order.referenceId, 'pending'));
      expect(row).toMatchObject({ state: 'PROCESSED', error: null });
      await eventually(async () => expect((await readOrder(stack.t, order.referenceId, shop.keys.OPS)).payment.status).toBe('PENDING'));
      const paths = lookupsOf(stack.sim, order.referenceId).map((r) => r.path);
      expect(paths.length).toBeGreaterThanOrEqual(1);
      expect(new Set(paths)).toEqual(new Set([`/${stack.sim.apiVersion}/${shop.phoneNumberId}/payments/${shop.paymentConfiguration}/${order.referenceId}`]));
    });
  });

  describe('message statuses are matched by phone number id AND wamid', () => {
    it("a status signed under business A's phone number does not change business B's message", async () => {
      const other = await createBusiness(stack.t, { name: 'Status Other' });
      const theirs = await sendOrder(stack.t, other);
      const wamid = theirs.message.wamid as string;
      for (const status of ['delivered', 'read']) {
        const row = await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, status));
        expect(row.state).toBe('PROCESSED');
        expect(row.error).toContain(`no message with wamid ${wamid} sent from phone number ${shop.phoneNumberId}`);
      }
      const failed = wire('webhook.message-status.failed.json').entry[0].changes[0].value.statuses[0].errors;
      await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, 'failed', failed));
      // nor without a phone number id at all
      const anonymous = messageStatusWebhook(shop.phoneNumberId, wamid, 'read');
      delete valueOf(anonymous).metadata;
      expect((await deliver(anonymous)).error).toContain(`no message with wamid ${wamid} sent from phone number (none given)`);

      const after = await readOrder(stack.t, theirs.referenceId, other.keys.OPS);
      expect(after.message.status).toBe('ACCEPTED');
      expect(ofType(after.events, 'MESSAGE_STATUS_CHANGED').filter((e) => e.source === 'WEBHOOK')).toEqual([]);

      // the same status under the number that sent it applies
      await deliver(messageStatusWebhook(other.phoneNumberId, wamid, 'read'));
      expect((await readOrder(stack.t, theirs.referenceId, other.keys.OPS)).message.status).toBe('READ');
    });

    it("a payment webhook's statuses[].id is a notification id: it never moves the message it happens to equal", async () => {
      const order = await sendOrder(stack.t, shop);
      const wamid = order.message.wamid as string;
      await stack.sim.pay(order.referenceId, 'captured', { webhook: false });
      // a payment notification whose id equals the order_details wamid, with a "failed"-looking shape
      const body = paymentWebhook(shop.phoneNumberId, order.referenceId, 'captured', { wamid });
      await deliver(body);
      const o = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId, shop.keys.OPS);
        expect(r.payment.status).toBe('CAPTURED');
        return r;
      });
      expect(o.message.status).toBe('ACCEPTED');
      expect(ofType(o.events, 'MESSAGE_STATUS_CHANGED').filter((e) => e.source === 'WEBHOOK')).toEqual([]);
    });
  });

  describe('message statuses', () => {
    it('sent, delivered, read move the message forward with one MESSAGE_STATUS_CHANGED each; late, duplicate and stale ones change nothing', async () => {
      connectSimulator(stack, { autoDeliver: true });
      let order: any;
      try {
        order = await sendOrder(stack.t, shop);
        // the simulator's phone reports sent, then delivered
        await eventually(async () => expect((await readOrder(stack.t, order.referenceId)).message.status).toBe('DELIVERED'));
      } finally {
        connectSimulator(stack);
      }
      await stack.sim.settle();
      const wamid = order.message.wamid as string;
      await stack.sim.sendMessageStatus(wamid, 'read');
      await eventually(async () => expect((await readOrder(stack.t, order.referenceId)).message.status).toBe('READ'));

      // late and repeated reports, then a failure after READ (stale): all stored, none applied
      for (const s of ['delivered', 'sent', 'read'] as const) await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, s));
      await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, 'failed', wire('webhook.message-status.failed.json').entry[0].changes[0].value.statuses[0].errors));

      const read = await readOrder(stack.t, order.referenceId);
      expect(read.message).toMatchObject({ status: 'READ', errorCode: null, errorMessage: null });
      expect(trail(read.events, 'MESSAGE_STATUS_CHANGED')).toEqual(['API QUEUED>ACCEPTED', 'WEBHOOK ACCEPTED>SENT', 'WEBHOOK SENT>DELIVERED', 'WEBHOOK DELIVERED>READ']);
    });

    it('out of order: read before sent and delivered is one change ACCEPTED → READ', async () => {
      const order = await sendOrder(stack.t, shop);
      const wamid = order.message.wamid as string;
      for (const s of ['read', 'delivered', 'sent', 'delivered'] as const) await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, s));
      const read = await readOrder(stack.t, order.referenceId);
      expect(read.message.status).toBe('READ');
      expect(trail(read.events, 'MESSAGE_STATUS_CHANGED')).toEqual(['API QUEUED>ACCEPTED', 'WEBHOOK ACCEPTED>READ']);
    });

    it('failed records the WhatsApp error code and message; nothing moves it afterwards; the order is untouched', async () => {
      const order = await sendOrder(stack.t, shop);
      const wamid = order.message.wamid as string;
      await stack.sim.sendMessageStatus(wamid, 'sent');
      await stack.sim.sendMessageStatus(wamid, 'failed'); // the wire sample's 131026
      // the message and the events are read by two statements, which may fall either side of the
      // webhook's commit: wait until one read shows both
      const failed = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId);
        expect(r.message.status).toBe('FAILED');
        expect(ofType(r.events, 'MESSAGE_STATUS_CHANGED').at(-1)).toMatchObject({ toStatus: 'FAILED' });
        return r;
      });
      expect(failed.message.errorCode).toBe(131026);
      expect(failed.message.errorMessage).toContain('Recipient is not a valid WhatsApp user');
      expect(ofType(failed.events, 'MESSAGE_STATUS_CHANGED').at(-1)).toMatchObject({
        source: 'WEBHOOK',
        fromStatus: 'SENT',
        toStatus: 'FAILED',
        detail: expect.stringContaining('131026'),
      });

      for (const s of ['delivered', 'read'] as const) await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, s));
      const after = await readOrder(stack.t, order.referenceId);
      expect(after.message).toMatchObject({ status: 'FAILED', errorCode: 131026 });
      expect(trail(after.events, 'MESSAGE_STATUS_CHANGED')).toEqual(['API QUEUED>ACCEPTED', 'WEBHOOK ACCEPTED>SENT', 'WEBHOOK SENT>FAILED']);
      // an order_details message failing is not a refused status change
      expect(after.status).toBe('PENDING');
      expect(ofType(after.events, 'UPSTREAM_ERROR')).toEqual([]);
    });

    it('the very same webhook delivered twice (Meta retries) is stored twice and applied once', async () => {
      const order = await sendOrder(stack.t, shop);
      const body = messageStatusWebhook(shop.phoneNumberId, order.message.wamid, 'delivered');
      const first = await deliver(body);
      const second = await deliver(body);
      expect(first.id).not.toBe(second.id);
      expect(second.bodyHash).toBe(first.bodyHash);
      const read = await readOrder(stack.t, order.referenceId);
      expect(trail(read.events, 'MESSAGE_STATUS_CHANGED')).toEqual(['API QUEUED>ACCEPTED', 'WEBHOOK ACCEPTED>DELIVERED']);
    });

    it('a status for a message this gateway never sent is kept and noted', async () => {
      const row = await deliver(messageStatusWebhook(shop.phoneNumberId, 'wamid.UNKNOWN-123', 'delivered'));
      expect(row.state).toBe('PROCESSED');
      expect(row.error).toContain('no message with wamid wamid.UNKNOWN-123');
    });
  });

  describe('refused order_status messages', () => {
    it('2046 in statuses[].errors: UPSTREAM_ERROR, the message FAILED with 2046, the order back to PENDING; a duplicate changes nothing', async () => {
      const order = await sendOrder(stack.t, shop);
      const moved = await updateStatus(shop, order.referenceId, 'PROCESSING');
      const message = orderStatusMessage(moved);
      expect(message).toMatchObject({ status: 'ACCEPTED' });

      const body = orderStatusErrorWebhook(2046, shop.phoneNumberId, message.wamid!);
      await deliver(body);
      const read = await readOrder(stack.t, order.referenceId);
      expect(read.status).toBe('PENDING');
      expect(orderStatusMessage(read)).toMatchObject({ status: 'FAILED', errorCode: 2046 });
      const upstream = ofType(read.events, 'UPSTREAM_ERROR');
      expect(upstream).toHaveLength(1);
      // the sample's error details, after its code
      expect(upstream[0]).toMatchObject({ source: 'WEBHOOK', toStatus: 'PROCESSING', detail: '2046: Order A1001-1 cannot move from completed to processing' });
      expect(trail(read.events, 'ORDER_STATUS_CHANGED')).toEqual(['API PENDING>PROCESSING', 'SYSTEM PROCESSING>PENDING']);

      await deliver(body);
      const again = await readOrder(stack.t, order.referenceId);
      expect(again.events).toHaveLength(read.events.length);
      expect(again.status).toBe('PENDING');
    });

    it('2047 from WhatsApp itself: a cancel relayed after the customer started paying is refused and the order is PENDING again', async () => {
      const order = await sendOrder(stack.t, shop);
      // the cancel is accepted by the gateway (the lookup says NEW) but WhatsApp is briefly down,
      // so its order_status message waits in the outbox...
      await stack.t.gateway.services.outbox.stop();
      try {
        stack.sim.failNext(1, 'http503', 'messages');
        const canceled = dataOf(await stack.t.gql(CANCEL, { input: { referenceId: order.referenceId } }, shop.keys.OPS)).cancelOrder;
        expect(canceled.userErrors).toEqual([]);
        expect(canceled.order.status).toBe('CANCELED');
        expect(orderStatusMessage(canceled.order).status).toBe('QUEUED');
        // ...meanwhile the customer starts paying (the gateway has not heard of it yet)
        await stack.sim.pay(order.referenceId, 'pending', { webhook: false });
      } finally {
        stack.t.gateway.services.outbox.start();
      }
      // the relay sends the cancel; WhatsApp accepts it, then refuses it with a 2047 error webhook
      const read = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId);
        expect(r.status).toBe('PENDING');
        return r;
      });
      const refusal = stack.sim.webhookDeliveries.filter((d) => JSON.stringify(d.body).includes('2047'));
      expect(refusal).toHaveLength(1);
      expect(refusal[0].status).toBe(200);
      expect(orderStatusMessage(read)).toMatchObject({ status: 'FAILED', errorCode: 2047 });
      const upstream = ofType(read.events, 'UPSTREAM_ERROR');
      expect(upstream).toHaveLength(1);
      expect(upstream[0]).toMatchObject({ source: 'WEBHOOK', toStatus: 'CANCELED' });
      expect(upstream[0].detail).toContain('2047');
      expect(trail(read.events, 'ORDER_STATUS_CHANGED')).toEqual(['API PENDING>CANCELED', 'SYSTEM CANCELED>PENDING']);
    });

    it('any failed status of an order_status message (here 131026) also puts the order back', async () => {
      const order = await sendOrder(stack.t, shop);
      await updateStatus(shop, order.referenceId, 'SHIPPED');
      const moved = await updateStatus(shop, order.referenceId, 'COMPLETED');
      const message = orderStatusMessage(moved);
      await stack.sim.sendMessageStatus(message.wamid!, 'failed');
      const read = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId);
        expect(r.status).toBe('SHIPPED');
        return r;
      });
      expect(orderStatusMessage(read)).toMatchObject({ status: 'FAILED', errorCode: 131026 });
      expect(ofType(read.events, 'UPSTREAM_ERROR')).toEqual([expect.objectContaining({ toStatus: 'COMPLETED', detail: expect.stringContaining('131026') })]);
      expect(trail(read.events, 'ORDER_STATUS_CHANGED')).toEqual(['API PENDING>SHIPPED', 'API SHIPPED>COMPLETED', 'SYSTEM COMPLETED>SHIPPED']);
    });

    it('an order_status message already read is not refused later by a stale failure', async () => {
      const order = await sendOrder(stack.t, shop);
      const moved = await updateStatus(shop, order.referenceId, 'PROCESSING');
      const wamid = orderStatusMessage(moved).wamid!;
      await deliver(messageStatusWebhook(shop.phoneNumberId, wamid, 'read'));
      await deliver(orderStatusErrorWebhook(2046, shop.phoneNumberId, wamid));
      const read = await readOrder(stack.t, order.referenceId);
      expect(read.status).toBe('PROCESSING');
      expect(ofType(read.events, 'UPSTREAM_ERROR')).toEqual([]);
    });

    it.each([2046, 2047] as const)('%s in value.errors[] (no message id) reverts the one order_status message awaiting a verdict on that number', async (code) => {
      const own = await createBusiness(stack.t, { name: `Change-level ${code}` });
      const order = await sendOrder(stack.t, own);
      // 2046 answers a transition, 2047 a cancel
      const target = code === 2046 ? 'PROCESSING' : 'CANCELED';
      const moved =
        code === 2046
          ? await updateStatus(own, order.referenceId, target)
          : dataOf(await stack.t.gql(CANCEL, { input: { referenceId: order.referenceId } }, own.keys.OPS)).cancelOrder.order;
      expect(moved.status).toBe(target);
      expect(orderStatusMessage(moved).status).toBe('ACCEPTED');

      const body = orderStatusErrorWebhook(code, own.phoneNumberId, 'ignored', { changeLevel: true });
      expect(valueOf(body).statuses).toBeUndefined();
      const row = await deliver(body);
      expect(row).toMatchObject({ state: 'PROCESSED', error: null });
      const read = await readOrder(stack.t, order.referenceId);
      expect(read.status).toBe('PENDING');
      expect(orderStatusMessage(read)).toMatchObject({ status: 'FAILED', errorCode: code });
      expect(ofType(read.events, 'UPSTREAM_ERROR')).toEqual([expect.objectContaining({ toStatus: target, detail: expect.stringContaining(String(code)) })]);
      expect(trail(read.events, 'ORDER_STATUS_CHANGED')).toEqual([`API PENDING>${target}`, `SYSTEM ${target}>PENDING`]);
    });

    it('a value.errors[] 2046 that could be about two messages changes neither and is noted on the webhook', async () => {
      const own = await createBusiness(stack.t, { name: 'Change-level ambiguous' });
      const a = await sendOrder(stack.t, own);
      const b = await sendOrder(stack.t, own);
      await updateStatus(own, a.referenceId, 'PROCESSING');
      await updateStatus(own, b.referenceId, 'SHIPPED');
      const row = await deliver(orderStatusErrorWebhook(2046, own.phoneNumberId, 'ignored', { changeLevel: true }));
      expect(row.state).toBe('PROCESSED');
      expect(row.error).toMatch(/2046.*matches 2 messages/);
      expect((await readOrder(stack.t, a.referenceId)).status).toBe('PROCESSING');
      expect((await readOrder(stack.t, b.referenceId)).status).toBe('SHIPPED');
    });

    it('other value.errors[] are kept and reported, nothing changes', async () => {
      const own = await createBusiness(stack.t, { name: 'Change-level other' });
      const order = await sendOrder(stack.t, own);
      await updateStatus(own, order.referenceId, 'PROCESSING');
      const body = orderStatusErrorWebhook(2046, own.phoneNumberId, 'ignored', { changeLevel: true });
      valueOf(body).errors = [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'More than 24 hours have passed' } }];
      const row = await deliver(body);
      expect(row.error).toContain('131047 More than 24 hours have passed');
      const read = await readOrder(stack.t, order.referenceId);
      expect(read.status).toBe('PROCESSING');
      expect(ofType(read.events, 'UPSTREAM_ERROR')).toEqual([]);
    });
  });

  describe('payment configuration updates', () => {
    const BUSINESSES = `{ businesses(first: 500) { id wabaId paymentConfigurations { name status } } }`;
    const statusOf = async (businessId: string, name: string) => {
      const all = dataOf(await stack.t.gql(BUSINESSES)).businesses as Array<{ id: string; paymentConfigurations: Array<{ name: string; status: string | null }> }>;
      return all.find((b) => b.id === businessId)!.paymentConfigurations.find((c) => c.name === name)!.status;
    };
    async function businessWith(wabaId: string | null, configuration: string): Promise<string> {
      const id = dataOf(
        await stack.t.gql(`mutation($input: CreateBusinessInput!) { createBusiness(input: $input) { business { id } userErrors { code } } }`, {
          input: { name: `Config ${randomUUID().slice(0, 8)}`, wabaId },
        }),
      ).createBusiness.business.id as string;
      const added = dataOf(
        await stack.t.gql(
          `mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { paymentConfiguration { id } userErrors { code } } }`,
          { input: { businessId: id, name: configuration, gateway: 'RAZORPAY' } },
        ),
      ).addPaymentConfiguration;
      expect(added.userErrors).toEqual([]);
      return id;
    }
    const update = (wabaId: string, name: string, status: string) => {
      const body = wire('webhook.payment-configuration-update.json');
      body.entry[0].id = wabaId;
      valueOf(body).configuration_name = name;
      valueOf(body).status = status;
      return body;
    };

    it("updates the configuration of the business whose WABA sent it, not another business's of the same name", async () => {
      const a = await businessWith('700000000000001', 'cfg-shared');
      const b = await businessWith('700000000000002', 'cfg-shared');
      const row = await deliver(update('700000000000001', 'cfg-shared', 'Needs Connecting'));
      expect(row).toMatchObject({ state: 'PROCESSED', error: null });
      expect(await statusOf(a, 'cfg-shared')).toBe('Needs Connecting');
      expect(await statusOf(b, 'cfg-shared')).toBeNull();

      await deliver(update('700000000000001', 'cfg-shared', 'Active'));
      expect(await statusOf(a, 'cfg-shared')).toBe('Active');
    });

    it('the wire sample as is: from an unknown WABA only an unambiguous name is updated', async () => {
      const c = await businessWith(null, 'prod-razorpay');
      await deliver(wire('webhook.payment-configuration-update.json'));
      expect(await statusOf(c, 'prod-razorpay')).toBe('Needs Connecting');

      const d = await businessWith(null, 'cfg-twice');
      const e = await businessWith(null, 'cfg-twice');
      const row = await deliver(update('700000000000999', 'cfg-twice', 'Needs Testing'));
      expect(row.error).toContain('payment configuration cfg-twice matches 2 configurations');
      expect(await statusOf(d, 'cfg-twice')).toBeNull();
      expect(await statusOf(e, 'cfg-twice')).toBeNull();
    });
  });

  describe('unknown kinds are kept and ignored', () => {
    it.each([
      ['another field', { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'account_update', value: { event: 'VERIFIED_ACCOUNT' } }] }] }, 'field "account_update" is not handled'],
      [
        'a customer writing to the business',
        { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { messages: [{ from: '919876543210', type: 'text', text: { body: 'hi' } }] } }] }] },
        'inbound message',
      ],
      ['another Graph object', { object: 'page', entry: [{ id: '1', changes: [{ field: 'messages', value: { statuses: [] } }] }] }, 'object "page" is not whatsapp_business_account'],
      ['an unknown message status', { object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { statuses: [{ id: 'wamid.Z', status: 'deleted' }] } }] }] }, 'message status "deleted" is not handled'],
    ])('%s: stored, PROCESSED, noted', async (_what, body, note) => {
      const row = await deliver(body);
      expect(row.state).toBe('PROCESSED');
      expect(row.body).toBe(JSON.stringify(body));
      expect(row.error).toContain(note);
    });
  });

  describe('durability: a webhook answered 200 is never lost', () => {
    it('stored while processing is stopped, it is processed after a restart', async () => {
      const order = await sendOrder(stack.t, shop);
      // processing stops (as if the process died right after answering 200)
      await stack.t.gateway.services.webhooks.stop();
      const paid = await stack.sim.pay(order.referenceId, 'captured');
      expect(paid.webhook).toMatchObject({ status: 200, delivered: true });
      const pending = (await storedWebhooks(stack.t)).filter((w) => w.state === 'RECEIVED');
      expect(pending).toHaveLength(1);
      expect(pending[0].body).toBe(paid.webhook!.rawBody);
      expect((await readOrder(stack.t, order.referenceId)).payment.status).toBe('NEW');

      await stack.t.restart();
      connectSimulator(stack);
      const read = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId);
        expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
        return r;
      });
      expect(trail(read.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
      expect((await storedWebhook(stack.t, pending[0].id)).state).toBe('PROCESSED');
    });

    it('a webhook whose processing was interrupted (its claim expired) is processed after a restart', async () => {
      const order = await sendOrder(stack.t, shop);
      await stack.sim.pay(order.referenceId, 'failed', { webhook: false });
      await stack.t.gateway.services.webhooks.stop();
      // the row as a crashed worker left it: stored, claimed once, the claim run out
      const raw = JSON.stringify(paymentWebhook(shop.phoneNumberId, order.referenceId, 'failed'));
      const id = randomUUID();
      await stack.t.gateway.db.transaction((m) =>
        m.insert(ReceivedWebhookEntity, {
          id,
          body: raw,
          bodyHash: 'x'.repeat(64),
          authenticatedBy: 'SIGNATURE',
          state: 'RECEIVED',
          attempts: 0,
          error: null,
          lockedUntil: new Date(Date.now() - 1000),
          receivedAt: new Date(),
          processedAt: null,
        }),
      );
      await stack.t.restart();
      connectSimulator(stack);
      await eventually(async () => expect((await storedWebhook(stack.t, id)).state).toBe('PROCESSED'));
      const read = await eventually(async () => {
        const r = await readOrder(stack.t, order.referenceId);
        expect(r.payment).toMatchObject({ status: 'FAILED', verified: true });
        return r;
      });
      expect(read.payment.transactions).toEqual([expect.objectContaining({ status: 'FAILED', errorCode: 'BAD_REQUEST_ERROR', errorReason: 'Payment declined by the bank' })]);
    });
  });
});
