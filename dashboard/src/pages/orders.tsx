import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api';
import { PageHeading } from '../components/heading';
import { MessageBadge, OrderStatusBadge, PaymentBadge, rowMessage } from '../components/status';
import { useApp, useCoalesced, useLiveEvents, useNow } from '../context';
import { age, dateTime, label, money } from '../format';
import { mergeOrders, readOrders } from '../orders-live';
import { ORDERS } from '../queries';
import { can } from '../roles';
import { orderHref } from '../router';
import { type Connection, ORDER_STATUSES, type OrderRow, PAYMENT_STATUSES, type PageInfo } from '../types';

const PAGE_SIZE = 25;
const REFERENCE_PREFIX = /^[A-Za-z0-9_.-]{1,35}$/;

interface Filter {
  status: string;
  paymentStatus: string;
  search: string;
}

function apiFilter(f: Filter): Record<string, unknown> {
  return {
    ...(f.status ? { status: [f.status] } : {}),
    ...(f.paymentStatus ? { paymentStatus: [f.paymentStatus] } : {}),
    ...(f.search ? { referenceIdPrefix: f.search } : {}),
  };
}

function matcher(f: Filter): (o: OrderRow) => boolean {
  const search = f.search.toLowerCase();
  return (o) =>
    (!f.status || o.status === f.status) &&
    (!f.paymentStatus || o.payment.status === f.paymentStatus) &&
    (!search || o.referenceId.toLowerCase().startsWith(search));
}

