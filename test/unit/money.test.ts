import {
  CURRENCY,
  MAX_AMOUNT,
  OFFSET,
  formatMoney,
  isMinorUnits,
  offsetDecimals,
  sumMinorUnits,
} from '../../src/domain/money';

describe('money constants', () => {
  it('is INR in paise, capped at the GraphQL Int maximum', () => {
    expect(CURRENCY).toBe('INR');
    expect(OFFSET).toBe(100);
    expect(MAX_AMOUNT).toBe(2 ** 31 - 1);
  });
});

describe('formatMoney', () => {
  it.each([
    [52000, 100, '520.00'],
    [5, 100, '0.05'],
    [-150, 100, '-1.50'],
    [7, 1, '7'],
    [12345, 1000, '12.345'],
    [0, 100, '0.00'],
    [-5, 100, '-0.05'],
    [100, 100, '1.00'],
    [99, 100, '0.99'],
    [5, 10, '0.5'],
    [-7, 1, '-7'],
    [0, 1, '0'],
    [1, 1_000_000, '0.000001'],
    [MAX_AMOUNT, 100, '21474836.47'],
    // Exact at the very top of the safe range, where float division would round.
    [Number.MAX_SAFE_INTEGER, 100, '90071992547409.91'],
    [-Number.MAX_SAFE_INTEGER, 100, '-90071992547409.91'],
  ])('formatMoney(%p, %p) is %p', (value, offset, expected) => {
    expect(formatMoney(value, offset)).toBe(expected);
  });

  it('renders negative zero without a sign', () => {
    expect(formatMoney(-0, 100)).toBe('0.00');
  });

  it.each([0, -100, 50, 2, 101, 1.5, 0.1, NaN, Infinity, 1e21])(
    'rejects offset %p, which is not a power of ten',
    (offset) => {
      expect(() => formatMoney(1, offset)).toThrow(RangeError);
    },
  );

  it.each([1.5, 0.1, NaN, Infinity, -Infinity, 2 ** 53])('rejects value %p, which is not exact minor units', (value) => {
    expect(() => formatMoney(value, 100)).toThrow(RangeError);
  });
});

describe('offsetDecimals', () => {
  it.each([
    [1, 0],
    [10, 1],
    [100, 2],
    [1000, 3],
    [1e15, 15],
  ])('offset %p has %p decimals', (offset, decimals) => {
    expect(offsetDecimals(offset)).toBe(decimals);
  });

  it('explains the rule when it throws', () => {
    expect(() => offsetDecimals(25)).toThrow(/power of 10/);
  });
});

describe('isMinorUnits', () => {
  it.each([0, 1, 52000, MAX_AMOUNT, Number.MAX_SAFE_INTEGER])('accepts %p', (n) => {
    expect(isMinorUnits(n)).toBe(true);
  });

  it.each([-1, 1.5, 0.1, NaN, Infinity, 2 ** 53, '1', null, undefined, {}, 10n])('rejects %p', (n) => {
    expect(isMinorUnits(n)).toBe(false);
  });
});

describe('sumMinorUnits', () => {
  it('is 0 for no values', () => {
    expect(sumMinorUnits([])).toBe(0);
  });

  it('adds exactly', () => {
    expect(sumMinorUnits([45000, 8100, 4000])).toBe(57100);
    expect(sumMinorUnits([10, 20])).toBe(30);
  });

  it('accepts negative amounts (a discount subtracted)', () => {
    expect(sumMinorUnits([57100, -5100])).toBe(52000);
  });

  it('reaches the largest safe integer', () => {
    expect(sumMinorUnits([Number.MAX_SAFE_INTEGER - 1, 1])).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('throws past the largest safe integer', () => {
    expect(() => sumMinorUnits([Number.MAX_SAFE_INTEGER, 1])).toThrow(RangeError);
  });

  it('throws when only an intermediate sum leaves the safe range', () => {
    expect(() => sumMinorUnits([Number.MAX_SAFE_INTEGER, 2, -2])).toThrow(RangeError);
  });

  it.each([[[0.5, 0.5]], [[1, NaN]], [[Infinity]], [[1, 2 ** 53]]])('throws for non-integer input %p', (values) => {
    expect(() => sumMinorUnits(values)).toThrow(RangeError);
  });
});
