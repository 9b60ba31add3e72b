'use strict';
// npm run bench -- --peer: the gateway's reads against PostGraphile (the reference for fast
// GraphQL over PostgreSQL) and against a hand-written floor, on the bench's seed. The gateway and
// the floor run on sqlite and on PostgreSQL; PostGraphile on PostgreSQL, against the same data.
// Each server is a process pinned to the server's core; they are measured in turn, interleaved,
// after a check that all three answer the same data. See BENCHMARKS.md.

const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { BenchFailure, SEED, cursorOf, hasTaskset, requireDist, summary, round } = require('../lib/common');
const { closedLoop } = require('../lib/load');
const { prepareRunDatabase, sizeLabel } = require('../lib/seed');
const { GATEWAY, PEER } = require('./documents');
const { fromGateway, fromPeer, sameData, sameBytes } = require('./compare');
const { ensurePostgraphile, startPostgraphile, stopChild, VERSION } = require('./postgraphile');

const BUSINESS = SEED.businessA;
const KEY = BUSINESS.keys.STOREFRONT.secret;
const TARGETS = {
  'peer-page-random': { vsPeer: 1.0, vsFloor: 0.5 },
  'peer-page-first': { vsPeer: 1.0, vsFloor: 0.5 },
  'peer-order': { vsPeer: 1.0, vsFloor: 0.5 },
  'peer-typename': { vsPeer: 0.5, vsFloor: null },
};

// ------------------------------------------------------------------ data

/**
 * What the seed lacks and an order can have: beneficiaries on shipped orders (WhatsApp requires
 * them for shipped physical goods) and a partial refund on one captured payment in eight. Applied
 * to this run's copy only, so the comparison also covers those relations.
 */
async function enrich(url) {
  const ds = await openDataSource(url);
  try {
    const sqlite = ds.options.type === 'sqlite';
    const beneficiaries = JSON.stringify([
      { name: 'Asha Rao', addressLine1: '12 MG Road', city: 'Bengaluru', state: 'Karnataka', country: 'India', postalCode: '560001' },
      { name: 'Ravi Rao', addressLine1: '4 Residency Road', addressLine2: 'near the park', city: 'Bengaluru', state: 'Karnataka', country: 'India', postalCode: '560025' },
    ]);
    const p = (i) => (sqlite ? '?' : `$${i}`);
    await ds.query(`UPDATE "orders" SET "beneficiaries" = ${p(1)} WHERE "businessId" = ${p(2)} AND "status" IN ('SHIPPED', 'COMPLETED')`, [beneficiaries, BUSINESS.id]);
    await ds.query(
      `INSERT INTO "refunds" ("id", "paymentId", "orderId", "businessId", "referenceId", "refundId", "amount", "offset", "currency", "status",
         "speedRequested", "speedProcessed", "requestedByGateway", "reason", "upstreamCreatedAt", "upstreamUpdatedAt", "createdAt", "updatedAt")
       SELECT 'rf' || substr(py."id", 3), py."id", py."orderId", py."businessId", py."referenceId", 'rfnd_' || substr(py."id", 1, 8), py."amount" / 2, 100, 'INR',
         'SUCCEEDED', 'NORMAL', 'NORMAL', ${sqlite ? 1 : 'true'}, 'one item returned', py."updatedAt", py."updatedAt", py."updatedAt", py."updatedAt"
       FROM "payments" py
       WHERE py."businessId" = ${p(1)} AND py."status" = 'CAPTURED' AND substr(py."id", 1, 1) IN ('0', '1')
         AND NOT EXISTS (SELECT 1 FROM "refunds" r WHERE r."paymentId" = py."id")`,
      [BUSINESS.id],
    );
    if (!sqlite) await ds.query('ANALYZE');
  } finally {
    await ds.destroy();
  }
}

async function openDataSource(url) {
  const { createDataSource } = requireDist('src/db/data-source.js');
  const ds = createDataSource(url, { poolSize: 2 });
  await ds.initialize();
  return ds;
}

