import { z } from 'zod';
import { isHttpUrl } from './domain/text';

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
  whatsappAppSecret: string | null;
  whatsappVerifyToken: string | null;
  whatsappWebhookToken: string | null;
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
  /** business webhook endpoints may use http and private addresses (development, sandbox) */
  outboundWebhooksAllowPrivate: boolean;
  logLevel: string;
  /** where sandbox secrets and the default sqlite file live */
  dataDir: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The gateway's configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
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

const envSchema = z.object({
  NODE_ENV: optionalText,
  PORT: integer('PORT', 0, 65535, '4000'),
  HOST: optionalText,
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(v), {
    message: 'DATABASE_URL must be sqlite:<path> (e.g. sqlite:./data/gateway.sqlite) or postgres://user@host:5432/db',
  }),
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
  WHATSAPP_APP_SECRET: optionalText,
  WHATSAPP_VERIFY_TOKEN: optionalText,
  WHATSAPP_WEBHOOK_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, {
    message: 'WHATSAPP_WEBHOOK_TOKEN must be at least 16 characters',
  }),
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
  OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: bool('OUTBOUND_WEBHOOKS_ALLOW_PRIVATE'),
  LOG_LEVEL: optionalText.refine(
    (v) => v === undefined || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v),
    { message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent' },
  ),
  DATA_DIR: optionalText,
});

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const e = parsed.data;
  const nodeEnv = e.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const upstreamConfigured = e.WHATSAPP_API_URL !== undefined || e.DIALOG360_API_URL !== undefined;
  const sandbox = e.SANDBOX !== undefined ? isTrue(e.SANDBOX) : !upstreamConfigured && !production;
  const databaseUrl = e.DATABASE_URL ?? DEFAULT_DATABASE_URL;

  const problems: string[] = [];
  if (production && sandbox) {
    problems.push('SANDBOX=true is not allowed with NODE_ENV=production: the sandbox fakes WhatsApp');
  }
  if (!sandbox) {
    const missing = (name: string, why: string) => problems.push(`${name} is required outside sandbox mode: ${why}`);
    if (!e.SECRETS_KEY) missing('SECRETS_KEY', 'it encrypts the stored WhatsApp access tokens (`openssl rand -hex 32`)');
    if (!e.ADMIN_API_KEY) missing('ADMIN_API_KEY', 'it is the operator key that creates businesses and API keys (`openssl rand -hex 32`)');
    if (!e.WHATSAPP_APP_SECRET && !e.WHATSAPP_WEBHOOK_TOKEN) {
      missing('WHATSAPP_APP_SECRET (or WHATSAPP_WEBHOOK_TOKEN for 360dialog)', 'without it no webhook can be authenticated');
    }
    if (!e.WHATSAPP_VERIFY_TOKEN) missing('WHATSAPP_VERIFY_TOKEN', "Meta's webhook verification handshake needs it");
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
    whatsappAppSecret: e.WHATSAPP_APP_SECRET ?? null,
    whatsappVerifyToken: e.WHATSAPP_VERIFY_TOKEN ?? null,
    whatsappWebhookToken: e.WHATSAPP_WEBHOOK_TOKEN ?? null,
    secretsKey: e.SECRETS_KEY ? Buffer.from(e.SECRETS_KEY, 'hex') : null,
    migrateOnStart: e.MIGRATE_ON_START !== undefined ? isTrue(e.MIGRATE_ON_START) : isSqlite,
    partiallyShippedSpelling: (e.WHATSAPP_PARTIALLY_SHIPPED as Config['partiallyShippedSpelling']) ?? 'partially_shipped',
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS !== undefined ? Number(e.UPSTREAM_TIMEOUT_MS) : 10000,
    retryBaseMs: e.RETRY_BASE_MS !== undefined ? Number(e.RETRY_BASE_MS) : 1000,
    retryMaxMs: e.RETRY_MAX_MS !== undefined ? Number(e.RETRY_MAX_MS) : 300000,
    relayPollMs: e.RELAY_POLL_MS !== undefined ? Number(e.RELAY_POLL_MS) : 1000,
    outboxMaxAttempts: e.OUTBOX_MAX_ATTEMPTS !== undefined ? Number(e.OUTBOX_MAX_ATTEMPTS) : 12,
    maxWebhookBytes: e.MAX_WEBHOOK_BYTES !== undefined ? Number(e.MAX_WEBHOOK_BYTES) : 1048576,
    // the sandbox's receiver and a developer's own run on this machine
    outboundWebhooksAllowPrivate: e.OUTBOUND_WEBHOOKS_ALLOW_PRIVATE !== undefined ? isTrue(e.OUTBOUND_WEBHOOKS_ALLOW_PRIVATE) : sandbox,
    logLevel: e.LOG_LEVEL ?? 'info',
    dataDir: e.DATA_DIR ?? defaultDataDir(databaseUrl),
  };
}

function defaultDataDir(databaseUrl: string): string {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') {
      const slash = file.lastIndexOf('/');
      return slash >= 0 ? file.slice(0, slash) || '/' : '.';
    }
  }
  return './data';
}

function isTrue(v: string): boolean {
  return /^(true|1)$/i.test(v);
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
