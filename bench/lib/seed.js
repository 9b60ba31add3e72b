'use strict';
// Seeds realistic data straight into the database through the project's DataSource (bulk SQL in
// batches), once: the seeded database is kept (bench/.data/seed-*.sqlite, or the PostgreSQL
// database wpg_bench_<size>) and every run works on a fresh copy of it, so writes of one run
// never change what the next one reads.

const { copyFileSync, existsSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { DATA_DIR, SECRETS, SEED, requireDist } = require('./common');

const BASE_MS = Date.UTC(2025, 0, 1);
const ORDERS_PER_BATCH = 2000;

function sizeLabel(n) {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}m`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

function sealName(orders) {
  return `${SEED.businessA.name} (seed v${SEED.version}, ${orders} orders)`;
}

// ------------------------------------------------------------------ entry points

/**
 * The database a run works on: a fresh copy of the seeded template for `orders` orders.
 * Returns its DATABASE_URL and whether the template had to be seeded now. `runName` names the
 * copy (default run-<size>), so runs that must not share one (the PostGraphile comparison) do not.
 */
async function prepareRunDatabase({ dialect, orders, postgresUrl, log, runName }) {
  const template = await ensureTemplate({ dialect, orders, postgresUrl, log });
  if (dialect === 'sqlite') {
    const run = join(DATA_DIR, `${runName ?? `run-${sizeLabel(orders)}`}.sqlite`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(run + suffix, { force: true });
    copyFileSync(template.file, run);
    if (existsSync(template.file + '-wal')) copyFileSync(template.file + '-wal', run + '-wal');
    return { url: `sqlite:${run}`, seededNow: template.seededNow, seedSeconds: template.seedSeconds, dataDir: DATA_DIR };
  }
  const name = `wpg_bench_${(runName ?? `run-${sizeLabel(orders)}`).replace(/-/g, '_')}`;
  await adminQuery(postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(postgresUrl, `CREATE DATABASE ${name} TEMPLATE ${template.name}`);
  return { url: databaseUrl(postgresUrl, name), seededNow: template.seededNow, seedSeconds: template.seedSeconds, dataDir: DATA_DIR };
}

/** The seeded template itself, for read-only scenarios (the 1,000,000-order deep pages). */
async function prepareReadOnlyDatabase({ dialect, orders, postgresUrl, log }) {
  const template = await ensureTemplate({ dialect, orders, postgresUrl, log });
  const url = dialect === 'sqlite' ? `sqlite:${template.file}` : databaseUrl(postgresUrl, template.name);
  return { url, seededNow: template.seededNow, seedSeconds: template.seedSeconds, dataDir: DATA_DIR };
}

async function ensureTemplate({ dialect, orders, postgresUrl, log }) {
  mkdirSync(DATA_DIR, { recursive: true });
  if (dialect === 'sqlite') {
    const file = join(DATA_DIR, `seed-v${SEED.version}-${sizeLabel(orders)}.sqlite`);
    const url = `sqlite:${file}`;
    if (existsSync(file) && (await isSeeded(url, orders))) return { file, seededNow: false, seedSeconds: 0 };
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    const seconds = await seed(url, orders, log);
    return { file, seededNow: true, seedSeconds: seconds };
  }
  const name = `wpg_bench_${sizeLabel(orders)}`;
  const url = databaseUrl(postgresUrl, name);
  const exists = (await adminQuery(postgresUrl, `SELECT 1 FROM pg_database WHERE datname = $1`, [name])).length > 0;
  if (exists && (await isSeeded(url, orders))) return { name, seededNow: false, seedSeconds: 0 };
  await adminQuery(postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(postgresUrl, `CREATE DATABASE ${name}`);
  const seconds = await seed(url, orders, log);
  return { name, seededNow: true, seedSeconds: seconds };
}

/** Migrates the template to the current schema (a no-op when it is) and checks its seal. */
async function isSeeded(url, orders) {
  const ds = await open(url);
  try {
    await ds.runMigrations({ transaction: 'each' });
    const rows = await ds.query(`SELECT "name" FROM "businesses" WHERE "id" = ${param(ds, 1)}`, [SEED.businessA.id]);
    if (rows[0]?.name !== sealName(orders)) return false;
    const count = await ds.query(`SELECT count(*) AS n FROM "orders" WHERE "businessId" = ${param(ds, 1)}`, [SEED.businessA.id]);
    return Number(count[0].n) === orders;
  } catch {
    return false;
  } finally {
    await ds.destroy();
  }
}

async function open(url) {
  const { createDataSource } = requireDist('src/db/data-source.js');
  const ds = createDataSource(url, { poolSize: 4 });
  await ds.initialize();
  if (ds.options.type === 'sqlite') {
    // a template being seeded is thrown away if anything goes wrong (it is sealed last)
    await ds.query('PRAGMA synchronous = OFF');
    await ds.query('PRAGMA cache_size = -262144');
  }
  return ds;
}

function param(ds, i) {
  return ds.options.type === 'sqlite' ? '?' : `$${i}`;
}

// ------------------------------------------------------------------ seeding

async function seed(url, orders, log) {
  const started = Date.now();
  log(`seeding ${orders.toLocaleString('en')} orders into ${url.replace(/\/\/[^@]*@/, '//')} (once; kept for later runs)`);
  const ds = await open(url);
  try {
    await ds.runMigrations({ transaction: 'each' });
    const sqlite = ds.options.type === 'sqlite';
    await insertTenancy(ds, { sealed: false });
    // secondary indexes are built once at the end: much faster than maintaining them row by row
    const indexes = await secondaryIndexes(ds);
    for (const { name } of indexes) await ds.query(`DROP INDEX "${name}"`);
    const rand = mulberry32(0x5eed + orders);
    const batches = [];
    for (let start = 0; start < orders; start += ORDERS_PER_BATCH) batches.push([start, Math.min(orders, start + ORDERS_PER_BATCH)]);
    // generation is deterministic and sequential; inserts go in parallel on PostgreSQL
    const workers = sqlite ? 1 : 3;
    const inflight = new Set();
    let done = 0;
    let lastLog = Date.now();
    for (const [start, end] of batches) {
      const rows = generate(start, end, rand);
      const p = insertBatch(ds, rows).then(() => {
        inflight.delete(p);
        done += end - start;
        if (Date.now() - lastLog > 10_000) {
          lastLog = Date.now();
          log(`  ${done.toLocaleString('en')} / ${orders.toLocaleString('en')} orders`);
        }
      });
      inflight.add(p);
      if (inflight.size >= workers) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    log(`  building ${indexes.length} indexes`);
    if (!sqlite) await ds.query(`SET maintenance_work_mem = '512MB'`);
    for (const { sql } of indexes) await ds.query(sql);
    // the seal goes last: an interrupted seed is never taken for a complete one
    await ds.query(`UPDATE "businesses" SET "name" = ${param(ds, 1)} WHERE "id" = ${param(ds, 2)}`, [sealName(orders), SEED.businessA.id]);
    if (!sqlite) await ds.query('VACUUM ANALYZE');
  } finally {
    await ds.destroy();
  }
  const seconds = (Date.now() - started) / 1000;
  log(`seeded in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** The indexes the migrations made (primary keys and unique constraints stay). */
async function secondaryIndexes(ds) {
  if (ds.options.type === 'sqlite') {
    const rows = await ds.query(`SELECT "name", "sql" FROM sqlite_master WHERE "type" = 'index' AND "sql" IS NOT NULL`);
    return rows.map((r) => ({ name: r.name, sql: r.sql }));
  }
  const rows = await ds.query(
    `SELECT i.indexname AS name, i.indexdef AS sql FROM pg_indexes i
      WHERE i.schemaname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  return rows.map((r) => ({ name: r.name, sql: r.sql }));
}

async function insertTenancy(ds) {
  const { encryptSecret, hashApiKeySecret } = requireDist('src/db/secrets.js');
  const key = Buffer.from(SECRETS.secretsKey, 'hex');
  const now = ts(Date.now());
  const rows = { businesses: [], phone_numbers: [], payment_configurations: [], api_keys: [] };
  for (const b of [SEED.businessA, SEED.businessB]) {
    rows.businesses.push([b.id, b.name, b.wabaId, now]);
    rows.phone_numbers.push([b.phoneId, b.id, b.phoneNumberId, null, 'CLOUD_API', encryptSecret(`bench-token-${b.phoneNumberId}`, key), null, now]);
    rows.payment_configurations.push([b.configurationId, b.id, b.configuration, 'RAZORPAY', null, now, now]);
    for (const [role, k] of Object.entries(b.keys)) rows.api_keys.push([k.id, b.id, role, `bench ${role}`, hashApiKeySecret(k.secret), now, null]);
  }
  await insertBatch(ds, rows);
}

const TABLES = {
  businesses: [['id', 'varchar'], ['name', 'varchar'], ['wabaId', 'varchar'], ['createdAt', 'timestamp']],
  phone_numbers: [
    ['id', 'varchar'], ['businessId', 'varchar'], ['phoneNumberId', 'varchar'], ['displayPhoneNumber', 'varchar'],
    ['provider', 'varchar'], ['accessTokenEncrypted', 'text'], ['apiUrl', 'varchar'], ['createdAt', 'timestamp'],
  ],
  payment_configurations: [
    ['id', 'varchar'], ['businessId', 'varchar'], ['name', 'varchar'], ['gateway', 'varchar'], ['status', 'varchar'],
    ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'],
  ],
  api_keys: [
    ['id', 'varchar'], ['businessId', 'varchar'], ['role', 'varchar'], ['label', 'varchar'], ['secretHash', 'varchar'],
    ['createdAt', 'timestamp'], ['revokedAt', 'timestamp'],
  ],
  orders: [
    ['id', 'varchar'], ['businessId', 'varchar'], ['referenceId', 'varchar'], ['phoneNumberId', 'varchar'], ['to', 'varchar'],
    ['type', 'varchar'], ['paymentConfiguration', 'varchar'], ['gateway', 'varchar'], ['status', 'varchar'],
    ['statusDescription', 'varchar'], ['currency', 'varchar'], ['offset', 'int'], ['subtotal', 'int'], ['tax', 'int'],
    ['taxDescription', 'varchar'], ['shipping', 'int'], ['shippingDescription', 'varchar'], ['discount', 'int'],
    ['discountDescription', 'varchar'], ['discountProgramName', 'varchar'], ['total', 'int'], ['body', 'varchar'],
    ['footer', 'varchar'], ['headerImageUrl', 'text'], ['catalogId', 'varchar'], ['expiresAt', 'timestamp'],
    ['expirationDescription', 'varchar'], ['contentHash', 'varchar'], ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'],
  ],
  order_items: [
    ['id', 'varchar'], ['orderId', 'varchar'], ['position', 'int'], ['retailerId', 'varchar'], ['name', 'varchar'],
    ['amount', 'int'], ['saleAmount', 'int'], ['quantity', 'int'], ['countryOfOrigin', 'varchar'], ['importerName', 'varchar'],
    ['importerAddress', 'text'],
  ],
  payments: [
    ['id', 'varchar'], ['orderId', 'varchar'], ['businessId', 'varchar'], ['referenceId', 'varchar'], ['status', 'varchar'],
    ['verified', 'bool'], ['verifiedAt', 'timestamp'], ['amount', 'int'], ['amountOffset', 'int'], ['currency', 'varchar'],
    ['verifyAfter', 'timestamp'], ['verifyAttempts', 'int'], ['hintStatus', 'varchar'], ['createdAt', 'timestamp'],
    ['updatedAt', 'timestamp'],
  ],
  transactions: [
    ['id', 'varchar'], ['paymentId', 'varchar'], ['position', 'int'], ['transactionId', 'varchar'], ['gateway', 'varchar'], ['pgTransactionId', 'varchar'],
    ['status', 'varchar'], ['method', 'varchar'], ['amount', 'int'], ['amountOffset', 'int'], ['currency', 'varchar'],
    ['errorCode', 'varchar'], ['errorReason', 'text'], ['upstreamCreatedAt', 'timestamp'], ['upstreamUpdatedAt', 'timestamp'],
    ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'],
  ],
  outbound_messages: [
    ['id', 'varchar'], ['orderId', 'varchar'], ['businessId', 'varchar'], ['kind', 'varchar'], ['payload', 'text'],
    ['status', 'varchar'], ['wamid', 'varchar'], ['attempts', 'int'],
    ['errorCode', 'int'], ['errorMessage', 'text'], ['previousOrderStatus', 'varchar'], ['targetOrderStatus', 'varchar'],
    ['createdAt', 'timestamp'], ['updatedAt', 'timestamp'],
  ],
  // "id" is left to the database's sequence, as the gateway does
  order_events: [
    ['orderId', 'varchar'], ['businessId', 'varchar'], ['referenceId', 'varchar'], ['type', 'varchar'], ['source', 'varchar'],
    ['fromStatus', 'varchar'], ['toStatus', 'varchar'], ['detail', 'text'], ['at', 'timestamp'],
  ],
};

/** One transaction per batch; parents before children. */
async function insertBatch(ds, rows) {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    for (const [table, list] of Object.entries(rows)) {
      if (list.length) await insertRows(qr, ds.options.type === 'sqlite', table, list);
    }
    await qr.commitTransaction();
  } catch (err) {
    if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await qr.release();
  }
}

async function insertRows(qr, sqlite, table, list) {
  const columns = TABLES[table];
  const names = columns.map(([c]) => `"${c}"`).join(', ');
  if (sqlite) {
    const perStatement = Math.floor(30000 / columns.length);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (let i = 0; i < list.length; i += perStatement) {
      const chunk = list.slice(i, i + perStatement);
      const values = chunk.map(() => tuple).join(', ');
      await qr.query(`INSERT INTO "${table}" (${names}) VALUES ${values}`, chunk.flat().map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
    }
    return;
  }
  // PostgreSQL: the rows as one JSON document, expanded server-side (no per-row parameters)
  const perStatement = 20000;
  for (let i = 0; i < list.length; i += perStatement) {
    const chunk = list.slice(i, i + perStatement);
    const json = JSON.stringify(chunk.map((row) => Object.fromEntries(columns.map(([c], k) => [c, row[k]]))));
    await qr.query(`INSERT INTO "${table}" (${names}) SELECT ${names} FROM json_populate_recordset(null::"${table}", $1::json)`, [json]);
  }
}

// ------------------------------------------------------------------ realistic rows

const ITEMS = [
  ['SKU-TSHIRT', 'Cotton T-shirt', 25000],
  ['SKU-JEANS', 'Slim fit jeans', 159900],
  ['SKU-KURTA', 'Handloom kurta', 89900],
  ['SKU-SAREE', 'Silk saree', 459900],
  ['SKU-CHAPPAL', 'Leather chappals', 49900],
  ['SKU-TEA', 'Assam tea 500 g', 34500],
  ['SKU-MUG', 'Ceramic mug', 19900],
  ['SKU-BAG', 'Jute tote bag', 29900],
];
const ADDRESS = JSON.stringify({ addressLine1: '12 MG Road', city: 'Bengaluru', zoneCode: 'KA', postalCode: '560001', countryCode: 'IN' });
const STATUS_PATH = {
  PENDING: [],
  PROCESSING: ['PROCESSING'],
  SHIPPED: ['PROCESSING', 'SHIPPED'],
  COMPLETED: ['PROCESSING', 'SHIPPED', 'COMPLETED'],
  CANCELED: ['CANCELED'],
};
const WIRE_STATUS = { PROCESSING: 'processing', SHIPPED: 'shipped', COMPLETED: 'completed', CANCELED: 'canceled' };

function generate(start, end, rand) {
  const b = SEED.businessA;
  const out = { orders: [], order_items: [], payments: [], transactions: [], outbound_messages: [], order_events: [] };
  const hex = (n) => {
    let s = '';
    while (s.length < n) s += ((rand() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  };
  const uuid = () => {
    const h = hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const pick = (list) => list[Math.floor(rand() * list.length)];
  for (let i = start; i < end; i++) {
    const id = uuid();
    const referenceId = `A-${i.toString(36).padStart(7, '0')}`;
    const createdMs = BASE_MS + i * 60_000 + Math.floor(rand() * 59_000);
    const to = `91${String(7000000000 + Math.floor(rand() * 2999999999))}`;
    const r = rand();
    const status = r < 0.3 ? 'PENDING' : r < 0.5 ? 'PROCESSING' : r < 0.75 ? 'SHIPPED' : r < 0.95 ? 'COMPLETED' : 'CANCELED';

    const itemCount = 1 + Math.floor(rand() * 3);
    let subtotal = 0;
    const wireItems = [];
    for (let p = 0; p < itemCount; p++) {
      const [sku, name, amount] = ITEMS[(i + p * 3) % ITEMS.length];
      const saleAmount = rand() < 0.4 ? Math.round(amount * 0.9) : null;
      const quantity = 1 + Math.floor(rand() * 3);
      subtotal += (saleAmount ?? amount) * quantity;
      out.order_items.push([uuid(), id, p, sku, name, amount, saleAmount, quantity, 'India', 'Example Store Pvt Ltd', ADDRESS]);
      wireItems.push({
        retailer_id: sku, name, amount: { value: amount, offset: 100 },
        ...(saleAmount !== null ? { sale_amount: { value: saleAmount, offset: 100 } } : {}),
        quantity, country_of_origin: 'India', importer_name: 'Example Store Pvt Ltd',
        importer_address: { address_line1: '12 MG Road', city: 'Bengaluru', zone_code: 'KA', postal_code: '560001', country_code: 'IN' },
      });
    }
    const tax = Math.round(subtotal * 0.18);
    const shipping = 4000;
    const discount = rand() < 0.3 ? Math.min(5000, subtotal) : null;
    const total = subtotal + tax + shipping - (discount ?? 0);
    const path = STATUS_PATH[status];
    const updatedMs = createdMs + path.length * 3_600_000;
    out.orders.push([
      id, b.id, referenceId, b.phoneNumberId, to, 'PHYSICAL_GOODS', b.configuration, 'RAZORPAY', status,
      path.length ? `Your order is ${status.toLowerCase()}` : null, 'INR', 100, subtotal, tax, 'GST 18%', shipping, 'Standard',
      discount, discount !== null ? 'WELCOME' : null, discount !== null ? 'Welcome offer' : null, total,
      'Your order is ready. Tap Review and Pay.', 'Bench Store', null, null, null, null, hex(64), ts(createdMs), ts(updatedMs),
    ]);

    // the order_details message, as the gateway stores it (the exact wire payload)
    const payload = JSON.stringify({
      messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'interactive',
      interactive: {
        type: 'order_details', body: { text: 'Your order is ready. Tap Review and Pay.' }, footer: { text: 'Bench Store' },
        action: {
          name: 'review_and_pay',
          parameters: {
            reference_id: referenceId, type: 'physical-goods',
            payment_settings: [{ type: 'payment_gateway', payment_gateway: { type: 'razorpay', configuration_name: b.configuration } }],
            currency: 'INR', total_amount: { value: total, offset: 100 },
            order: {
              status: 'pending', items: wireItems, subtotal: { value: subtotal, offset: 100 },
              tax: { value: tax, offset: 100, description: 'GST 18%' }, shipping: { value: shipping, offset: 100, description: 'Standard' },
              ...(discount !== null ? { discount: { value: discount, offset: 100, description: 'WELCOME', discount_program_name: 'Welcome offer' } } : {}),
            },
          },
        },
      },
    });
    const event = (type, source, fromStatus, toStatus, detail, atMs) =>
      out.order_events.push([id, b.id, referenceId, type, source, fromStatus, toStatus, detail, ts(atMs)]);
    const wamid = () => `wamid.${Buffer.from(hex(48), 'hex').toString('base64')}`;
    const detailsStatus = rand() < 0.6 ? 'READ' : 'DELIVERED';
    out.outbound_messages.push([
      uuid(), id, b.id, 'ORDER_DETAILS', payload, detailsStatus, wamid(), 1, null, null, null, null, ts(createdMs), ts(createdMs + 2000),
    ]);
    event('ORDER_CREATED', 'API', null, 'PENDING', null, createdMs);
    event('MESSAGE_STATUS_CHANGED', 'API', 'QUEUED', 'ACCEPTED', 'ORDER_DETAILS', createdMs + 300);
    event('MESSAGE_STATUS_CHANGED', 'WEBHOOK', 'ACCEPTED', 'DELIVERED', 'ORDER_DETAILS', createdMs + 2000);

    // the payment: captured once the order moved on; pending or untouched while it waits
    const paymentId = uuid();
    const payR = rand();
    const paymentStatus =
      status === 'PENDING' ? (payR < 0.7 ? 'NEW' : 'PENDING') : status === 'CANCELED' ? (payR < 0.5 ? 'NEW' : 'FAILED') : 'CAPTURED';
    const paidMs = createdMs + 600_000;
    const paid = paymentStatus === 'CAPTURED' || paymentStatus === 'PENDING';
    out.payments.push([
      paymentId, id, b.id, referenceId, paymentStatus, paymentStatus !== 'NEW' || rand() < 0.5,
      paymentStatus !== 'NEW' ? ts(paidMs) : null, paid ? total : null, paid ? 100 : null, paymentStatus !== 'NEW' ? 'INR' : null,
      null, 0, null, ts(createdMs), ts(paymentStatus === 'NEW' ? createdMs : paidMs),
    ]);
    // every attempt of one payment under one payment gateway order id, as WhatsApp reports them
    const pgOrderId = `order_${hex(14)}`;
    let position = 0;
    const tx = (txStatus, method, errorCode, errorReason, atMs) =>
      out.transactions.push([
        uuid(), paymentId, position++, pgOrderId, 'RAZORPAY', txStatus === 'PENDING' ? null : `pay_${hex(14)}`, txStatus, method,
        total, 100, 'INR', errorCode, errorReason, ts(atMs), ts(atMs + 5000), ts(atMs + 6000), ts(atMs + 6000),
      ]);
    if (paymentStatus === 'CAPTURED') {
      if (rand() < 0.1) tx('FAILED', 'card', 'BAD_REQUEST_ERROR', 'Payment declined by the bank', paidMs - 120_000);
      tx('SUCCESS', pick(['upi', 'upi', 'upi', 'card', 'netbanking', 'wallet']), null, null, paidMs);
    } else if (paymentStatus === 'PENDING') {
      tx('PENDING', null, null, null, paidMs);
    } else if (paymentStatus === 'FAILED') {
      tx('FAILED', 'upi', 'BAD_REQUEST_ERROR', 'Payment declined by the bank', paidMs);
    }
    if (paymentStatus !== 'NEW') event('PAYMENT_STATUS_CHANGED', 'LOOKUP', 'NEW', paymentStatus, 'confirmed by the payment lookup', paidMs + 7000);

    // each status change: its order_status message and events
    let previous = 'PENDING';
    path.forEach((next, step) => {
      const atMs = createdMs + (step + 1) * 3_600_000;
      const statusPayload = JSON.stringify({
        messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'interactive',
        interactive: {
          type: 'order_status', body: { text: `Your order ${referenceId} is ${WIRE_STATUS[next]}.` },
          action: { name: 'review_order', parameters: { reference_id: referenceId, order: { status: WIRE_STATUS[next] } } },
        },
      });
      out.outbound_messages.push([
        uuid(), id, b.id, 'ORDER_STATUS', statusPayload, 'DELIVERED', wamid(), 1, null, null, previous, next, ts(atMs), ts(atMs + 2000),
      ]);
      event('ORDER_STATUS_CHANGED', 'API', previous, next, null, atMs);
      event('MESSAGE_STATUS_CHANGED', 'API', 'QUEUED', 'ACCEPTED', 'ORDER_STATUS', atMs + 300);
      previous = next;
    });
  }
  return out;
}

/** A timestamp as the gateway stores it (UTC, millisecond precision). */
function ts(ms) {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------ PostgreSQL administration

function databaseUrl(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(serverUrl, sql, params = []) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The orders at these depths (0-based) of business A in page order, for cursors at a depth. */
async function ordersAt(url, depths) {
  const ds = await open(url);
  try {
    const p = ds.options.type === 'sqlite' ? '?' : '$1';
    const found = [];
    for (const n of depths) {
      const rows = await ds.query(
        `SELECT "id", "createdAt" FROM "orders" WHERE "businessId" = ${p} ORDER BY "createdAt" ASC, "id" ASC LIMIT 1 OFFSET ${Number(n)}`,
        [SEED.businessA.id],
      );
      if (!rows[0]) throw new Error(`no order at depth ${n}`);
      const at = rows[0].createdAt;
      const ms = at instanceof Date ? at.getTime() : Date.parse(String(at).replace(' ', 'T') + 'Z');
      found.push({ id: rows[0].id, createdAtMs: ms });
    }
    return found;
  } finally {
    await ds.destroy();
  }
}

module.exports = { prepareRunDatabase, prepareReadOnlyDatabase, ordersAt, adminQuery, databaseUrl, sizeLabel, TABLES, ts };
