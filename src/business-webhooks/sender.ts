import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AddressRefused, bareHost, guardedLookup, refusedRange } from './address-guard';

/** What one POST to a business's endpoint came to. */
export interface PostOutcome {
  /** a 2xx answer */
  ok: boolean;
  /** the answer's HTTP status, where there was an answer */
  statusCode: number | null;
  /** why it failed (the status line, timeout, refused, a refused address); null on success */
  error: string | null;
  durationMs: number;
  /** what kind of result, for metrics: 2xx, 3xx, 4xx, 5xx, timeout, refused_address, network */
  result: string;
}

export interface PostOptions {
  /** OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: any address, and http too */
  allowPrivate: boolean;
  /** aborts the request (the outbox's per-call timeout) */
  signal: AbortSignal;
}

/** A receiver's answer is read up to this much (to reuse the connection), then the connection is dropped. */
export const MAX_RESPONSE_BYTES = 4096;

// keep-alive: a busy endpoint is called over one connection, not one per event. A pooled socket
// was checked when it connected, and it stays connected to that same address. The pools of the
// guarded and the unguarded mode are apart, so a socket opened without the check is never reused
// with it.
const agentOptions = { keepAlive: true, maxSockets: 8, timeout: 30_000 };
const AGENTS = {
  guarded: { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) },
  open: { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) },
};

/**
 * POSTs a signed webhook body. Never follows a redirect (a 3xx is a failure like any non-2xx), never
 * reads more than MAX_RESPONSE_BYTES of the answer, and unless private addresses are allowed it
 * connects only to an address it has just checked (see address-guard.ts). Never throws: every
 * failure is an outcome.
 */
export function postWebhook(url: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<PostOutcome> {
  const started = performance.now();
  const outcome = (o: Omit<PostOutcome, 'durationMs'>): PostOutcome => ({ ...o, durationMs: Math.round(performance.now() - started) });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(outcome({ ok: false, statusCode: null, error: 'the URL does not parse', result: 'refused_address' }));
  }
  const protocol = target.protocol as 'http:' | 'https:';
  if (protocol !== 'https:' && !(protocol === 'http:' && options.allowPrivate)) {
    return Promise.resolve(outcome({ ok: false, statusCode: null, error: `refused: only https URLs are called (got ${protocol})`, result: 'refused_address' }));
  }
  const host = bareHost(target);
  if (!options.allowPrivate && isIP(host)) {
    const range = refusedRange(host);
    if (range) return Promise.resolve(outcome({ ok: false, statusCode: null, error: new AddressRefused(host, host, range).message, result: 'refused_address' }));
  }

  return new Promise<PostOutcome>((resolve) => {
    let settled = false;
    const finish = (o: Omit<PostOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve(outcome(o));
    };
    const request = (protocol === 'https:' ? https : http).request(
      target,
      {
        method: 'POST',
        agent: AGENTS[options.allowPrivate ? 'open' : 'guarded'][protocol],
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        signal: options.signal,
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // enough: the rest is not ours to read, and the connection is not reused
          if (read > MAX_RESPONSE_BYTES) response.destroy();
        });
        const answered = () => {
          if (status >= 200 && status < 300) finish({ ok: true, statusCode: status, error: null, result: '2xx' });
          else {
            const line = `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage.slice(0, 100)}` : ''}`;
            const why = status >= 300 && status < 400 ? `${line} (redirects are not followed)` : line;
            finish({ ok: false, statusCode: status, error: why, result: `${Math.floor(status / 100)}xx` });
          }
        };
        // the status is what counts: an answer cut short after it still answered
        response.on('end', answered);
        response.on('close', answered);
        response.on('error', answered);
      },
    );
    request.on('error', (err: NodeJS.ErrnoException) => finish(failureOf(err, options.signal)));
    request.end(body);
  });
}

function failureOf(err: NodeJS.ErrnoException, signal: AbortSignal): Omit<PostOutcome, 'durationMs'> {
  const fail = (error: string, result: string) => ({ ok: false, statusCode: null, error, result });
  if (signal.aborted) {
    const reason = signal.reason as Error | undefined;
    return fail(`timeout: ${reason?.message ?? 'the call was aborted'}`, 'timeout');
  }
  if (err instanceof AddressRefused) return fail(err.message, 'refused_address');
  switch (err.code) {
    case 'ECONNREFUSED':
      return fail('connection refused', 'network');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(`host not found (${err.code})`, 'network');
    case 'ECONNRESET':
      return fail('connection reset', 'network');
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return fail(`connection timed out (${err.code})`, 'network');
    default:
      // TLS failures (certificate, handshake) and the rest: the code says what, never the body
      return fail(`${err.code ? `${err.code}: ` : ''}${err.message}`.slice(0, 300), 'network');
  }
}
