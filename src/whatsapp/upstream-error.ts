// Every failed call to the WhatsApp API becomes one UpstreamError, and `temporary` is the only
// decision the rest of the gateway needs: temporary → keep the message QUEUED and retry with
// backoff (or retry the lookup later); permanent → the request itself is wrong, retrying the
// same bytes cannot help, so the message is FAILED and the caller gets UPSTREAM_REJECTED.

/**
 * WhatsApp codes that mean "not now" whatever HTTP status carries them:
 * 4 (application request limit), 80007 (WABA rate limit), 130429 (throughput limit),
 * 131016 (service temporarily unavailable), 131056 (pair rate limit: same business → same customer).
 * Graph codes 1 and 2 (unknown / service error) arrive with 5xx and are temporary through the status.
 */
export const TEMPORARY_WHATSAPP_CODES: ReadonlySet<number> = new Set([4, 80007, 130429, 131016, 131056]);

export function isTemporaryWhatsAppCode(code: number | undefined): boolean {
  return code !== undefined && TEMPORARY_WHATSAPP_CODES.has(code);
}

export type UpstreamFailureKind = 'network' | 'timeout' | 'http' | 'protocol';

export interface UpstreamErrorFields {
  kind: UpstreamFailureKind;
  temporary: boolean;
  /**
   * The call may have reached WhatsApp and been acted on although no answer says so: a timeout, a
   * connection lost after the request was written, a 2xx that cannot be read. A message or refund
   * with such an outcome must be settled by asking WhatsApp before it is sent again.
   */
  outcomeUnknown?: boolean;
  httpStatus?: number;
  whatsappCode?: number;
  details?: string;
  fbtraceId?: string;
  cause?: unknown;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  readonly kind: UpstreamFailureKind;
  readonly temporary: boolean;
  readonly outcomeUnknown: boolean;
  readonly httpStatus?: number;
  readonly whatsappCode?: number;
  readonly details?: string;
  readonly fbtraceId?: string;

  constructor(message: string, fields: UpstreamErrorFields) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.kind = fields.kind;
    this.temporary = fields.temporary;
    this.outcomeUnknown = fields.outcomeUnknown ?? false;
    this.httpStatus = fields.httpStatus;
    this.whatsappCode = fields.whatsappCode;
    this.details = fields.details;
    this.fbtraceId = fields.fbtraceId;
  }
}

export interface GraphError {
  code?: number;
  message?: string;
  type?: string;
  details?: string;
  fbtraceId?: string;
}

/**
 * A text of WhatsApp's error body as the gateway can keep it (it ends up in errorMessage columns):
 * without control characters, which PostgreSQL refuses (NUL) or which have no place in a message.
 */
function str(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  return clean !== '' ? clean : undefined;
}

/**
 * An error code as the gateway can keep it: a whole number that fits the 32-bit column it is
 * stored in (outbound_messages.errorCode) and GraphQL's Int. A code out of that range is left
 * out; the message text still carries it.
 */
function int(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 2147483647 ? n : undefined;
}

/** An answer body (parsed, or JSON text) as an object; null when it is not one. */
function jsonObject(body: unknown): Record<string, unknown> | null {
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return null;
    }
  }
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null;
}

/** Reads the Graph error envelope ({ error: { code, message, error_data.details, fbtrace_id } }); null if the body is not one. */
export function parseGraphErrorEnvelope(body: unknown): GraphError | null {
  const error = jsonObject(body)?.error;
  if (typeof error !== 'object' || error === null) return null;
  const e = error as Record<string, unknown>;
  const data = typeof e.error_data === 'object' && e.error_data !== null ? (e.error_data as Record<string, unknown>) : {};
  return {
    code: int(e.code),
    message: str(e.message),
    type: str(e.type),
    // error_data.details is usually the only text that says which field was wrong
    details: str(data.details) ?? (typeof e.error_data === 'string' ? str(e.error_data) : undefined),
    fbtraceId: str(e.fbtrace_id),
  };
}

/**
 * Reads the error body the payment lookup documents ({ errors: [{ code, title, details }] }, not
 * Graph's envelope); null if the body is not one. The first error is the one reported.
 */
export function parseErrorsArray(body: unknown): GraphError | null {
  const errors = jsonObject(body)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  const first = errors[0];
  if (typeof first !== 'object' || first === null) return null;
  const e = first as Record<string, unknown>;
  return { code: int(e.code), message: str(e.title)?.slice(0, MAX_RAW_DETAILS), details: str(e.details)?.slice(0, MAX_RAW_DETAILS) };
}

