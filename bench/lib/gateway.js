'use strict';
// Starts the gateway the way a user does (node dist/src/main.js with environment variables), as a
// separate process pinned to the server's core, and reads its URL from the 'gateway started' line.

const { spawn } = require('node:child_process');
const { once } = require('node:events');
const { readFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { DIST, SECRETS, BenchFailure, hasTaskset } = require('./common');

const MAIN = join(DIST, 'src', 'main.js');

/**
 * The benchmarks measure the engine on the same workload as every earlier run: a page of 50
 * orders with every relation costs more than the default QUERY_MAX_COST allows (items count 999
 * each), and the load far exceeds any key's default budget. Both are lifted here; what the limits
 * themselves cost and bound is measured by the scale suite (test/scale/hardening.test.ts).
 */
const BENCH_LIMITS = {
  QUERY_MAX_COST: '5000000',
  COST_BUDGET_ADMIN: 'off',
  COST_BUDGET_STOREFRONT: 'off',
  COST_BUDGET_OPS: 'off',
  COST_BUDGET_MOBILE: 'off',
};

/**
 * @param {object} o
 * @param {string} o.databaseUrl
 * @param {string|null} o.redisUrl
 * @param {string} o.upstreamUrl   the WhatsApp simulator
 * @param {string} o.dataDir
 * @param {string} o.cpu           core list for taskset ("0")
 * @param {string|null} o.profileDir  --cpu-prof into this folder
 * @param {Record<string,string>} [o.env] extra variables
 */
async function startGateway(o) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    SANDBOX: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: o.databaseUrl,
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl, REDIS_PREFIX: `bench-${process.pid}` } : {}),
    // like a deploy: `npm run migrate` ran before (the harness migrated the database)
    MIGRATE_ON_START: 'false',
    WHATSAPP_API_URL: o.upstreamUrl,
    DIALOG360_API_URL: o.upstreamUrl,
    SECRETS_KEY: SECRETS.secretsKey,
    ADMIN_API_KEY: SECRETS.adminKey,
    WHATSAPP_APP_SECRET: SECRETS.appSecret,
    WHATSAPP_VERIFY_TOKEN: SECRETS.verifyToken,
    DATA_DIR: o.dataDir,
    LOG_LEVEL: 'info',
    ...BENCH_LIMITS,
    // the business-webhooks scenario's receiver is on this machine
    OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: 'true',
    ...(o.env ?? {}),
  };
  // as npm start and the image start it
  const nodeArgs = ['--max-semi-space-size=64'];
  if (o.profileDir) {
    mkdirSync(o.profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${o.profileDir}`);
  }
  // taskset execs node, so the child's pid is the gateway's own (for /proc/<pid>/status)
  const pinned = hasTaskset() && o.cpu != null;
  const child = pinned
    ? spawn('taskset', ['-c', String(o.cpu), process.execPath, ...nodeArgs, MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [...nodeArgs, MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });

  const log = [];
  const errors = [];
  let resolveUrl;
  const urlKnown = new Promise((r) => (resolveUrl = r));
  let partial = '';
  const collect = (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      if (!line) continue;
      log.push(line);
      if (log.length > 2000) log.splice(0, 1000);
      let entry = null;
      try {
        entry = JSON.parse(line);
      } catch {
        // not a pino line (a crash trace): keep it in the log
      }
      if (entry && entry.level >= 50) errors.push(line);
      if (entry && entry.msg === 'gateway started') resolveUrl(entry.url);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new BenchFailure(`the gateway exited (code ${code}, signal ${signal}) before it started:\n${log.slice(-30).join('\n')}`);
  });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new BenchFailure(`the gateway did not start within 120 s:\n${log.slice(-30).join('\n')}`)), 120_000).unref());
  const url = await Promise.race([urlKnown, exited, timeout]);
  exited.catch(() => undefined);

  return {
    url,
    pid: child.pid,
    pinned,
    log,
    /** error-level log lines since start (a fault answered to a client, a failed background pass) */
    errors,
    /** resident set size in MiB, from /proc */
    rssMiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
      return kb / 1024;
    },
    alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await done;
      clearTimeout(force);
    },
  };
}

module.exports = { BENCH_LIMITS, startGateway };