/** The orders of business A at these depths (page order): id, referenceId and the time of the cursor. */
async function ordersAtDepths(url, depths) {
  const ds = await openDataSource(url);
  try {
    const p = ds.options.type === 'sqlite' ? '?' : '$1';
    const found = [];
    for (const n of depths) {
      const [row] = await ds.query(
        `SELECT "id", "referenceId", "createdAt" FROM "orders" WHERE "businessId" = ${p} ORDER BY "createdAt" ASC, "id" ASC LIMIT 1 OFFSET ${Number(n)}`,
        [BUSINESS.id],
      );
      const at = row.createdAt;
      found.push({ depth: n, id: row.id, referenceId: row.referenceId, createdAtMs: at instanceof Date ? at.getTime() : Date.parse(String(at).replace(' ', 'T') + 'Z') });
    }
    return found;
  } finally {
    await ds.destroy();
  }
}

// ------------------------------------------------------------------ servers

/** The floor (bench/peer/floor.js) as its own process on the server's core. */
async function startFloor({ databaseUrl, cpu }) {
  const args = [join(__dirname, 'floor.js'), JSON.stringify({ databaseUrl, businessId: BUSINESS.id })];
  const child = hasTaskset() ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args]) : spawn(process.execPath, args);
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line).url);
    });
    child.on('exit', (code) => reject(new BenchFailure(`the floor exited (code ${code}) before it listened: ${err.slice(0, 1500)}`)));
  });
  return { url, pid: child.pid, errors: () => err, stop: () => stopChild(child) };
}

/** POST /graphql; the raw answer, which must be a 200 without GraphQL errors. */
async function post(url, key, query, variables, label) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  if (!res.ok || text.includes('"errors":[')) throw new BenchFailure(`${label}: HTTP ${res.status}: ${text.slice(0, 800)}`);
  return text;
}

// ------------------------------------------------------------------ the reads

/** The request bodies each server gets for each read, rotating over the sampled cursors and orders. */
function reads({ gatewayCursors, peerCursors, referenceIds }) {
  const rotate = (list, make) => {
    let i = 0;
    return () => make(list[i++ % list.length]);
  };
  const gw = (query, variables) => JSON.stringify({ query, variables });
  const pg = (query, variables) => JSON.stringify({ query, variables: { businessId: BUSINESS.id, ...variables } });
  return [
    {
      name: 'peer-page-random',
      description: 'orders(first: 50, after: a random cursor) with every relation of an order',
      gateway: () => rotate(gatewayCursors, (after) => gw(GATEWAY.page, { first: 50, after })),
      peer: () => rotate(peerCursors, (after) => pg(PEER.page, { first: 50, after })),
      gatewayCheck: (t) => t.startsWith('{"data":{"orders":{"edges":[{'),
      peerCheck: (t) => t.startsWith('{"data":{"allOrders":{"edges":[{'),
    },
    {
      name: 'peer-page-first',
      description: 'the first page of the same: orders(first: 50) with every relation',
      gateway: () => () => gw(GATEWAY.page, { first: 50 }),
      peer: () => () => pg(PEER.page, { first: 50 }),
      gatewayCheck: (t) => t.startsWith('{"data":{"orders":{"edges":[{'),
      peerCheck: (t) => t.startsWith('{"data":{"allOrders":{"edges":[{'),
    },
    {
      name: 'peer-order',
      description: 'order(referenceId:) with every relation (a mobile app\'s request)',
      gateway: () => rotate(referenceIds, (referenceId) => gw(GATEWAY.order, { referenceId })),
      peer: () => rotate(referenceIds, (referenceId) => pg(PEER.order, { referenceId })),
      gatewayCheck: (t) => t.startsWith('{"data":{"order":{"id":'),
      peerCheck: (t) => t.startsWith('{"data":{"orderByBusinessIdAndReferenceId":{"id":'),
    },
    {
      name: 'peer-typename',
      description: '{ __typename } (the gateway with an API key): the fixed cost of a request',
      gateway: () => () => gw(GATEWAY.typename),
      peer: () => () => gw(PEER.typename),
      gatewayCheck: (t) => t.startsWith('{"data":{"__typename":"Query"}'),
      peerCheck: (t) => t.startsWith('{"data":{"__typename":"Query"}'),
    },
  ];
}

