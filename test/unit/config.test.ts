import { ConfigError, loadConfig, loadDatabaseConfig, loadSimulatorConfig } from '../../src/config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('defaults to sandbox mode on sqlite when no upstream is configured', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      sandbox: true,
      port: 4000,
      databaseUrl: 'sqlite:./data/gateway.sqlite',
      migrateOnStart: true,
      redisUrl: null,
      whatsappApiUrl: 'https://graph.facebook.com',
      dialog360ApiUrl: 'https://waba-v2.360dialog.io',
      partiallyShippedSpelling: 'partially_shipped',
    });
  });

  it('leaves sandbox mode when an upstream URL is set, and then needs the secrets', () => {
    expect(problems({ WHATSAPP_API_URL: 'https://graph.facebook.com' })).toEqual([
      expect.stringMatching(/^SECRETS_KEY is required outside sandbox mode/),
      expect.stringMatching(/^ADMIN_API_KEY is required/),
      expect.stringMatching(/^WHATSAPP_APP_SECRET \(or DIALOG360_WEBHOOK_SECRET or WHATSAPP_WEBHOOK_TOKEN for 360dialog\) is required/),
      expect.stringMatching(/^WHATSAPP_VERIFY_TOKEN is required/),
    ]);
  });

  it('production refuses to start without its secrets, and refuses sandbox mode', () => {
    expect(problems({ NODE_ENV: 'production' })).toHaveLength(4);
    expect(problems({ NODE_ENV: 'production', SANDBOX: 'true' })[0]).toMatch(/SANDBOX=true is not allowed with NODE_ENV=production/);
  });

  it('production starts with every secret given', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      SECRETS_KEY: 'ab'.repeat(32),
      ADMIN_API_KEY: 'x'.repeat(32),
      WHATSAPP_APP_SECRET: 'app-secret',
      WHATSAPP_VERIFY_TOKEN: 'verify',
      DATABASE_URL: 'postgres://u@db:5432/gw',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(c).toMatchObject({ sandbox: false, production: true, migrateOnStart: false, redisUrl: 'redis://cache:6379' });
    expect(c.secretsKey).toEqual(Buffer.from('ab'.repeat(32), 'hex'));
  });

  it("production may authenticate webhooks with 360dialog's signature secret alone", () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      SECRETS_KEY: 'ab'.repeat(32),
      ADMIN_API_KEY: 'x'.repeat(32),
      DIALOG360_WEBHOOK_SECRET: 'partner-secret',
      WHATSAPP_VERIFY_TOKEN: 'verify',
    });
    expect(c).toMatchObject({ dialog360WebhookSecret: 'partner-secret', whatsappAppSecret: null, whatsappWebhookToken: null });
    expect(loadConfig({}).dialog360WebhookSecret).toBeNull();
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT must be a whole number/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be sqlite:<path> .* or postgres:\/\//],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL must look like redis:\/\/host:6379/],
    ['SECRETS_KEY', 'abc', /SECRETS_KEY must be 32 bytes written as 64 hex characters/],
    ['ADMIN_API_KEY', 'short', /ADMIN_API_KEY must be at least 24 characters/],
    ['WHATSAPP_API_URL', 'graph.facebook.com', /WHATSAPP_API_URL must be an absolute http\(s\) URL/],
    ['WHATSAPP_API_VERSION', '23', /WHATSAPP_API_VERSION must look like v\d/],
    ['SANDBOX', 'yes', /SANDBOX must be "true" or "false"/],
    ['WHATSAPP_PARTIALLY_SHIPPED', 'partial', /must be "partially_shipped" or "partially-shipped"/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
  ])('names %s when it is malformed (%s)', (name, value, message) => {
    const found = problems({ [name]: value });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it('reports every malformed variable at once', () => {
    expect(problems({ PORT: 'x', REDIS_URL: 'y', SECRETS_KEY: 'z' })).toHaveLength(3);
  });

  it('runs migrations at start on sqlite only, unless told otherwise', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).migrateOnStart).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', MIGRATE_ON_START: 'true' }).migrateOnStart).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x/y.sqlite' })).toMatchObject({ migrateOnStart: true });
  });
});

