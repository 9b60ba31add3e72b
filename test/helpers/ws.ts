import { createClient, Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscriber<T = any> {
  client: Client;
  received: T[];
  errors: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  /** resolves when the server acknowledged the connection */
  connected: Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  dispose(): Promise<void>;
}

/** A real graphql-ws client over a real WebSocket, recording what it receives. */
export function subscribeWs<T = any>(httpUrl: string, key: string | null, query: string, variables: Record<string, unknown> = {}): Subscriber<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  let resolveClosed!: (v: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (resolveClosed = r));
  let resolveConnected!: () => void;
  const connected = new Promise<void>((r) => (resolveConnected = r));
  const waiters: Array<() => void> = [];
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    lazy: false,
    retryAttempts: 0,
    on: {
      connected: () => resolveConnected(),
      closed: (event) => {
        const e = event as { code: number; reason: string };
        resolveClosed({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) received.push(value.data as T);
        for (const w of waiters.splice(0)) w();
      },
      error: (err) => {
        errors.push(err);
        for (const w of waiters.splice(0)) w();
      },
      complete: () => undefined,
    },
  );
  return {
    client,
    received,
    errors,
    closed,
    connected,
    async waitFor(count, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} messages, got ${received.length}: ${JSON.stringify(received).slice(0, 500)} errors ${JSON.stringify(errors)}`);
        }
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return received;
    },
    async dispose() {
      await client.dispose();
    },
  };
}
