import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface OneShot {
  /** `next` payloads */
  results: any[];
  /** the `error` message's errors, when the operation was refused */
  errors: any[] | null;
  /** the socket's close, when the server closed it */
  closed: { code: number; reason: string } | null;
}

/**
 * One operation over a real graphql-ws client: resolves with what came back once the operation
 * completed or failed, or the connection closed (or after `settleMs` for a live subscription).
 */
export function wsOperation(
  httpUrl: string,
  key: string | null,
  payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string },
  settleMs = 0,
): Promise<OneShot> {
  return new Promise((resolve) => {
    const out: OneShot = { results: [], errors: null, closed: null };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      // disposing a client whose connection was refused rejects with that close: already recorded
      Promise.resolve(client.dispose()).catch(() => undefined);
      resolve(out);
    };
    const client = createClient({
      url: httpUrl.replace(/^http/, 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: key ? { authorization: `Bearer ${key}` } : {},
      retryAttempts: 0,
      lazy: true,
      on: {
        closed: (event) => {
          const e = event as { code: number; reason: string };
          if (!done) out.closed = { code: e.code, reason: String(e.reason) };
          finish();
        },
      },
    });
    client.subscribe(payload as { query: string }, {
      next: (value) => {
        out.results.push(value);
        if (settleMs > 0) setTimeout(finish, settleMs);
      },
      error: (err) => {
        if (Array.isArray(err)) out.errors = err;
        else if (err && typeof err === 'object' && 'code' in err) out.closed = { code: (err as any).code, reason: String((err as any).reason) };
        else out.errors = [err];
        finish();
      },
      complete: finish,
    });
  });
}

/**
 * A raw WebSocket on /graphql speaking the graphql-ws protocol by hand, for what a well-behaved
 * client never sends. Resolves with the close code and reason once the server closes.
 */
export async function rawSocket(
  httpUrl: string,
  script: (socket: WebSocket) => void | Promise<void>,
  options: { protocol?: string | null; timeoutMs?: number } = {},
): Promise<{ code: number; reason: string; received: string[] }> {
  const protocol = options.protocol === undefined ? 'graphql-transport-ws' : options.protocol;
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws') + '/graphql', protocol ? [protocol] : []);
  const received: string[] = [];
  socket.on('message', (data) => received.push(String(data)));
  socket.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await script(socket);
  const timeout = new Promise<{ code: number; reason: string }>((resolve) =>
    setTimeout(() => resolve({ code: -1, reason: 'the server did not close the socket' }), options.timeoutMs ?? 5000),
  );
  const result = await Promise.race([closed, timeout]);
  socket.terminate();
  return { ...result, received };
}
