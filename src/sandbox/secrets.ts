import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config';

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

/**
 * Sandbox mode needs secrets nobody configured: they are generated on the first start and kept in
 * the data folder, so the printed keys stay valid across restarts. Anything set in the
 * environment wins.
 */
export function loadSandboxSecrets(config: Config): { config: Config; secrets: SandboxSecrets; file: string } {
  const file = join(config.dataDir, 'sandbox-secrets.json');
  let secrets: SandboxSecrets;
  if (existsSync(file)) {
    secrets = JSON.parse(readFileSync(file, 'utf8')) as SandboxSecrets;
  } else {
    secrets = {
      adminApiKey: `wpg_admin_${randomBytes(24).toString('base64url')}`,
      secretsKey: randomBytes(32).toString('hex'),
      appSecret: randomBytes(24).toString('hex'),
      verifyToken: randomBytes(12).toString('hex'),
    };
    saveSandboxSecrets(file, secrets);
  }
  return {
    file,
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

export function saveSandboxSecrets(file: string, secrets: SandboxSecrets): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
}
