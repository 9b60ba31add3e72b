#!/usr/bin/env node
'use strict';
// The benchmark harness (npm run bench [-- --quick] [-- --postgres] [-- --peer]). See BENCHMARKS.md.
//
// Every figure is a ratio against a floor measured in the same run on the same machine, because
// absolute numbers on a shared machine are noise. The gateway runs as its own process (node
// dist/src/main.js, as a user starts it) pinned to one core; this process (load generators, the
// WhatsApp simulator, subscribers) is pinned to the other. Each measurement: a warm-up of both
// sides (discarded), then interleaved rounds; the median is reported with min and max. Any
// non-2xx answer, GraphQL error or lost delivery fails the run.
//
// Options:
//   --quick          small data and short rounds (under 3 minutes)
//   --postgres       DATABASE_URL (a PostgreSQL server; default postgres://postgres@127.0.0.1:5432/postgres)
//                    and REDIS_URL (default redis://127.0.0.1:6379) instead of sqlite
//   --peer           only the comparison with PostGraphile and a hand-written floor, on sqlite and
//                    PostgreSQL in one run (installs PostGraphile into bench/.peer/ on demand; 5 rounds,
//                    3 with --quick); PostgreSQL at DATABASE_URL, Redis at REDIS_URL as for --postgres
//   --only=a,b       only these scenarios (statements, read, deep-pages, send, webhooks, fanout, business-webhooks, memory)
//   --profile        start the gateway with --cpu-prof (profiles in bench/.profiles/)
//   --rounds=n       interleaved rounds (default 3; --peer: 5, or 3 with --quick)
//   --memory-seconds=n  length of the memory soak
//   --out=file       write the results there instead of bench/results.json (and no per-mode copy)
//   --no-answer-cache  the gateway with ANSWER_CACHE_MB=0: every read runs (what a read costs when
//                    its answer is not kept)

const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const os = require('node:os');
const { join } = require('node:path');
const { BenchFailure, ROOT, SECRETS, SEED, SEND, cursorOf, gql, hasTaskset, orderInput, requireDist } = require('./lib/common');
const { startGateway } = require('./lib/gateway');
const { prepareRunDatabase, prepareReadOnlyDatabase, ordersAt, sizeLabel } = require('./lib/seed');
const { table } = require('./lib/results');
const { read, statements } = require('./scenarios/read');
const { deepPages } = require('./scenarios/deep-pages');
const { send } = require('./scenarios/send');
const { webhooks } = require('./scenarios/webhooks');
const { fanout } = require('./scenarios/fanout');
const { businessWebhooks } = require('./scenarios/business-webhooks');
const { memory } = require('./scenarios/memory');
const { peerComparison } = require('./peer/scenario');
const { VERSION: PEER_VERSION } = require('./peer/postgraphile');

const SCENARIOS = ['statements', 'read', 'deep-pages', 'send', 'webhooks', 'fanout', 'business-webhooks', 'memory'];
const SERVER_CPU = '0';
const LOAD_CPU = '1';

function parseArgs(argv) {
  const args = { quick: false, postgres: false, peer: false, only: null, profile: false, rounds: null, memorySeconds: null, out: null, answerCache: true };
  for (const a of argv) {
    if (a === '--quick') args.quick = true;
    else if (a === '--peer') args.peer = true;
    else if (a === '--postgres') args.postgres = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--no-answer-cache') args.answerCache = false;
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean);
    else if (a.startsWith('--rounds=')) args.rounds = Math.max(1, Number(a.slice(9)));
    else if (a.startsWith('--memory-seconds=')) args.memorySeconds = Math.max(20, Number(a.slice(17)));
    else if (a.startsWith('--out=')) args.out = a.slice(6);
    else throw new BenchFailure(`unknown option ${a}; see the top of bench/run.js`);
  }
  if (args.peer && (args.postgres || args.only)) throw new BenchFailure('--peer runs on sqlite and PostgreSQL in one run, by itself: leave out --postgres and --only');
  for (const s of args.only ?? []) if (!SCENARIOS.includes(s)) throw new BenchFailure(`unknown scenario ${s}; one of ${SCENARIOS.join(', ')}`);
  return args;
}

