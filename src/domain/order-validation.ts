// Input rules for order_details and order_status messages. Everything WhatsApp would refuse is
// refused here first, with every problem at once and the exact field path, so nothing is
// stored or sent for an order that cannot go through.
import { userError } from './errors';
import { CURRENCY, MAX_AMOUNT, OFFSET, formatMoney, sumMinorUnits } from './money';
import { codePointLength, isBlank } from './text';
import {
  GOODS_TYPES,
  type BeneficiaryInput,
  type GatewayFieldsInput,
  type MoneyAmount,
  type OrderItemInput,
  type OrderTotals,
  type PaymentGateway,
  type SendOrderDetailsInput,
  type UserError,
} from './types';

import {
  MAX_BODY,
  MAX_CATALOG_ID,
  MAX_CHARGE_DESCRIPTION,
  MAX_COUNTRY_OF_ORIGIN,
  MAX_FOOTER,
  MAX_IMPORTER_NAME,
  MAX_ITEM_NAME,
  MAX_LONG_DESCRIPTION,
  MAX_PAYMENT_CONFIGURATION,
  MAX_PROGRAM_NAME,
  MAX_REFERENCE_ID,
  MAX_RETAILER_ID,
  MAX_TO_DIGITS,
} from './limits';
export const REFERENCE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,35}$/;
export const MIN_ITEMS = 1;
export const MAX_ITEMS = 999;
export const MAX_QUANTITY = 1_000_000;
/** WhatsApp wants the customer to get at least five minutes to pay. */
export const MIN_EXPIRY_SECONDS = 300;
export const MIN_TO_DIGITS = 8;
export const TO_PATTERN = /^[0-9]{8,15}$/;
export const COUNTRY_CODE_PATTERN = /^[A-Za-z]{2}$/;
/** beneficiaries: WhatsApp's limits, and bounds of our own where it documents none (count, city, state) */
export const MAX_BENEFICIARIES = 10;
export const MAX_BENEFICIARY_NAME = 200;
export const MAX_BENEFICIARY_ADDRESS_LINE = 100;
export const MAX_BENEFICIARY_PLACE = 100;
export const BENEFICIARY_COUNTRY = 'India';
export const POSTAL_CODE_PATTERN = /^[0-9]{6}$/;
/** PG fields, per gateway (WhatsApp passes them to the payment gateway's order) */
export const MAX_RAZORPAY_NOTES = 15;
export const MAX_RAZORPAY_NOTE = 256;
export const MAX_RAZORPAY_RECEIPT = 40;
export const MAX_PAYU_UDF = 4;
export const MAX_PAYU_UDF_LENGTH = 255;
export const MAX_BILLDESK_INFO = 7;
export const MAX_BILLDESK_INFO_LENGTH = 120;
export const MAX_ZAAKPAY_EXTRA = 2;
export const MAX_ZAAKPAY_EXTRA_LENGTH = 180;

export type OrderValidation = { ok: true; totals: OrderTotals } | { ok: false; errors: UserError[] };

type Path = readonly string[];

/** ['input', 'items', '0', 'amount'] -> "items[0].amount": how a caller would name the field. */
function label(path: Path): string {
  return path
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
}

function invalid(errors: UserError[], path: Path, message: string): void {
  errors.push(userError('INVALID_INPUT', `${label(path)} ${message}`, [...path]));
}

const money = (value: number): string => formatMoney(value, OFFSET);

/** A text that must be there; `max` in characters (code points). */
function checkRequiredText(errors: UserError[], value: unknown, path: Path, max?: number): void {
  if (typeof value !== 'string' || isBlank(value)) {
    invalid(errors, path, max === undefined ? 'must not be empty' : `must be 1-${max} characters and not blank`);
    return;
  }
  const length = codePointLength(value);
  if (max !== undefined && length > max) {
    invalid(errors, path, `must be 1-${max} characters (got ${length} characters)`);
  }
}

/** A text that may be left out (null or undefined); when given it must fit `max`. */
function checkOptionalText(errors: UserError[], value: unknown, path: Path, max: number): void {
  if (value === null || value === undefined) return;
  if (typeof value !== 'string') {
    invalid(errors, path, `must be a text of at most ${max} characters`);
    return;
  }
  const length = codePointLength(value);
  if (length > max) {
    invalid(errors, path, `must be at most ${max} characters (got ${length} characters); shorten it`);
  }
}

