import { z } from 'zod';
import { isHttpUrl } from './domain/text';
import { API_KEY_ROLES, type ApiKeyRole } from './domain/types';
import type { BudgetLimits } from './services/cost-budget';
import { DEFAULT_DIALOG360_REFUND_PATH, isRefundPath } from './whatsapp/refund-wire';

/**
 * The gateway's configuration, read from the environment once at start. Every problem is reported
 * at once, each naming the variable and the form it must take, so a misconfigured deploy fails
 * fast with one readable message instead of at the first request.
 */
export interface Config {
  nodeEnv: string;
  production: boolean;
  sandbox: boolean;
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string | null;
  /** channel prefix, so several deployments can share one Redis */
  redisPrefix: string;
  adminApiKey: string | null;
  whatsappApiUrl: string;
  whatsappApiVersion: string;
  dialog360ApiUrl: string;
  /** the path of WhatsApp's refund call under a 360dialog number's base URL (360dialog does not document it) */
  dialog360RefundPath: string;
  /** sandbox mode: the simulated WhatsApp shared by several instances (`npm run simulator`); null = one in this process */
  simulatorUrl: string | null;
  /** with simulatorUrl: where the simulator reaches this instance's webhook endpoint; null = derived from HOST and PORT */
  simulatorWebhookUrl: string | null;
  whatsappAppSecret: string | null;
  whatsappVerifyToken: string | null;
  whatsappWebhookToken: string | null;
  /** the partner secret 360dialog signs forwarded webhooks with (x-360dialog-signature) */
  dialog360WebhookSecret: string | null;
  /** 32 bytes; null only until sandbox mode generates one */
  secretsKey: Buffer | null;
  /** run pending migrations at start (default on sqlite only: several instances must not race) */
  migrateOnStart: boolean;
  partiallyShippedSpelling: 'partially_shipped' | 'partially-shipped';
  upstreamTimeoutMs: number;
  /** outbox relay: first retry delay, cap of the exponential backoff, and how often it polls */
  retryBaseMs: number;
  retryMaxMs: number;
  relayPollMs: number;
  /** calls made for one WhatsApp message (or refund) before it is given up as FAILED */
  outboxMaxAttempts: number;
  maxWebhookBytes: number;
  /** the most a single GraphQL operation may cost (QUERY_TOO_COMPLEX above it), on both transports */
  queryMaxCost: number;
  /** each API key's bucket of query cost, per role (null: no budget) */
  costBudgets: Record<ApiKeyRole, BudgetLimits | null>;
  /** a subscriber this many events behind is cut off (close code 4413) */
  subscriptionMaxBacklog: number;
  /** bytes of JSON the answer cache may hold (0: no cache) */
  answerCacheBytes: number;
  /** business webhook endpoints may use http and private addresses (development, sandbox) */
  outboundWebhooksAllowPrivate: boolean;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    subject = "The gateway's configuration",
  ) {
    super(`${subject} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DEFAULT_DATABASE_URL = 'sqlite:./data/gateway.sqlite';
const DEFAULT_WHATSAPP_API_URL = 'https://graph.facebook.com';
const DEFAULT_DIALOG360_API_URL = 'https://waba-v2.360dialog.io';
export const DEFAULT_WHATSAPP_API_VERSION = 'v23.0';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const bool = (name: string) =>
  optionalText.refine((v) => v === undefined || /^(true|false|1|0)$/i.test(v), {
    message: `${name} must be "true" or "false"`,
  });

const httpUrl = (name: string) =>
  optionalText.refine((v) => v === undefined || isHttpUrl(v), {
    message: `${name} must be an absolute http(s) URL, e.g. https://graph.facebook.com`,
  });

const integer = (name: string, min: number, max: number, example: string) =>
  optionalText.refine((v) => v === undefined || (/^\d+$/.test(v) && +v >= min && +v <= max), {
    message: `${name} must be a whole number from ${min} to ${max}, e.g. ${example}`,
  });