export type UpstreamFailure =
  /** the API answered with a non-2xx status; body = parsed JSON or the raw text */
  | { kind: 'http'; httpStatus: number; body: unknown }
  /** no answer: DNS, refused, reset, TLS ... */
  | { kind: 'network'; cause: unknown }
  | { kind: 'timeout'; timeoutMs: number; cause?: unknown }
  /** a 2xx answer we cannot use (no wamid, not JSON) */
  | { kind: 'protocol'; message: string; httpStatus?: number };

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

// Duck-typed rather than instanceof Error: fetch's errors may come from another realm (jest's
// sandbox, worker threads), where instanceof is false for a perfectly normal TypeError.
function describeCause(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return String(cause);
  const outer = cause as ErrorLike;
  // fetch wraps the socket error ("fetch failed" → cause: ECONNRESET ...); the inner one says more
  const inner = (typeof outer.cause === 'object' && outer.cause !== null ? outer.cause : {}) as ErrorLike;
  const code = typeof inner.code === 'string' ? inner.code : typeof outer.code === 'string' ? outer.code : undefined;
  const parts = [outer.message, inner.message, code].filter((p): p is string => typeof p === 'string' && p !== '');
  return [...new Set(parts)].join(': ') || String(cause);
}

const MAX_RAW_DETAILS = 300;

/**
 * Socket errors that prove the request never reached WhatsApp: no address, no route, refused. Any
 * other network error (a reset, a connection closed mid-answer) may come after WhatsApp read the
 * request, so its outcome is unknown.
 */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCodes(cause: unknown): string[] {
  const codes: string[] = [];
  for (let c = cause, depth = 0; typeof c === 'object' && c !== null && depth < 5; c = (c as ErrorLike).cause, depth++) {
    const code = (c as ErrorLike).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** Whether a network failure leaves open that WhatsApp received (and acted on) the request. */
export function networkOutcomeUnknown(cause: unknown): boolean {
  return !causeCodes(cause).some((code) => NEVER_SENT_CODES.has(code));
}

export function classifyUpstreamFailure(failure: UpstreamFailure): UpstreamError {
  switch (failure.kind) {
    case 'network':
      return new UpstreamError(
        `WhatsApp API unreachable (${describeCause(failure.cause)}); temporary, retry later`,
        { kind: 'network', temporary: true, outcomeUnknown: networkOutcomeUnknown(failure.cause), cause: failure.cause },
      );
    case 'timeout':
      return new UpstreamError(
        `WhatsApp API did not answer within ${failure.timeoutMs} ms; temporary, retry later ` +
          '(WhatsApp may still have acted on the call)',
        { kind: 'timeout', temporary: true, outcomeUnknown: true, cause: failure.cause },
      );
    case 'protocol':
      // A 2xx we cannot read: the request probably went through, but nothing proves it. It is
      // neither a success nor a failure: whoever retries must first ask WhatsApp what it has.
      return new UpstreamError(`WhatsApp API answer not understood: ${failure.message}; the outcome is unknown`, {
        kind: 'protocol',
        temporary: true,
        outcomeUnknown: failure.httpStatus === undefined || (failure.httpStatus >= 200 && failure.httpStatus < 300),
        httpStatus: failure.httpStatus,
      });
    case 'http': {
      const { httpStatus } = failure;
      const envelope = parseGraphErrorEnvelope(failure.body);
      const listed = envelope === null ? parseErrorsArray(failure.body) : null;
      const graph = envelope ?? listed;
      const whatsappCode = graph?.code;
      const details =
        graph?.details ??
        (graph === null && typeof failure.body === 'string' ? str(failure.body.trim())?.slice(0, MAX_RAW_DETAILS) : undefined);
      // the lookup's own error body carries HTTP-like codes ("code": 500, "Generic error"): a 5xx
      // there is temporary too, even when the status line says otherwise
      const listedServerError = listed?.code !== undefined && listed.code >= 500 && listed.code <= 599;
      const temporary =
        httpStatus >= 500 || httpStatus === 429 || isTemporaryWhatsAppCode(whatsappCode) || listedServerError;
      const what = [
        `HTTP ${httpStatus}`,
        whatsappCode === undefined ? undefined : `code ${whatsappCode}`,
      ].filter(Boolean).join(', ');
      const text = [graph?.message, details].filter(Boolean).join(' — ');
      const advice = temporary
        ? 'temporary, retry later'
        : 'permanent: the request was refused as sent, fix it (see details) before sending again';
      return new UpstreamError(`WhatsApp API refused the call (${what})${text ? `: ${text}` : ''}; ${advice}`, {
        kind: 'http',
        temporary,
        httpStatus,
        whatsappCode,
        details,
        fbtraceId: graph?.fbtraceId,
      });
    }
  }
}
