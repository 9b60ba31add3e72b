import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api';
import { useApp, useCoalesced, useLiveEvents } from '../context';
import { dateTime, label } from '../format';
import { can } from '../roles';
import { orderHref } from '../router';
import type { PageInfo, UserError } from '../types';
import {
  DELIVERIES,
  DELIVERIES_POLL_MS,
  DELIVERY_STATUSES,
  type DeliveryPage,
  type DeliveryStatus,
  nextDeliveriesRead,
  REDELIVER,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../webhooks';
import { attempt, OutcomeNote, type Problem } from '../components/outcome';

const PAGE = 20;
/** the API's largest page of deliveries */
const MAX_PAGE = 100;

/**
 * One endpoint's deliveries, newest first, a page at a time, filtered by status; each with its
 * attempts and a Redeliver action. Kept true without a reload, cheaply: there is no subscription
 * for deliveries, so the list is read again (one request for what is shown) when a live order
 * event could have made a delivery, soon after a pending delivery's next attempt is due, and at a
 * slow poll otherwise; not while the tab is hidden.
 */
export function Deliveries({ endpoint, onGone }: { endpoint: WebhookEndpoint; onGone(): void }) {
  const { session, feed } = useApp();
  const admin = can.seeAllBusinesses(session.viewer.role);
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [rows, setRows] = useState<WebhookDelivery[] | null>(null);
  const [pageInfo, setPageInfo] = useState<PageInfo>({ hasNextPage: false, endCursor: null });
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [notes, setNotes] = useState<Record<string, { done: string } | { problem: Problem }>>({});
  const [busy, setBusy] = useState<string | null>(null);

  // what the reads run outside render need
  const s = useRef({ status, shown: PAGE, generation: 0, running: false, again: false, alive: true, timer: undefined as ReturnType<typeof setTimeout> | undefined });
  s.current.status = status;

  const page = async (first: number, after: string | null) => {
    const { node } = await gql<{ node: { deliveries: DeliveryPage } | null }>(session.key, DELIVERIES, {
      id: endpoint.id,
      first,
      after,
      status: s.current.status ? [s.current.status] : null,
    });
    return node?.deliveries ?? null;
  };

  const refresh = async (): Promise<void> => {
    const st = s.current;
    clearTimeout(st.timer);
    // a hidden tab reads nothing: it reads once when it is shown again (below)
    if (document.hidden) return;
    if (st.running) {
      st.again = true;
      return;
    }
    st.running = true;
    const generation = st.generation;
    let wait = DELIVERIES_POLL_MS;
    try {
      // as many as are shown, so a live refresh does not shrink a list someone paged through
      const out: WebhookDelivery[] = [];
      let info: PageInfo = { hasNextPage: false, endCursor: null };
      do {
        const got = await page(Math.min(MAX_PAGE, Math.max(PAGE, st.shown - out.length)), info.endCursor);
        if (!got) {
          if (st.alive) onGone();
          return;
        }
        out.push(...got.edges.map((e) => e.node));
        info = got.pageInfo;
      } while (info.hasNextPage && out.length < st.shown);
      if (st.alive && generation === st.generation) {
        setRows(out);
        setPageInfo(info);
        setError(null);
        wait = nextDeliveriesRead(out, Date.now());
      }
    } catch (err) {
      if (st.alive && generation === st.generation) setError(`The deliveries could not be read: ${(err as Error).message}`);
    } finally {
      st.running = false;
      if (st.alive) {
        if (st.again || generation !== st.generation) {
          st.again = false;
          void refresh();
        } else {
          st.timer = setTimeout(refresh, wait);
        }
      }
    }
  };

  useEffect(() => {
    const st = s.current;
    st.alive = true;
    const onVisible = () => !document.hidden && void refresh();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      st.alive = false;
      clearTimeout(st.timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  // the first page, again whenever the filter changes
  useEffect(() => {
    s.current.generation++;
    s.current.shown = PAGE;
    setRows(null);
    setNotes({});
    void refresh();
  }, [status]);

  // an order event makes a delivery at once (in the event's own transaction) when the endpoint takes its type
  const soon = useCoalesced(() => void refresh(), 300);
  useLiveEvents(feed, (e) => {
    if (endpoint.enabled && (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(e.type))) soon();
  });
  // saving the endpoint (disabled: its pending deliveries end failed) changes what comes next
  const saved = `${endpoint.enabled} ${endpoint.eventTypes.join()}`;
  const lastSaved = useRef(saved);
  useEffect(() => {
    if (lastSaved.current === saved) return;
    lastSaved.current = saved;
    soon();
  }, [saved]);

  const more = async () => {
    if (!pageInfo.endCursor) return;
    setLoadingMore(true);
    const generation = s.current.generation;
    try {
      const got = await page(PAGE, pageInfo.endCursor);
      if (!got) return onGone();
      if (generation !== s.current.generation) return;
      // after what is shown now (a live refresh may have changed it meanwhile)
      setRows((shown) => {
        const known = new Set(shown?.map((r) => r.id));
        const next = [...(shown ?? []), ...got.edges.map((e) => e.node).filter((d) => !known.has(d.id))];
        s.current.shown = next.length;
        return next;
      });
      // a refresh under way read fewer: it is dropped, and one reading all of these follows it
      s.current.generation++;
      setPageInfo(got.pageInfo);
    } catch (err) {
      setError(`Older deliveries could not be read: ${(err as Error).message}`);
    } finally {
      setLoadingMore(false);
    }
  };

  const redeliver = async (d: WebhookDelivery) => {
    setBusy(d.id);
    const result = await attempt(async () => (await gql<{ redeliverWebhook: { userErrors: UserError[] } }>(session.key, REDELIVER, { id: d.id })).redeliverWebhook);
    setBusy(null);
    setNotes((n) => ({
      ...n,
      [d.id]: 'ok' in result ? { done: 'Sent again, as a new delivery with the same webhook-id: it is at the top of the list.' } : { problem: result.problem },
    }));
    if ('ok' in result) void refresh();
  };

  return (
    <section class="deliveries" aria-labelledby="deliveries-title">
      <h3 id="deliveries-title">Deliveries</h3>
      <p class="help">
        Newest first. Each order event is POSTed with its id as <code>webhook-id</code>; a delivery that fails is retried with backoff for 72 hours, then it is failed.
        This list follows new deliveries and their attempts live.
      </p>
      <div class="filters">
        <div class="field">
          <label for="delivery-status">Delivery status</label>
          <select id="delivery-status" value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as DeliveryStatus | '')}>
            <option value="">Any</option>
            {DELIVERY_STATUSES.map((v) => (
              <option key={v} value={v}>
                {label(v)}
              </option>
            ))}
          </select>
        </div>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rows === null && !error && <p role="status">Loading deliveries…</p>}
      {rows !== null && rows.length === 0 && (
        <p class="empty">{status ? `No ${label(status).toLowerCase()} deliveries.` : 'No deliveries yet. Each order event this endpoint takes appears here the moment it is made.'}</p>
      )}
      {rows !== null && rows.length > 0 && (
        <ol class="delivery-list" aria-label="Deliveries, newest first">
          {rows.map((d) => {
            const note = notes[d.id];
            return (
              <li key={d.id} class="delivery" data-delivery-id={d.id} data-event-id={d.eventId} data-status={d.status}>
                <div class="delivery-head">
                  <span class="event-type">{label(d.eventType)}</span>
                  <a href={orderHref(d.referenceId, admin ? endpoint.business.id : undefined)}>{d.referenceId}</a>
                  <DeliveryBadge status={d.status} />
                  <time dateTime={d.createdAt}>{dateTime(d.createdAt)}</time>
                  <button type="button" class="small" disabled={busy !== null} onClick={() => redeliver(d)}>
                    {busy === d.id ? 'Redelivering…' : 'Redeliver'}
                    <span class="visually-hidden">
                      {' '}
                      {label(d.eventType)} of {d.referenceId}
                    </span>
                  </button>
                </div>
                <p class="delivery-state">{stateOf(d)}</p>
                {d.attemptLog.length > 0 && (
                  <details class="attempts">
                    <summary>
                      {d.attempts === 1 ? '1 attempt' : `${d.attempts} attempts`}
                      {d.attempts > d.attemptLog.length ? ` (the latest ${d.attemptLog.length} shown)` : ''}
                    </summary>
                    <table class="cards">
                      <caption class="visually-hidden">Attempts, oldest first</caption>
                      <thead>
                        <tr>
                          <th scope="col">Time</th>
                          <th scope="col">HTTP status</th>
                          <th scope="col">Error</th>
                          <th scope="col" class="num">
                            Duration
                          </th>
                        </tr>
                      </thead>
                      <tbody>
                        {d.attemptLog.map((a, i) => (
                          <tr key={i}>
                            <td data-label="Time">{dateTime(a.at)}</td>
                            <td data-label="HTTP status">{a.statusCode ?? '–'}</td>
                            <td data-label="Error" class="attempt-error">
                              {a.error ?? '–'}
                            </td>
                            <td data-label="Duration" class="num">
                              {a.durationMs} ms
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    <p class="help">
                      webhook-id <span class="mono">{d.eventId}</span>
                    </p>
                  </details>
                )}
                {note &&
                  ('done' in note ? (
                    <p class="done" role="status">
                      {note.done}
                    </p>
                  ) : (
                    <OutcomeNote outcome={note.problem} />
                  ))}
              </li>
            );
          })}
        </ol>
      )}
      {rows !== null && pageInfo.hasNextPage && (
        <button type="button" class="more" onClick={more} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Show older deliveries'}
        </button>
      )}
    </section>
  );
}

export function DeliveryBadge({ status }: { status: DeliveryStatus }) {
  return <span class={`badge delivery-${status.toLowerCase()}`}>{label(status)}</span>;
}

/** The delivery's state in words: the last attempt's outcome and what happens next. */
function stateOf(d: WebhookDelivery): string {
  // a failed answer's error is its status line ("HTTP 500 Internal Server Error"); a success has none
  const answer = d.lastError ?? (d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : '');
  const tries = d.attempts === 1 ? '1 attempt' : `${d.attempts} attempts`;
  switch (d.status) {
    case 'SUCCEEDED':
      return `Delivered ${dateTime(d.deliveredAt)}${answer ? ` (${answer})` : ''} after ${tries}.`;
    case 'FAILED':
      return `Failed after ${tries}${answer ? `, the last: ${answer}` : ''}. Redeliver sends it again.`;
    default:
      return d.attempts === 0
        ? `Waiting for its first attempt (${dateTime(d.nextAttemptAt)}).`
        : `${tries} so far, the last failed: ${answer || 'no answer'}. Next attempt ${dateTime(d.nextAttemptAt)}.`;
  }
}
