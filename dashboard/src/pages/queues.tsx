import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api';
import { PageHeading } from '../components/heading';
import { MessageBadge, OrderStatusBadge, PaymentBadge } from '../components/status';
import { useApp, useCoalesced, useLiveEvents, useNow } from '../context';
import { age, dateTime, label, money } from '../format';
import { QUEUE_ROW } from '../queries';
import { can } from '../roles';
import { orderHref } from '../router';
import type { Connection, Message, OrderEvent, OrderRow, PageInfo } from '../types';

// What needs a person today: each queue is an orders filter of the API, listed newest first and
// read again when events arrive.

type QueueOrder = Omit<OrderRow, 'payment' | 'messages'> & {
  payment: OrderRow['payment'] & { updatedAt: string };
  messages: Array<Pick<Message, 'kind' | 'status' | 'errorCode' | 'errorMessage' | 'attempts' | 'createdAt'>>;
  events: Array<Pick<OrderEvent, 'id' | 'type' | 'detail' | 'at'>>;
};

/** A message QUEUED longer than this needs a look (the outbox retries with backoff meanwhile). */
const QUEUED_TOO_LONG_MS = 5 * 60_000;
const PAGE = 20;
const QUEUES_REFRESH_MS = 10_000;

interface Queue {
  id: string;
  title: string;
  explain: string;
  filter(now: number): Record<string, unknown>;
  /** what this queue says about one of its orders */
  why(o: QueueOrder, now: number): ComponentChildren;
}

const lastEvent = (o: QueueOrder, type: string) => [...o.events].reverse().find((e) => e.type === type);

const QUEUES: Queue[] = [
  {
    id: 'discrepancies',
    title: 'Payment discrepancies',
    explain: 'A webhook disagreed with the payment lookup, or the paid amount or currency differs from the order (money captured on a canceled order needs a refund).',
    filter: () => ({ eventType: ['PAYMENT_DISCREPANCY'] }),
    why: (o) => {
      const e = lastEvent(o, 'PAYMENT_DISCREPANCY');
      return e ? `${e.detail ?? 'Discrepancy'} (${dateTime(e.at)})` : null;
    },
  },
  {
    id: 'failed-messages',
    title: 'Messages that failed',
    explain: 'WhatsApp refused a message for good: the customer did not get it.',
    filter: () => ({ messageStatus: ['FAILED'] }),
    why: (o) =>
      o.messages
        .filter((m) => m.status === 'FAILED')
        .map((m) => `${label(m.kind)}: ${m.errorCode ?? ''} ${m.errorMessage ?? ''}`.trim())
        .join('; '),
  },
  {
    id: 'queued-messages',
    title: 'Messages queued for more than 5 minutes',
    explain: 'WhatsApp has not accepted these yet; the gateway keeps retrying with backoff.',
    filter: (now) => ({ messageStatus: ['QUEUED'], messageCreatedBefore: new Date(now - QUEUED_TOO_LONG_MS).toISOString() }),
    why: (o, now) =>
      o.messages
        .filter((m) => m.status === 'QUEUED')
        .map((m) => `${label(m.kind)} queued ${age(m.createdAt, now)} ago, ${m.attempts} attempts`)
        .join('; '),
  },
  {
    id: 'awaiting-verification',
    title: 'Payments awaiting verification',
    explain: "A webhook spoke of these payments and the payment lookup has not confirmed it yet (it is retried; 'Verify payment now' asks at once).",
    filter: () => ({ paymentVerificationDue: true }),
    why: (o, now) => `payment changed ${age(o.payment.updatedAt, now)} ago`,
  },
  {
    id: 'upstream-errors',
    title: 'Upstream errors (2046, 2047)',
    explain: 'WhatsApp refused a status change after accepting it; the order went back to its previous status.',
    filter: () => ({ eventType: ['UPSTREAM_ERROR'] }),
    why: (o) => {
      const e = lastEvent(o, 'UPSTREAM_ERROR');
      return e ? `${e.detail ?? 'Upstream error'} (${dateTime(e.at)})` : null;
    },
  },
];