/**
 * Checks one {value, offset}. Returns whether the amount can take part in the sums; an absent
 * optional amount can (it counts as nothing), an absent required one cannot.
 */
function checkAmount(
  errors: UserError[],
  amount: MoneyAmount | null | undefined,
  path: Path,
  required: boolean,
): boolean {
  if (amount === null || amount === undefined) {
    if (required) invalid(errors, path, `is required, as {value, offset: ${OFFSET}} in paise`);
    return !required;
  }
  let ok = true;
  const { value, offset } = amount;
  if (!Number.isInteger(value) || value < 0 || value > MAX_AMOUNT) {
    invalid(
      errors,
      [...path, 'value'],
      `must be a whole number of paise from 0 to ${MAX_AMOUNT} (INR 520.00 is 52000); got ${value}`,
    );
    ok = false;
  }
  if (offset !== OFFSET) {
    invalid(errors, [...path, 'offset'], `must be ${OFFSET} (${CURRENCY} minor units: paise); got ${offset}`);
    ok = false;
  }
  return ok;
}

function checkReferenceId(errors: UserError[], referenceId: unknown): void {
  const path = ['input', 'referenceId'];
  const rule = `must be 1-${MAX_REFERENCE_ID} characters of letters, digits, '_', '.' or '-'`;
  if (typeof referenceId !== 'string') {
    invalid(errors, path, rule);
    return;
  }
  if (REFERENCE_ID_PATTERN.test(referenceId)) return;
  const length = codePointLength(referenceId);
  if (length < 1 || length > MAX_REFERENCE_ID) {
    invalid(errors, path, `${rule} (got ${length} characters)`);
    return;
  }
  const bad = [...referenceId].find((c) => !/[A-Za-z0-9_.-]/.test(c));
  invalid(errors, path, `${rule} (got ${JSON.stringify(bad)})`);
}

function checkTo(errors: UserError[], to: unknown): void {
  if (typeof to === 'string' && TO_PATTERN.test(to)) return;
  const got = typeof to === 'string' ? ` (got ${JSON.stringify(to.slice(0, 40))})` : '';
  invalid(
    errors,
    ['input', 'to'],
    `must be the customer's WhatsApp number with country code, ${MIN_TO_DIGITS}-${MAX_TO_DIGITS} ` +
      `digits and nothing else (no '+', spaces or dashes), e.g. 919876543210${got}`,
  );
}

function checkHeaderImageUrl(errors: UserError[], url: string | null | undefined): void {
  if (url === null || url === undefined) return;
  // Parsed only to check its form; the gateway never fetches it (WhatsApp does), so no SSRF.
  let protocol: string | null = null;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = null;
  }
  if (protocol !== 'https:') {
    invalid(
      errors,
      ['input', 'headerImageUrl'],
      'must be an absolute https:// URL of an image, e.g. https://cdn.example.com/order.jpg',
    );
  }
}

function checkQuantity(errors: UserError[], quantity: unknown, path: Path): boolean {
  if (typeof quantity === 'number' && Number.isInteger(quantity) && quantity >= 1 && quantity <= MAX_QUANTITY) {
    return true;
  }
  invalid(errors, path, `must be a whole number from 1 to ${MAX_QUANTITY} (got ${String(quantity)})`);
  return false;
}