/** What the measured gateway gets beyond the harness's settings. */
function gatewayEnv(args) {
  return args.answerCache ? {} : { ANSWER_CACHE_MB: '0' };
}

function options(args) {
  const quick = args.quick;
  const orders = quick ? 5_000 : 100_000;
  const memorySeconds = args.memorySeconds ?? (quick ? 30 : 600);
  return {
    quick,
    orders,
    deepDepth: orders - orders / 100,
    rounds: args.rounds ?? (args.peer ? (quick ? 3 : 5) : 3),
    connections: 8,
    httpSeconds: quick ? 1 : 3,
    // a page with every relation takes the gateway 50-150 ms on one core: 8 of them at once
    // need seconds per round to complete more than a handful
    peerSeconds: quick ? 3 : 5,
    latencySeconds: quick ? 0.5 : 2,
    settleSeconds: quick ? 30 : 120,
    webhookBatch: quick ? 100 : 400,
    fanout: quick ? { subscribers: 100, changes: 20 } : { subscribers: 1000, changes: 100 },
    businessWebhooks: { endpoints: [1, 10, 100], changes: quick ? 20 : 100 },
    memory: { seconds: memorySeconds, earlyAt: quick ? 10 : Math.min(60, Math.round(memorySeconds / 10)) },
    // the million-order deep page runs on PostgreSQL in full mode
    bigOrders: args.postgres && !quick ? 1_000_000 : null,
    serverCpu: SERVER_CPU,
    loadCpu: LOAD_CPU,
  };
}

function pinSelf() {
  if (!hasTaskset()) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', LOAD_CPU, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function machine(pinned, dialect, dbVersion) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    database: `${dialect} ${dbVersion}`,
    pinned: pinned ? `gateway on core ${SERVER_CPU}, load generator + simulator on core ${LOAD_CPU} (taskset)` : 'not pinned (taskset missing or refused)',
  };
}

async function databaseVersion(url) {
  const { createDataSource } = requireDist('src/db/data-source.js');
  const ds = createDataSource(url);
  await ds.initialize();
  try {
    const rows = await ds.query(ds.options.type === 'sqlite' ? 'SELECT sqlite_version() AS v' : 'SHOW server_version');
    return String(Object.values(rows[0])[0]);
  } finally {
    await ds.destroy();
  }
}

/** Cursors for the read scenario (random depths) and for the deep page. */
async function cursors(url, orders, deepDepth) {
  // a fixed spread of depths, away from the end so every page is full
  const depths = Array.from({ length: 64 }, (_, i) => Math.floor(((i * 0.618033988749895) % 1) * (orders - 200)));
  const [deep, ...spread] = await ordersAt(url, [deepDepth - 1, ...depths]);
  return {
    deep: { depth: deepDepth, cursor: cursorOf(deep.createdAtMs, deep.id) },
    random: spread.map((o) => cursorOf(o.createdAtMs, o.id)),
  };
}

