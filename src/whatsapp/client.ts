// The calls the gateway makes to WhatsApp (messages, the payment lookup, refunds), for both ways
// of reaching it: Meta's Cloud API directly, or 360dialog's proxy of it. They differ only in URLs and the auth header; bodies
// and answers are the same wire format. Every failure leaves as an UpstreamError whose
// `temporary` flag drives retries. The access token goes into one header and nowhere else:
// not into error messages, not into logs.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { UpstreamProvider } from '../domain/types';
import { type LookupPayment, parseLookupResponse } from './lookup';
import { buildRefundRequest, DEFAULT_DIALOG360_REFUND_PATH, isRefundPath, parseRefundAnswer, type RefundAnswer, type RefundRequest } from './refund-wire';
import { classifyUpstreamFailure, parseErrorsArray, parseGraphErrorEnvelope, UpstreamError } from './upstream-error';

export type { LookupPayment, LookupTransaction } from './lookup';
export type { RefundAnswer, RefundRequest } from './refund-wire';

export interface WhatsAppClient {
  /** POST /messages. Resolves with the wamid of the accepted message; throws UpstreamError. */
  sendMessage(payload: object): Promise<{ wamid: string }>;
  /**
   * GET the payment of (configuration, reference id). null when WhatsApp has no payment for it
   * (404 with a Graph error, or an empty list); throws UpstreamError for everything else.
   */
  lookupPayment(configurationName: string, referenceId: string): Promise<LookupPayment | null>;
  /**
   * POST payments_refund. Resolves with WhatsApp's answer (its refund id and status); throws
   * UpstreamError, with `outcomeUnknown` when WhatsApp may have made the refund although no
   * readable answer says so (a timeout, a reset after the request was written, an unreadable 2xx).
   */
  requestRefund(request: RefundRequest): Promise<RefundAnswer>;
}

