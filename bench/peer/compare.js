'use strict';
// Before anything is timed, the three servers must answer with the same data. Each answer is
// mapped to one shape (local ids, money as [minor units, offset, currency], ISO timestamps,
// enums as their names, lists oldest first under the gateway's caps) and compared; the floor's
// raw answer must also be the gateway's, byte for byte.

const { isDeepStrictEqual } = require('node:util');
const { BenchFailure } = require('../lib/common');
const { LIST_CAPS } = require('./floor-sql');

/** the local id inside a global id (base64url "Type:id") */
function local(globalId) {
  const s = Buffer.from(globalId, 'base64url').toString('utf8');
  return s.slice(s.indexOf(':') + 1);
}

/** an ISO instant; PostGraphile gives `timestamp without time zone` without a zone (UTC here) */
function iso(t) {
  if (t == null) return null;
  const zoned = /(Z|[+-]\d\d(:?\d\d)?)$/.test(t) ? t : `${t}Z`;
  return new Date(zoned).toISOString();
}

const moneyOf = (m) => (m == null ? null : [m.value, m.offset, m.currency ?? null]);
const moneyRaw = (value, offset, currency) => (value == null || offset == null ? null : [value, offset, currency ?? 'INR']);
const latest = (list, cap) => (list.length > cap ? list.slice(-cap) : list);

function fromGateway(n) {
  if (!n) return null;
  const message = (m) => ({
    id: local(m.id), kind: m.kind, status: m.status, wamid: m.wamid, attempts: m.attempts, errorCode: m.errorCode,
    errorMessage: m.errorMessage, createdAt: iso(m.createdAt), updatedAt: iso(m.updatedAt),
  });
  return {
    id: local(n.id), referenceId: n.referenceId, status: n.status, statusDescription: n.statusDescription, type: n.type, to: n.to,
    phoneNumberId: n.phoneNumberId, paymentConfiguration: n.paymentConfiguration, gateway: n.gateway,
    expiresAt: iso(n.expiresAt), createdAt: iso(n.createdAt), updatedAt: iso(n.updatedAt),
    subtotal: moneyOf(n.subtotal), tax: moneyOf(n.tax), shipping: moneyOf(n.shipping), discount: moneyOf(n.discount), total: moneyOf(n.total),
    business: { id: local(n.business.id), name: n.business.name },
    items: n.items.map((i) => ({ retailerId: i.retailerId, name: i.name, quantity: i.quantity, amount: [i.amount.value, i.amount.offset], saleAmount: i.saleAmount && [i.saleAmount.value, i.saleAmount.offset] })),
    beneficiaries: n.beneficiaries,
    payment: {
      referenceId: n.payment.referenceId, status: n.payment.status, verified: n.payment.verified, verifiedAt: iso(n.payment.verifiedAt),
      updatedAt: iso(n.payment.updatedAt), amount: moneyOf(n.payment.amount),
      transactions: n.payment.transactions.map((t) => ({
        id: t.id, pgTransactionId: t.pgTransactionId, gateway: t.gateway, status: t.status, method: t.method, errorCode: t.errorCode,
        errorReason: t.errorReason, createdAt: iso(t.createdAt), updatedAt: iso(t.updatedAt), amount: moneyOf(t.amount),
      })),
      refunds: n.payment.refunds.map((r) => ({
        id: local(r.id), refundId: r.refundId, status: r.status, speedRequested: r.speedRequested, speedProcessed: r.speedProcessed,
        reason: r.reason, errorCode: r.errorCode, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt), amount: moneyOf(r.amount),
      })),
    },
    message: message(n.message),
    messages: n.messages.map(message),
    events: n.events.map((e) => ({ id: local(e.id), type: e.type, source: e.source, fromStatus: e.fromStatus, toStatus: e.toStatus, detail: e.detail, at: iso(e.at) })),
  };
}