/** WhatsApp requires origin and importer details for items it cannot look up in a catalog. */
function checkOrigin(errors: UserError[], item: OrderItemInput, path: Path, hasCatalog: boolean): void {
  const needed = 'is required when the order has no catalogId';
  const limits = { countryOfOrigin: MAX_COUNTRY_OF_ORIGIN, importerName: MAX_IMPORTER_NAME };
  for (const key of ['countryOfOrigin', 'importerName'] as const) {
    const value = item[key];
    if (value === null || value === undefined) {
      if (!hasCatalog) invalid(errors, [...path, key], needed);
    } else {
      checkRequiredText(errors, value, [...path, key], limits[key]);
    }
  }
  const address = item.importerAddress;
  const addressPath = [...path, 'importerAddress'];
  if (address === null || address === undefined) {
    if (!hasCatalog) invalid(errors, addressPath, `${needed} (addressLine1, city, postalCode, countryCode)`);
    return;
  }
  for (const key of ['addressLine1', 'city', 'postalCode'] as const) {
    checkRequiredText(errors, address[key], [...addressPath, key]);
  }
  const countryCode: unknown = address.countryCode;
  if (typeof countryCode !== 'string' || !COUNTRY_CODE_PATTERN.test(countryCode)) {
    invalid(
      errors,
      [...addressPath, 'countryCode'],
      `must be a 2-letter ISO 3166 country code such as IN (got ${JSON.stringify(countryCode ?? null)})`,
    );
  }
}

/** Returns whether the item's amounts and quantity can take part in the sums. */
function checkItem(errors: UserError[], item: OrderItemInput, index: number, hasCatalog: boolean): boolean {
  const path = ['input', 'items', String(index)];
  if (item === null || item === undefined) {
    invalid(errors, path, 'must be an item, not null');
    return false;
  }
  // optional in WhatsApp's items; when given it must say something
  if (item.retailerId !== null && item.retailerId !== undefined) {
    checkRequiredText(errors, item.retailerId, [...path, 'retailerId'], MAX_RETAILER_ID);
  }
  checkRequiredText(errors, item.name, [...path, 'name'], MAX_ITEM_NAME);
  const amountOk = checkAmount(errors, item.amount, [...path, 'amount'], true);
  let saleOk = checkAmount(errors, item.saleAmount, [...path, 'saleAmount'], false);
  if (amountOk && saleOk && item.saleAmount && item.saleAmount.value >= item.amount.value) {
    invalid(
      errors,
      [...path, 'saleAmount', 'value'],
      `must be less than amount (${money(item.amount.value)}), got ${money(item.saleAmount.value)}; ` +
        'leave saleAmount out when the item is not on sale',
    );
    saleOk = false;
  }
  const quantityOk = checkQuantity(errors, item.quantity, [...path, 'quantity']);
  checkOrigin(errors, item, path, hasCatalog);
  return amountOk && saleOk && quantityOk;
}