export interface WhatsAppClientOptions {
  provider: UpstreamProvider;
  /** CLOUD_API: e.g. https://graph.facebook.com; DIALOG360: e.g. https://waba-v2.360dialog.io */
  baseUrl: string;
  /** Graph version path segment (CLOUD_API only), e.g. v23.0 */
  apiVersion: string;
  /** the Cloud API phone number id (CLOUD_API path; 360dialog knows it from the API key) */
  phoneNumberId: string;
  /** CLOUD_API: a system-user access token; DIALOG360: the D360 API key */
  accessToken: string;
  /** per call, including reading the answer; default 10000 */
  timeoutMs?: number;
  /**
   * DIALOG360: the path of the refund call under baseUrl; default /payments_refund (360dialog does
   * not document it: the Cloud API's path, as it proxies the others)
   */
  dialog360RefundPath?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** outbound_messages.wamid */
const MAX_WAMID = 255;

interface Endpoints {
  messages: string;
  payment(configurationName: string, referenceId: string): string;
  refund: string;
  authHeaders: Record<string, string>;
}

function endpoints(opts: WhatsAppClientOptions, base: string): Endpoints {
  const seg = encodeURIComponent;
  if (opts.provider === 'DIALOG360') {
    return {
      messages: `${base}/messages`,
      payment: (c, r) => `${base}/v1/payments/${seg(c)}/${seg(r)}`,
      refund: `${base}${opts.dialog360RefundPath ?? DEFAULT_DIALOG360_REFUND_PATH}`,
      authHeaders: { 'D360-API-KEY': opts.accessToken },
    };
  }
  const root = `${base}/${seg(opts.apiVersion)}/${seg(opts.phoneNumberId)}`;
  return {
    messages: `${root}/messages`,
    payment: (c, r) => `${root}/payments/${seg(c)}/${seg(r)}`,
    refund: `${root}/payments_refund`,
    authHeaders: { Authorization: `Bearer ${opts.accessToken}` },
  };
}

function checkOptions(opts: WhatsAppClientOptions): string {
  const problems: string[] = [];
  let base = '';
  try {
    const url = new URL(opts.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push('baseUrl must be an http(s) URL');
    base = opts.baseUrl.replace(/\/+$/, '');
  } catch {
    problems.push(`baseUrl "${opts.baseUrl}" is not a URL (expected e.g. https://graph.facebook.com)`);
  }
  if (!opts.accessToken) problems.push('accessToken is empty (set the phone number’s access token or D360 API key)');
  if (opts.provider === 'CLOUD_API') {
    if (!opts.apiVersion) problems.push('apiVersion is empty (expected e.g. v23.0)');
    if (!opts.phoneNumberId) problems.push('phoneNumberId is empty');
  } else if (opts.provider !== 'DIALOG360') {
    problems.push(`provider must be CLOUD_API or DIALOG360, not ${String(opts.provider)}`);
  }
  if (opts.timeoutMs !== undefined && !(opts.timeoutMs > 0)) problems.push('timeoutMs must be positive');
  if (opts.dialog360RefundPath !== undefined && !isRefundPath(opts.dialog360RefundPath)) {
    problems.push(`dialog360RefundPath "${opts.dialog360RefundPath}" is not a path (expected e.g. ${DEFAULT_DIALOG360_REFUND_PATH})`);
  }
  if (problems.length > 0) throw new Error(`WhatsApp client misconfigured: ${problems.join('; ')}`);
  return base;
}

interface Answer {
  status: number;
  /** parsed JSON, or the raw text when it is not JSON */
  body: unknown;
  json: boolean;
}

export function createWhatsAppClient(opts: WhatsAppClientOptions): WhatsAppClient {
  const base = checkOptions(opts);
  const ep = endpoints(opts, base);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers = { ...ep.authHeaders, 'Content-Type': 'application/json', Accept: 'application/json' };

  async function call(method: 'GET' | 'POST', url: string, payload?: object): Promise<Answer> {
    let status: number;
    let raw: string;
    let signal: AbortSignal | undefined;
    try {
      // the timeout also covers reading the body: a stalled answer is as bad as none
      signal = AbortSignal.timeout(timeoutMs);
      ({ status, text: raw } = await exchange(method, url, headers, payload === undefined ? undefined : JSON.stringify(payload), signal));
    } catch (err) {
      throw classifyUpstreamFailure(signal?.aborted ? { kind: 'timeout', timeoutMs, cause: err } : { kind: 'network', cause: err });
    }
    try {
      return { status, body: JSON.parse(raw), json: true };
    } catch {
      return { status, body: raw, json: false };
    }
  }

  const ok = (status: number) => status >= 200 && status < 300;

  return {
    async sendMessage(payload) {
      const answer = await call('POST', ep.messages, payload);
      if (!ok(answer.status)) throw classifyUpstreamFailure({ kind: 'http', httpStatus: answer.status, body: answer.body });
      const id = (answer.body as { messages?: Array<{ id?: unknown }> } | null)?.messages?.[0]?.id;
      if (typeof id !== 'string' || id === '') {
        throw classifyUpstreamFailure({ kind: 'protocol', httpStatus: answer.status, message: 'no messages[0].id (wamid) in the answer' });
      }
      // a wamid is stored (and matched on) in a 255-character column: one that could not be is
      // no proof of acceptance the gateway can keep
      // eslint-disable-next-line no-control-regex
      if (id.length > MAX_WAMID || /[\u0000-\u001f\u007f]/.test(id)) {
        throw classifyUpstreamFailure({ kind: 'protocol', httpStatus: answer.status, message: `messages[0].id is not a wamid the gateway can keep (${id.length} characters, at most ${MAX_WAMID}, no control characters)` });
      }
      return { wamid: id };
    },

    async lookupPayment(configurationName, referenceId) {
      const answer = await call('GET', ep.payment(configurationName, referenceId));
      // Only a 404 in one of WhatsApp's error shapes means "no such payment"; a bare 404 page
      // means a wrong base URL, and reading that as "not paid" could let an order be canceled
      // after the customer paid.
      const errorBody = parseGraphErrorEnvelope(answer.body) ?? parseErrorsArray(answer.body);
      if (answer.status === 404 && errorBody !== null) return null;
      if (!ok(answer.status)) throw classifyUpstreamFailure({ kind: 'http', httpStatus: answer.status, body: answer.body });
      if (!answer.json) throw classifyUpstreamFailure({ kind: 'protocol', httpStatus: answer.status, message: 'lookup answer is not JSON' });
      // the lookup's documented error body, sent with a 2xx status: an error all the same
      if (errorBody !== null && !isPaymentBody(answer.body)) {
        throw classifyUpstreamFailure({ kind: 'http', httpStatus: answer.status, body: answer.body });
      }
      try {
        return parseLookupResponse(answer.body, referenceId);
      } catch (err) {
        throw classifyUpstreamFailure({ kind: 'protocol', httpStatus: answer.status, message: (err as Error).message });
      }
    },

    async requestRefund(request) {
      const answer = await call('POST', ep.refund, buildRefundRequest(request));
      if (!ok(answer.status)) throw classifyUpstreamFailure({ kind: 'http', httpStatus: answer.status, body: answer.body });
      // a 2xx that cannot be read may still mean WhatsApp made the refund: an unknown outcome
      if (!answer.json) throw classifyUpstreamFailure({ kind: 'protocol', httpStatus: answer.status, message: 'refund answer is not JSON' });
      try {
        return parseRefundAnswer(answer.body);
      } catch (err) {
        throw classifyUpstreamFailure({ kind: 'protocol', httpStatus: answer.status, message: (err as Error).message });
      }
    },
  };
}

/** Whether a 2xx body carries a payment (or the empty list), as opposed to only errors. */
function isPaymentBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && ('payments' in body || 'reference_id' in body || 'status' in body);
}

export { UpstreamError };

/**
 * One HTTP exchange on node:http(s), whose keep-alive agents reuse connections: the status and the
 * body as text. Rejects on a network failure, or when `signal` aborts, while the body is read too.
 * A redirect is answered as it is (a misconfigured base URL; following it could leak the token).
 * Not fetch(): every call there builds web streams around request and answer, which cost the
 * gateway more CPU than the rest of sending a message.
 */
function exchange(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const sent = body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) };
    const req = send(target, { method, headers: sent, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      // the connection ended before the whole body came
      res.on('close', () => {
        if (!res.complete) reject(new Error('the connection closed before the answer was complete'));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
