// Shared pieces of the orders integration tests: the wire sample's order as a GraphQL input, the
// payload WhatsApp must receive for it, and small readers over what the simulator received.
import type { ReceivedRequest, WhatsAppSimulator } from '../../src/sandbox/simulator';
import { wire } from '../fixtures/load-wire';
import type { TestBusiness } from './fixtures';
import { dataOf, type TestGateway } from './gateway';
import { CANCEL, ORDER_FIELDS, SEND, UPDATE } from './stack';

/** The payment configuration name used by wire/order_details.request.json. */
export const SAMPLE_CONFIGURATION = 'prod-razorpay';
export const SAMPLE_REFERENCE = 'A1001-1';

export const ORDER = `query($ref: String!, $businessId: ID) { order(referenceId: $ref, businessId: $businessId) { ${ORDER_FIELDS} createdAt updatedAt expiresAt messages { id kind status wamid attempts errorCode errorMessage } } }`;
export const PAYMENT = `query($ref: String!, $businessId: ID) { payment(referenceId: $ref, businessId: $businessId) { referenceId status verified verifiedAt amount { value offset currency } transactions { id gateway pgTransactionId status method amount { value } errorCode errorReason } } }`;

/** Adds the sample's payment configuration (prod-razorpay, RAZORPAY) to a business. */
export async function addSampleConfiguration(t: TestGateway, shop: TestBusiness): Promise<void> {
  const res = dataOf(
    await t.gql(
      `mutation($input: AddPaymentConfigurationInput!) { addPaymentConfiguration(input: $input) { paymentConfiguration { name } userErrors { code } } }`,
      { input: { businessId: shop.id, name: SAMPLE_CONFIGURATION, gateway: 'RAZORPAY' } },
    ),
  ).addPaymentConfiguration;
  if (res.userErrors.length) throw new Error(`could not add ${SAMPLE_CONFIGURATION}: ${JSON.stringify(res.userErrors)}`);
}

/**
 * The order of wire/order_details.request.json as a sendOrderDetails input, read from that file.
 * The sample's expiry is in the past by now, so the caller passes one that is still ahead (or
 * null to leave the expiration out).
 */
export function sampleOrderInput(shop: TestBusiness, expiresAt: Date | null): Record<string, unknown> {
  const f = wire('order_details.request.json');
  const p = f.interactive.action.parameters;
  const o = p.order;
  const item = o.items[0];
  const input: Record<string, unknown> = {
    referenceId: p.reference_id,
    phoneNumberId: shop.phoneNumberId,
    to: f.to,
    type: 'PHYSICAL_GOODS',
    paymentConfiguration: p.payment_settings[0].payment_gateway.configuration_name,
    body: f.interactive.body.text,
    footer: f.interactive.footer.text,
    items: [
      {
        retailerId: item.retailer_id,
        name: item.name,
        amount: item.amount,
        saleAmount: item.sale_amount,
        quantity: item.quantity,
        countryOfOrigin: item.country_of_origin,
        importerName: item.importer_name,
        importerAddress: {
          addressLine1: item.importer_address.address_line1,
          city: item.importer_address.city,
          zoneCode: item.importer_address.zone_code,
          postalCode: item.importer_address.postal_code,
          countryCode: item.importer_address.country_code,
        },
      },
    ],
    tax: o.tax,
    shipping: o.shipping,
    discount: { value: o.discount.value, offset: o.discount.offset, description: o.discount.description, programName: o.discount.discount_program_name },
    total: p.total_amount,
  };
  if (expiresAt) {
    input.expiresAt = expiresAt.toISOString();
    input.expirationDescription = o.expiration.description;
  }
  return input;
}

/** wire/order_details.request.json with the expiry the test used (or without expiration). */
export function expectedOrderDetailsWire(expiresAt: Date | null): unknown {
  const f = wire('order_details.request.json');
  const order = f.interactive.action.parameters.order;
  if (expiresAt) order.expiration.timestamp = String(Math.floor(expiresAt.getTime() / 1000));
  else delete order.expiration;
  return f;
}

const referenceOf = (r: ReceivedRequest): string | undefined =>
  (r.body as { interactive?: { action?: { parameters?: { reference_id?: string } } } } | undefined)?.interactive?.action?.parameters?.reference_id;

/** POST /messages calls the simulator received (answered or not), for one reference id when given. */
export function messageCalls(sim: WhatsAppSimulator, referenceId?: string): ReceivedRequest[] {
  return sim.received.filter((r) => r.call === 'messages' && (referenceId === undefined || referenceOf(r) === referenceId));
}

/** Payment lookup calls the simulator received, for one reference id when given. */
export function lookupCalls(sim: WhatsAppSimulator, referenceId?: string): ReceivedRequest[] {
  return sim.received.filter((r) => r.call === 'lookup' && (referenceId === undefined || r.path.endsWith(`/${encodeURIComponent(referenceId)}`)));
}

export interface Payload {
  order: any;
  userErrors: Array<{ code: string; message: string; field: string[] | null; whatsappCode: number | null }>;
}

export async function sendOrder(t: TestGateway, input: Record<string, unknown>, key?: string, headers?: Record<string, string>): Promise<Payload> {
  return dataOf(await t.gql(SEND, { input }, key, headers)).sendOrderDetails;
}

export async function updateStatus(t: TestGateway, input: Record<string, unknown>, key?: string, headers?: Record<string, string>): Promise<Payload> {
  return dataOf(await t.gql(UPDATE, { input }, key, headers)).updateOrderStatus;
}

export async function cancelOrder(t: TestGateway, input: Record<string, unknown>, key?: string, headers?: Record<string, string>): Promise<Payload> {
  return dataOf(await t.gql(CANCEL, { input }, key, headers)).cancelOrder;
}

export async function readOrder(t: TestGateway, referenceId: string, key?: string, businessId?: string): Promise<any> {
  return dataOf(await t.gql(ORDER, { ref: referenceId, businessId }, key)).order;
}

export async function readPayment(t: TestGateway, referenceId: string, key?: string): Promise<any> {
  return dataOf(await t.gql(PAYMENT, { ref: referenceId }, key)).payment;
}

/** Events reduced to what tests compare: type, source, from → to. */
export function eventTrail(order: { events: Array<{ type: string; source: string; fromStatus: string | null; toStatus: string | null }> }): string[] {
  return order.events.map((e) => `${e.type} ${e.source} ${e.fromStatus ?? '-'}>${e.toStatus ?? '-'}`);
}

/** An expiry comfortably ahead, in whole seconds (what the wire carries). */
export function expiryAhead(seconds = 3600): Date {
  return new Date(Math.floor(Date.now() / 1000 + seconds) * 1000);
}
