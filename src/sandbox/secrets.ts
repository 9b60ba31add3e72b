import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { ApiKeyEntity, PhoneNumberEntity, SandboxSecretsEntity } from '../db/entities';
import { hashApiKeySecret } from '../db/secrets';

export interface SandboxSecrets {
  adminApiKey: string;
  secretsKey: string;
  appSecret: string;
  verifyToken: string;
  /** the seeded demo keys, kept so every sandbox start can print them again */
  storefrontKey?: string;
  opsKey?: string;
  /** the demo business's endpoint at the sandbox webhook receiver, and its signing secret */
  webhookReceiverEndpointId?: string;
  webhookReceiverSecret?: string;
}

const ROW_ID = 'sandbox';

export class SandboxSecretsError extends Error {}

/**
 * Sandbox mode needs secrets nobody configured: the first sandbox start on a database generates
 * them into that database, so the printed keys stay valid across restarts, every instance on it
 * uses the same ones, and switching databases never shows keys the current one rejects. Anything
 * set in the environment wins. Call it under `db.exclusive` so two instances starting together
 * agree on one set.
 */
export async function loadSandboxSecrets(db: Database, config: Config): Promise<{ config: Config; secrets: SandboxSecrets }> {
  let row = await db.manager.findOneBy(SandboxSecretsEntity, { id: ROW_ID });
  if (!row) {
    const secrets = (await legacySecrets(db, config)) ?? (await freshSecrets(db, config));
    await db.transaction((m) => m.insert(SandboxSecretsEntity, { id: ROW_ID, ...withNulls(secrets), createdAt: new Date() }));
    row = await db.manager.findOneByOrFail(SandboxSecretsEntity, { id: ROW_ID });
  }
  const secrets = fromRow(row);
  return {
    secrets,
    config: {
      ...config,
      adminApiKey: config.adminApiKey ?? secrets.adminApiKey,
      secretsKey: config.secretsKey ?? Buffer.from(secrets.secretsKey, 'hex'),
      whatsappAppSecret: config.whatsappAppSecret ?? secrets.appSecret,
      whatsappVerifyToken: config.whatsappVerifyToken ?? secrets.verifyToken,
    },
  };
}

export async function saveDemoKeys(db: Database, keys: { storefrontKey: string; opsKey: string }): Promise<void> {
  await db.transaction((m) => m.update(SandboxSecretsEntity, { id: ROW_ID }, keys));
}

export async function saveWebhookReceiver(db: Database, receiver: { webhookReceiverEndpointId: string; webhookReceiverSecret: string }): Promise<void> {
  await db.transaction((m) => m.update(SandboxSecretsEntity, { id: ROW_ID }, receiver));
}

async function freshSecrets(db: Database, config: Config): Promise<SandboxSecrets> {
  // stored access tokens are encrypted with a key this database never held: new secrets could not read them
  if (!config.secretsKey && (await db.manager.count(PhoneNumberEntity)) > 0) {
    throw new SandboxSecretsError(
      'This database has phone numbers whose access tokens were encrypted with a SECRETS_KEY it does not hold. ' +
        'Set SECRETS_KEY (and ADMIN_API_KEY, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN) to the values it was used with, or start the sandbox on an empty database (delete ./data, or drop the PostgreSQL database).',
    );
  }
  return {
    adminApiKey: `wpg_admin_${randomBytes(24).toString('base64url')}`,
    secretsKey: randomBytes(32).toString('hex'),
    appSecret: randomBytes(24).toString('hex'),
    verifyToken: randomBytes(12).toString('hex'),
  };
}

/**
 * Sandboxes used to keep their secrets in data/sandbox-secrets.json beside the sqlite file (shared
 * by every database, hence wrong after a switch). The file is taken over only when its demo key is
 * one of this database's keys, i.e. when it was written for this database.
 */
async function legacySecrets(db: Database, config: Config): Promise<SandboxSecrets | null> {
  const dir = config.databaseUrl.startsWith('sqlite:') ? dirname(config.databaseUrl.slice('sqlite:'.length)) : './data';
  const file = join(dir, 'sandbox-secrets.json');
  if (!existsSync(file)) return null;
  let legacy: Partial<SandboxSecrets>;
  try {
    legacy = JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxSecrets>;
  } catch {
    return null;
  }
  const complete = ['adminApiKey', 'secretsKey', 'appSecret', 'verifyToken', 'storefrontKey'].every((k) => typeof legacy[k as keyof SandboxSecrets] === 'string');
  if (!complete) return null;
  const ours = await db.manager.countBy(ApiKeyEntity, { secretHash: hashApiKeySecret(legacy.storefrontKey!) });
  return ours > 0 ? (legacy as SandboxSecrets) : null;
}

function withNulls(s: SandboxSecrets): Omit<SandboxSecretsEntity, 'id' | 'createdAt'> {
  return {
    ...s,
    storefrontKey: s.storefrontKey ?? null,
    opsKey: s.opsKey ?? null,
    webhookReceiverEndpointId: s.webhookReceiverEndpointId ?? null,
    webhookReceiverSecret: s.webhookReceiverSecret ?? null,
  };
}

function fromRow(row: SandboxSecretsEntity): SandboxSecrets {
  return {
    adminApiKey: row.adminApiKey,
    secretsKey: row.secretsKey,
    appSecret: row.appSecret,
    verifyToken: row.verifyToken,
    ...(row.storefrontKey ? { storefrontKey: row.storefrontKey } : {}),
    ...(row.opsKey ? { opsKey: row.opsKey } : {}),
    ...(row.webhookReceiverEndpointId ? { webhookReceiverEndpointId: row.webhookReceiverEndpointId } : {}),
    ...(row.webhookReceiverSecret ? { webhookReceiverSecret: row.webhookReceiverSecret } : {}),
  };
}