const databaseUrl = optionalText.refine((v) => v === undefined || /^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(v), {
  message: 'DATABASE_URL must be sqlite:<path> (e.g. sqlite:./data/gateway.sqlite) or postgres://user@host:5432/db',
});

/**
 * Default QUERY_MAX_COST: one per field of the answer, so about 1-2 MB of JSON at most (a field
 * is 20-40 bytes), every list counted as its largest size (src/graphql/limits.ts).
 */
export const DEFAULT_MAX_QUERY_COST = 50_000;

/**
 * Default budgets: a bucket holds several of the largest queries (so a burst is never refused for
 * its size alone) and refills at a rate an instance serves many times over (see README).
 */
export const DEFAULT_COST_BUDGETS: Record<ApiKeyRole, BudgetLimits> = {
  ADMIN: { max: 1_000_000, perSecond: 100_000 },
  STOREFRONT: { max: 500_000, perSecond: 50_000 },
  OPS: { max: 500_000, perSecond: 50_000 },
  MOBILE: { max: 100_000, perSecond: 10_000 },
};

const budget = (role: ApiKeyRole) =>
  optionalText.refine((v) => v === undefined || /^(off|\d{1,12}:\d{1,12})$/.test(v), {
    message: `COST_BUDGET_${role} must be <bucket size>:<refill per second>, e.g. ${DEFAULT_COST_BUDGETS[role].max}:${DEFAULT_COST_BUDGETS[role].perSecond}, or off`,
  });

const envSchema = z.object({
  NODE_ENV: optionalText,
  PORT: integer('PORT', 0, 65535, '4000'),
  HOST: optionalText,
  DATABASE_URL: databaseUrl,
  REDIS_URL: optionalText.refine((v) => v === undefined || /^rediss?:\/\/.+/.test(v), {
    message: 'REDIS_URL must look like redis://host:6379 (or rediss:// for TLS)',
  }),
  REDIS_PREFIX: optionalText.refine((v) => v === undefined || /^[A-Za-z0-9_.:-]{1,64}$/.test(v), {
    message: 'REDIS_PREFIX must be 1-64 letters, digits or _ . : -',
  }),
  ADMIN_API_KEY: optionalText.refine((v) => v === undefined || v.length >= 24, {
    message: 'ADMIN_API_KEY must be at least 24 characters; generate one with `openssl rand -hex 32`',
  }),
  WHATSAPP_API_URL: httpUrl('WHATSAPP_API_URL'),
  WHATSAPP_API_VERSION: optionalText.refine((v) => v === undefined || /^v\d+\.\d+$/.test(v), {
    message: `WHATSAPP_API_VERSION must look like ${DEFAULT_WHATSAPP_API_VERSION}`,
  }),
  DIALOG360_API_URL: httpUrl('DIALOG360_API_URL'),
  DIALOG360_REFUND_PATH: optionalText.refine((v) => v === undefined || isRefundPath(v), {
    message:
      `DIALOG360_REFUND_PATH must be a path under DIALOG360_API_URL, e.g. ${DEFAULT_DIALOG360_REFUND_PATH}: ` +
      'segments of letters, digits and - _ . each after a /, no .., no query, no host',
  }),
  SIMULATOR_URL: httpUrl('SIMULATOR_URL'),
  SIMULATOR_WEBHOOK_URL: httpUrl('SIMULATOR_WEBHOOK_URL'),
  WHATSAPP_APP_SECRET: optionalText,
  WHATSAPP_VERIFY_TOKEN: optionalText,
  WHATSAPP_WEBHOOK_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'WHATSAPP_WEBHOOK_TOKEN must be at least 16 characters',
  }),
  DIALOG360_WEBHOOK_SECRET: optionalText,
  SECRETS_KEY: optionalText.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v), {
    message: 'SECRETS_KEY must be 32 bytes written as 64 hex characters; generate one with `openssl rand -hex 32`',
  }),
  SANDBOX: bool('SANDBOX'),
  MIGRATE_ON_START: bool('MIGRATE_ON_START'),
  WHATSAPP_PARTIALLY_SHIPPED: optionalText.refine(
    (v) => v === undefined || v === 'partially_shipped' || v === 'partially-shipped',
    { message: 'WHATSAPP_PARTIALLY_SHIPPED must be "partially_shipped" or "partially-shipped"' },
  ),
  UPSTREAM_TIMEOUT_MS: integer('UPSTREAM_TIMEOUT_MS', 100, 120000, '10000'),
  RETRY_BASE_MS: integer('RETRY_BASE_MS', 1, 600000, '1000'),
  RETRY_MAX_MS: integer('RETRY_MAX_MS', 1, 86400000, '300000'),
  RELAY_POLL_MS: integer('RELAY_POLL_MS', 10, 600000, '1000'),
  OUTBOX_MAX_ATTEMPTS: integer('OUTBOX_MAX_ATTEMPTS', 1, 1000, '12'),
  MAX_WEBHOOK_BYTES: integer('MAX_WEBHOOK_BYTES', 1024, 10485760, '1048576'),
  QUERY_MAX_COST: integer('QUERY_MAX_COST', 100, 10_000_000, String(DEFAULT_MAX_QUERY_COST)),
  COST_BUDGET_ADMIN: budget('ADMIN'),
  COST_BUDGET_STOREFRONT: budget('STOREFRONT'),
  COST_BUDGET_OPS: budget('OPS'),
  COST_BUDGET_MOBILE: budget('MOBILE'),
  SUBSCRIPTION_MAX_BACKLOG: integer('SUBSCRIPTION_MAX_BACKLOG', 10, 1_000_000, '10000'),
  ANSWER_CACHE_MB: integer('ANSWER_CACHE_MB', 0, 4096, '32'),
  OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: bool('OUTBOUND_WEBHOOKS_ALLOW_PRIVATE'),
  LOG_LEVEL: optionalText.refine(
    (v) => v === undefined || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v),
    { message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' },
  ),
});

