import { useState } from 'preact/hooks';
import { ApiError, gql } from '../api';
import { PageHeading } from '../components/heading';
import { useApp } from '../context';
import { dateTime, isoDay, label, money } from '../format';
import { RECONCILIATION } from '../queries';
import type { Connection, Money, PageInfo } from '../types';

interface Row {
  referenceId: string;
  paymentConfiguration: string;
  gateway: string;
  transactionId: string | null;
  pgTransactionId: string | null;
  orderTotal: Money;
  paidAmount: Money | null;
  paymentStatus: string;
  transactionStatus: string | null;
  verified: boolean;
  capturedAt: string | null;
}

interface Period {
  from: string;
  to: string;
}

/** Whole local days, `to` included: [from 00:00, the day after `to` 00:00). */
function range(p: Period): { from: string; to: string } {
  const [fy, fm, fd] = p.from.split('-').map(Number);
  const [ty, tm, td] = p.to.split('-').map(Number);
  return { from: new Date(fy, fm - 1, fd).toISOString(), to: new Date(ty, tm - 1, td + 1).toISOString() };
}

function presets(today = new Date()): Array<{ label: string; period: Period }> {
  const day = (offset: number) => isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() + offset));
  const monthStart = (offset: number) => isoDay(new Date(today.getFullYear(), today.getMonth() + offset, 1));
  const monthEnd = (offset: number) => isoDay(new Date(today.getFullYear(), today.getMonth() + offset + 1, 0));
  return [
    { label: 'Today', period: { from: day(0), to: day(0) } },
    { label: 'Yesterday', period: { from: day(-1), to: day(-1) } },
    { label: 'Last 7 days', period: { from: day(-6), to: day(0) } },
    { label: 'This month', period: { from: monthStart(0), to: day(0) } },
    { label: 'Last month', period: { from: monthStart(-1), to: monthEnd(-1) } },
  ];
}

export function ReconciliationPage() {
  const { session } = useApp();
  const [period, setPeriod] = useState<Period>(() => presets()[0].period);
  const [shownPeriod, setShownPeriod] = useState<Period | null>(null);
  const [rows, setRows] = useState<Row[] | null>(null);
  const [pageInfo, setPageInfo] = useState<PageInfo>({ hasNextPage: false, endCursor: null });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'rows' | 'csv' | null>(null);
  const [downloaded, setDownloaded] = useState<string | null>(null);

  const valid = period.from !== '' && period.to !== '' && period.from <= period.to;

  const show = async (p: Period, after: string | null = null) => {
    if (!(p.from && p.to && p.from <= p.to)) return;
    setBusy('rows');
    setError(null);
    try {
      const { reconciliation } = await gql<{ reconciliation: Connection<Row> }>(session.key, RECONCILIATION, { filter: range(p), after });
      const nodes = reconciliation.edges.map((e) => e.node);
      setRows(after ? [...(rows ?? []), ...nodes] : nodes);
      setPageInfo(reconciliation.pageInfo);
      setShownPeriod(p);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  // the CSV is fetched with the key in the Authorization header and handed to the browser as a
  // file: the key never goes into a URL (a link to /reconciliation.csv could not carry it)
  const download = async () => {
    if (!valid) return;
    setBusy('csv');
    setError(null);
    setDownloaded(null);
    try {
      const r = range(period);
      const res = await fetch(`/reconciliation.csv?${new URLSearchParams({ from: r.from, to: r.to })}`, {
        headers: { authorization: `Bearer ${session.key}` },
        cache: 'no-store',
        credentials: 'omit',
      }).catch(() => {
        throw new ApiError('The gateway cannot be reached. Check that it is running, then retry.', 'NETWORK', 0);
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: string } | null;
        throw new ApiError(body?.error ?? `The gateway answered HTTP ${res.status}.`, 'HTTP', res.status);
      }
      const blob = await res.blob();
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `reconciliation-${period.from}-${period.to}.csv`;
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDownloaded(name);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="reconciliation-title">
      <PageHeading id="reconciliation-title">Reconciliation</PageHeading>
      <p class="lead">One row per payment transaction (and one per order without one), to match against the payment gateway's own records.</p>
      <form
        class="filters period"
        aria-label="Period"
        onSubmit={(e) => {
          e.preventDefault();
          void show(period);
        }}
      >
        <div class="field">
          <label for="period-from">From</label>
          <input id="period-from" type="date" required value={period.from} onInput={(e) => setPeriod({ ...period, from: (e.target as HTMLInputElement).value })} />
        </div>
        <div class="field">
          <label for="period-to">To (included)</label>
          <input id="period-to" type="date" required value={period.to} onInput={(e) => setPeriod({ ...period, to: (e.target as HTMLInputElement).value })} />
        </div>
        <button type="submit" disabled={!valid || busy !== null}>
          {busy === 'rows' ? 'Loading…' : 'Show rows'}
        </button>
        <button type="button" onClick={download} disabled={!valid || busy !== null}>
          {busy === 'csv' ? 'Preparing…' : 'Download CSV'}
        </button>
      </form>
      <div class="presets" role="group" aria-label="Quick periods">
        {presets().map((p) => (
          <button
            type="button"
            class="link"
            key={p.label}
            onClick={() => {
              setPeriod(p.period);
              void show(p.period);
            }}
          >
            {p.label}
          </button>
        ))}
      </div>
      {!valid && <p class="error">Choose a start day on or before the end day.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {downloaded && (
        <p class="done" role="status">
          Downloaded {downloaded}.
        </p>
      )}
      {rows !== null && shownPeriod && (
        <p role="status" class="count">
          {rows.length}
          {pageInfo.hasNextPage ? '+' : ''} rows from {shownPeriod.from} to {shownPeriod.to}
        </p>
      )}
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap" role="region" aria-label="Reconciliation rows" tabIndex={0}>
          <table class="reconciliation">
            <thead>
              <tr>
                <th scope="col">Reference id</th>
                <th scope="col">Configuration</th>
                <th scope="col">Gateway</th>
                <th scope="col">Transaction id</th>
                <th scope="col">Gateway transaction id</th>
                <th scope="col" class="num">
                  Order total
                </th>
                <th scope="col" class="num">
                  Paid
                </th>
                <th scope="col">Payment</th>
                <th scope="col">Transaction</th>
                <th scope="col">Verified</th>
                <th scope="col">Captured</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={`${r.referenceId}/${r.transactionId ?? i}`}>
                  <td>{r.referenceId}</td>
                  <td>{r.paymentConfiguration}</td>
                  <td>{label(r.gateway)}</td>
                  <td>{r.transactionId ?? '–'}</td>
                  <td>{r.pgTransactionId ?? '–'}</td>
                  <td class="num">{money(r.orderTotal)}</td>
                  <td class="num">{money(r.paidAmount)}</td>
                  <td>{label(r.paymentStatus)}</td>
                  <td>{label(r.transactionStatus)}</td>
                  <td>{r.verified ? 'yes' : 'no'}</td>
                  <td>{dateTime(r.capturedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows !== null && shownPeriod && pageInfo.hasNextPage && (
        <button type="button" class="more" disabled={busy !== null} onClick={() => show(shownPeriod, pageInfo.endCursor)}>
          More rows
        </button>
      )}
    </section>
  );
}