/**
 * Before timing: the first page, pages at several depths and single orders (some with refunds and
 * beneficiaries, one unknown) from all three; the same data after normalising, the floor's bytes the
 * gateway's. A difference fails the run.
 */
async function checkSameAnswers({ gateway, peer, floor, gatewayCursors, peerCursors, referenceIds, crossDatabase, log }) {
  const pages = [{ label: 'the first page', gw: {}, pg: {} }];
  for (const i of [0, Math.floor(gatewayCursors.length / 2), gatewayCursors.length - 1]) {
    pages.push({ label: `the page after cursor ${i}`, gw: { after: gatewayCursors[i] }, pg: { after: peerCursors[i] } });
  }
  let orders = 0;
  const covered = { refunds: 0, beneficiaries: 0, transactions: 0, discounts: 0, saleAmounts: 0 };
  const note = (n) => {
    if (n.payment.refunds.length) covered.refunds++;
    if (n.beneficiaries.length) covered.beneficiaries++;
    if (n.payment.transactions.length > 1) covered.transactions++;
    if (n.discount) covered.discounts++;
    if (n.items.some((i) => i.saleAmount)) covered.saleAmounts++;
  };
  const withRefund = [];
  for (const page of pages) {
    const g = await post(gateway.url, KEY, GATEWAY.page, { first: 50, ...page.gw }, `gateway, ${page.label}`);
    const f = await post(floor.url, KEY, GATEWAY.page, { first: 50, ...page.gw }, `floor, ${page.label}`);
    const p = await post(peer.url, null, PEER.page, { businessId: BUSINESS.id, first: 50, ...page.pg }, `PostGraphile, ${page.label}`);
    sameBytes(`${page.label}`, g, f);
    const gPage = JSON.parse(g).data.orders;
    const pPage = JSON.parse(p).data.allOrders;
    if (gPage.edges.length !== 50) throw new BenchFailure(`${page.label}: the gateway answered ${gPage.edges.length} orders, not 50`);
    const gNodes = gPage.edges.map((e) => fromGateway(e.node));
    sameData(page.label, { hasNextPage: gPage.pageInfo.hasNextPage, orders: gNodes }, { hasNextPage: pPage.pageInfo.hasNextPage, orders: pPage.edges.map((e) => fromPeer(e.node)) }, { crossDatabase });
    gNodes.forEach(note);
    orders += gNodes.length;
    withRefund.push(...gNodes.filter((n) => n.payment.refunds.length).map((n) => n.referenceId));
  }
  const singles = [...referenceIds.slice(0, 6), ...withRefund.slice(0, 2), 'A-unknown'];
  for (const referenceId of singles) {
    const label = `order ${referenceId}`;
    const g = await post(gateway.url, KEY, GATEWAY.order, { referenceId }, `gateway, ${label}`);
    const f = await post(floor.url, KEY, GATEWAY.order, { referenceId }, `floor, ${label}`);
    const p = await post(peer.url, null, PEER.order, { businessId: BUSINESS.id, referenceId }, `PostGraphile, ${label}`);
    sameBytes(label, g, f);
    sameData(label, fromGateway(JSON.parse(g).data.order), fromPeer(JSON.parse(p).data.orderByBusinessIdAndReferenceId), { crossDatabase });
  }
  const g = await post(gateway.url, KEY, GATEWAY.typename, {}, 'gateway, { __typename }');
  const f = await post(floor.url, KEY, GATEWAY.typename, {}, 'floor, { __typename }');
  sameBytes('{ __typename }', g, f);
  for (const [what, n] of Object.entries(covered)) {
    if (n === 0) throw new BenchFailure(`the sample of orders compared holds no order with ${what}: the check would not cover them`);
  }
  log(`    same answers: ${pages.length} pages (${orders} orders) and ${singles.length} single orders; the floor byte for byte (covered: ${JSON.stringify(covered)})`);
}

