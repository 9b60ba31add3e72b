// Sandbox secrets and the demo seed belong to their database: a newcomer who starts the sandbox on
// one database, then another, then the first again, is always shown keys the current database
// accepts; instances starting together on one PostgreSQL database agree on one set and seed once.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { Database } from '../../src/db/database';
import { ApiKeyEntity, BusinessEntity, SandboxSecretsEntity } from '../../src/db/entities';
import { Gateway, startGateway, StartupError } from '../../src/gateway';
import { createLogger } from '../../src/logger';
import { DEMO } from '../../src/sandbox/seed';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../helpers/database';

const start = (databaseUrl: string, env: Record<string, string> = {}) =>
  startGateway(
    loadConfig({ SANDBOX: 'true', DATABASE_URL: databaseUrl, MIGRATE_ON_START: 'true', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }),
    createLogger('silent'),
  );

async function viewer(gateway: Gateway, key: string): Promise<unknown> {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ viewer { role business { name } } }' }),
  });
  return ((await res.json()) as { data?: unknown; errors?: unknown }).data ?? null;
}

/** The printed keys work against this gateway's database. */
async function expectPrintedKeysAccepted(gateway: Gateway): Promise<void> {
  const s = gateway.sandbox!;
  expect(await viewer(gateway, s.adminApiKey)).toEqual({ viewer: { role: 'ADMIN', business: null } });
  expect(await viewer(gateway, s.storefrontKey!)).toEqual({ viewer: { role: 'STOREFRONT', business: { name: DEMO.businessName } } });
  expect(await viewer(gateway, s.opsKey!)).toEqual({ viewer: { role: 'OPS', business: { name: DEMO.businessName } } });
}

describe('sandbox secrets belong to their database', () => {
  const dir = join(tmpdir(), `wpg-switch-${randomBytes(4).toString('hex')}`);
  const first = `sqlite:${join(dir, 'gateway.sqlite')}`;
  let other: TestDatabase;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    // the other database: PostgreSQL in the PostgreSQL suite; a second sqlite file in the same folder otherwise
    other = TEST_DIALECT === 'postgres' ? await createTestDatabase('postgres') : { url: `sqlite:${join(dir, 'other.sqlite')}`, dataDir: dir, drop: async () => undefined };
  });
  afterAll(async () => {
    await other.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('switching databases and back: every start prints keys its database accepts', async () => {
    const a = await start(first);
    await expectPrintedKeysAccepted(a);
    const printedOnA = a.sandbox!;
    await a.stop();

    const b = await start(other.url);
    await expectPrintedKeysAccepted(b);
    expect(b.sandbox!.storefrontKey).not.toBe(printedOnA.storefrontKey);
    expect(b.sandbox!.adminApiKey).not.toBe(printedOnA.adminApiKey);
    await b.stop();

    const again = await start(first);
    expect(again.sandbox).toEqual(printedOnA);
    await expectPrintedKeysAccepted(again);
    // one demo business, two demo keys: a restart seeds nothing twice
    expect(await again.db.manager.countBy(BusinessEntity, { wabaId: DEMO.wabaId })).toBe(1);
    expect(await again.db.manager.count(ApiKeyEntity)).toBe(2);
    await again.stop();
  });

  it('what is set in the environment wins; the stored secrets stay for the next start without it', async () => {
    const admin = 'env-admin-key-0123456789abcdef';
    const g = await start(first, { ADMIN_API_KEY: admin });
    expect(g.config.adminApiKey).toBe(admin);
    expect(await viewer(g, admin)).toEqual({ viewer: { role: 'ADMIN', business: null } });
    const stored = await g.db.manager.findOneByOrFail(SandboxSecretsEntity, { id: 'sandbox' });
    expect(stored.adminApiKey).not.toBe(admin);
    await g.stop();
  });
});

describe('a sandbox database from before secrets were kept in it', () => {
  let dir: string;
  let url: string;
  beforeEach(() => {
    dir = join(tmpdir(), `wpg-legacy-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    url = `sqlite:${join(dir, 'gateway.sqlite')}`;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A seeded sandbox whose secrets are only in data/sandbox-secrets.json, as older versions left it. */
  async function olderSandbox(): Promise<Record<string, string>> {
    const g = await start(url);
    const secrets = { ...g.sandbox! } as Record<string, string>;
    await g.db.transaction((m) => m.delete(SandboxSecretsEntity, { id: 'sandbox' }));
    await g.stop();
    return secrets;
  }

  it('takes over the secrets file beside it when the file was written for it', async () => {
    const secrets = await olderSandbox();
    writeFileSync(join(dir, 'sandbox-secrets.json'), JSON.stringify(secrets));
    const g = await start(url);
    expect(g.sandbox).toEqual(secrets);
    await expectPrintedKeysAccepted(g);
    await g.stop();
  });

  it('refuses, saying what to do, when its stored tokens were encrypted with secrets it does not hold', async () => {
    const secrets = await olderSandbox();
    // a file written for another database (the demo key is not one of this database's)
    writeFileSync(join(dir, 'sandbox-secrets.json'), JSON.stringify({ ...secrets, storefrontKey: 'wpg_storefront_of_another_database' }));
    const attempt = start(url);
    await expect(attempt).rejects.toThrow(StartupError);
    await expect(attempt).rejects.toThrow(/encrypted with a SECRETS_KEY it does not hold\. Set SECRETS_KEY .* or start the sandbox on an empty database/);
    // with the secrets it was used with, it starts, and keeps them from then on
    const g = await start(url, { SECRETS_KEY: secrets.secretsKey, ADMIN_API_KEY: secrets.adminApiKey, WHATSAPP_APP_SECRET: secrets.appSecret, WHATSAPP_VERIFY_TOKEN: secrets.verifyToken });
    expect(await viewer(g, secrets.storefrontKey)).toEqual({ viewer: { role: 'STOREFRONT', business: { name: DEMO.businessName } } });
    await g.stop();
  });
});

// Several instances on one database exist only on PostgreSQL (a sqlite file has one gateway process),
// so this part runs in the PostgreSQL suite.
if (TEST_DIALECT === 'postgres') {
  describe('instances starting together on one PostgreSQL database', () => {
    it('agree on one set of secrets and seed the demo business once', async () => {
      const database = await createTestDatabase('postgres');
      try {
        // migrated once, as a deploy does (npm run migrate); then the instances start at the same time
        const db = await Database.connect(database.url);
        await db.runMigrations();
        await db.close();
        const gateways = await Promise.all([1, 2, 3].map(() => start(database.url, { MIGRATE_ON_START: 'false' })));
        try {
          expect(gateways[1].sandbox).toEqual(gateways[0].sandbox);
          expect(gateways[2].sandbox).toEqual(gateways[0].sandbox);
          for (const g of gateways) await expectPrintedKeysAccepted(g);
          expect(await gateways[0].db.manager.countBy(BusinessEntity, { wabaId: DEMO.wabaId })).toBe(1);
          expect(await gateways[0].db.manager.count(ApiKeyEntity)).toBe(2);
        } finally {
          for (const g of gateways) await g.stop();
        }
      } finally {
        await database.drop();
      }
    });
  });
}
