// What the simulated WhatsApp API checks in a POST /messages, written independently of
// src/domain on purpose: the simulator plays the other side of the wire, so when the gateway's
// own rules drift from WhatsApp's, tests against the simulator notice instead of agreeing with
// the same mistake. Limits follow DESIGN.md ("Limits to enforce on input") and the status machine.

/** A refusal as WhatsApp would answer it: HTTP status, Graph error code, details naming the field. */
export class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly httpStatus = 400,
  ) {
    super(details);
  }
}

type Json = Record<string, unknown>;

const REFERENCE_ID = /^[A-Za-z0-9_.-]{1,35}$/;
export const GOODS_TYPES = ['digital-goods', 'physical-goods'];
export const GATEWAYS = ['razorpay', 'payu', 'billdesk', 'zaakpay'];
export const MIN_EXPIRY_SECONDS = 300;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// 100 = a parameter is missing or of the wrong type; 131009 = a value is not acceptable.
function object(value: unknown, path: string): Json {
  if (value === undefined) throw new Refusal(100, `${path} is required`);
  if (!isObject(value)) throw new Refusal(100, `${path} must be an object`);
  return value;
}

function text(value: unknown, path: string, max: number): string {
  if (value === undefined) throw new Refusal(100, `${path} is required`);
  if (typeof value !== 'string') throw new Refusal(100, `${path} must be a string`);
  if (value.trim() === '') throw new Refusal(131009, `${path} must not be empty`);
  if (value.length > max) throw new Refusal(131009, `${path} is ${value.length} characters, at most ${max} allowed`);
  return value;
}

function optionalText(value: unknown, path: string, max: number): string | undefined {
  return value === undefined ? undefined : text(value, path, max);
}

function oneOf(value: unknown, path: string, allowed: readonly string[]): string {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new Refusal(131009, `${path} is ${JSON.stringify(value)}, expected one of ${allowed.join(', ')}`);
  }
  return value;
}

function money(value: unknown, path: string): number {
  const m = object(value, path);
  if (typeof m.value !== 'number' || !Number.isSafeInteger(m.value) || m.value < 0) {
    throw new Refusal(131009, `${path}.value must be a non-negative integer amount in minor units (paise)`);
  }
  if (m.offset !== 100) throw new Refusal(131009, `${path}.offset must be 100 for INR`);
  return m.value;
}

function optionalMoney(value: unknown, path: string): number | undefined {
  return value === undefined ? undefined : money(value, path);
}

function referenceId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !REFERENCE_ID.test(value)) {
    throw new Refusal(131009, `${path} must be 1-35 characters of A-Z a-z 0-9 _ . -`);
  }
  return value;
}

export interface EnvelopeInfo {
  to: string;
  interactiveType: 'order_details' | 'order_status';
  interactive: Json;
}

export function checkEnvelope(body: unknown): EnvelopeInfo {
  const msg = object(body, 'request body');
  if (msg.messaging_product !== 'whatsapp') throw new Refusal(100, 'messaging_product must be "whatsapp"');
  if (msg.recipient_type !== undefined && msg.recipient_type !== 'individual') {
    throw new Refusal(100, 'recipient_type must be "individual"');
  }
  if (typeof msg.to !== 'string' || !/^\d{8,15}$/.test(msg.to)) {
    throw new Refusal(100, "to must be the customer's phone number: 8-15 digits with country code, no + or spaces");
  }
  if (msg.type !== 'interactive') throw new Refusal(100, 'type must be "interactive" (only payment messages are simulated)');
  const interactive = object(msg.interactive, 'interactive');
  const interactiveType = oneOf(interactive.type, 'interactive.type', ['order_details', 'order_status']);
  return { to: msg.to, interactiveType: interactiveType as EnvelopeInfo['interactiveType'], interactive };
}

export interface CheckedOrderDetails {
  referenceId: string;
  configurationName: string;
  gateway: string;
  total: number;
  /** the order content; a resend with the same reference_id must carry the same */
  parameters: Json;
  /** payment_gateway.<gateway>: the PG fields WhatsApp passes on and echoes */
  pgFields?: Record<string, unknown>;
}