/**
 * Each side once as a warm-up (discarded), then `rounds` rounds in which the three take turns in a
 * rotating order, so drift on a shared machine falls on all of them alike. Ratios per round.
 */
async function interleaved3({ rounds, sides, log }) {
  const names = Object.keys(sides);
  log('    warm-up (discarded)');
  for (const n of names) await sides[n]();
  const values = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 1; r <= rounds; r++) {
    const order = names.map((_, i) => names[(i + r - 1) % names.length]);
    for (const n of order) values[n].push(await sides[n]());
    log(`    round ${r}: ${names.map((n) => `${n} ${values[n][r - 1].toFixed(0)}`).join('  ')}  vsPeer ${(values.gateway[r - 1] / values.peer[r - 1]).toFixed(3)}  vsFloor ${(values.gateway[r - 1] / values.floor[r - 1]).toFixed(3)}`);
  }
  return values;
}

function ratioSummary(values, against, target) {
  const ratios = values.gateway.map((v, i) => v / values[against][i]);
  const s = summary(ratios);
  return {
    median: round(s.median, 4),
    min: round(s.min, 4),
    max: round(s.max, 4),
    rounds: s.rounds,
    target: target == null ? null : `>= ${target}`,
    pass: target == null ? true : s.median >= target,
  };
}

