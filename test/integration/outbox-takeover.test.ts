import { OutboundMessageEntity, OutboxEntity } from '../../src/db/entities';
import { dataOf } from '../helpers/gateway';
import { eventually, orderInput, SEND, startTestStack, TestStack } from '../helpers/stack';

/**
 * An instance can die holding a message's lease: before sending it, or after WhatsApp accepted it
 * but before the gateway recorded that. Whoever takes the expired lease over must send it exactly
 * when WhatsApp does not have it yet.
 */
describe('outbox: taking over the message of an instance that died mid-send', () => {
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack();
  });
  afterAll(() => s.stop());

  const messageOf = (orderId: string) =>
    s.t.gateway.db.manager.findOneByOrFail(OutboundMessageEntity, { orderId: Buffer.from(orderId, 'base64url').toString().split(':')[1] });

  /** Puts the message back as a dead holder would have left it: QUEUED, its job's lease expired. */
  const abandon = (message: OutboundMessageEntity) =>
    s.t.gateway.db.transaction(async (m) => {
      await m.update(OutboundMessageEntity, { id: message.id }, { status: 'QUEUED', wamid: null });
      await m.delete(OutboxEntity, { subjectId: message.id });
      const past = new Date(Date.now() - 1000);
      await m.insert(OutboxEntity, {
        kind: 'WHATSAPP_MESSAGE',
        subjectId: message.id,
        businessId: message.businessId,
        sequenceKey: message.orderId,
        attempts: message.attempts,
        nextAttemptAt: past,
        lockedUntil: past,
        outcomeUnknown: false,
        lastError: null,
        giveUpAt: null,
        createdAt: message.createdAt,
      });
    });

  it('does not send again when WhatsApp already accepted the order_details (its lookup knows the reference)', async () => {
    const input = orderInput(s.shop);
    const order = dataOf(await s.t.gql(SEND, { input }, s.shop.keys.STOREFRONT)).sendOrderDetails.order;
    expect(s.sim.acceptedMessages(input.referenceId as string)).toHaveLength(1);
    const message = await messageOf(order.id);
    await abandon(message);

    await eventually(async () => expect((await messageOf(order.id)).status).toBe('ACCEPTED'));
    expect(s.sim.acceptedMessages(input.referenceId as string)).toHaveLength(1);
    const events = dataOf(await s.t.gql(`query($r: String!) { order(referenceId: $r) { events { type detail } } }`, { r: input.referenceId }, s.shop.keys.OPS)).order.events;
    expect(events.map((e: { detail: string }) => e.detail)).toContain('ORDER_DETAILS: confirmed by the payment lookup after an interrupted send');
  });

  it('sends exactly once when the dead holder never reached WhatsApp', async () => {
    // the relay is held back so the request's failed attempt is the only one so far
    await s.t.gateway.services.outbox.stop();
    s.sim.failNext(1, 'http503', 'messages');
    const input = orderInput(s.shop);
    const order = dataOf(await s.t.gql(SEND, { input }, s.shop.keys.STOREFRONT)).sendOrderDetails.order;
    // make it look as if the request had died holding the lease instead
    const message = await messageOf(order.id);
    expect(message.status).toBe('QUEUED');
    await abandon(message);
    s.t.gateway.services.outbox.start();

    await eventually(async () => expect((await messageOf(order.id)).status).toBe('ACCEPTED'));
    expect(s.sim.acceptedMessages(input.referenceId as string)).toHaveLength(1);
  });
});
