'use strict';
// 1. read: a dashboard's page of 50 orders with items, payment and transactions, message and
// events, at random depths of the seeded business, against the same server answering
// { __typename }. Plus the SQL statements one such request costs, at several page sizes.

const { BenchFailure, READ_PAGE, TYPENAME, SECRETS, SEED, gql, requireDist, sleep, cursorOf } = require('../lib/common');
const { cannon, interleaved } = require('../lib/load');
const { entry } = require('../lib/results');
const { BENCH_LIMITS } = require('../lib/gateway');

async function read(ctx) {
  const { gateway, opts, log } = ctx;
  const key = SEED.businessA.keys.STOREFRONT.secret;
  const page = (await gql(gateway.url, key, READ_PAGE, { first: 50 })).orders;
  checkPage(page, 50);
  const cursors = ctx.cursors.random;
  let i = 0;
  const floorBody = JSON.stringify({ query: TYPENAME });
  const r = await interleaved({
    rounds: opts.rounds,
    log,
    floor: () => cannon({ url: gateway.url, key, body: floorBody, connections: opts.connections, duration: opts.httpSeconds, label: 'read floor' }).then((x) => x.rps),
    value: () =>
      cannon({
        url: gateway.url,
        key,
        makeBody: () => JSON.stringify({ query: READ_PAGE, variables: { first: 50, after: cursors[i++ % cursors.length] } }),
        connections: opts.connections,
        duration: opts.httpSeconds,
        check: (t) => t.startsWith('{"data":{"orders":{"edges":[{') && !t.includes('"errors":['),
        label: 'read',
      }).then((x) => x.rps),
  });
  return entry({
    name: 'read',
    database: ctx.dialect,
    description: `orders(first: 50) with items, payment+transactions, message, events (${opts.orders.toLocaleString('en')} orders) vs { __typename }`,
    unit: 'req/s',
    r,
    target: { op: '>=', value: 0.25 },
  });
}

function checkPage(page, size) {
  if (page.edges.length !== size) throw new BenchFailure(`read: expected ${size} orders on the page, got ${page.edges.length}`);
  for (const { node } of page.edges) {
    if (!node.items.length || !node.payment || !node.message || !node.events.length) {
      throw new BenchFailure(`read: order ${node.referenceId} came back without its relations: ${JSON.stringify(node).slice(0, 300)}`);
    }
  }
}

/**
 * SQL statements per read request, counted by a TypeORM logger in a gateway started in this process
 * with the test-style option (startGateway(config, logger, { database: { logger } })); the request
 * is sent twice and the second is counted, so one-time work (a first key lookup) does not count.
 */
async function statements(ctx) {
  const { loadConfig } = requireDist('src/config.js');
  const { startGateway } = requireDist('src/gateway.js');
  const { createLogger } = requireDist('src/logger.js');
  const counter = {
    count: 0,
    logQuery() {
      this.count++;
    },
    logQueryError() {},
    logQuerySlow() {},
    logSchemaBuild() {},
    logMigration() {},
    log() {},
  };
  const config = loadConfig({
    NODE_ENV: 'production',
    SANDBOX: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: ctx.db.url,
    MIGRATE_ON_START: 'false',
    WHATSAPP_API_URL: ctx.sim.url,
    SECRETS_KEY: SECRETS.secretsKey,
    ADMIN_API_KEY: SECRETS.adminKey,
    WHATSAPP_APP_SECRET: SECRETS.appSecret,
    WHATSAPP_VERIFY_TOKEN: SECRETS.verifyToken,
    DATA_DIR: ctx.db.dataDir,
    // background workers poll once at start, then stay quiet while statements are counted
    RELAY_POLL_MS: '600000',
    // what a read that runs costs: a kept answer (the second, counted request) costs none
    ANSWER_CACHE_MB: '0',
    LOG_LEVEL: 'silent',
    ...BENCH_LIMITS,
  });
  const gw = await startGateway(config, createLogger('silent'), { database: { logger: counter } });
  const key = SEED.businessA.keys.STOREFRONT.secret;
  const counts = {};
  try {
    await sleep(500);
    const after = ctx.cursors.random[1];
    for (const size of [1, 10, 50, 100]) {
      await gql(gw.url, key, READ_PAGE, { first: size, after });
      counter.count = 0;
      const data = await gql(gw.url, key, READ_PAGE, { first: size, after });
      counts[size] = counter.count;
      checkPage(data.orders, size);
    }
  } finally {
    await gw.stop();
  }
  const values = Object.values(counts);
  const constant = values[0] > 0 && values.every((v) => v === values[0]);
  ctx.log(`    statements per request by page size: ${JSON.stringify(counts)}`);
  return {
    name: 'read-statements',
    database: ctx.dialect,
    description: 'SQL statements per read request at page sizes 1, 10, 50, 100 (value: at 50; floor: at 1)',
    unit: 'statements',
    value: counts[50],
    floor: counts[1],
    ratio: counts[50] / counts[1],
    target: '== 1 (constant in page size)',
    pass: constant,
    byPageSize: counts,
    note: `page size ${Object.keys(counts).join('/')}: ${Object.values(counts).join('/')} statements`,
  };
}

module.exports = { read, statements, checkPage };
