// Refunds of a captured payment: what may be refunded, how a refund's status moves, and which of
// the refunds WhatsApp reports is which of ours. WhatsApp's refund API takes no idempotency key,
// so "is this refund of WhatsApp's the one we asked for?" is decided here and only here, by
// `matchReportedRefunds`, for the outbox (an answer that was lost) and for the payment lookup
// (settling refunds) alike.
import { userError } from './errors';
import { CURRENCY, formatMoney } from './money';
import type { MoneyAmount, PaymentStatus, RefundStatus, UserError } from './types';

/** Each status reachable from each status; the same status again is no news. */
const REFUND_ADVANCES: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  REQUESTED: ['PENDING', 'SUCCEEDED', 'FAILED'],
  PENDING: ['SUCCEEDED', 'FAILED'],
  SUCCEEDED: [],
  FAILED: [],
};

/** Whether `to` is news after `from`: statuses only move forward (a late `pending` never undoes a success). */
export function canAdvanceRefund(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_ADVANCES[from].includes(to);
}

/** Refunds that took money back, or still may: they count against what is left to refund. */
export function holdsMoney(status: RefundStatus): boolean {
  return status !== 'FAILED';
}

/**
 * `value` minor units of `from` as minor units of `to`, or null when that is not a whole number
 * (2.505 with offset 1000 has no exact value in paise).
 */
export function convertAmount(value: number, from: number, to: number): number | null {
  const scaled = BigInt(value) * BigInt(to);
  if (scaled % BigInt(from) !== 0n) return null;
  const converted = scaled / BigInt(from);
  return converted <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(converted) : null;
}

/** A refund as the limits see it: its amount is in the payment's minor units. */
export interface RefundAmountRow {
  amount: number;
  status: RefundStatus;
}

/** The sum of refunds that succeeded. */
export function refundedTotal(refunds: readonly RefundAmountRow[]): number {
  return refunds.filter((r) => r.status === 'SUCCEEDED').reduce((sum, r) => sum + r.amount, 0);
}

/** What is left to refund: the capture minus every refund that succeeded or may still succeed. */
export function refundableTotal(captured: number, refunds: readonly RefundAmountRow[]): number {
  const held = refunds.filter((r) => holdsMoney(r.status)).reduce((sum, r) => sum + r.amount, 0);
  return Math.max(0, captured - held);
}

/** The payment as a refund request is judged against it. */
export interface RefundablePayment {
  status: PaymentStatus;
  /** what WhatsApp reports as paid (minor units of `offset`); null before the lookup said */
  captured: number | null;
  offset: number;
  currency: string | null;
}

/**
 * Decides a refundPayment request: the amount to refund (the whole refundable amount when none is
 * given), or REFUND_NOT_ALLOWED naming the field and why. Called with the payment row locked, so
 * two requests at once are judged one after the other and never together refund more than was
 * captured.
 */
/**
 * The most refunds one payment may have (what the lookup reports per attempt, and what
 * Payment.refunds lists): partial refunds come in handfuls; this bounds the list a query can ask for.
 */
export const MAX_REFUNDS_PER_PAYMENT = 100;

export function decideRefund(
  payment: RefundablePayment,
  refunds: readonly RefundAmountRow[],
  requested: MoneyAmount | null | undefined,
): { ok: true; amount: number } | { ok: false; error: UserError } {
  const refuse = (message: string, field: string[]): { ok: false; error: UserError } => ({
    ok: false,
    error: userError('REFUND_NOT_ALLOWED', message, field),
  });
  if (payment.status !== 'CAPTURED' || payment.captured === null) {
    return refuse(`Only a CAPTURED payment can be refunded; this one is ${payment.status}.`, ['input', 'referenceId']);
  }
  if ((payment.currency ?? CURRENCY) !== CURRENCY) {
    return refuse(`WhatsApp refunds INR payments only; this payment was made in ${payment.currency}.`, ['input', 'referenceId']);
  }
  if (refunds.length >= MAX_REFUNDS_PER_PAYMENT) {
    return refuse(
      `This payment already has ${refunds.length} refunds, the most one payment may have; refund what is left in one refund at the payment gateway's dashboard.`,
      ['input', 'referenceId'],
    );
  }
  const left = refundableTotal(payment.captured, refunds);
  const leftText = `${CURRENCY} ${formatMoney(left, payment.offset)}`;
  if (requested === null || requested === undefined) {
    if (left === 0) return refuse('Nothing is left to refund: earlier refunds cover the whole captured amount.', ['input', 'referenceId']);
    return { ok: true, amount: left };
  }
  if (requested.offset !== payment.offset) {
    return refuse(
      `amount must be INR in paise (offset ${payment.offset}), e.g. { value: 20000, offset: ${payment.offset} } for INR 200.00; offset ${requested.offset} is not INR's.`,
      ['input', 'amount', 'offset'],
    );
  }
  if (!Number.isSafeInteger(requested.value) || requested.value <= 0) {
    return refuse(`amount must be more than zero (at most ${leftText}, what is left to refund).`, ['input', 'amount', 'value']);
  }
  if (requested.value > left) {
    return refuse(
      `${CURRENCY} ${formatMoney(requested.value, payment.offset)} is more than the ${leftText} left to refund ` +
        '(the captured amount minus refunds requested, pending or succeeded).',
      ['input', 'amount', 'value'],
    );
  }
  return { ok: true, amount: requested.value };
}

