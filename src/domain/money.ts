// Money is always integer minor units plus WhatsApp's power-of-ten offset ({ value: 52000,
// offset: 100 } is INR 520.00). Floats never touch an amount: 0.1 + 0.2 style rounding would
// make totals disagree with what WhatsApp and the payment gateway compute.

/** The only currency WhatsApp payments in India support. */
export const CURRENCY = 'INR';

/** INR amounts are paise: 100 minor units per rupee. */
export const OFFSET = 100;

/** GraphQL `Int` is a signed 32-bit integer, so no amount above this can even be sent to us. */
export const MAX_AMOUNT = 2147483647;

/**
 * The most a UPI payment can be: INR 5,00,000 (in paise). Above it WhatsApp's checkout must offer
 * the payment gateway's web checkout only (order_details' enabled_payment_options: ["web"]).
 */
export const MAX_UPI_AMOUNT = 50_000_000;

/** Whether a total (minor units of `offset`) is above what UPI can pay. */
export function aboveUpiLimit(total: number, offset: number): boolean {
  return BigInt(total) * BigInt(OFFSET) > BigInt(MAX_UPI_AMOUNT) * BigInt(offset);
}

/**
 * Number of decimal places an offset stands for (1 -> 0, 100 -> 2).
 * Throws RangeError when the offset is not a power of ten, because such an amount has no
 * exact decimal rendering.
 */
export function offsetDecimals(offset: number): number {
  // String(1e21) is "1e+21", so the pattern also rejects offsets too large to be exact.
  const text = Number.isSafeInteger(offset) ? String(offset) : '';
  if (!/^10*$/.test(text)) {
    throw new RangeError(`offset must be a power of 10 (1, 10, 100, ...), got ${offset}`);
  }
  return text.length - 1;
}

/** Renders minor units as a decimal string using only integer/string arithmetic. */
export function formatMoney(value: number, offset: number): string {
  const decimals = offsetDecimals(offset);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`value must be a safe integer number of minor units, got ${value}`);
  }
  const sign = value < 0 ? '-' : '';
  const digits = String(Math.abs(value));
  if (decimals === 0) return sign + digits;
  const padded = digits.padStart(decimals + 1, '0');
  return `${sign}${padded.slice(0, -decimals)}.${padded.slice(-decimals)}`;
}

/** A value that can be stored and summed as minor units without losing precision. */
export function isMinorUnits(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * Adds minor-unit amounts. Every partial sum is checked, not only the result: once a sum leaves
 * the safe-integer range, later additions can land back inside it with the wrong value.
 */
export function sumMinorUnits(values: number[]): number {
  let sum = 0;
  for (const value of values) {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`cannot add ${value}: amounts must be safe integers of minor units`);
    }
    sum += value;
    if (!Number.isSafeInteger(sum)) {
      throw new RangeError('sum of amounts is outside the safe integer range; amounts are too large');
    }
  }
  return sum;
}