async function main() {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  const opts = options(args);
  if (args.peer) return peerMain(args, opts, started);
  const dialect = args.postgres ? 'postgres' : 'sqlite';
  const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = args.postgres ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : null;
  if (args.postgres && !/^postgres(ql)?:\/\//.test(postgresUrl)) throw new BenchFailure('--postgres needs DATABASE_URL to be a postgres:// URL (or unset for the local server)');
  const pinned = pinSelf();
  const log = (m) => process.stdout.write(`${m}\n`);
  const profileDir = args.profile ? join(ROOT, 'bench', '.profiles', new Date().toISOString().replace(/[:.]/g, '-')) : null;
  const wanted = (s) => !args.only || args.only.includes(s);
  log(`bench: ${opts.quick ? 'quick' : 'full'} run on ${dialect}${redisUrl ? ' + redis' : ''}, ${opts.orders.toLocaleString('en')} orders, ${opts.rounds} rounds${pinned ? '' : ' (NOT pinned)'}`);

  const db = await prepareRunDatabase({ dialect, orders: opts.orders, postgresUrl, log });
  const info = machine(pinned, dialect, await databaseVersion(db.url));
  const { WhatsAppSimulator } = requireDist('src/sandbox/simulator.js');
  const sim = new WhatsAppSimulator({ webhookDelayMs: 5 });
  await sim.start(0, '127.0.0.1');

  const results = [];
  let refCounter = 0;
  const runId = Date.now().toString(36);
  const ctx = {
    opts,
    dialect,
    log,
    sim,
    db,
    secrets: SECRETS,
    gateway: null,
    sentRefs: [],
    cursors: await cursors(db.url, opts.orders, opts.deepDepth),
    nextRef: () => `B-${runId}-${(refCounter++).toString(36)}`,
    /** orders of business B sent through the gateway (known to the simulator) and not used yet */
    takeRefs: async (n) => {
      while (ctx.sentRefs.length < n) {
        const missing = n - ctx.sentRefs.length;
        await Promise.all(
          Array.from({ length: Math.min(missing, 16) }, async () => {
            const ref = ctx.nextRef();
            await gql(ctx.gateway.url, SEED.businessB.keys.STOREFRONT.secret, SEND, { input: orderInput(ref) });
            ctx.sentRefs.push(ref);
          }),
        );
      }
      return ctx.sentRefs.splice(0, n);
    },
    startGateway: (url = db.url) =>
      startGateway({ databaseUrl: url, redisUrl, upstreamUrl: sim.url, dataDir: db.dataDir, cpu: SERVER_CPU, profileDir, env: gatewayEnv(args) }),
  };

  const stage = async (name, fn) => {
    if (!wanted(name)) return;
    const t = Date.now();
    log(`\n${name}`);
    const before = ctx.gateway ? ctx.gateway.errors.length : 0;
    const entry = await fn();
    if (ctx.gateway && ctx.gateway.errors.length > before) {
      throw new BenchFailure(`${name}: the gateway logged errors:\n${ctx.gateway.errors.slice(before, before + 5).join('\n')}`);
    }
    if (entry) {
      results.push(entry);
      log(`  => ${entry.name}: value ${entry.value} ${entry.unit}, floor ${entry.floor} ${entry.floorUnit ?? entry.unit}, ratio ${entry.ratio} (target ${entry.target}) ${entry.pass ? 'pass' : 'MISS'} [${((Date.now() - t) / 1000).toFixed(0)} s]`);
    }
  };

  let error = null;
  try {
    await stage('statements', () => statements(ctx));
    const needsGateway = ['read', 'deep-pages', 'send', 'webhooks', 'fanout', 'business-webhooks'].some(wanted);
    if (needsGateway) {
      ctx.gateway = await ctx.startGateway();
      sim.configureWebhooks({ url: `${ctx.gateway.url}/webhooks/whatsapp`, appSecret: SECRETS.appSecret, autoDeliver: false });
      await stage('read', () => read(ctx));
      await stage('deep-pages', () => deepPages(ctx));
      await stage('send', () => send(ctx));
      await stage('webhooks', () => webhooks(ctx));
      await stage('fanout', () => fanout(ctx));
      await stage('business-webhooks', () => businessWebhooks(ctx));
      await ctx.gateway.stop();
      ctx.gateway = null;
    }
    if (opts.bigOrders && wanted('deep-pages')) {
      const big = await prepareReadOnlyDatabase({ dialect, orders: opts.bigOrders, postgresUrl, log });
      const deepDepth = opts.bigOrders - opts.bigOrders / 1000;
      const [deep] = await ordersAt(big.url, [deepDepth - 1]);
      ctx.gateway = await ctx.startGateway(big.url);
      await stage('deep-pages', () =>
        deepPages(ctx, { name: `deep-pages-${sizeLabel(opts.bigOrders)}`, orders: opts.bigOrders, deepCursor: { depth: deepDepth, cursor: cursorOf(deep.createdAtMs, deep.id) } }),
      );
      await ctx.gateway.stop();
      ctx.gateway = null;
    }
    await stage('memory', () => memory(ctx));
  } catch (err) {
    error = err;
  } finally {
    if (ctx.gateway) await ctx.gateway.stop().catch(() => undefined);
    await sim.stop();
  }

  const report = {
    generatedAt: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    database: dialect,
    orders: opts.orders,
    rounds: opts.rounds,
    machine: info,
    seconds: Math.round((Date.now() - started) / 1000),
    seededNow: db.seededNow,
    profiles: profileDir,
    pass: !error && results.every((e) => e.pass),
    error: error ? String(error.message ?? error) : null,
    scenarios: results,
  };
  writeReport(report, `results-${dialect}-${report.mode}.json`, args, log, error);
}

/** --peer: the gateway against PostGraphile and the floor, on sqlite and on PostgreSQL (bench/peer/). */
async function peerMain(args, opts, started) {
  const postgresUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!/^postgres(ql)?:\/\//.test(postgresUrl)) throw new BenchFailure('--peer needs DATABASE_URL to be a postgres:// URL (or unset for the local server)');
  const pinned = pinSelf();
  const log = (m) => process.stdout.write(`${m}\n`);
  const profileDir = args.profile ? join(ROOT, 'bench', '.profiles', new Date().toISOString().replace(/[:.]/g, '-')) : null;
  log(`bench --peer: ${opts.quick ? 'quick' : 'full'} run, gateway and floor on sqlite and PostgreSQL, PostGraphile ${PEER_VERSION} on PostgreSQL, ${opts.orders.toLocaleString('en')} orders, ${opts.rounds} rounds${pinned ? '' : ' (NOT pinned)'}`);
  const { WhatsAppSimulator } = requireDist('src/sandbox/simulator.js');
  const sim = new WhatsAppSimulator({ webhookDelayMs: 5 });
  await sim.start(0, '127.0.0.1');
  const results = [];
  const versions = {};
  let error = null;
  try {
    await peerComparison(
      {
        opts,
        log,
        postgresUrl,
        startGateway: async (db, dialect) => {
          versions[dialect] ??= await databaseVersion(db.url);
          return startGateway({ databaseUrl: db.url, redisUrl: dialect === 'postgres' ? redisUrl : null, upstreamUrl: sim.url, dataDir: db.dataDir, cpu: SERVER_CPU, profileDir, env: gatewayEnv(args) });
        },
      },
      results,
    );
  } catch (err) {
    error = err;
  } finally {
    await sim.stop();
  }
  const info = machine(pinned, 'sqlite', `${versions.sqlite ?? '?'}, postgres ${versions.postgres ?? '?'}`);
  info.pinned = pinned ? `gateway, PostGraphile and floor on core ${SERVER_CPU} (one at a time), load generator on core ${LOAD_CPU} (taskset)` : info.pinned;
  const report = {
    generatedAt: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    database: 'sqlite+postgres',
    peer: `postgraphile ${PEER_VERSION} (PostgreSQL)`,
    orders: opts.orders,
    rounds: opts.rounds,
    machine: info,
    seconds: Math.round((Date.now() - started) / 1000),
    profiles: profileDir,
    pass: !error && results.every((e) => e.pass),
    error: error ? String(error.message ?? error) : null,
    scenarios: results,
  };
  writeReport(report, `results-peer-${report.mode}.json`, args, log, error);
}

/**
 * Writes the report to bench/results.json (or --out) and, without --out, to `copyName` beside it;
 * prints the table and the machine; a failed run exits 1.
 */
function writeReport(report, copyName, args, log, error) {
  const { machine: info, scenarios: results } = report;
  const json = JSON.stringify(report, null, 2) + '\n';
  const out = args.out ?? join(ROOT, 'bench', 'results.json');
  writeFileSync(out, json);
  if (!args.out) writeFileSync(join(ROOT, 'bench', copyName), json);
  log(`\n${table(results)}\n`);
  log(`machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, ${info.os}, node ${info.node}, ${info.database}; ${info.pinned}`);
  log(`${out} written in ${report.seconds} s${error ? '' : `; ${results.filter((e) => !e.pass).length} target(s) missed`}`);
  if (error) {
    process.stderr.write(`\nbench FAILED: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench FAILED: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}

module.exports = { parseArgs, options };
