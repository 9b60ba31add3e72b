// Shared pieces of the refund tests: the mutation and reads, an order whose payment is captured
// and verified, and what the simulated WhatsApp received and made.
import type { ReceivedRequest, WhatsAppSimulator } from '../../src/sandbox/simulator';
import type { TestBusiness } from './fixtures';
import { dataOf, type TestGateway } from './gateway';
import { readOrder, sendOrder } from './orders';
import { eventually, orderInput } from './stack';

export const REFUND_FIELDS = `id referenceId refundId amount { value offset currency formatted } status speedRequested speedProcessed
  requestedByGateway reason errorCode errorMessage createdAt updatedAt`;
export const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) {
  refund { ${REFUND_FIELDS} }
  payment { status refundedAmount { value offset currency formatted } refundableAmount { value offset currency formatted } }
  userErrors { code message field whatsappCode } } }`;
export const REFUNDS_OF = `query($ref: String!) { order(referenceId: $ref) { id status payment { status verified
  refundedAmount { value offset currency formatted } refundableAmount { value offset currency formatted }
  refunds { ${REFUND_FIELDS} } } events { id type source fromStatus toStatus detail } } }`;

export interface RefundPayload {
  refund: any;
  payment: any;
  userErrors: Array<{ code: string; message: string; field: string[] | null; whatsappCode: number | null }>;
}

export async function refundPayment(t: TestGateway, input: Record<string, unknown>, key: string, headers?: Record<string, string>): Promise<RefundPayload> {
  return dataOf(await t.gql(REFUND, { input }, key, headers)).refundPayment;
}

export async function readRefunds(t: TestGateway, referenceId: string, key: string): Promise<any> {
  return dataOf(await t.gql(REFUNDS_OF, { ref: referenceId }, key)).order;
}

/** Sends an order (INR 520.00), lets the simulated customer pay it, and waits until the gateway has it CAPTURED and verified. */
export async function capturedOrder(t: TestGateway, sim: WhatsAppSimulator, shop: TestBusiness, referenceId = `RF-${Math.random().toString(36).slice(2, 10)}`): Promise<string> {
  const sent = await sendOrder(t, orderInput(shop, { referenceId }), shop.keys.STOREFRONT);
  if (sent.userErrors.length) throw new Error(`sendOrderDetails refused: ${JSON.stringify(sent.userErrors)}`);
  await sim.pay(referenceId, 'captured', { phoneNumberId: shop.phoneNumberId });
  await eventually(async () => {
    const order = await readOrder(t, referenceId, shop.keys.OPS);
    expect(order.payment).toMatchObject({ status: 'CAPTURED', verified: true });
  });
  return referenceId;
}

/** payments_refund calls the simulator received for a reference id (answered or not). */
export function refundCalls(sim: WhatsAppSimulator, referenceId: string): ReceivedRequest[] {
  return sim.received.filter((r) => r.call === 'refund' && (r.body as { reference_id?: string } | undefined)?.reference_id === referenceId);
}

/** The refund events of an order, as type source from>to. */
export function refundTrail(order: { events: Array<{ type: string; source: string; fromStatus: string | null; toStatus: string | null }> }): string[] {
  return order.events.filter((e) => e.type === 'REFUND_STATUS_CHANGED').map((e) => `${e.source} ${e.fromStatus ?? '-'}>${e.toStatus}`);
}