/** Every environment variable the gateway, `npm run migrate` and `npm run simulator` read. */
export function knownVariables(): string[] {
  return [...Object.keys(envSchema.shape), ...Object.keys(simulatorSchema.shape)].filter((v, i, all) => all.indexOf(v) === i);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const e = parsed.data;
  const nodeEnv = e.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const upstreamConfigured = e.WHATSAPP_API_URL !== undefined || e.DIALOG360_API_URL !== undefined;
  const simulated = e.SIMULATOR_URL !== undefined;
  const sandbox = e.SANDBOX !== undefined ? isTrue(e.SANDBOX) : (simulated || !upstreamConfigured) && !production;
  const databaseUrl = e.DATABASE_URL ?? DEFAULT_DATABASE_URL;

  const problems: string[] = [];
  if (production && sandbox) {
    problems.push('SANDBOX=true is not allowed with NODE_ENV=production: the sandbox fakes WhatsApp');
  }
  if (simulated && upstreamConfigured) {
    problems.push('SIMULATOR_URL (the sandbox\'s simulated WhatsApp) and WHATSAPP_API_URL / DIALOG360_API_URL (a real one) exclude each other: set one');
  } else if (simulated && !sandbox) {
    problems.push('SIMULATOR_URL needs sandbox mode (it is a simulated WhatsApp): unset it, or leave SANDBOX unset and NODE_ENV other than production');
  }
  if (e.SIMULATOR_WEBHOOK_URL !== undefined && !simulated) {
    problems.push('SIMULATOR_WEBHOOK_URL tells the simulator at SIMULATOR_URL where this instance takes webhooks: set SIMULATOR_URL too, or unset it');
  }
  if (!sandbox) {
    const missing = (name: string, why: string) => problems.push(`${name} is required outside sandbox mode: ${why}`);
    if (!e.SECRETS_KEY) missing('SECRETS_KEY', 'it encrypts the stored WhatsApp access tokens (`openssl rand -hex 32`)');
    if (!e.ADMIN_API_KEY) missing('ADMIN_API_KEY', 'it is the operator key that creates businesses and API keys (`openssl rand -hex 32`)');
    if (!e.WHATSAPP_APP_SECRET && !e.WHATSAPP_WEBHOOK_TOKEN && !e.DIALOG360_WEBHOOK_SECRET) {
      missing(
        'WHATSAPP_APP_SECRET (or DIALOG360_WEBHOOK_SECRET or WHATSAPP_WEBHOOK_TOKEN for 360dialog)',
        'without it no webhook can be authenticated',
      );
    }
    if (!e.WHATSAPP_VERIFY_TOKEN) missing('WHATSAPP_VERIFY_TOKEN', "Meta's webhook verification handshake needs it");
  }
  const queryMaxCost = e.QUERY_MAX_COST !== undefined ? Number(e.QUERY_MAX_COST) : DEFAULT_MAX_QUERY_COST;
  const costBudgets = {} as Record<ApiKeyRole, BudgetLimits | null>;
  for (const role of API_KEY_ROLES) {
    const raw = e[`COST_BUDGET_${role}`];
    if (raw === 'off') {
      costBudgets[role] = null;
      continue;
    }
    const defaults = DEFAULT_COST_BUDGETS[role];
    // a default bucket grows with a raised QUERY_MAX_COST; a bucket set by hand is checked against it
    const limits = raw
      ? { max: Number(raw.split(':')[0]), perSecond: Number(raw.split(':')[1]) }
      : { max: Math.max(defaults.max, queryMaxCost), perSecond: defaults.perSecond };
    if (limits.max < queryMaxCost) {
      problems.push(
        `COST_BUDGET_${role}'s bucket (${limits.max}) must hold at least QUERY_MAX_COST (${queryMaxCost}), or the largest allowed query could never run`,
      );
    }
    if (limits.perSecond < 1) problems.push(`COST_BUDGET_${role}'s refill per second must be at least 1`);
    costBudgets[role] = limits;
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const isSqlite = databaseUrl.startsWith('sqlite:');
  return {
    nodeEnv,
    production,
    sandbox,
    port: e.PORT !== undefined ? Number(e.PORT) : 4000,
    host: e.HOST ?? '0.0.0.0',
    databaseUrl,
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.REDIS_PREFIX ?? 'wpg',
    adminApiKey: e.ADMIN_API_KEY ?? null,
    whatsappApiUrl: stripSlash(e.WHATSAPP_API_URL ?? DEFAULT_WHATSAPP_API_URL),
    whatsappApiVersion: e.WHATSAPP_API_VERSION ?? DEFAULT_WHATSAPP_API_VERSION,
    dialog360ApiUrl: stripSlash(e.DIALOG360_API_URL ?? DEFAULT_DIALOG360_API_URL),
    dialog360RefundPath: e.DIALOG360_REFUND_PATH ?? DEFAULT_DIALOG360_REFUND_PATH,
    simulatorUrl: e.SIMULATOR_URL !== undefined ? stripSlash(e.SIMULATOR_URL) : null,
    simulatorWebhookUrl: e.SIMULATOR_WEBHOOK_URL ?? null,
    whatsappAppSecret: e.WHATSAPP_APP_SECRET ?? null,
    whatsappVerifyToken: e.WHATSAPP_VERIFY_TOKEN ?? null,
    whatsappWebhookToken: e.WHATSAPP_WEBHOOK_TOKEN ?? null,
    dialog360WebhookSecret: e.DIALOG360_WEBHOOK_SECRET ?? null,
    secretsKey: e.SECRETS_KEY ? Buffer.from(e.SECRETS_KEY, 'hex') : null,
    migrateOnStart: e.MIGRATE_ON_START !== undefined ? isTrue(e.MIGRATE_ON_START) : isSqlite,
    partiallyShippedSpelling: (e.WHATSAPP_PARTIALLY_SHIPPED as Config['partiallyShippedSpelling']) ?? 'partially_shipped',
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS !== undefined ? Number(e.UPSTREAM_TIMEOUT_MS) : 10000,
    retryBaseMs: e.RETRY_BASE_MS !== undefined ? Number(e.RETRY_BASE_MS) : 1000,
    retryMaxMs: e.RETRY_MAX_MS !== undefined ? Number(e.RETRY_MAX_MS) : 300000,
    relayPollMs: e.RELAY_POLL_MS !== undefined ? Number(e.RELAY_POLL_MS) : 1000,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS !== undefined ? Number(e.OUTBOX_MAX_ATTEMPTS) : 12,
    maxWebhookBytes: e.MAX_WEBHOOK_BYTES !== undefined ? Number(e.MAX_WEBHOOK_BYTES) : 1048576,
    queryMaxCost,
    costBudgets,
    subscriptionMaxBacklog: e.SUBSCRIPTION_MAX_BACKLOG !== undefined ? Number(e.SUBSCRIPTION_MAX_BACKLOG) : 10_000,
    answerCacheBytes: (e.ANSWER_CACHE_MB !== undefined ? Number(e.ANSWER_CACHE_MB) : 32) * 1024 * 1024,
    // the sandbox's receiver and a developer's own run on this machine
    outboundWebhooksAllowPrivate: e.OUTBOUND_WEBHOOKS_ALLOW_PRIVATE !== undefined ? isTrue(e.OUTBOUND_WEBHOOKS_ALLOW_PRIVATE) : sandbox,
    logLevel: e.LOG_LEVEL ?? 'info',
  };
}

/**
 * What `npm run migrate` needs: the database and nothing else, so a deploy can migrate before the
 * runtime secrets are handed to the instances.
 */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): { databaseUrl: string } {
  const parsed = z.object({ DATABASE_URL: databaseUrl }).safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message), 'The migration\'s configuration');
  return { databaseUrl: parsed.data.DATABASE_URL ?? DEFAULT_DATABASE_URL };
}

