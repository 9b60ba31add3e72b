import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { OrderEventEntity } from '../../src/db/entities';
import { CLOSE_TOO_SLOW } from '../../src/http/websocket';
import { captureLogger } from '../helpers/gateway';
import { eventually, startTestStack, TestStack } from '../helpers/stack';

// A subscriber that stops reading its socket (and so stops taking events) must not cost the
// others anything: every subscriber has its own bounded backlog, and the one that falls too far
// behind is closed with 4413 (it resumes with afterEventId) while the others, sharing its
// subscription (same query, same key), get every event.

const QUERY = `subscription { orderEvents { id type detail } }`;
const BACKLOG = 200;
/** large events fill the slow socket's TCP buffers after a few hundred */
const DETAIL = 'x'.repeat(8 * 1024);

interface Watcher {
  client: Client;
  ids: number[];
  errors: unknown[];
  closed: Promise<{ code: number; reason: string }>;
  /** the WebSocket under the graphql-ws client */
  socket(): WebSocket;
}

function watch(url: string, key: string): Watcher {
  const sockets: WebSocket[] = [];
  class Recorded extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      sockets.push(this);
    }
  }
  let onClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (onClosed = r));
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: Recorded,
    connectionParams: { authorization: `Bearer ${key}` },
    lazy: false,
    retryAttempts: 0,
    keepAlive: 0,
    on: { closed: (e) => onClosed({ code: (e as { code: number }).code, reason: String((e as { reason: string }).reason) }) },
    onNonLazyError: () => undefined,
  });
  const watcher: Watcher = { client, ids: [], errors: [], closed, socket: () => sockets[0] };
  client.subscribe<{ orderEvents: { id: string; detail: string } }>(
    { query: QUERY },
    {
      next: (value) => {
        if (value.errors) watcher.errors.push(...value.errors);
        // only the id is kept: the readers receive tens of megabytes
        if (value.data) watcher.ids.push(Number(Buffer.from(value.data.orderEvents.id, 'base64url').toString().split(':')[1]));
      },
      error: (err) => watcher.errors.push(err),
      complete: () => undefined,
    },
  );
  return watcher;
}

describe('a subscriber that stops reading', () => {
  const log = captureLogger();
  let s: TestStack;
  beforeAll(async () => {
    s = await startTestStack({ SUBSCRIPTION_MAX_BACKLOG: String(BACKLOG) }, { logger: log.logger });
  });
  afterAll(() => s.stop());

  let nextId = 50_000_000;
  const publish = (count: number) => {
    const events = Array.from({ length: count }, () => ({
      id: nextId++,
      orderId: 'o-slow',
      businessId: Buffer.from(s.shop.id, 'base64url').toString().split(':')[1],
      referenceId: 'SLOW-1',
      type: 'MESSAGE_STATUS_CHANGED',
      source: 'WEBHOOK',
      fromStatus: 'SENT',
      toStatus: 'DELIVERED',
      detail: DETAIL,
      at: new Date(),
    })) as unknown as OrderEventEntity[];
    s.t.gateway.services.events.publish(events);
  };

  it('is closed with 4413 once it is too far behind, while the readers beside it (before and after it) miss nothing', async () => {
    const events = s.t.gateway.services.events;
    const base = events.subscriberCount;
    const before = watch(s.t.url, s.shop.keys.OPS);
    await eventually(async () => expect(events.subscriberCount).toBe(base + 1));
    const slow = watch(s.t.url, s.shop.keys.OPS);
    await eventually(async () => expect(events.subscriberCount).toBe(base + 2));
    const after = [watch(s.t.url, s.shop.keys.OPS), watch(s.t.url, s.shop.keys.OPS)];
    await eventually(async () => expect(events.subscriberCount).toBe(base + 4));
    const firstId = nextId;
    log.clear();

    // the slow client stops reading TCP (pings included): what the server sends piles up
    slow.socket().pause();
    let published = 0;
    while (events.subscriberCount === base + 4) {
      if (published >= 20_000) throw new Error(`the slow subscriber was never cut off (it got ${slow.ids.length} events)`);
      publish(50);
      published += 50;
      // let the server send (and the readers read) between bursts
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 5));
    }
    // the others go on after it is gone
    publish(100);
    published += 100;
    const expected = Array.from({ length: published }, (_, i) => firstId + i);
    for (const reader of [before, ...after]) {
      await eventually(async () => expect(reader.ids.length).toBe(published), 30_000);
      expect(reader.ids).toEqual(expected);
      expect(reader.errors).toEqual([]);
    }
    expect(events.subscriberCount).toBe(base + 3);
    expect(published).toBeGreaterThan(BACKLOG);

    // once it reads again it learns why it was closed, after what was already on its way
    slow.socket().resume();
    const closed = await slow.closed;
    expect(closed).toEqual({ code: CLOSE_TOO_SLOW, reason: `Too slow: more than ${BACKLOG} events behind; resubscribe with afterEventId` });
    expect(slow.ids.length).toBeLessThan(published);
    expect(slow.ids).toEqual(expected.slice(0, slow.ids.length));

    const missed = [before, ...after].reduce((n, r) => n + expected.filter((id) => !r.ids.includes(id)).length, 0);
    process.stdout.write(
      `slow subscriber: ${published} events published, ${missed} missed by the 3 readers; the slow one was closed (${closed.code}) having received ${slow.ids.length}\n`,
    );
    expect(log.lines.filter((l) => l.msg === 'a subscriber fell too far behind; its connection is closed')).toHaveLength(1);
    expect(log.errors()).toEqual([]);
    for (const w of [before, ...after]) await w.client.dispose();
  });
});