describe('the migration configuration (npm run migrate)', () => {
  it('needs DATABASE_URL only, even in production', () => {
    expect(loadDatabaseConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://gw@db:5432/gw' })).toEqual({ databaseUrl: 'postgres://gw@db:5432/gw' });
    expect(loadDatabaseConfig({ NODE_ENV: 'production' })).toEqual({ databaseUrl: 'sqlite:./data/gateway.sqlite' });
    // the same environment is refused by the gateway itself, which needs its secrets
    expect(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://gw@db:5432/gw' })).toThrow(ConfigError);
  });

  it('refuses a malformed DATABASE_URL, naming it', () => {
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/^The migration's configuration is invalid:\n  - DATABASE_URL must be sqlite:<path>/);
  });
});

describe('the sandbox with a shared simulator', () => {
  it('SIMULATOR_URL means sandbox mode on that simulator; SIMULATOR_WEBHOOK_URL is where it reaches this instance', () => {
    expect(loadConfig({ SIMULATOR_URL: 'http://localhost:4010/' })).toMatchObject({ sandbox: true, simulatorUrl: 'http://localhost:4010', simulatorWebhookUrl: null });
    expect(loadConfig({ SIMULATOR_URL: 'http://simulator:4010', SIMULATOR_WEBHOOK_URL: 'http://gateway-1:4000/webhooks/whatsapp' })).toMatchObject({
      simulatorWebhookUrl: 'http://gateway-1:4000/webhooks/whatsapp',
    });
    expect(loadConfig({})).toMatchObject({ simulatorUrl: null });
  });

  it('refuses what cannot work, saying what to do', () => {
    expect(problems({ SIMULATOR_URL: 'localhost:4010' })).toEqual([expect.stringMatching(/^SIMULATOR_URL must be an absolute http\(s\) URL/)]);
    expect(problems({ SIMULATOR_URL: 'http://localhost:4010', WHATSAPP_API_URL: 'https://graph.facebook.com' })).toEqual([
      expect.stringMatching(/^SIMULATOR_URL \(the sandbox's simulated WhatsApp\) and WHATSAPP_API_URL \/ DIALOG360_API_URL \(a real one\) exclude each other/),
    ]);
    expect(problems({ SIMULATOR_URL: 'http://localhost:4010', SANDBOX: 'false' })).toContainEqual(expect.stringMatching(/^SIMULATOR_URL needs sandbox mode/));
    expect(problems({ SIMULATOR_URL: 'http://localhost:4010', NODE_ENV: 'production' })).toContainEqual(expect.stringMatching(/^SIMULATOR_URL needs sandbox mode/));
    expect(problems({ SIMULATOR_WEBHOOK_URL: 'http://gateway-1:4000/webhooks/whatsapp' })).toEqual([expect.stringMatching(/^SIMULATOR_WEBHOOK_URL .* set SIMULATOR_URL too/)]);
  });

  it("DIALOG360_REFUND_PATH: 360dialog's undocumented refund path, /payments_refund unless told otherwise; a path only", () => {
    expect(loadConfig({}).dialog360RefundPath).toBe('/payments_refund');
    expect(loadConfig({ DIALOG360_REFUND_PATH: '/v1/payments_refund' }).dialog360RefundPath).toBe('/v1/payments_refund');
    for (const bad of ['payments_refund', 'https://evil.example/refund', '/a/../b', '/refund?x=1']) {
      expect(problems({ DIALOG360_REFUND_PATH: bad })).toEqual([expect.stringMatching(/^DIALOG360_REFUND_PATH must be a path under DIALOG360_API_URL, e.g. \/payments_refund/)]);
    }
  });

  it('npm run simulator listens on 127.0.0.1:4010 unless told otherwise', () => {
    expect(loadSimulatorConfig({})).toEqual({ port: 4010, host: '127.0.0.1', apiVersion: 'v23.0', logLevel: 'info' });
    expect(loadSimulatorConfig({ SIMULATOR_PORT: '0', SIMULATOR_HOST: '0.0.0.0', LOG_LEVEL: 'warn' })).toMatchObject({ port: 0, host: '0.0.0.0', logLevel: 'warn' });
    expect(() => loadSimulatorConfig({ SIMULATOR_PORT: 'x', LOG_LEVEL: 'loud' })).toThrow(
      /^The simulator's configuration is invalid:\n  - SIMULATOR_PORT must be a whole number from 0 to 65535, e\.g\. 4010\n  - LOG_LEVEL must be one of/,
    );
  });

  it('reads the query cost limit and the budgets per role, and says what form they take', () => {
    const c = loadConfig({ QUERY_MAX_COST: '80000', COST_BUDGET_MOBILE: '90000:500', COST_BUDGET_ADMIN: 'off' });
    expect(c.queryMaxCost).toBe(80000);
    expect(c.costBudgets).toEqual({
      ADMIN: null,
      MOBILE: { max: 90000, perSecond: 500 },
      // a default bucket grows to hold the largest allowed query
      STOREFRONT: { max: 500000, perSecond: 50000 },
      OPS: { max: 500000, perSecond: 50000 },
    });
    expect(loadConfig({ QUERY_MAX_COST: '800000' }).costBudgets.MOBILE).toEqual({ max: 800000, perSecond: 10000 });
    expect(loadConfig({}).subscriptionMaxBacklog).toBe(10000);
    expect(problems({ COST_BUDGET_OPS: '100k per second' })).toEqual([
      'COST_BUDGET_OPS must be <bucket size>:<refill per second>, e.g. 500000:50000, or off',
    ]);
    expect(problems({ COST_BUDGET_MOBILE: '1000:10' })).toEqual([
      "COST_BUDGET_MOBILE's bucket (1000) must hold at least QUERY_MAX_COST (50000), or the largest allowed query could never run",
    ]);
    expect(problems({ COST_BUDGET_MOBILE: '60000:0' })).toEqual(["COST_BUDGET_MOBILE's refill per second must be at least 1"]);
    expect(problems({ QUERY_MAX_COST: '12', SUBSCRIPTION_MAX_BACKLOG: 'lots' })).toEqual([
      'QUERY_MAX_COST must be a whole number from 100 to 10000000, e.g. 50000',
      'SUBSCRIPTION_MAX_BACKLOG must be a whole number from 10 to 1000000, e.g. 10000',
    ]);
  });
});