function checkExpiry(errors: UserError[], input: SendOrderDetailsInput, now: Date): void {
  const { expiresAt, expirationDescription } = input;
  if (expiresAt !== null && expiresAt !== undefined) {
    const path = ['input', 'expiresAt'];
    if (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime())) {
      invalid(errors, path, 'must be a valid date-time');
    } else {
      const aheadMs = expiresAt.getTime() - now.getTime();
      if (aheadMs < MIN_EXPIRY_SECONDS * 1000) {
        const when = aheadMs <= 0 ? 'already past' : `only ${Math.floor(aheadMs / 1000)} seconds from now`;
        invalid(
          errors,
          path,
          `must be at least ${MIN_EXPIRY_SECONDS} seconds after now so the customer has time to pay ` +
            `(got ${expiresAt.toISOString()}, ${when})`,
        );
      }
    }
  }
  if (expirationDescription !== null && expirationDescription !== undefined) {
    const path = ['input', 'expirationDescription'];
    if (expiresAt === null || expiresAt === undefined) {
      invalid(errors, path, 'describes an expiry, so it needs expiresAt: set expiresAt or leave the description out');
    }
    checkOptionalText(errors, expirationDescription, path, MAX_LONG_DESCRIPTION);
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A required text of printable characters: for fields that go to the payment gateway as they are. */
function checkPlainText(errors: UserError[], value: unknown, path: Path, max: number, required: boolean): void {
  if (value === null || value === undefined) {
    if (required) invalid(errors, path, `is required (1-${max} characters)`);
    return;
  }
  if (required) checkRequiredText(errors, value, path, max);
  else checkOptionalText(errors, value, path, max);
  if (typeof value === 'string' && CONTROL.test(value)) invalid(errors, path, 'must not contain control characters (tabs, line breaks, NUL ...)');
}

function checkBeneficiaries(errors: UserError[], beneficiaries: BeneficiaryInput[] | null | undefined): void {
  if (beneficiaries === null || beneficiaries === undefined) return;
  const path = ['input', 'beneficiaries'];
  if (!Array.isArray(beneficiaries) || beneficiaries.length === 0) {
    invalid(errors, path, 'must list at least one beneficiary, or be left out');
    return;
  }
  if (beneficiaries.length > MAX_BENEFICIARIES) {
    invalid(errors, path, `must list at most ${MAX_BENEFICIARIES} beneficiaries (got ${beneficiaries.length})`);
    return;
  }
  beneficiaries.forEach((b, i) => {
    const at = [...path, String(i)];
    if (b === null || b === undefined) {
      invalid(errors, at, 'must be a beneficiary, not null');
      return;
    }
    checkPlainText(errors, b.name, [...at, 'name'], MAX_BENEFICIARY_NAME, true);
    checkPlainText(errors, b.addressLine1, [...at, 'addressLine1'], MAX_BENEFICIARY_ADDRESS_LINE, true);
    checkPlainText(errors, b.addressLine2, [...at, 'addressLine2'], MAX_BENEFICIARY_ADDRESS_LINE, false);
    checkPlainText(errors, b.city, [...at, 'city'], MAX_BENEFICIARY_PLACE, true);
    checkPlainText(errors, b.state, [...at, 'state'], MAX_BENEFICIARY_PLACE, true);
    if (b.country !== BENEFICIARY_COUNTRY) {
      invalid(errors, [...at, 'country'], `must be ${BENEFICIARY_COUNTRY} (WhatsApp payments ship within India; got ${JSON.stringify(String(b.country ?? '').slice(0, 40))})`);
    }
    if (typeof b.postalCode !== 'string' || !POSTAL_CODE_PATTERN.test(b.postalCode)) {
      invalid(errors, [...at, 'postalCode'], `must be a 6-digit PIN code such as 560001 (got ${JSON.stringify(String(b.postalCode ?? '').slice(0, 40))})`);
    }
  });
}

/** Which gateway each field of GatewayFieldsInput belongs to. */
const GATEWAY_OF_FIELD: Readonly<Record<keyof GatewayFieldsInput, PaymentGateway>> = {
  notes: 'RAZORPAY',
  receipt: 'RAZORPAY',
  udf: 'PAYU',
  additionalInfo: 'BILLDESK',
  extra: 'ZAAKPAY',
};

const FIELDS_OF_GATEWAY: Readonly<Record<PaymentGateway, string>> = {
  RAZORPAY: 'notes and receipt',
  PAYU: 'udf',
  BILLDESK: 'additionalInfo',
  ZAAKPAY: 'extra',
};

function checkTextList(errors: UserError[], list: unknown, path: Path, maxItems: number, maxLength: number, names: string): void {
  if (!Array.isArray(list)) {
    invalid(errors, path, `must be a list of at most ${maxItems} texts (${names})`);
    return;
  }
  if (list.length > maxItems) {
    invalid(errors, path, `must list at most ${maxItems} values (${names}, in order; got ${list.length})`);
    return;
  }
  list.forEach((v, i) => checkPlainText(errors, v, [...path, String(i)], maxLength, false));
}

/**
 * The PG fields of an order, checked against the gateway of its payment configuration (known only
 * once the configuration is looked up): a field of another gateway is refused, naming the fields
 * this gateway takes.
 */
export function validateGatewayFields(fields: GatewayFieldsInput | null | undefined, gateway: PaymentGateway): UserError[] {
  const errors: UserError[] = [];
  if (fields === null || fields === undefined) return errors;
  const path = ['input', 'gatewayFields'];
  for (const key of Object.keys(GATEWAY_OF_FIELD) as Array<keyof GatewayFieldsInput>) {
    const value = fields[key];
    if (value === null || value === undefined) continue;
    const owner = GATEWAY_OF_FIELD[key];
    if (owner !== gateway) {
      invalid(
        errors,
        [...path, key],
        `is a ${owner} field, but the order's payment configuration uses ${gateway}: leave it out (${gateway} takes ${FIELDS_OF_GATEWAY[gateway]})`,
      );
      continue;
    }
    switch (key) {
      case 'receipt':
        checkPlainText(errors, value, [...path, key], MAX_RAZORPAY_RECEIPT, true);
        break;
      case 'notes': {
        const notes = value as GatewayFieldsInput['notes'] & unknown[];
        if (!Array.isArray(notes) || notes.length > MAX_RAZORPAY_NOTES) {
          invalid(errors, [...path, key], `must list at most ${MAX_RAZORPAY_NOTES} key/value pairs (got ${Array.isArray(notes) ? notes.length : 'no list'})`);
          break;
        }
        const seen = new Set<string>();
        notes.forEach((note, i) => {
          const at = [...path, key, String(i)];
          if (note === null || note === undefined) return invalid(errors, at, 'must be a key/value pair, not null');
          checkPlainText(errors, note.key, [...at, 'key'], MAX_RAZORPAY_NOTE, true);
          checkPlainText(errors, note.value, [...at, 'value'], MAX_RAZORPAY_NOTE, false);
          if (typeof note.key === 'string') {
            if (seen.has(note.key)) invalid(errors, [...at, 'key'], `repeats the key ${JSON.stringify(note.key.slice(0, 40))}; each key may appear once`);
            seen.add(note.key);
          }
        });
        break;
      }
      case 'udf':
        checkTextList(errors, value, [...path, key], MAX_PAYU_UDF, MAX_PAYU_UDF_LENGTH, 'udf1..udf4');
        break;
      case 'additionalInfo':
        checkTextList(errors, value, [...path, key], MAX_BILLDESK_INFO, MAX_BILLDESK_INFO_LENGTH, 'additional_info1..7');
        break;
      case 'extra':
        checkTextList(errors, value, [...path, key], MAX_ZAAKPAY_EXTRA, MAX_ZAAKPAY_EXTRA_LENGTH, 'extra1..2');
        break;
    }
  }
  return errors;
}

/**
 * The order's sums, or null after recording why they cannot be accepted. Callers only get here
 * with valid amounts and quantities, so every product below is at most MAX_AMOUNT × MAX_QUANTITY
 * (about 2^51) and stays an exact integer.
 */
function computeTotals(errors: UserError[], input: SendOrderDetailsInput): OrderTotals | null {
  const itemTotals = input.items.map((item) => (item.saleAmount ?? item.amount).value * item.quantity);
  let fits = true;
  itemTotals.forEach((itemTotal, i) => {
    if (itemTotal > MAX_AMOUNT) {
      invalid(
        errors,
        ['input', 'items', String(i), 'quantity'],
        `makes the item total ${money(itemTotal)}, above the largest amount WhatsApp accepts ` +
          `(${money(MAX_AMOUNT)}); lower the quantity or split the order`,
      );
      fits = false;
    }
  });
  if (!fits) return null;

  const subtotal = sumMinorUnits(itemTotals);
  if (subtotal > MAX_AMOUNT) {
    invalid(
      errors,
      ['input', 'items'],
      `add up to ${money(subtotal)}, above the largest amount WhatsApp accepts (${money(MAX_AMOUNT)}); split the order`,
    );
    return null;
  }

  const tax = input.tax?.value ?? null;
  const shipping = input.shipping?.value ?? null;
  const discount = input.discount?.value ?? null;
  const total = subtotal + (tax ?? 0) + (shipping ?? 0) - (discount ?? 0);
  const formula =
    `subtotal + tax + shipping - discount = ${money(subtotal)} + ${money(tax ?? 0)} + ` +
    `${money(shipping ?? 0)} - ${money(discount ?? 0)} = ${money(total)}`;

  if (total < 0) {
    errors.push(
      userError(
        'AMOUNT_MISMATCH',
        `discount (${money(discount ?? 0)}) exceeds the subtotal plus tax and shipping ` +
          `(${money(total + (discount ?? 0))}), which would make the total negative (${formula}); lower the discount`,
        ['input', 'discount', 'value'],
      ),
    );
    return null;
  }
  if (total > MAX_AMOUNT) {
    invalid(
      errors,
      ['input', 'total', 'value'],
      `would be ${money(total)} (${formula}), above the largest amount WhatsApp accepts (${money(MAX_AMOUNT)}); split the order`,
    );
    return null;
  }
  if (input.total && input.total.value !== total) {
    errors.push(
      userError(
        'AMOUNT_MISMATCH',
        `total must equal ${formula} (${total} minor units at offset ${OFFSET}), got ` +
          `${money(input.total.value)} (${input.total.value}); send total {value: ${total}, offset: ${OFFSET}} or leave total out`,
        ['input', 'total', 'value'],
      ),
    );
    return null;
  }
  return { offset: OFFSET, currency: CURRENCY, subtotal, tax, shipping, discount, total, itemTotals };
}

/**
 * Validates a sendOrderDetails input against WhatsApp's limits and checks its sums.
 * `now` is passed in (not read from the clock) so the expiry rule is testable and a retried
 * request is judged against the time it was first received.
 */
export function validateOrderDetails(input: SendOrderDetailsInput, now: Date): OrderValidation {
  const errors: UserError[] = [];

  checkReferenceId(errors, input.referenceId);
  checkRequiredText(errors, input.phoneNumberId, ['input', 'phoneNumberId']);
  checkTo(errors, input.to);
  if (!(GOODS_TYPES as readonly string[]).includes(input.type)) {
    invalid(errors, ['input', 'type'], `must be one of ${GOODS_TYPES.join(', ')}`);
  }
  checkRequiredText(errors, input.paymentConfiguration, ['input', 'paymentConfiguration'], MAX_PAYMENT_CONFIGURATION);
  checkRequiredText(errors, input.body, ['input', 'body'], MAX_BODY);
  checkOptionalText(errors, input.footer, ['input', 'footer'], MAX_FOOTER);
  checkHeaderImageUrl(errors, input.headerImageUrl);

  const { catalogId } = input;
  if (catalogId !== null && catalogId !== undefined) {
    checkRequiredText(errors, catalogId, ['input', 'catalogId'], MAX_CATALOG_ID);
  }
  const hasCatalog = typeof catalogId === 'string' && !isBlank(catalogId);

  let amountsOk = true;
  const items: OrderItemInput[] = Array.isArray(input.items) ? input.items : [];
  if (items.length < MIN_ITEMS) {
    invalid(errors, ['input', 'items'], `must list at least ${MIN_ITEMS} item (got 0)`);
    amountsOk = false;
  } else if (items.length > MAX_ITEMS) {
    // Per-item checks are skipped: the order must be split anyway, and this bounds the work
    // (and the error list) for an oversized request.
    invalid(errors, ['input', 'items'], `must list at most ${MAX_ITEMS} items (got ${items.length}); split the order`);
    amountsOk = false;
  } else {
    items.forEach((item, i) => {
      if (!checkItem(errors, item, i, hasCatalog)) amountsOk = false;
    });
  }

  for (const key of ['tax', 'shipping', 'discount'] as const) {
    const charge = input[key];
    if (charge === null || charge === undefined) continue;
    if (!checkAmount(errors, charge, ['input', key], false)) amountsOk = false;
    checkOptionalText(errors, charge.description, ['input', key, 'description'], MAX_CHARGE_DESCRIPTION);
  }
  if (input.discount) {
    checkOptionalText(errors, input.discount.programName, ['input', 'discount', 'programName'], MAX_PROGRAM_NAME);
  }
  if (!checkAmount(errors, input.total, ['input', 'total'], false)) amountsOk = false;

  checkExpiry(errors, input, now);
  checkBeneficiaries(errors, input.beneficiaries);

  // Sums over invalid amounts would only add noise (or overflow) to the errors already found.
  const totals = amountsOk ? computeTotals(errors, input) : null;
  if (errors.length > 0 || totals === null) return { ok: false, errors };
  return { ok: true, totals };
}

/** The texts of an order_status message (updateOrderStatus, cancelOrder). */
export function validateStatusText(input: { description?: string | null; body?: string | null }): UserError[] {
  const errors: UserError[] = [];
  checkOptionalText(errors, input.description, ['input', 'description'], MAX_LONG_DESCRIPTION);
  if (input.body !== null && input.body !== undefined) {
    checkRequiredText(errors, input.body, ['input', 'body'], MAX_BODY);
  }
  return errors;
}
