// The JSON shapes exchanged with the WhatsApp API (Cloud API or 360dialog), as in
// test/fixtures/wire. Outbound shapes are exact: the builders produce
// them. Inbound shapes (answers, lookups, webhooks) are deliberately loose — optional fields and
// `string | number` timestamps — because the documentation is thin and a strict type would
// invite code that crashes on a field WhatsApp happens to leave out.

/** Money in minor units: INR 520.00 is { value: 52000, offset: 100 }. */
export interface WireMoney {
  value: number;
  offset: number;
}

export interface WireCharge extends WireMoney {
  description?: string;
}

export interface WireDiscount extends WireCharge {
  discount_program_name?: string;
}

export interface WireAddress {
  address_line1: string;
  address_line2?: string;
  city: string;
  zone_code?: string;
  postal_code: string;
  country_code: string;
}

export interface WireOrderItem {
  /** optional in WhatsApp's items */
  retailer_id?: string;
  name: string;
  amount: WireMoney;
  sale_amount?: WireMoney;
  quantity: number;
  country_of_origin?: string;
  importer_name?: string;
  importer_address?: WireAddress;
}

export type WireGoodsType = 'digital-goods' | 'physical-goods';
export type WireGateway = 'razorpay' | 'payu' | 'billdesk' | 'zaakpay';
export type WireOrderStatus =
  | 'pending'
  | 'processing'
  | 'partially_shipped'
  | 'partially-shipped'
  | 'shipped'
  | 'completed'
  | 'canceled';

/** A recipient of shipped physical goods (order_details' `beneficiaries`). */
export interface WireBeneficiary {
  name: string;
  address_line1: string;
  address_line2?: string;
  city: string;
  state: string;
  /** "India" */
  country: string;
  /** 6 digits */
  postal_code: string;
}

/** PG fields, under payment_gateway.<type>: each gateway's own. */
export interface WirePgFields {
  razorpay?: { receipt?: string; notes?: Record<string, string> };
  payu?: { udf1?: string; udf2?: string; udf3?: string; udf4?: string };
  billdesk?: Record<`additional_info${1 | 2 | 3 | 4 | 5 | 6 | 7}`, string | undefined>;
  zaakpay?: { extra1?: string; extra2?: string };
}

export interface WirePaymentSetting {
  type: 'payment_gateway';
  payment_gateway: { type: WireGateway; configuration_name: string } & WirePgFields & {
    /** ["web"] for totals UPI cannot pay (above INR 5,00,000) */
    enabled_payment_options?: string[];
  };
}

export interface WireOrderDetailsParameters {
  reference_id: string;
  type: WireGoodsType;
  /** required by WhatsApp for shipped physical goods */
  beneficiaries?: WireBeneficiary[];
  payment_settings: WirePaymentSetting[];
  currency: 'INR';
  total_amount: WireMoney;
  order: {
    status: 'pending';
    catalog_id?: string;
    /** timestamp: epoch seconds as a string */
    expiration?: { timestamp: string; description?: string };
    items: WireOrderItem[];
    subtotal: WireMoney;
    /** required by WhatsApp: value 0 when the order has no tax */
    tax: WireCharge;
    shipping?: WireCharge;
    discount?: WireDiscount;
  };
}

interface WireInteractiveEnvelope<I> {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  type: 'interactive';
  interactive: I;
}

/** POST /messages: interactive order_details (wire/order_details.request.json). */
export type WireOrderDetailsMessage = WireInteractiveEnvelope<{
  type: 'order_details';
  header?: { type: 'image'; image: { link: string } };
  body: { text: string };
  footer?: { text: string };
  action: { name: 'review_and_pay'; parameters: WireOrderDetailsParameters };
}>;

/** POST /messages: interactive order_status (wire/order_status.request.json). */
export type WireOrderStatusMessage = WireInteractiveEnvelope<{
  type: 'order_status';
  body: { text: string };
  action: {
    name: 'review_order';
    parameters: { reference_id: string; order: { status: WireOrderStatus; description?: string } };
  };
}>;

/** 200 answer to POST /messages (wire/messages.response.json). */
export interface WireMessagesResponse {
  messaging_product?: string;
  contacts?: Array<{ input?: string; wa_id?: string }>;
  messages?: Array<{ id?: string; message_status?: string }>;
}

/** Graph API error envelope of a 4xx/5xx answer (wire/error.response.json). */
export interface WireErrorEnvelope {
  error: {
    message?: string;
    type?: string;
    code?: number;
    error_subcode?: number;
    error_data?: { messaging_product?: string; details?: string };
    fbtrace_id?: string;
  };
}

