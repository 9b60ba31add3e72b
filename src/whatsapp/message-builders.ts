// Pure builders of the two interactive messages the gateway sends. They do no validation (the
// domain rules did that before anything was stored); they only translate to the wire shape.
// Key order follows wire/order_details.request.json and wire/order_status.request.json exactly,
// so a stored outbound payload reads like the documentation and tests can compare JSON text.
// Optional keys are omitted, never sent as null: WhatsApp rejects nulls in several places.

import { aboveUpiLimit } from '../domain/money';
import type { AddressInput, BeneficiaryInput, GatewayFieldsInput, GoodsType, OrderStatus, PaymentGateway } from '../domain/types';
import type {
  WireAddress,
  WireBeneficiary,
  WireCharge,
  WireDiscount,
  WireMoney,
  WireOrderDetailsMessage,
  WireOrderDetailsParameters,
  WireOrderItem,
  WireOrderStatusMessage,
  WirePaymentSetting,
} from './wire-types';
import {
  type PartiallyShippedSpelling,
  toWireGateway,
  toWireGoodsType,
  toWireOrderStatus,
  toWireTimestamp,
} from './wire-mapping';

export interface OrderDetailsMessageSource {
  to: string;
  referenceId: string;
  type: GoodsType;
  paymentConfiguration: string;
  gateway: PaymentGateway;
  body: string;
  footer?: string | null;
  headerImageUrl?: string | null;
  catalogId?: string | null;
  currency: 'INR';
  /** minor units per currency unit; every amount below is in these units */
  offset: number;
  items: Array<{
    retailerId?: string | null;
    name: string;
    amount: number;
    saleAmount?: number | null;
    quantity: number;
    countryOfOrigin?: string | null;
    importerName?: string | null;
    importerAddress?: AddressInput | null;
  }>;
  subtotal: number;
  total: number;
  tax?: { value: number; description?: string | null } | null;
  shipping?: { value: number; description?: string | null } | null;
  discount?: { value: number; description?: string | null; programName?: string | null } | null;
  expiresAt?: Date | null;
  expirationDescription?: string | null;
  beneficiaries?: BeneficiaryInput[] | null;
  /** only those of the order's own gateway (validated before) */
  gatewayFields?: GatewayFieldsInput | null;
}

export interface OrderStatusMessageSource {
  to: string;
  referenceId: string;
  status: OrderStatus;
  description?: string | null;
  body: string;
}

export interface OrderStatusMessageOptions {
  /** wire/README.md: sources disagree on the spelling; `partially_shipped` unless configured */
  partiallyShippedSpelling?: PartiallyShippedSpelling;
}

/** null, undefined and '' all mean "absent" for optional texts. */
function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined && (value as unknown) !== '';
}

function money(value: number, offset: number): WireMoney {
  return { value, offset };
}

function charge(src: { value: number; description?: string | null }, offset: number): WireCharge {
  const out: WireCharge = money(src.value, offset);
  if (present(src.description)) out.description = src.description;
  return out;
}

function discount(
  src: { value: number; description?: string | null; programName?: string | null },
  offset: number,
): WireDiscount {
  const out: WireDiscount = charge(src, offset);
  if (present(src.programName)) out.discount_program_name = src.programName;
  return out;
}

function address(src: AddressInput): WireAddress {
  const out: Partial<WireAddress> = { address_line1: src.addressLine1 };
  if (present(src.addressLine2)) out.address_line2 = src.addressLine2;
  out.city = src.city;
  if (present(src.zoneCode)) out.zone_code = src.zoneCode;
  out.postal_code = src.postalCode;
  out.country_code = src.countryCode;
  return out as WireAddress;
}

function item(src: OrderDetailsMessageSource['items'][number], offset: number): WireOrderItem {
  const out: Partial<WireOrderItem> = {};
  if (present(src.retailerId)) out.retailer_id = src.retailerId;
  out.name = src.name;
  out.amount = money(src.amount, offset);
  if (present(src.saleAmount)) out.sale_amount = money(src.saleAmount, offset);
  out.quantity = src.quantity;
  if (present(src.countryOfOrigin)) out.country_of_origin = src.countryOfOrigin;
  if (present(src.importerName)) out.importer_name = src.importerName;
  if (present(src.importerAddress)) out.importer_address = address(src.importerAddress);
  return out as WireOrderItem;
}

function parameters(src: OrderDetailsMessageSource): WireOrderDetailsParameters {
  const out: Partial<WireOrderDetailsParameters> = { reference_id: src.referenceId, type: toWireGoodsType(src.type) };
  if (src.beneficiaries?.length) out.beneficiaries = src.beneficiaries.map(beneficiary);
  out.payment_settings = [paymentSetting(src)];
  out.currency = src.currency;
  out.total_amount = money(src.total, src.offset);
  out.order = order(src);
  return out as WireOrderDetailsParameters;
}

