// Range checks for every value read from WhatsApp (webhook bodies, lookup answers). Whatever
// passes is storable in the gateway's columns on both databases (32-bit integers, bounded
// varchars, no NUL bytes, dates JavaScript and both databases can hold) and readable through the
// API afterwards. A value that does not pass is never stored: the reader answers null and notes
// the problem (where it was, what it was, what is allowed), and the caller records the notes as a
// PAYMENT_DISCREPANCY or a FAILED webhook. An absent value is just null, not a problem.

import { MAX_AMOUNT } from '../domain/money';

/** Largest value of the 32-bit integer columns (PostgreSQL's `integer`), and of GraphQL's Int. */
export const MAX_INT32 = 2147483647;

/** 9999-12-31T23:59:59Z: later dates do not survive every database and ISO rendering. */
export const MAX_EPOCH_SECONDS = 253402300799;

/** The largest offset (power of ten) an amount may use; 100 for INR. */
export const MAX_OFFSET = 1_000_000_000;

/** Notes kept per webhook body or lookup answer; more would only repeat themselves. */
const MAX_NOTES = 20;

/** Collects the out-of-range values of one body, each with its path. */
export class WireProblems {
  readonly notes: string[] = [];
  private dropped = 0;

  add(path: string, what: string): void {
    if (this.notes.length < MAX_NOTES) this.notes.push(`${path} ${what}`);
    else this.dropped++;
  }

  /** The notes, with a count of those left out. */
  list(): string[] {
    return this.dropped > 0 ? [...this.notes, `and ${this.dropped} more values out of range`] : [...this.notes];
  }

  get empty(): boolean {
    return this.notes.length === 0;
  }
}

/** A wire value quoted in a note: short, and with control characters escaped by JSON. */
export function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

// C0 and C1 control characters: PostgreSQL refuses NUL in text, and the others have no place in
// an identifier or a short code.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

const absent = (value: unknown) => value === undefined || value === null || value === '';

/**
 * An identifier or short code (ids, statuses, currency, method): a non-empty string without
 * control characters, at most `max` characters; a finite integer is taken as its digits (ids
 * arrive both ways). Anything else is null, with a note unless it was simply absent.
 */
export function wireId(value: unknown, path: string, problems: WireProblems, max: number): string | null {
  if (absent(value)) return null;
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) s = String(value);
  else {
    problems.add(path, `is ${quote(value)}, not a text`);
    return null;
  }
  if (s.length > max) {
    problems.add(path, `is ${s.length} characters long (at most ${max} allowed)`);
    return null;
  }
  if (CONTROL.test(s)) {
    problems.add(path, `contains control characters (${quote(s)})`);
    return null;
  }
  return s;
}

/**
 * A descriptive text (error reasons, titles, details): only ever shown, so it is made storable
 * rather than refused. Control characters other than tab and newline are dropped (PostgreSQL
 * refuses NUL) and the text is cut to `max` characters.
 */
export function wireText(value: unknown, max: number): string | null {
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return null;
  const s = String(value).replace(CONTROL_IN_TEXT, '');
  if (s === '') return null;
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** An integer from `min` to `max` (numeric strings tolerated), else null with a note. */
export function wireInteger(value: unknown, path: string, problems: WireProblems, min: number, max: number): number | null {
  if (absent(value)) return null;
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*-?\d{1,20}\s*$/.test(value)) n = Number(value);
  else {
    problems.add(path, `is ${quote(value)}, not an integer`);
    return null;
  }
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.add(path, `is ${quote(value)}, out of range (${min} to ${max})`);
    return null;
  }
  return n;
}

/**
 * Epoch seconds, as a number or a string of digits (both occur), from 0 to the year 9999, as a
 * Date; else null with a note.
 */
export function wireTimestamp(value: unknown, path: string, problems: WireProblems): Date | null {
  const seconds = wireInteger(value, path, problems, 0, MAX_EPOCH_SECONDS);
  return seconds === null ? null : new Date(seconds * 1000);
}

export interface WireAmount {
  value: number;
  offset: number;
}

/**
 * { value, offset } in minor units: value from 0 to the largest amount the gateway stores,
 * offset a power of ten from 1 to 10^9 (numeric strings tolerated); else null with a note.
 */
export function wireMoney(value: unknown, path: string, problems: WireProblems): WireAmount | null {
  if (absent(value)) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.add(path, `is ${quote(value)}, not {value, offset}`);
    return null;
  }
  const m = value as Record<string, unknown>;
  if (absent(m.value) || absent(m.offset)) {
    problems.add(path, 'lacks value or offset');
    return null;
  }
  const v = wireInteger(m.value, `${path}.value`, problems, 0, MAX_AMOUNT);
  const o = wireInteger(m.offset, `${path}.offset`, problems, 1, MAX_OFFSET);
  if (o !== null && !/^10*$/.test(String(o))) {
    problems.add(`${path}.offset`, `is ${o}, not a power of ten`);
    return null;
  }
  return v === null || o === null ? null : { value: v, offset: o };
}

/** A three-letter currency code (INR), else null with a note. */
export function wireCurrency(value: unknown, path: string, problems: WireProblems): string | null {
  const s = wireId(value, path, problems, 3);
  if (s === null) return null;
  if (!/^[A-Za-z]{3}$/.test(s)) {
    problems.add(path, `is ${quote(s)}, not a three-letter currency code`);
    return null;
  }
  return s.toUpperCase();
}
