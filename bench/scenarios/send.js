'use strict';
// 3. send: sendOrderDetails end to end (validation, transaction, the call to the WhatsApp
// simulator, the answer) against a plain insert of the same rows with the same driver, one
// transaction per order, measured in the same run on the same core.

const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { BenchFailure, SEED, SEND, orderInput, hasTaskset } = require('../lib/common');
const { cannon, interleaved } = require('../lib/load');
const { entry } = require('../lib/results');

async function send(ctx) {
  const { gateway, opts, log } = ctx;
  const key = SEED.businessB.keys.STOREFRONT.secret;
  const refPattern = /"referenceId":"([^"]+)"/;
  const r = await interleaved({
    rounds: opts.rounds,
    log,
    floor: (round) => insertFloor(ctx, round),
    value: () =>
      cannon({
        url: gateway.url,
        key,
        makeBody: () => JSON.stringify({ query: SEND, variables: { input: orderInput(ctx.nextRef()) } }),
        connections: opts.connections,
        duration: opts.httpSeconds,
        check: (t) => {
          const ok = t.includes('"userErrors":[]') && t.includes('"message":{"status":"ACCEPTED"') && !t.includes('"errors":[');
          const ref = ok && refPattern.exec(t)?.[1];
          if (ref) ctx.sentRefs.push(ref);
          return ok;
        },
        label: 'send',
      }).then((x) => x.rps),
  });
  return entry({
    name: 'send',
    database: ctx.dialect,
    description: 'sendOrderDetails/s end to end (simulator over HTTP) vs plain inserts of the same rows/s (same driver, one transaction each)',
    unit: 'orders/s',
    floorUnit: 'tx/s',
    r,
    target: { op: '>=', value: 0.5 },
  });
}

/** The floor, in its own process on the server's core, while the gateway idles. */
function insertFloor(ctx, round) {
  const { opts } = ctx;
  const args = [
    join(__dirname, '..', 'lib', 'insert-floor.js'),
    JSON.stringify({ databaseUrl: ctx.db.url, seconds: opts.httpSeconds, concurrency: opts.connections, prefix: `F${round}-${Date.now().toString(36)}` }),
  ];
  const child = hasTaskset() ? spawn('taskset', ['-c', opts.serverCpu, process.execPath, ...args]) : spawn(process.execPath, args);
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new BenchFailure(`the insert floor failed (exit ${code}): ${err.slice(0, 1000)}`));
      const { transactions, seconds } = JSON.parse(out.trim().split('\n').pop());
      resolve(transactions / seconds);
    });
  });
}

module.exports = { send };
