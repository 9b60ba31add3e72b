import { gql } from './api';
import { ORDER_ROW } from './queries';
import { can } from './roles';
import type { Session } from './session';
import type { Connection, OrderRow } from './types';

// Keeping a list of orders true as events arrive: the orders an event names are read again (one
// request for a burst) and put in, replaced or taken out of the list.

const BATCH = 40;

/**
 * The current state of the orders with these reference ids. `known` gives the business of rows
 * already listed (an ADMIN key sees every business, where one reference id may exist twice).
 */
export async function readOrders(session: Session, referenceIds: string[], known: OrderRow[]): Promise<OrderRow[]> {
  const admin = can.seeAllBusinesses(session.viewer.role);
  const wanted: Array<{ ref: string; businessId: string | null }> = [];
  for (const ref of referenceIds) {
    const businesses = admin ? [...new Set(known.filter((r) => r.referenceId === ref).map((r) => r.business.id))] : [];
    if (businesses.length === 0) wanted.push({ ref, businessId: null });
    for (const businessId of businesses) wanted.push({ ref, businessId });
  }
  const found: OrderRow[] = [];
  const ambiguous: string[] = [];
  for (let i = 0; i < wanted.length; i += BATCH) {
    const chunk = wanted.slice(i, i + BATCH);
    const vars: Record<string, unknown> = {};
    const params: string[] = [];
    const fields: string[] = [];
    chunk.forEach((w, j) => {
      vars[`r${j}`] = w.ref;
      vars[`b${j}`] = w.businessId;
      params.push(`$r${j}: String!, $b${j}: ID`);
      fields.push(`o${j}: order(referenceId: $r${j}, businessId: $b${j}) { ${ORDER_ROW} }`);
    });
    const data = await gql<Record<string, OrderRow | null>>(session.key, `query Refresh(${params.join(', ')}) { ${fields.join('\n')} }`, vars);
    chunk.forEach((w, j) => {
      const order = data[`o${j}`];
      if (order) found.push(order);
      else if (admin && w.businessId === null) ambiguous.push(w.ref);
    });
  }
  // an ADMIN key naming no business only gets an unambiguous reference id: list them all instead
  for (const ref of ambiguous) {
    const { orders } = await gql<{ orders: Connection<OrderRow> }>(
      session.key,
      `query Same($filter: OrderFilter) { orders(first: 100, filter: $filter, newestFirst: true) { edges { node { ${ORDER_ROW} } } pageInfo { hasNextPage endCursor } } }`,
      { filter: { referenceIdPrefix: ref } },
    );
    found.push(...orders.edges.map((e) => e.node).filter((o) => o.referenceId === ref));
  }
  return found;
}

/** Newest first, as the API pages them. */
export function byNewest(a: OrderRow, b: OrderRow): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The list after these orders changed: a changed order that still matches is replaced, one that
 * no longer does leaves, and a new match comes in where it belongs unless it belongs to a page
 * not loaded yet (older than the last row while more pages exist).
 */
export function mergeOrders(rows: OrderRow[], changed: OrderRow[], matches: (o: OrderRow) => boolean, morePages: boolean): OrderRow[] {
  const next = new Map(rows.map((r) => [r.id, r]));
  const oldest = rows[rows.length - 1];
  for (const order of changed) {
    if (!matches(order)) next.delete(order.id);
    else if (next.has(order.id) || !morePages || !oldest || byNewest(order, oldest) <= 0) next.set(order.id, order);
  }
  return [...next.values()].sort(byNewest);
}