const QUEUE_QUERY = `query Queue($filter: OrderFilter, $after: String) {
  orders(first: ${PAGE}, after: $after, filter: $filter, newestFirst: true) { edges { node { ${QUEUE_ROW} } } pageInfo { hasNextPage endCursor } } }`;

export function QueuesPage() {
  const { feed } = useApp();
  const [version, setVersion] = useState(0);
  // any event may add to or clear a queue: read them again, at most twice a second
  const refresh = useCoalesced(() => setVersion((v) => v + 1), 500);
  useLiveEvents(feed, refresh);
  // some cases come without an event: a message turns five minutes old, a webhook's claim waits
  // for a lookup that fails; so the queues are also read again every few seconds
  useEffect(() => {
    const t = setInterval(refresh, QUEUES_REFRESH_MS);
    return () => clearInterval(t);
  }, []);
  return (
    <section aria-labelledby="queues-title">
      <PageHeading id="queues-title">Work queues</PageHeading>
      <p class="lead">What needs a person: newest first.</p>
      {QUEUES.map((q) => (
        <QueueList key={q.id} queue={q} version={version} />
      ))}
    </section>
  );
}

function QueueList({ queue, version }: { queue: Queue; version: number }) {
  const { session } = useApp();
  const admin = can.seeAllBusinesses(session.viewer.role);
  const now = useNow();
  const [rows, setRows] = useState<QueueOrder[] | null>(null);
  const [pageInfo, setPageInfo] = useState<PageInfo>({ hasNextPage: false, endCursor: null });
  const [error, setError] = useState<string | null>(null);
  const shown = useRef(PAGE);

  useEffect(() => {
    let current = true;
    // as many as are shown, so a live refresh does not shrink a list someone paged through
    const read = async () => {
      const out: QueueOrder[] = [];
      let after: string | null = null;
      let info: PageInfo = { hasNextPage: false, endCursor: null };
      do {
        const { orders }: { orders: Connection<QueueOrder> } = await gql(session.key, QUEUE_QUERY, { filter: queue.filter(Date.now()), after });
        out.push(...orders.edges.map((e) => e.node));
        info = orders.pageInfo;
        after = info.endCursor;
      } while (info.hasNextPage && out.length < shown.current);
      return { out, info };
    };
    read().then(
      ({ out, info }) => {
        if (!current) return;
        setRows(out);
        setPageInfo(info);
        setError(null);
      },
      (err: Error) => current && setError(err.message),
    );
    return () => {
      current = false;
    };
  }, [version]);

  const more = async () => {
    try {
      const { orders } = await gql<{ orders: Connection<QueueOrder> }>(session.key, QUEUE_QUERY, { filter: queue.filter(Date.now()), after: pageInfo.endCursor });
      const next = [...(rows ?? []), ...orders.edges.map((e) => e.node)];
      shown.current = next.length;
      setRows(next);
      setPageInfo(orders.pageInfo);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const count = rows === null ? '…' : `${rows.length}${pageInfo.hasNextPage ? '+' : ''}`;
  return (
    <section class="queue" aria-labelledby={`queue-${queue.id}`} data-queue={queue.id}>
      <h2 id={`queue-${queue.id}`} tabIndex={-1}>
        {queue.title} <span class="count">({count})</span>
      </h2>
      <p class="help">{queue.explain}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rows !== null && rows.length === 0 && <p class="empty">Nothing here.</p>}
      {rows !== null && rows.length > 0 && (
        <ul class="queue-rows">
          {rows.map((o) => (
            <li key={o.id} data-reference-id={o.referenceId}>
              <a href={orderHref(o.referenceId, admin ? o.business.id : undefined)}>{o.referenceId}</a>
              {admin && <span class="business">{o.business.name}</span>}
              <span class="money">{money(o.total)}</span>
              <OrderStatusBadge status={o.status} />
              <PaymentBadge status={o.payment.status} verified={o.payment.verified} />
              {o.messages.length > 0 && <MessageBadge status={o.messages[o.messages.length - 1].status} />}
              <span class="why">{queue.why(o, now)}</span>
            </li>
          ))}
        </ul>
      )}
      {pageInfo.hasNextPage && (
        <button type="button" class="more" onClick={more}>
          Show more
        </button>
      )}
    </section>
  );
}
