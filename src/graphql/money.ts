import { CURRENCY, formatMoney } from '../domain/money';
import type { Money } from './types/common';

export function money(value: number, offset: number, currency: string = CURRENCY): Money {
  return { value, offset, currency, formatted: formatMoney(value, offset) };
}

export function moneyOrNull(value: number | null, offset: number | null, currency?: string | null): Money | null {
  return value === null || offset === null ? null : money(value, offset, currency ?? CURRENCY);
}