function checkItem(value: unknown, path: string, withCatalog: boolean): number {
  const item = object(value, path);
  optionalText(item.retailer_id, `${path}.retailer_id`, 100);
  text(item.name, `${path}.name`, 60);
  const amount = money(item.amount, `${path}.amount`);
  const sale = optionalMoney(item.sale_amount, `${path}.sale_amount`);
  if (sale !== undefined && sale >= amount) {
    throw new Refusal(131009, `${path}.sale_amount must be lower than ${path}.amount`);
  }
  const q = item.quantity;
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 1) {
    throw new Refusal(131009, `${path}.quantity must be a positive integer`);
  }
  if (!withCatalog) {
    // without a catalog WhatsApp has no product page, so Indian law's origin/importer data must travel with the item
    text(item.country_of_origin, `${path}.country_of_origin`, 100);
    text(item.importer_name, `${path}.importer_name`, 200);
    const address = object(item.importer_address, `${path}.importer_address`);
    for (const key of ['address_line1', 'city', 'postal_code', 'country_code']) {
      text(address[key], `${path}.importer_address.${key}`, 200);
    }
  }
  return (sale ?? amount) * q;
}

/** Beneficiaries of shipped goods: WhatsApp's documented limits. */
function checkBeneficiaries(value: unknown, path: string): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0) throw new Refusal(100, `${path} must be a non-empty array`);
  value.forEach((b, i) => {
    const at = `${path}[${i}]`;
    const beneficiary = object(b, at);
    text(beneficiary.name, `${at}.name`, 200);
    text(beneficiary.address_line1, `${at}.address_line1`, 100);
    optionalText(beneficiary.address_line2, `${at}.address_line2`, 100);
    text(beneficiary.city, `${at}.city`, 100);
    text(beneficiary.state, `${at}.state`, 100);
    oneOf(beneficiary.country, `${at}.country`, ['India']);
    if (typeof beneficiary.postal_code !== 'string' || !/^\d{6}$/.test(beneficiary.postal_code)) {
      throw new Refusal(131009, `${at}.postal_code must be 6 digits`);
    }
  });
}

/** Each gateway's PG fields: which keys, how long. */
const PG_FIELD_LIMITS: Record<string, Record<string, number>> = {
  razorpay: { receipt: 40, notes: 256 },
  payu: { udf1: 255, udf2: 255, udf3: 255, udf4: 255 },
  billdesk: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((n) => [`additional_info${n}`, 120])),
  zaakpay: { extra1: 180, extra2: 180 },
};

/** payment_gateway.<gateway>: only the order's own gateway's fields, within their limits. */
function checkPgFields(pg: Json, gateway: string, path: string): void {
  for (const other of GATEWAYS) {
    if (other !== gateway && pg[other] !== undefined) {
      throw new Refusal(131009, `${path}.${other} is given, but the payment gateway is ${gateway}`);
    }
  }
  if (pg[gateway] === undefined) return;
  const fields = object(pg[gateway], `${path}.${gateway}`);
  const limits = PG_FIELD_LIMITS[gateway];
  for (const [key, value] of Object.entries(fields)) {
    const at = `${path}.${gateway}.${key}`;
    if (!Object.hasOwn(limits, key)) throw new Refusal(100, `${at} is not a ${gateway} field (${Object.keys(limits).join(', ')})`);
    if (key === 'notes') {
      const notes = object(value, at);
      const entries = Object.entries(notes);
      if (entries.length > 15) throw new Refusal(131009, `${at} has ${entries.length} keys, at most 15 allowed`);
      for (const [k, v] of entries) {
        if (typeof v !== 'string' || v.length > 256 || k.length > 256) throw new Refusal(131009, `${at}.${k} must be a text of at most 256 characters`);
      }
    } else if (key === 'receipt') {
      text(value, at, limits[key]);
    } else if (typeof value !== 'string' || value.length > limits[key]) {
      throw new Refusal(131009, `${at} must be a text of at most ${limits[key]} characters`);
    }
  }
}

/** INR 5,00,000 in paise: the most UPI can pay */
const UPI_LIMIT = 50_000_000;

