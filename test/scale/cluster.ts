import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Database } from '../../src/db/database';
import { WhatsAppSimulator } from '../../src/sandbox/simulator';
import { createTestDatabase, TestDatabase } from '../helpers/database';
import type { TestGateway } from '../helpers/gateway';
import type { Subscriber } from '../helpers/ws';

export const SCALE_APP_SECRET = 'scale-app-secret-0123456789';
export const SCALE_ADMIN_KEY = 'scale-admin-key-0123456789abcdef';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAIN = join(__dirname, '../../dist/src/main.js');

export interface Instance {
  name: string;
  url: string;
  process: ChildProcess;
  log: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Cluster {
  database: TestDatabase;
  sim: WhatsAppSimulator;
  instances: Instance[];
  /** `env`: variables of this instance's own, over the cluster's */
  start(name: string, env?: Record<string, string>): Promise<Instance>;
  stop(): Promise<void>;
}

/**
 * A fresh PostgreSQL database migrated once (as a deploy would), one shared WhatsApp simulator, and
 * gateway instances started as separate processes from the built code, sharing Redis. (`dialect:
 * 'sqlite'` gives a sqlite file instead, for one process at a time; `env` is added to every
 * instance's environment.)
 */
export async function startCluster(
  opts: { redisUrl?: string; dialect?: 'postgres' | 'sqlite'; env?: Record<string, string> } = {},
): Promise<Cluster> {
  const database = await createTestDatabase(opts.dialect ?? 'postgres');
  const db = await Database.connect(database.url);
  await db.runMigrations();
  await db.close();
  const sim = new WhatsAppSimulator({ timeoutHoldMs: 1500, webhookDelayMs: 5 });
  await sim.start(0);
  const prefix = `scale-${database.dataDir.split('-').pop()}`;
  const instances: Instance[] = [];

  const start = async (name: string, env: Record<string, string> = {}): Promise<Instance> => {
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        SANDBOX: 'false',
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: database.url,
        REDIS_URL: opts.redisUrl ?? REDIS_URL,
        REDIS_PREFIX: prefix,
        MIGRATE_ON_START: 'false',
        WHATSAPP_API_URL: sim.url,
        DIALOG360_API_URL: sim.url,
        SECRETS_KEY: 'ef'.repeat(32),
        ADMIN_API_KEY: SCALE_ADMIN_KEY,
        WHATSAPP_APP_SECRET: SCALE_APP_SECRET,
        WHATSAPP_VERIFY_TOKEN: 'scale-verify',
        UPSTREAM_TIMEOUT_MS: '500',
        RETRY_BASE_MS: '20',
        RETRY_MAX_MS: '300',
        RELAY_POLL_MS: '50',
        LOG_LEVEL: 'info',
        ...opts.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: string[] = [];
    let resolveUrl!: (url: string) => void;
    const urlKnown = new Promise<string>((r) => (resolveUrl = r));
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        log.push(line);
        if (process.env.SCALE_DEBUG && line.includes('"level":50')) process.stderr.write(`[${name}] ${line}\n`);
        if (line.includes('"gateway started"')) resolveUrl(JSON.parse(line).url);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = once(child, 'exit').then(() => {
      throw new Error(`${name} exited before it started:\n${log.join('\n')}`);
    });
    const url = await Promise.race([urlKnown, exited]);
    exited.catch(() => undefined);
    const instance: Instance = {
      name,
      url,
      process: child,
      log,
      kill: async (signal = 'SIGTERM') => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const done = once(child, 'exit');
        child.kill(signal);
        const force = setTimeout(() => child.kill('SIGKILL'), 10000);
        await done;
        clearTimeout(force);
      },
    };
    instances.push(instance);
    return instance;
  };

  return {
    database,
    sim,
    instances,
    start,
    stop: async () => {
      await Promise.all(instances.map((i) => i.kill('SIGTERM')));
      await sim.stop();
      await database.drop();
    },
  };
}

/** Just enough of a TestGateway for the fixtures helpers, pointed at one instance. */
export function adminOf(instance: Instance): TestGateway {
  return {
    url: instance.url,
    adminKey: SCALE_ADMIN_KEY,
    gql: async (query: string, variables?: Record<string, unknown>, key: string | null = SCALE_ADMIN_KEY) => {
      const res = await fetch(`${instance.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { ...((await res.json()) as object), status: res.status };
    },
  } as unknown as TestGateway;
}

/**
 * One GraphQL request; GraphQL errors throw. Like a well-behaved client it waits out a spent query
 * budget (429 THROTTLED, retryAfter seconds) and asks again: a test polling kept answers can
 * outrun its key's budget.
 */
export async function gql<T = any>(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: Array<{ extensions?: { code?: string; retryAfter?: number } }> };
    const throttled = res.status === 429 && body.errors?.[0]?.extensions?.code === 'THROTTLED';
    if (throttled && attempt < 30) {
      await new Promise((r) => setTimeout(r, Math.max(1, body.errors![0].extensions!.retryAfter ?? 1) * 1000));
      continue;
    }
    if (body.errors?.length) throw new Error(`GraphQL errors from ${url}: ${JSON.stringify(body.errors)}`);
    return body.data as T;
  }
}

/** A Redis server of the test's own, on its own port, so the test can take it down and back up. */
export async function startPrivateRedis(port: number): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  let server: ChildProcess | null = null;
  const start = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = require('node:net').connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.end(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => {
      if (!server || server.exitCode !== null) return;
      const done = once(server, 'exit');
      server.kill('SIGKILL');
      await done;
    },
  };
}

/**
 * Waits until an instance holds at least `count` live subscriptions (read from its /metrics), for as
 * long as the count keeps growing; a subscriber the server closed meanwhile fails the wait at once.
 */
export async function waitForSubscriptions(instance: Instance, count: number, subscribers: Subscriber[] = [], stallMs = 30000): Promise<void> {
  const closed: Array<{ code: number; reason: string }> = [];
  for (const s of subscribers) void s.closed.then((c) => closed.push(c));
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const text = await (await fetch(`${instance.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('wpg_subscriptions_active '));
    const active = line ? Number(line.split(' ')[1]) : 0;
    if (active >= count) return;
    if (closed.length) throw new Error(`${instance.name}: ${closed.length} subscribers were closed while ${active} of ${count} were live: ${JSON.stringify(closed.slice(0, 5))}`);
    if (active !== last) {
      last = active;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${instance.name} has ${active} live subscriptions, no more for ${stallMs} ms; expected ${count}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
