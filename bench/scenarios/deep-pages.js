'use strict';
// 2. deep pages: one page at depth 99% of the orders (99,000 of 100,000) against the first page,
// one request at a time (latency), same query, same server.

const { READ_PAGE, SEED, gql, median } = require('../lib/common');
const { interleaved } = require('../lib/load');
const { sequentialLatencies } = require('../lib/timed');
const { entry } = require('../lib/results');
const { checkPage } = require('./read');

async function deepPages(ctx, { name = 'deep-pages', gateway = ctx.gateway, orders = ctx.opts.orders, deepCursor = ctx.cursors.deep } = {}) {
  const { opts, log } = ctx;
  const key = SEED.businessA.keys.STOREFRONT.secret;
  checkPage((await gql(gateway.url, key, READ_PAGE, { first: 50, after: deepCursor.cursor })).orders, 50);
  const firstBody = JSON.stringify({ query: READ_PAGE, variables: { first: 50 } });
  const deepBody = JSON.stringify({ query: READ_PAGE, variables: { first: 50, after: deepCursor.cursor } });
  const check = (t) => t.startsWith('{"data":{"orders":{"edges":[{');
  const r = await interleaved({
    rounds: opts.rounds,
    log,
    floor: () => sequentialLatencies({ url: gateway.url, key, body: firstBody, seconds: opts.latencySeconds, check, label: 'first page' }).then(median),
    value: () => sequentialLatencies({ url: gateway.url, key, body: deepBody, seconds: opts.latencySeconds, check, label: 'deep page' }).then(median),
  });
  return entry({
    name,
    database: ctx.dialect,
    description: `median latency of the page at depth ${deepCursor.depth.toLocaleString('en')} of ${orders.toLocaleString('en')} vs the first page`,
    unit: 'ms',
    r,
    target: { op: '<=', value: 1.5 },
  });
}

module.exports = { deepPages };