export function checkOrderDetails(interactive: Json, nowSeconds: number): CheckedOrderDetails {
  text(object(interactive.body, 'interactive.body').text, 'interactive.body.text', 1024);
  if (interactive.footer !== undefined) text(object(interactive.footer, 'interactive.footer').text, 'interactive.footer.text', 60);
  if (interactive.header !== undefined) {
    const header = object(interactive.header, 'interactive.header');
    oneOf(header.type, 'interactive.header.type', ['image']);
    const link = text(object(header.image, 'interactive.header.image').link, 'interactive.header.image.link', 2048);
    if (!/^https:\/\/[^\s/]+/.test(link)) throw new Refusal(131009, 'interactive.header.image.link must be an https URL');
  }
  const action = object(interactive.action, 'interactive.action');
  oneOf(action.name, 'interactive.action.name', ['review_and_pay']);
  const p = object(action.parameters, 'interactive.action.parameters');
  const at = (key: string) => `parameters.${key}`;

  const ref = referenceId(p.reference_id, at('reference_id'));
  oneOf(p.type, at('type'), GOODS_TYPES);
  checkBeneficiaries(p.beneficiaries, at('beneficiaries'));
  if (!Array.isArray(p.payment_settings) || p.payment_settings.length === 0) {
    throw new Refusal(100, `${at('payment_settings')} must be a non-empty array`);
  }
  const setting = object(p.payment_settings[0], `${at('payment_settings')}[0]`);
  oneOf(setting.type, `${at('payment_settings')}[0].type`, ['payment_gateway']);
  const pg = object(setting.payment_gateway, `${at('payment_settings')}[0].payment_gateway`);
  const gateway = oneOf(pg.type, `${at('payment_settings')}[0].payment_gateway.type`, GATEWAYS);
  const configurationName = text(pg.configuration_name, `${at('payment_settings')}[0].payment_gateway.configuration_name`, 60);
  checkPgFields(pg, gateway, `${at('payment_settings')}[0].payment_gateway`);
  oneOf(p.currency, at('currency'), ['INR']);
  const total = money(p.total_amount, at('total_amount'));
  const options = pg.enabled_payment_options;
  if (options !== undefined) {
    if (!Array.isArray(options) || options.length === 0) {
      throw new Refusal(100, `${at('payment_settings')}[0].payment_gateway.enabled_payment_options must be a non-empty array`);
    }
    options.forEach((o, i) => oneOf(o, `${at('payment_settings')}[0].payment_gateway.enabled_payment_options[${i}]`, ['web', 'upi']));
  }
  // UPI cannot pay more: such an order must leave the customer only the gateway's web checkout
  if (total > UPI_LIMIT && (!Array.isArray(options) || options.includes('upi'))) {
    throw new Refusal(
      131009,
      `total_amount is above INR 5,00,000, which UPI cannot pay: set ${at('payment_settings')}[0].payment_gateway.enabled_payment_options to ["web"]`,
    );
  }

  const order = object(p.order, at('order'));
  oneOf(order.status, at('order.status'), ['pending']);
  const catalogId = optionalText(order.catalog_id, at('order.catalog_id'), 100);
  if (order.expiration !== undefined) {
    const expiration = object(order.expiration, at('order.expiration'));
    const ts = expiration.timestamp;
    if (typeof ts !== 'string' || !/^\d+$/.test(ts)) {
      throw new Refusal(131009, `${at('order.expiration.timestamp')} must be epoch seconds as a string`);
    }
    if (Number(ts) < nowSeconds + MIN_EXPIRY_SECONDS) {
      throw new Refusal(131009, `${at('order.expiration.timestamp')} must be at least ${MIN_EXPIRY_SECONDS} seconds in the future`);
    }
    optionalText(expiration.description, at('order.expiration.description'), 120);
  }
  if (!Array.isArray(order.items) || order.items.length === 0) {
    throw new Refusal(100, `${at('order.items')} must be a non-empty array`);
  }
  const itemsSum = order.items.reduce<number>(
    (sum, item, i) => sum + checkItem(item, `${at('order.items')}[${i}]`, catalogId !== undefined),
    0,
  );
  const subtotal = money(order.subtotal, at('order.subtotal'));
  const charges: Record<string, number> = {};
  // WhatsApp requires tax, 0 when there is none
  object(order.tax, at('order.tax'));
  for (const key of ['tax', 'shipping', 'discount']) {
    const charge = order[key];
    charges[key] = optionalMoney(charge, at(`order.${key}`)) ?? 0;
    if (isObject(charge)) optionalText(charge.description, at(`order.${key}.description`), 60);
  }
  if (isObject(order.discount)) {
    optionalText(order.discount.discount_program_name, at('order.discount.discount_program_name'), 60);
  }
  if (subtotal !== itemsSum) {
    throw new Refusal(
      131009,
      `${at('order.subtotal')}.value is ${subtotal} but the items add up to ${itemsSum} (sum of (sale_amount ?? amount) × quantity)`,
    );
  }
  const expected = subtotal + charges.tax + charges.shipping - charges.discount;
  if (total !== expected) {
    throw new Refusal(
      131009,
      `total_amount does not match order amounts: ${at('total_amount')}.value is ${total}, subtotal + tax + shipping - discount is ${expected}`,
    );
  }
  const pgFields = isObject(pg[gateway]) ? (pg[gateway] as Record<string, unknown>) : undefined;
  return { referenceId: ref, configurationName, gateway, total, parameters: p, pgFields };
}

