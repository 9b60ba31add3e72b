'use strict';
// PostGraphile, the reference of the comparison: installed on demand into bench/.peer/ (its own
// folder, never among the gateway's dependencies) and started with its CLI as its docs show,
// pinned to the server's core, against the same seeded PostgreSQL database.

const { execFileSync, spawn } = require('node:child_process');
const { once } = require('node:events');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { ROOT, BenchFailure, hasTaskset } = require('../lib/common');

const VERSION = '4.14.1';
const DIR = join(ROOT, 'bench', '.peer');
const CLI = join(DIR, 'node_modules', 'postgraphile', 'cli.js');

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(DIR, 'node_modules', 'postgraphile', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** npm install of postgraphile@VERSION into bench/.peer/ unless it is there already. */
function ensurePostgraphile(log) {
  if (installedVersion() === VERSION && existsSync(CLI)) return { installedNow: false };
  mkdirSync(DIR, { recursive: true });
  writeFileSync(
    join(DIR, 'package.json'),
    JSON.stringify({ name: 'wpg-bench-peer', private: true, description: 'PostGraphile for npm run bench -- --peer (not a dependency of the gateway)', dependencies: { postgraphile: VERSION } }, null, 2) + '\n',
  );
  log(`installing postgraphile@${VERSION} into ${DIR} (once)`);
  const started = Date.now();
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--no-package-lock'], { cwd: DIR, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
  } catch (err) {
    throw new BenchFailure(`npm install postgraphile@${VERSION} in ${DIR} failed (the npm registry must be reachable): ${String(err.stderr ?? err.message).slice(-1500)}`);
  }
  if (installedVersion() !== VERSION) throw new BenchFailure(`postgraphile@${VERSION} is not in ${DIR} after npm install`);
  log(`  installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { installedNow: true };
}

/**
 * postgraphile -c <db> -s public --simple-collections both: the default inflection, with the
 * foreign keys and unique keys the gateway's tables do not declare given as smart tags
 * (bench/peer/postgraphile.tags.json5, read from the working directory).
 */
async function startPostgraphile({ databaseUrl, cpu }) {
  const args = [CLI, '-c', databaseUrl, '-s', 'public', '--simple-collections', 'both', '--disable-query-log', '--host', '127.0.0.1', '--port', '0'];
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  const pinned = hasTaskset() && cpu != null;
  const child = pinned
    ? spawn('taskset', ['-c', String(cpu), process.execPath, ...args], { cwd: __dirname, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { cwd: __dirname, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  let resolveUrl;
  const urlKnown = new Promise((r) => (resolveUrl = r));
  const collect = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      log.push(line);
      if (log.length > 500) log.splice(0, 250);
      const port = /listening on port\D*(\d+)/.exec(line)?.[1];
      if (port) resolveUrl(`http://127.0.0.1:${port}`);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new BenchFailure(`PostGraphile exited (code ${code}, signal ${signal}):\n${log.slice(-30).join('\n')}`);
  });
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new BenchFailure(`PostGraphile did not start within 120 s:\n${log.slice(-30).join('\n')}`)), 120_000).unref());
  const url = await Promise.race([urlKnown, exited, timeout]);
  exited.catch(() => undefined);
  return { url, pid: child.pid, log, stop: () => stopChild(child) };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = once(child, 'exit');
  child.kill('SIGTERM');
  const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(force);
}

module.exports = { VERSION, ensurePostgraphile, startPostgraphile, stopChild };