function order(src: OrderDetailsMessageSource): WireOrderDetailsParameters['order'] {
  const out: Partial<WireOrderDetailsParameters['order']> = { status: 'pending' };
  if (present(src.catalogId)) out.catalog_id = src.catalogId;
  if (present(src.expiresAt)) {
    out.expiration = { timestamp: toWireTimestamp(src.expiresAt) };
    if (present(src.expirationDescription)) out.expiration.description = src.expirationDescription;
  }
  out.items = src.items.map((i) => item(i, src.offset));
  out.subtotal = money(src.subtotal, src.offset);
  // WhatsApp requires tax: an order without any says 0
  out.tax = charge(src.tax ?? { value: 0 }, src.offset);
  if (present(src.shipping)) out.shipping = charge(src.shipping, src.offset);
  if (present(src.discount)) out.discount = discount(src.discount, src.offset);
  return out as WireOrderDetailsParameters['order'];
}

function beneficiary(src: BeneficiaryInput): WireBeneficiary {
  const out: Partial<WireBeneficiary> = { name: src.name, address_line1: src.addressLine1 };
  if (present(src.addressLine2)) out.address_line2 = src.addressLine2;
  out.city = src.city;
  out.state = src.state;
  out.country = src.country;
  out.postal_code = src.postalCode;
  return out as WireBeneficiary;
}

/** `values` as key1, key2 ... in order, leaving out empty ones (an unset udf2 between udf1 and udf3). */
function numbered(prefix: string, values: string[] | null | undefined): Record<string, string> | null {
  const out: Record<string, string> = {};
  (values ?? []).forEach((v, i) => {
    if (present(v)) out[`${prefix}${i + 1}`] = v;
  });
  return Object.keys(out).length > 0 ? out : null;
}

/** payment_gateway.<gateway>: the order's PG fields, only for its own gateway; null when it has none. */
function pgFields(gateway: PaymentGateway, fields: GatewayFieldsInput | null | undefined): Record<string, unknown> | null {
  if (!fields) return null;
  switch (gateway) {
    case 'RAZORPAY': {
      const out: Record<string, unknown> = {};
      if (present(fields.receipt)) out.receipt = fields.receipt;
      if (fields.notes?.length) out.notes = Object.fromEntries(fields.notes.map((n) => [n.key, n.value]));
      return Object.keys(out).length > 0 ? out : null;
    }
    case 'PAYU':
      return numbered('udf', fields.udf);
    case 'BILLDESK':
      return numbered('additional_info', fields.additionalInfo);
    case 'ZAAKPAY':
      return numbered('extra', fields.extra);
  }
}

function paymentSetting(src: OrderDetailsMessageSource): WirePaymentSetting {
  const wireGateway = toWireGateway(src.gateway);
  const gateway: Record<string, unknown> = { type: wireGateway, configuration_name: src.paymentConfiguration };
  const fields = pgFields(src.gateway, src.gatewayFields);
  if (fields) gateway[wireGateway] = fields;
  // UPI cannot pay above INR 5,00,000: the customer must get the payment gateway's web checkout
  if (aboveUpiLimit(src.total, src.offset)) gateway.enabled_payment_options = ['web'];
  return { type: 'payment_gateway', payment_gateway: gateway as unknown as WirePaymentSetting['payment_gateway'] };
}

export function buildOrderDetailsMessage(src: OrderDetailsMessageSource): WireOrderDetailsMessage {
  const interactive: Partial<WireOrderDetailsMessage['interactive']> = { type: 'order_details' };
  if (present(src.headerImageUrl)) interactive.header = { type: 'image', image: { link: src.headerImageUrl } };
  interactive.body = { text: src.body };
  if (present(src.footer)) interactive.footer = { text: src.footer };
  interactive.action = {
    name: 'review_and_pay',
    parameters: parameters(src),
  };
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: src.to,
    type: 'interactive',
    interactive: interactive as WireOrderDetailsMessage['interactive'],
  };
}

export function buildOrderStatusMessage(
  src: OrderStatusMessageSource,
  opts: OrderStatusMessageOptions = {},
): WireOrderStatusMessage {
  const orderPart: WireOrderStatusMessage['interactive']['action']['parameters']['order'] = {
    status: toWireOrderStatus(src.status, opts.partiallyShippedSpelling),
  };
  if (present(src.description)) orderPart.description = src.description;
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: src.to,
    type: 'interactive',
    interactive: {
      type: 'order_status',
      body: { text: src.body },
      action: { name: 'review_order', parameters: { reference_id: src.referenceId, order: orderPart } },
    },
  };
}