/** Order statuses as the simulator keeps them; both spellings of partially shipped are accepted on input. */
export type SimOrderStatus = 'pending' | 'processing' | 'partially_shipped' | 'shipped' | 'completed' | 'canceled';
const WIRE_ORDER_STATUSES = ['pending', 'processing', 'partially_shipped', 'partially-shipped', 'shipped', 'completed', 'canceled'];

export interface CheckedOrderStatus {
  referenceId: string;
  status: SimOrderStatus;
}

export function checkOrderStatus(interactive: Json): CheckedOrderStatus {
  text(object(interactive.body, 'interactive.body').text, 'interactive.body.text', 1024);
  const action = object(interactive.action, 'interactive.action');
  oneOf(action.name, 'interactive.action.name', ['review_order']);
  const p = object(action.parameters, 'interactive.action.parameters');
  const ref = referenceId(p.reference_id, 'parameters.reference_id');
  const order = object(p.order, 'parameters.order');
  const status = oneOf(order.status, 'parameters.order.status', WIRE_ORDER_STATUSES).replace('-', '_') as SimOrderStatus;
  optionalText(order.description, 'parameters.order.description', 120);
  return { referenceId: ref, status };
}

export interface TransitionError {
  code: 2046 | 2047;
  title: string;
  details: string;
}

const IN_PROGRESS: ReadonlySet<SimOrderStatus> = new Set(['processing', 'partially_shipped', 'shipped']);

function transitionAllowed(from: SimOrderStatus, to: SimOrderStatus): boolean {
  if (to === 'pending') return false; // nothing moves back to pending
  if (from === 'pending') return true;
  if (IN_PROGRESS.has(from)) return true; // any in-progress status, completed or canceled
  return false; // completed and canceled are terminal
}

/** The order status machine of DESIGN.md, as WhatsApp enforces it (asynchronously, by webhook). */
export function checkTransition(
  referenceId: string,
  from: SimOrderStatus,
  to: SimOrderStatus,
  paymentStatus: string,
): TransitionError | null {
  if (!transitionAllowed(from, to)) {
    return {
      code: 2046,
      title: 'New order status was not correctly transitioned.',
      details: `Order ${referenceId} cannot move from ${from} to ${to}`,
    };
  }
  if (to === 'canceled' && (paymentStatus === 'pending' || paymentStatus === 'captured')) {
    return {
      code: 2047,
      title: "Could not change order status to 'canceled'",
      details: `A payment for order ${referenceId} is ${paymentStatus}`,
    };
  }
  return null;
}

export interface CheckedRefund {
  referenceId: string;
  configurationName: string;
  speed: 'normal' | 'instant';
  /** minor units, offset 100 */
  amount: number;
}

/**
 * The body of POST payments_refund (wire/refund.request.json), as Meta documents it: value and
 * offset are strings of digits, the currency INR, the speed normal or instant.
 */
export function checkRefundRequest(body: unknown): CheckedRefund {
  const b = object(body, 'request body');
  const reference = referenceId(b.reference_id, 'reference_id');
  const configurationName = text(b.payment_config_id, 'payment_config_id', 60);
  const speed = oneOf(b.speed, 'speed', ['normal', 'instant']) as CheckedRefund['speed'];
  const amount = object(b.amount, 'amount');
  if (amount.currency !== 'INR') throw new Refusal(131009, `amount.currency is ${JSON.stringify(amount.currency)}, refunds are in INR`);
  if (typeof amount.value !== 'string' || !/^\d{1,10}$/.test(amount.value)) {
    throw new Refusal(100, 'amount.value must be a string of digits: the amount in minor units (paise), e.g. "20000"');
  }
  if (amount.offset !== '100') throw new Refusal(100, 'amount.offset must be the string "100" for INR');
  const value = Number(amount.value);
  if (value <= 0) throw new Refusal(131009, 'amount.value must be more than zero');
  return { referenceId: reference, configurationName, speed, amount: value };
}