export type WireTimestamp = string | number;

export interface WireRefund {
  id?: string;
  amount?: WireMoney;
  speed_processed?: string;
  /** pending, success or failed */
  status?: string;
  created_timestamp?: WireTimestamp;
  updated_timestamp?: WireTimestamp;
}

/** POST {root}/payments_refund (wire/refund.request.json): value and offset are strings. */
export interface WireRefundRequest {
  reference_id: string;
  speed: 'normal' | 'instant';
  /** the payment configuration's name */
  payment_config_id: string;
  amount: { currency: string; value: string; offset: string };
}

/** Its answer (wire/refund.response.json). */
export interface WireRefundResponse {
  id?: string;
  /** pending, failed or completed */
  status?: string;
  /** normal or instant: the speed the payment gateway used */
  speed_processed?: string;
}

export interface WireLookupTransaction {
  /** the payment gateway's order id: every attempt of a payment may share it */
  id?: string;
  /** the payment gateway's payment id: tells the attempts apart, once there is one */
  pg_transaction_id?: string;
  type?: string;
  status?: string;
  created_timestamp?: WireTimestamp;
  updated_timestamp?: WireTimestamp;
  amount?: WireMoney;
  order_amount?: WireMoney;
  currency?: string;
  method?: { type?: string } | string;
  error?: { code?: string; reason?: string };
  /** in the lookup, a transaction's refunds */
  refunds?: WireRefund[];
}

/**
 * PG fields WhatsApp echoes next to the payment (webhook and lookup): Razorpay's receipt and
 * notes, PayU's udf1..4, BillDesk's additional_info1..7, Zaakpay's extra1..2.
 */
export interface WirePgEcho {
  receipt?: string;
  notes?: Record<string, string>;
  [pgField: string]: unknown;
}

export interface WireLookupPayment extends WirePgEcho {
  reference_id?: string;
  /** pending or captured (Meta); new, pending, captured, failed or canceled (older vocabulary) */
  status?: string;
  currency?: string;
  amount?: WireMoney;
  /** missing while nobody has tried to pay */
  transactions?: WireLookupTransaction[];
}

/** Answer to GET .../payments/{configuration}/{reference_id}; a bare payment object is accepted too. */
export type WireLookupResponse = { payments?: WireLookupPayment[] } | WireLookupPayment;

export interface WireWebhookError {
  code?: number;
  title?: string;
  message?: string;
  error_data?: { details?: string };
}

/** The `payment` object of a payment status webhook (wire/webhook.payment.*.json). */
export interface WireWebhookPayment extends WirePgEcho {
  reference_id?: string;
  amount?: WireMoney;
  currency?: string;
  transaction?: WireLookupTransaction;
  /** in the webhook, refunds are at payment level */
  refunds?: WireRefund[];
}

/** One entry of `value.statuses`: a message status, or a payment when `type` is "payment". */
export interface WireWebhookStatus {
  /** a message status: the wamid; a payment: an id of the notification (not a wamid) */
  id?: string;
  status?: string;
  timestamp?: WireTimestamp;
  recipient_id?: string;
  type?: string;
  payment?: WireWebhookPayment;
  errors?: WireWebhookError[];
}

export interface WireMessagesChangeValue {
  messaging_product?: string;
  metadata?: { display_phone_number?: string; phone_number_id?: string };
  statuses?: WireWebhookStatus[];
  /** 2046/2047 may also arrive here rather than in statuses[].errors */
  errors?: WireWebhookError[];
}

/** value of a `payment_configuration_update` change. */
export interface WirePaymentConfigurationUpdateValue {
  configuration_name?: string;
  provider_name?: string;
  provider_mid?: string;
  status?: string;
  created_timestamp?: WireTimestamp;
  updated_timestamp?: WireTimestamp;
}

export interface WireMessagesChange {
  field: 'messages';
  value: WireMessagesChangeValue;
}

export interface WirePaymentConfigurationChange {
  field: 'payment_configuration_update';
  value: WirePaymentConfigurationUpdateValue;
}

/** Other fields exist (and new ones appear): a parser of inbound webhooks must skip them, not fail. */
export type WireWebhookChange = WireMessagesChange | WirePaymentConfigurationChange;

export interface WireWebhookEnvelope {
  /** "whatsapp_business_account"; kept as string so other objects can be recognised and skipped */
  object: string;
  entry: Array<{ id?: string; time?: number; changes?: WireWebhookChange[] }>;
}