function fromPeer(n) {
  if (!n) return null;
  const message = (m) => ({
    id: m.id, kind: m.kind, status: m.status, wamid: m.wamid, attempts: m.attempts, errorCode: m.errorCode,
    errorMessage: m.errorMessage, createdAt: iso(m.createdAt), updatedAt: iso(m.updatedAt),
  });
  const p = n.paymentByOrderId;
  const messages = n.outboundMessagesByOrderIdList;
  return {
    id: n.id, referenceId: n.referenceId, status: n.status, statusDescription: n.statusDescription, type: n.type, to: n.to,
    phoneNumberId: n.phoneNumberId, paymentConfiguration: n.paymentConfiguration, gateway: n.gateway,
    expiresAt: iso(n.expiresAt), createdAt: iso(n.createdAt), updatedAt: iso(n.updatedAt),
    subtotal: moneyRaw(n.subtotal, n.offset, n.currency), tax: moneyRaw(n.tax, n.offset, n.currency), shipping: moneyRaw(n.shipping, n.offset, n.currency),
    discount: moneyRaw(n.discount, n.offset, n.currency), total: moneyRaw(n.total, n.offset, n.currency),
    business: { id: n.businessByBusinessId.id, name: n.businessByBusinessId.name },
    items: n.orderItemsByOrderIdList.map((i) => ({ retailerId: i.retailerId ?? '', name: i.name, quantity: i.quantity, amount: [i.amount, n.offset], saleAmount: i.saleAmount == null ? null : [i.saleAmount, n.offset] })),
    // a JSON text column in PostGraphile's schema
    beneficiaries: JSON.parse(n.beneficiaries ?? '[]').map((b) => ({
      name: b.name, addressLine1: b.addressLine1, addressLine2: b.addressLine2 ?? null, city: b.city, state: b.state, country: b.country, postalCode: b.postalCode,
    })),
    payment: {
      referenceId: p.referenceId, status: p.status, verified: p.verified, verifiedAt: iso(p.verifiedAt), updatedAt: iso(p.updatedAt),
      amount: moneyRaw(p.amount, p.amountOffset, p.currency),
      transactions: latest(p.transactionsByPaymentIdList, LIST_CAPS.transactions).map((t) => ({
        id: t.transactionId, pgTransactionId: t.pgTransactionId, gateway: t.gateway, status: t.status, method: t.method, errorCode: t.errorCode,
        errorReason: t.errorReason, createdAt: iso(t.upstreamCreatedAt), updatedAt: iso(t.upstreamUpdatedAt), amount: moneyRaw(t.amount, t.amountOffset, t.currency),
      })),
      refunds: p.refundsByPaymentIdList.slice(0, LIST_CAPS.refunds).map((r) => ({
        id: r.id, refundId: r.refundId, status: r.status, speedRequested: r.speedRequested, speedProcessed: r.speedProcessed,
        reason: r.reason, errorCode: r.errorCode, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt), amount: moneyRaw(r.amount, r.offset, r.currency),
      })),
    },
    message: message(messages.find((m) => m.kind === 'ORDER_DETAILS')),
    messages: latest(messages, LIST_CAPS.messages).map(message),
    events: latest(n.orderEventsByOrderIdList, LIST_CAPS.events).map((e) => ({
      id: String(e.id), type: e.type, source: e.source, fromStatus: e.fromStatus, toStatus: e.toStatus, detail: e.detail, at: iso(e.at),
    })),
  };
}

/**
 * The same data, or a BenchFailure naming the first difference. Across databases (the gateway on
 * sqlite, PostGraphile on PostgreSQL) event ids are left out: each database numbered the seeded
 * events itself (PostgreSQL in parallel batches); their order within an order is still compared.
 */
function sameData(label, gateway, peer, { crossDatabase = false } = {}) {
  if (crossDatabase) {
    const strip = (v) => JSON.parse(JSON.stringify(v), (k, x) => (k === 'events' && Array.isArray(x) ? x.map(({ id, ...rest }) => rest) : x));
    gateway = strip(gateway);
    peer = strip(peer);
  }
  if (isDeepStrictEqual(gateway, peer)) return;
  const where = firstDifference(gateway, peer, '');
  throw new BenchFailure(`${label}: the gateway and PostGraphile answer different data at ${where.path}: gateway ${JSON.stringify(where.a)?.slice(0, 300)}, PostGraphile ${JSON.stringify(where.b)?.slice(0, 300)}`);
}

function firstDifference(a, b, path) {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!isDeepStrictEqual(a[k], b[k])) return firstDifference(a[k], b[k], `${path}.${k}`);
    }
  }
  return { path: path || '(top)', a, b };
}

/**
 * The floor's raw answer must be the gateway's own bytes, up to the gateway's report of the
 * query's cost (`extensions.cost`, which only the gateway computes) after the data.
 */
function withoutCostReport(text) {
  const at = text.lastIndexOf(',"extensions":{"cost":');
  if (at < 0) return text;
  const tail = text.slice(at + 1, text.trimEnd().length - 1);
  if (Object.keys(JSON.parse(`{${tail}}`).extensions).join() !== 'cost') return text;
  return `${text.slice(0, at)}}${text.slice(text.trimEnd().length)}`;
}

function sameBytes(label, gatewayAnswer, floorText) {
  const gatewayText = withoutCostReport(gatewayAnswer);
  if (gatewayText === floorText) return;
  let i = 0;
  while (i < gatewayText.length && gatewayText[i] === floorText[i]) i++;
  throw new BenchFailure(
    `${label}: the floor's answer differs from the gateway's at byte ${i} of ${gatewayText.length}/${floorText.length}:\n  gateway …${JSON.stringify(gatewayText.slice(Math.max(0, i - 80), i + 120))}\n  floor   …${JSON.stringify(floorText.slice(Math.max(0, i - 80), i + 120))}`,
  );
}

module.exports = { fromGateway, fromPeer, sameData, sameBytes, iso, local };
