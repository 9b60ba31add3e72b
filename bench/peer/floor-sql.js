'use strict';
// The floor's SQL: each read of the PostGraphile comparison as one statement that builds the
// answer's JSON in the database (PostgreSQL json_build_object/json_agg, sqlite JSON1
// json_object/json_group_array), field for field in the order of the gateway's documents
// (bench/peer/documents.js), so the floor's answer is byte for byte the gateway's.
//
// sqlite has no base64: there a global id or cursor is left as a marker ("@@G<type>:<id>",
// "@@C<ms>:<id>") that the floor encodes in Node (bench/peer/floor.js). PostgreSQL encodes them itself.

const LIST_CAPS = { events: 100, messages: 50, transactions: 50, refunds: 100 };

function dialectOf(kind) {
  if (kind === 'postgres') {
    return {
      obj: (pairs) => `json_build_object(${pairs.map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
      nested: (v) => v,
      agg: (j, order) => `json_agg(${j} ORDER BY ${order})`,
      emptyArray: `'[]'::json`,
      iso: (col) => `to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      bool: (col) => col,
      gid: (type, expr) => `rtrim(translate(encode(convert_to('${type}:' || ${expr}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`,
      cursor: (at, id) => `rtrim(translate(encode(convert_to('[' || (extract(epoch FROM ${at}) * 1000)::bigint || ',"' || ${id} || '"]', 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')`,
      p: (i) => `$${i}`,
    };
  }
  return {
    obj: (pairs) => `json_object(${pairs.map(([k, v]) => `'${k}', ${v}`).join(', ')})`,
    // a JSON value crossing a subquery or CASE is text again: json() marks it as JSON
    nested: (v) => `json(${v})`,
    agg: (j, order) => `json_group_array(json(${j}) ORDER BY ${order})`,
    emptyArray: `'[]'`,
    iso: (col) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${col})`,
    bool: (col) => `json(CASE WHEN ${col} THEN 'true' ELSE 'false' END)`,
    gid: (type, expr) => `'@@G${type}:' || ${expr}`,
    cursor: (at, id) => `'@@C' || (CAST(strftime('%s', ${at}) AS INTEGER) * 1000 + CAST(substr(strftime('%f', ${at}), 4, 3) AS INTEGER)) || ':' || ${id}`,
    p: () => '?',
  };
}

/**
 * A list of objects: `rows` ordered by `keys`; `latest` keeps the last n (oldest first, as the
 * gateway's capped lists), `first` the first n.
 */
function list(d, { pairs, from, keys, latest, first }) {
  const k = keys.map((key, i) => `${key} AS k${i}`).join(', ');
  const limit = latest ?? first;
  const dir = latest ? ' DESC' : '';
  const inner = `SELECT ${d.obj(pairs)} AS j, ${k} FROM ${from} ORDER BY ${keys.map((key) => key + dir).join(', ')}${limit ? ` LIMIT ${limit}` : ''}`;
  return `COALESCE((SELECT ${d.agg('x.j', keys.map((_, i) => `x.k${i}`).join(', '))} FROM (${inner}) x), ${d.emptyArray})`;
}

const money = (d, value, offset, currency) => d.obj([['value', value], ['offset', offset], ['currency', currency]]);
const moneyOrNull = (d, value, offset, currency) =>
  d.nested(`CASE WHEN ${value} IS NULL OR ${offset} IS NULL THEN NULL ELSE ${money(d, value, offset, `COALESCE(${currency}, 'INR')`)} END`);

function messagePairs(d, m) {
  return [
    ['id', d.gid('OutboundMessage', `${m}.id`)],
    ['kind', `${m}.kind`],
    ['status', `${m}.status`],
    ['wamid', `${m}.wamid`],
    ['attempts', `${m}.attempts`],
    ['errorCode', `${m}."errorCode"`],
    ['errorMessage', `${m}."errorMessage"`],
    ['createdAt', d.iso(`${m}."createdAt"`)],
    ['updatedAt', d.iso(`${m}."updatedAt"`)],
  ];
}

/** The order `o` as the gateway's ORDER_FIELDS select it. */
function orderNode(d) {
  const beneficiaryField = (f) => (d.p(1) === '?' ? `json_extract(b.value, '$.${f}')` : `b.value->>'${f}'`);
  const beneficiaries =
    d.p(1) === '?'
      ? { from: `json_each(COALESCE(o.beneficiaries, '[]')) b`, keys: ['b.key'] }
      : { from: `json_array_elements(COALESCE(o.beneficiaries, '[]')::json) WITH ORDINALITY AS b(value, n)`, keys: ['b.n'] };
  const orderMoney = (col) => money(d, col, 'o."offset"', 'o.currency');
  const orderMoneyOrNull = (col) => moneyOrNull(d, col, 'o."offset"', 'o.currency');
  const payment = d.obj([
    ['referenceId', 'p."referenceId"'],
    ['status', 'p.status'],
    ['verified', d.bool('p.verified')],
    ['verifiedAt', d.iso('p."verifiedAt"')],
    ['updatedAt', d.iso('p."updatedAt"')],
    ['amount', moneyOrNull(d, 'p.amount', 'p."amountOffset"', 'p.currency')],
    [
      'transactions',
      d.nested(
        list(d, {
          pairs: [
            ['id', 't."transactionId"'],
            ['pgTransactionId', 't."pgTransactionId"'],
            ['gateway', 't.gateway'],
            ['status', 't.status'],
            ['method', 't.method'],
            ['errorCode', 't."errorCode"'],
            ['errorReason', 't."errorReason"'],
            ['createdAt', d.iso('t."upstreamCreatedAt"')],
            ['updatedAt', d.iso('t."upstreamUpdatedAt"')],
            ['amount', moneyOrNull(d, 't.amount', 't."amountOffset"', 't.currency')],
          ],
          from: 'transactions t WHERE t."paymentId" = p.id',
          keys: ['t."position"'],
          latest: LIST_CAPS.transactions,
        }),
      ),
    ],
    [
      'refunds',
      d.nested(
        list(d, {
          pairs: [
            ['id', d.gid('Refund', 'r.id')],
            ['refundId', 'r."refundId"'],
            ['status', 'r.status'],
            ['speedRequested', 'r."speedRequested"'],
            ['speedProcessed', 'r."speedProcessed"'],
            ['reason', 'r.reason'],
            ['errorCode', 'r."errorCode"'],
            ['createdAt', d.iso('r."createdAt"')],
            ['updatedAt', d.iso('r."updatedAt"')],
            ['amount', money(d, 'r.amount', 'r."offset"', 'r.currency')],
          ],
          from: 'refunds r WHERE r."paymentId" = p.id',
          keys: ['r."createdAt"', 'r.id'],
          first: LIST_CAPS.refunds,
        }),
      ),
    ],
  ]);
  return d.obj([
    ['id', d.gid('Order', 'o.id')],
    ['referenceId', 'o."referenceId"'],
    ['status', 'o.status'],
    ['statusDescription', 'o."statusDescription"'],
    ['type', 'o.type'],
    ['to', 'o."to"'],
    ['phoneNumberId', 'o."phoneNumberId"'],
    ['paymentConfiguration', 'o."paymentConfiguration"'],
    ['gateway', 'o.gateway'],
    ['expiresAt', d.iso('o."expiresAt"')],
    ['createdAt', d.iso('o."createdAt"')],
    ['updatedAt', d.iso('o."updatedAt"')],
    ['subtotal', orderMoney('o.subtotal')],
    ['tax', orderMoneyOrNull('o.tax')],
    ['shipping', orderMoneyOrNull('o.shipping')],
    ['discount', orderMoneyOrNull('o.discount')],
    ['total', orderMoney('o.total')],
    ['business', d.nested(`(SELECT ${d.obj([['id', d.gid('Business', 'bz.id')], ['name', 'bz.name']])} FROM businesses bz WHERE bz.id = o."businessId")`)],
    [
      'items',
      d.nested(
        list(d, {
          pairs: [
            ['retailerId', `COALESCE(i."retailerId", '')`],
            ['name', 'i.name'],
            ['quantity', 'i.quantity'],
            ['amount', d.obj([['value', 'i.amount'], ['offset', 'o."offset"']])],
            ['saleAmount', d.nested(`CASE WHEN i."saleAmount" IS NULL THEN NULL ELSE ${d.obj([['value', 'i."saleAmount"'], ['offset', 'o."offset"']])} END`)],
            ['total', d.obj([['value', 'COALESCE(i."saleAmount", i.amount) * i.quantity'], ['offset', 'o."offset"']])],
          ],
          from: 'order_items i WHERE i."orderId" = o.id',
          keys: ['i."position"'],
        }),
      ),
    ],
    [
      'beneficiaries',
      d.nested(
        list(d, {
          pairs: ['name', 'addressLine1', 'addressLine2', 'city', 'state', 'country', 'postalCode'].map((f) => [f, beneficiaryField(f)]),
          ...beneficiaries,
        }),
      ),
    ],
    ['payment', d.nested(`(SELECT ${payment} FROM payments p WHERE p."orderId" = o.id)`)],
    [
      'message',
      d.nested(`(SELECT ${d.obj(messagePairs(d, 'm'))} FROM outbound_messages m WHERE m."orderId" = o.id AND m.kind = 'ORDER_DETAILS' ORDER BY m."createdAt", m.id LIMIT 1)`),
    ],
    [
      'messages',
      d.nested(list(d, { pairs: messagePairs(d, 'm'), from: 'outbound_messages m WHERE m."orderId" = o.id', keys: ['m."createdAt"', 'm.id'], latest: LIST_CAPS.messages })),
    ],
    [
      'events',
      d.nested(
        list(d, {
          pairs: [
            ['id', d.gid('OrderEvent', 'e.id')],
            ['type', 'e.type'],
            ['source', 'e.source'],
            ['fromStatus', 'e."fromStatus"'],
            ['toStatus', 'e."toStatus"'],
            ['detail', 'e.detail'],
            ['at', d.iso('e.at')],
          ],
          from: 'order_events e WHERE e."orderId" = o.id',
          keys: ['e.id'],
          latest: LIST_CAPS.events,
        }),
      ),
    ],
  ]);
}

/**
 * The statements: `pageFirst` (business, limit), `pageAfter` (business, cursor time, cursor id,
 * limit) and `order` (business, referenceId). A page reads one order more than it answers, to
 * know whether a next page exists; each row is one edge ({cursor, node}).
 */
function floorStatements(kind) {
  const d = dialectOf(kind);
  const edge = d.obj([['cursor', d.cursor('o."createdAt"', 'o.id')], ['node', orderNode(d)]]);
  const page = (after) =>
    `SELECT ${edge} AS edge, ${d.cursor('o."createdAt"', 'o.id')} AS cursor FROM orders o WHERE o."businessId" = ${d.p(1)}` +
    (after ? ` AND (o."createdAt", o.id) > (${d.p(2)}, ${d.p(3)})` : '') +
    ` ORDER BY o."createdAt", o.id LIMIT ${d.p(after ? 4 : 2)}`;
  return {
    pageFirst: page(false),
    pageAfter: page(true),
    order: `SELECT ${orderNode(d)} AS node FROM orders o WHERE o."businessId" = ${d.p(1)} AND o."referenceId" = ${d.p(2)}`,
  };
}

module.exports = { floorStatements, LIST_CAPS };