export function OrdersPage() {
  const { session, feed } = useApp();
  const admin = can.seeAllBusinesses(session.viewer.role);
  const now = useNow();
  const [filter, setFilter] = useState<Filter>({ status: '', paymentStatus: '', search: '' });
  const [searchText, setSearchText] = useState('');
  const [rows, setRows] = useState<OrderRow[] | null>(null);
  const [pageInfo, setPageInfo] = useState<PageInfo>({ hasNextPage: false, endCursor: null });
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());

  // the state the live refresh reads (it runs outside render)
  const state = useRef({ rows, pageInfo, filter, generation: 0 });
  state.current.rows = rows;
  state.current.pageInfo = pageInfo;
  state.current.filter = filter;

  const pending = useRef(new Set<string>());
  const refresh = useCoalesced(async () => {
    const s = state.current;
    if (s.rows === null || pending.current.size === 0) return; // applied once the page is there
    const refs = [...pending.current];
    pending.current.clear();
    const generation = s.generation;
    try {
      const changed = await readOrders(session, refs, s.rows);
      if (generation !== state.current.generation || state.current.rows === null) return; // the filter changed meanwhile
      const before = new Set(state.current.rows.map((r) => r.id));
      const merged = mergeOrders(state.current.rows, changed, matcher(state.current.filter), state.current.pageInfo.hasNextPage);
      setRows(merged);
      const arrived = merged.filter((r) => !before.has(r.id)).map((r) => r.id);
      if (arrived.length) setFresh((f) => new Set([...f, ...arrived]));
    } catch (err) {
      for (const ref of refs) pending.current.add(ref);
      setError(`Live update failed: ${(err as Error).message}`);
    }
  }, 80);
  useLiveEvents(feed, (e) => {
    pending.current.add(e.referenceId);
    refresh();
  });

  // the first page, again whenever the filter changes
  useEffect(() => {
    const generation = ++state.current.generation;
    setRows(null);
    setError(null);
    gql<{ orders: Connection<OrderRow> }>(session.key, ORDERS, { first: PAGE_SIZE, filter: apiFilter(filter) }).then(
      ({ orders }) => {
        if (generation !== state.current.generation) return;
        setRows(orders.edges.map((e) => e.node));
        setPageInfo(orders.pageInfo);
        if (pending.current.size) refresh();
      },
      (err: Error) => generation === state.current.generation && setError(err.message),
    );
  }, [filter]);

  // when the first orders are on screen (measured by the browser tests)
  const marked = useRef(false);
  useEffect(() => {
    if (rows && rows.length && !marked.current) {
      marked.current = true;
      performance.mark('dashboard:first-orders');
    }
  }, [rows]);

  // typing in the search waits for a pause before asking the gateway
  useEffect(() => {
    const text = searchText.trim();
    if (text && !REFERENCE_PREFIX.test(text)) return;
    const t = setTimeout(() => setFilter((f) => (f.search === text ? f : { ...f, search: text })), 250);
    return () => clearTimeout(t);
  }, [searchText]);
  const searchInvalid = searchText.trim() !== '' && !REFERENCE_PREFIX.test(searchText.trim());

  const loadMore = async () => {
    if (!rows || !pageInfo.endCursor) return;
    setLoadingMore(true);
    const generation = state.current.generation;
    try {
      const { orders } = await gql<{ orders: Connection<OrderRow> }>(session.key, ORDERS, {
        first: PAGE_SIZE,
        after: pageInfo.endCursor,
        filter: apiFilter(filter),
      });
      if (generation !== state.current.generation) return;
      const known = new Set(state.current.rows?.map((r) => r.id));
      setRows([...(state.current.rows ?? []), ...orders.edges.map((e) => e.node).filter((o) => !known.has(o.id))]);
      setPageInfo(orders.pageInfo);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <section aria-labelledby="orders-title">
      <PageHeading id="orders-title">Orders</PageHeading>
      <form class="filters" role="search" aria-label="Filter orders" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="search">Reference id</label>
          <input
            id="search"
            type="search"
            placeholder="starts with…"
            value={searchText}
            maxLength={35}
            autocomplete="off"
            spellcheck={false}
            onInput={(e) => setSearchText((e.target as HTMLInputElement).value)}
            aria-invalid={searchInvalid || undefined}
            aria-describedby={searchInvalid ? 'search-error' : undefined}
          />
          {searchInvalid && (
            <span id="search-error" class="error">
              Reference ids have only A–Z, a–z, 0–9, _ . and -
            </span>
          )}
        </div>
        <div class="field">
          <label for="status-filter">Order status</label>
          <select id="status-filter" value={filter.status} onChange={(e) => setFilter({ ...filter, status: (e.target as HTMLSelectElement).value })}>
            <option value="">Any</option>
            {ORDER_STATUSES.map((s) => (
              <option value={s}>{label(s)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="payment-filter">Payment status</label>
          <select
            id="payment-filter"
            value={filter.paymentStatus}
            onChange={(e) => setFilter({ ...filter, paymentStatus: (e.target as HTMLSelectElement).value })}
          >
            <option value="">Any</option>
            {PAYMENT_STATUSES.map((s) => (
              <option value={s}>{label(s)}</option>
            ))}
          </select>
        </div>
      </form>
      {!feed && <p class="note">This key follows one order at a time: open an order to see it live; reload this list to see new orders.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rows === null && !error && <p role="status">Loading orders…</p>}
      {rows !== null && rows.length === 0 && (
        <p class="empty">{filter.status || filter.paymentStatus || filter.search ? 'No orders match these filters.' : 'No orders yet. They appear here the moment they are sent.'}</p>
      )}
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap" role="region" aria-labelledby="orders-title" tabIndex={0}>
          <table class="orders cards">
            <caption class="visually-hidden">Orders, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Reference id</th>
                {admin && <th scope="col">Business</th>}
                <th scope="col">Customer</th>
                <th scope="col" class="num">
                  Total
                </th>
                <th scope="col">Order status</th>
                <th scope="col">Payment</th>
                <th scope="col">Message</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((o) => {
                const message = rowMessage(o.messages);
                return (
                  <tr key={o.id} data-reference-id={o.referenceId} class={fresh.has(o.id) ? 'fresh' : undefined}>
                    <td data-label="Reference id">
                      <a href={orderHref(o.referenceId, admin ? o.business.id : undefined)}>{o.referenceId}</a>
                    </td>
                    {admin && <td data-label="Business">{o.business.name}</td>}
                    <td data-label="Customer">{o.to}</td>
                    <td data-label="Total" class="num">
                      {money(o.total)}
                    </td>
                    <td data-label="Order status">
                      <OrderStatusBadge status={o.status} />
                    </td>
                    <td data-label="Payment">
                      <PaymentBadge status={o.payment.status} verified={o.payment.verified} />
                    </td>
                    <td data-label="Message">{message ? <MessageBadge status={message.status} kind={message.kind} /> : '–'}</td>
                    <td data-label="Age">
                      <time dateTime={o.createdAt} title={dateTime(o.createdAt)}>
                        {age(o.createdAt, now)}
                      </time>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {rows !== null && pageInfo.hasNextPage && (
        <button type="button" class="more" onClick={loadMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Load older orders'}
        </button>
      )}
    </section>
  );
}
