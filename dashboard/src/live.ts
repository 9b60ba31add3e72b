import { createClient, type Client } from 'graphql-ws/client';
import { ORDER_EVENTS } from './queries';
import type { OrderEvent } from './types';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface LiveFeedOptions {
  key: string;
  /**
   * The newest event already reflected in what the page read (viewer.lastEventId, or the newest
   * event of an order): the subscription replays everything after it, so nothing falls between
   * the read and the live stream, nor between a lost connection and the next.
   */
  afterEventId: string | null;
  /** only this order's events (a MOBILE key may only follow one order) */
  referenceId?: string;
  onState(state: LiveState, detail?: string): void;
  /** the key was refused (4401) or revoked (4403) */
  onKeyRefused(reason: string): void;
}

const PING_EVERY_MS = 10_000;
const PONG_WITHIN_MS = 5_000;
const RETRY_MAX_MS = 10_000;

/**
 * One `orderEvents` subscription over graphql-ws that survives lost connections: on every
 * reconnect it subscribes again with the id of the last event it delivered as afterEventId.
 * A connection that stops answering pings is closed and retried, so "live" is never shown for a
 * dead socket.
 */
export class LiveFeed {
  private readonly listeners = new Set<(e: OrderEvent) => void>();
  private readonly client: Client;
  private readonly payload: { query: string; variables: { after: string; ref: string | null } };
  private unsubscribe: (() => void) | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private socket: WebSocket | null = null;
  private failures = 0;
  private stopped = false;
  state: LiveState = 'connecting';

  constructor(private readonly options: LiveFeedOptions) {
    // '0' (before every event) when nothing happened yet, so the very first events are replayed too
    this.payload = { query: ORDER_EVENTS, variables: { after: options.afterEventId ?? '0', ref: options.referenceId ?? null } };
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.client = createClient({
      url: `${scheme}://${location.host}/graphql`,
      connectionParams: { authorization: `Bearer ${options.key}` },
      lazy: true,
      // reconnecting is done here, so that each attempt carries the newest afterEventId
      retryAttempts: 0,
      keepAlive: PING_EVERY_MS,
      on: {
        opened: (socket) => {
          this.socket = socket as WebSocket;
        },
        connected: () => {
          this.failures = 0;
          this.setState('live');
        },
        ping: (received) => {
          if (received) return;
          this.pongTimer = setTimeout(() => this.socket?.readyState === WebSocket.OPEN && this.socket.close(4408, 'no pong'), PONG_WITHIN_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(this.pongTimer);
        },
        closed: () => {
          clearTimeout(this.pongTimer);
          this.socket = null;
        },
      },
    });
  }

  start(): void {
    this.subscribe();
  }

  listen(listener: (e: OrderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    void this.client.dispose();
    this.setState('stopped');
  }

  private subscribe(): void {
    if (this.stopped) return;
    this.setState(this.failures === 0 && this.state === 'connecting' ? 'connecting' : 'reconnecting');
    this.unsubscribe = this.client.subscribe<{ orderEvents: OrderEvent }>(this.payload, {
      next: (result) => {
        const event = result.data?.orderEvents;
        if (!event) return;
        // kept in the payload itself: graphql-ws re-sends this object if it reconnects on its own
        this.payload.variables.after = event.id;
        for (const listener of this.listeners) listener(event);
      },
      error: (err) => this.ended(err),
      complete: () => this.ended(null),
    });
  }

  private ended(err: unknown): void {
    this.unsubscribe = null;
    if (this.stopped) return;
    const close = err as { code?: number; reason?: string } | null;
    if (close && (close.code === 4401 || close.code === 4403)) {
      this.stopped = true;
      this.setState('stopped');
      this.options.onKeyRefused(close.code === 4403 ? 'The API key was revoked.' : String(close.reason ?? 'The API key is not valid.'));
      return;
    }
    if (Array.isArray(err)) {
      // the gateway refused the subscription itself (GraphQL errors): retrying will not help
      this.stopped = true;
      this.setState('stopped', (err as Array<{ message: string }>).map((e) => e.message).join(' '));
      return;
    }
    this.failures++;
    this.setState('reconnecting');
    // exponential backoff with full jitter, so a restarted gateway is not hit by every tab at once
    const ceiling = Math.min(RETRY_MAX_MS, 500 * 2 ** Math.min(this.failures, 5));
    this.retryTimer = setTimeout(() => this.subscribe(), 250 + Math.random() * ceiling);
  }

  private setState(state: LiveState, detail?: string): void {
    this.state = state;
    this.options.onState(state, detail);
  }
}