/** One of our refunds, as the matching sees it. */
export interface StoredRefund {
  id: string;
  /** WhatsApp's refund id, once known */
  refundId: string | null;
  status: RefundStatus;
  /** minor units of the payment's offset */
  amount: number;
  /** when the gateway stored it (before it was requested) */
  createdAt: Date;
  /**
   * its request may have reached WhatsApp without the gateway knowing its outcome yet: a call in
   * progress (or whose holder died), or one whose answer was lost
   */
  inFlight: boolean;
}

/** A refund as WhatsApp reports it (in the payment lookup), amount in the payment's minor units. */
export interface ReportedRefund {
  id: string;
  /** null when it could not be read or has no exact value in the payment's minor units */
  amount: number | null;
  /** WhatsApp's created_timestamp: whole seconds; null when it did not give one */
  createdAt: Date | null;
}

export type RefundMatch =
  /** a refund of ours carries this id already */
  | { kind: 'known'; refund: StoredRefund }
  /** the refund being settled (whose answer was lost): WhatsApp has it, this is it */
  | { kind: 'ours'; refund: StoredRefund }
  /** it may be the refund whose request is in flight: the request's own outcome decides, look again later */
  | { kind: 'undecided'; refund: StoredRefund }
  /** made outside the gateway (at the payment gateway's dashboard) */
  | { kind: 'external' };

/**
 * Which of our refunds each refund WhatsApp reports is. WhatsApp's refund API takes no idempotency
 * key, so a refund whose answer was lost is recognised by what WhatsApp reports: a refund WhatsApp
 * has that no refund of ours carries the id of, with the same amount, created no earlier than the
 * second ours was stored in (WhatsApp's timestamps are whole seconds; one without a timestamp
 * cannot be ruled out), is ours. Only a refund whose request may have reached WhatsApp can be
 * recognised so (`inFlight`, or the one being settled: `settling`), and each only once; WhatsApp's
 * refunds are taken oldest first, so the earliest candidate is the one matched.
 *
 * `settling` is the refund whose unknown outcome the caller (the outbox) is settling: a candidate
 * for it is `ours`. A candidate for any other refund in flight is `undecided`: that request's own
 * answer (or its settling) decides, so nobody else takes it as external meanwhile. Whatever is left
 * was made outside the gateway.
 */
export function matchReportedRefunds(
  stored: readonly StoredRefund[],
  reported: readonly ReportedRefund[],
  settling: string | null = null,
): Array<{ reported: ReportedRefund; match: RefundMatch }> {
  const byId = new Map(stored.filter((s) => s.refundId !== null).map((s) => [s.refundId!, s]));
  const taken = new Set<string>();
  const order = [...reported].sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
  const results = new Map<ReportedRefund, RefundMatch>();
  for (const r of order) {
    const known = byId.get(r.id);
    if (known) {
      results.set(r, { kind: 'known', refund: known });
      continue;
    }
    const candidate = stored.find(
      (s) =>
        !taken.has(s.id) &&
        s.refundId === null &&
        s.status === 'REQUESTED' &&
        (s.inFlight || s.id === settling) &&
        r.amount !== null &&
        r.amount === s.amount &&
        (r.createdAt === null || r.createdAt.getTime() >= Math.floor(s.createdAt.getTime() / 1000) * 1000),
    );
    if (!candidate) {
      results.set(r, { kind: 'external' });
      continue;
    }
    taken.add(candidate.id);
    results.set(r, candidate.id === settling ? { kind: 'ours', refund: candidate } : { kind: 'undecided', refund: candidate });
  }
  return reported.map((r) => ({ reported: r, match: results.get(r)! }));
}
