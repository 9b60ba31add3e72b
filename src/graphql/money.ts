import { CURRENCY, formatMoney } from '../domain/money';
import type { Money } from './types/common';

/** `formatted` is made only when asked for (a page of items has thousands of amounts). */
export function money(value: number, offset: number, currency: string = CURRENCY): Money {
  return {
    value,
    offset,
    currency,
    get formatted() {
      return formatMoney(value, offset);
    },
  };
}

export function moneyOrNull(value: number | null, offset: number | null, currency?: string | null): Money | null {
  return value === null || offset === null ? null : money(value, offset, currency ?? CURRENCY);
}
