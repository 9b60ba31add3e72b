// WhatsApp's refund API (payments-in "Step 8: Refunds"): the request the gateway sends and the
// answer it reads. The answer is range-checked here, where it is parsed: an answer that cannot be
// read is not a failure but an unknown outcome (WhatsApp may have made the refund), which the
// client reports as such and the outbox settles through the payment lookup.
import type { RefundSpeed } from '../domain/types';
import { isObject } from './wire-mapping';
import type { WireRefundRequest } from './wire-types';
import { quote, wireId, WireProblems } from './wire-values';

/** refunds.refundId: WhatsApp's refund ids (Razorpay's rfnd_...) fit easily */
export const MAX_REFUND_ID = 128;

/**
 * Where a 360dialog number's refund call goes under its base URL. 360dialog does not document a
 * refund endpoint; it proxies the Cloud API's calls under their own names (/messages), so the
 * default is the Cloud API's name, and DIALOG360_REFUND_PATH changes it.
 */
export const DEFAULT_DIALOG360_REFUND_PATH = '/payments_refund';

/**
 * A path under the provider's base URL: segments of letters, digits and - _ . (no `..`, no query,
 * no scheme or host), so the refund call can only ever go to the provider's own host.
 */
export function isRefundPath(path: string): boolean {
  return /^(\/[A-Za-z0-9_.-]+)+$/.test(path) && path.length <= 200 && !path.split('/').some((s) => s === '.' || s === '..');
}

export interface RefundRequest {
  referenceId: string;
  /** the payment configuration's name (payment_config_id) */
  configurationName: string;
  speed: RefundSpeed;
  /** minor units of `offset` (INR: paise, offset 100) */
  amount: { value: number; offset: number };
}

export type RefundAnswerStatus = 'pending' | 'failed' | 'completed';

/** What WhatsApp answered: the refund's id, where it stands, and the speed the payment gateway used. */
export interface RefundAnswer {
  id: string;
  status: RefundAnswerStatus;
  /** null when WhatsApp named a speed this gateway does not know (the refund is no less accepted) */
  speedProcessed: RefundSpeed | null;
}

export function buildRefundRequest(r: RefundRequest): WireRefundRequest {
  return {
    reference_id: r.referenceId,
    speed: r.speed === 'INSTANT' ? 'instant' : 'normal',
    payment_config_id: r.configurationName,
    amount: { currency: 'INR', value: String(r.amount.value), offset: String(r.amount.offset) },
  };
}

const ANSWER_STATUSES: ReadonlySet<string> = new Set(['pending', 'failed', 'completed']);

/** normal / instant as the gateway's speed; anything else null. */
export function fromWireRefundSpeed(value: unknown): RefundSpeed | null {
  const s = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return s === 'normal' ? 'NORMAL' : s === 'instant' ? 'INSTANT' : null;
}

/**
 * The body of a 2xx answer to payments_refund. Throws an Error saying what is wrong when it is not
 * `{id, status: pending|failed|completed}` with an id the gateway can keep: the caller treats that
 * as an unknown outcome, never as a refusal.
 */
export function parseRefundAnswer(body: unknown): RefundAnswer {
  if (!isObject(body)) throw new Error('refund answer is not a JSON object');
  const problems = new WireProblems();
  const id = wireId(body.id, 'id', problems, MAX_REFUND_ID);
  if (id === null) throw new Error(problems.empty ? 'refund answer has no id' : `refund answer: ${problems.list().join('; ')}`);
  const status = typeof body.status === 'string' ? body.status.trim().toLowerCase() : '';
  if (!ANSWER_STATUSES.has(status)) {
    throw new Error(`refund answer's status is ${quote(body.status)}, not pending, failed or completed`);
  }
  return { id, status: status as RefundAnswerStatus, speedProcessed: fromWireRefundSpeed(body.speed_processed) };
}