export const DEFAULT_SIMULATOR_PORT = 4010;

const simulatorSchema = z.object({
  SIMULATOR_PORT: integer('SIMULATOR_PORT', 0, 65535, String(DEFAULT_SIMULATOR_PORT)),
  SIMULATOR_HOST: optionalText,
  WHATSAPP_API_VERSION: envSchema.shape.WHATSAPP_API_VERSION,
  LOG_LEVEL: envSchema.shape.LOG_LEVEL,
});

export interface SimulatorConfig {
  port: number;
  host: string;
  apiVersion: string;
  logLevel: string;
}

/**
 * `npm run simulator`: the sandbox's WhatsApp as a process of its own, one for several gateway
 * instances (which point SIMULATOR_URL at it). It listens on 127.0.0.1 unless told otherwise: its
 * control endpoints (make a customer pay, make WhatsApp fail) take no key.
 */
export function loadSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const parsed = simulatorSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => i.message), "The simulator's configuration");
  const e = parsed.data;
  return {
    port: e.SIMULATOR_PORT !== undefined ? Number(e.SIMULATOR_PORT) : DEFAULT_SIMULATOR_PORT,
    host: e.SIMULATOR_HOST ?? '127.0.0.1',
    apiVersion: e.WHATSAPP_API_VERSION ?? DEFAULT_WHATSAPP_API_VERSION,
    logLevel: e.LOG_LEVEL ?? 'info',
  };
}

function isTrue(v: string): boolean {
  return /^(true|1)$/i.test(v);
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