function peerEntry(read, database, values, opts) {
  const target = TARGETS[read.name];
  const vsPeer = ratioSummary(values, 'peer', target.vsPeer);
  const vsFloor = ratioSummary(values, 'floor', target.vsFloor);
  const med = (n) => round(summary(values[n]).median);
  const fmtRatio = (r) => `${r.median.toFixed(2)} (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
  return {
    name: read.name,
    database,
    description: `${read.description}; ${opts.orders.toLocaleString('en')} orders; vsPeer = gateway ÷ PostGraphile ${VERSION} (PostgreSQL), vsFloor = gateway ÷ one SQL statement + JSON.stringify, throughput per round`,
    unit: 'req/s',
    value: med('gateway'),
    floor: med('floor'),
    peer: med('peer'),
    ratio: vsPeer.median,
    target: `vsPeer >= ${target.vsPeer}${target.vsFloor == null ? '' : `, vsFloor >= ${target.vsFloor}`}`,
    pass: vsPeer.pass && vsFloor.pass,
    vsPeer,
    vsFloor,
    min: { value: round(Math.min(...values.gateway)), floor: round(Math.min(...values.floor)), peer: round(Math.min(...values.peer)), ratio: vsPeer.min },
    max: { value: round(Math.max(...values.gateway)), floor: round(Math.max(...values.floor)), peer: round(Math.max(...values.peer)), ratio: vsPeer.max },
    rounds: { value: values.gateway.map((x) => round(x)), peer: values.peer.map((x) => round(x)), floor: values.floor.map((x) => round(x)), ratio: vsPeer.rounds },
    note: `PostGraphile ${med('peer')} req/s; vsFloor ${fmtRatio(vsFloor)}`,
  };
}

// ------------------------------------------------------------------ the run

/**
 * ctx: { opts, log, sim, postgresUrl, redisUrl, startGateway(url) }. Returns the entries, per
 * database: peer-page-random, peer-page-first, peer-order, peer-typename.
 */
async function peerComparison(ctx, results) {
  const { opts, log } = ctx;
  ensurePostgraphile(log);
  const size = sizeLabel(opts.orders);
  const runName = `peer-${size}`;
  const postgres = await prepareRunDatabase({ dialect: 'postgres', orders: opts.orders, postgresUrl: ctx.postgresUrl, log, runName });
  await enrich(postgres.url);
  // a fixed spread of depths, away from the end so every page is full
  const depths = Array.from({ length: 64 }, (_, i) => Math.floor(((i * 0.618033988749895) % 1) * (opts.orders - 200)));
  const sampled = await ordersAtDepths(postgres.url, depths);
  const gatewayCursors = sampled.map((o) => cursorOf(o.createdAtMs, o.id));
  const referenceIds = sampled.map((o) => o.referenceId);

  const peer = await startPostgraphile({ databaseUrl: postgres.url, cpu: opts.serverCpu });
  const running = [peer];
  try {
    const peerCursors = [];
    for (const o of sampled) {
      const data = JSON.parse(await post(peer.url, null, PEER.cursorAt, { businessId: BUSINESS.id, offset: o.depth }, 'PostGraphile cursor')).data;
      const edge = data.allOrders.edges[0];
      if (edge?.node.id !== o.id) throw new BenchFailure(`PostGraphile's order at depth ${o.depth} is ${edge?.node.id}, not ${o.id}: the two orderings differ`);
      peerCursors.push(edge.cursor);
    }
    for (const dialect of ['sqlite', 'postgres']) {
      log(`\npeer on ${dialect}${dialect === 'sqlite' ? ' (PostGraphile on PostgreSQL)' : ''}`);
      let db = postgres;
      if (dialect === 'sqlite') {
        db = await prepareRunDatabase({ dialect, orders: opts.orders, postgresUrl: ctx.postgresUrl, log, runName });
        await enrich(db.url);
      }
      const gateway = await ctx.startGateway(db, dialect);
      running.push(gateway);
      const floor = await startFloor({ databaseUrl: db.url, cpu: opts.serverCpu });
      running.push(floor);
      await checkSameAnswers({ gateway, peer, floor, gatewayCursors, peerCursors, referenceIds, crossDatabase: dialect !== 'postgres', log });
      for (const read of reads({ gatewayCursors, peerCursors, referenceIds })) {
        const t = Date.now();
        log(`  ${read.name} (${dialect})`);
        const load = (url, key, makeBody, check, label) => () =>
          closedLoop({ url, key, makeBody, connections: opts.connections, seconds: opts.peerSeconds, check, label }).then((x) => x.rps);
        const values = await interleaved3({
          rounds: opts.rounds,
          log,
          sides: {
            gateway: load(gateway.url, KEY, read.gateway(), read.gatewayCheck, `${read.name} gateway`),
            peer: load(peer.url, null, read.peer(), read.peerCheck, `${read.name} PostGraphile`),
            floor: load(floor.url, KEY, read.gateway(), read.gatewayCheck, `${read.name} floor`),
          },
        });
        const e = peerEntry(read, dialect, values, opts);
        results.push(e);
        log(`  => ${e.name} (${dialect}): gateway ${e.value} req/s, PostGraphile ${e.peer}, floor ${e.floor}; vsPeer ${e.vsPeer.median} (${e.vsPeer.min}-${e.vsPeer.max}) [${e.vsPeer.target}], vsFloor ${e.vsFloor.median} (${e.vsFloor.min}-${e.vsFloor.max})${e.vsFloor.target ? ` [${e.vsFloor.target}]` : ''} ${e.pass ? 'pass' : 'MISS'} [${((Date.now() - t) / 1000).toFixed(0)} s]`);
      }
      if (gateway.errors.length) throw new BenchFailure(`the gateway logged errors:\n${gateway.errors.slice(0, 5).join('\n')}`);
      await floor.stop();
      await gateway.stop();
      running.splice(running.indexOf(floor), 1);
      running.splice(running.indexOf(gateway), 1);
    }
  } finally {
    for (const s of running.reverse()) await s.stop().catch(() => undefined);
  }
}

module.exports = { peerComparison, enrich, TARGETS };
