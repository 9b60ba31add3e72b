// The README, run as written: the gateway is started the way a newcomer starts it (`npm start`,
// which builds), its banner's export line gives the keys, and every command block of the README
// runs against it (localhost:4000 becomes the port this test got). A README block that no test
// runs fails the last test here. The several-instances block runs in the scale suite
// (test/scale/readme-instances.test.ts), which has PostgreSQL, Redis and room for processes.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownVariables } from '../../src/config';
import { DEMO } from '../../src/sandbox/seed';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../helpers/database';
import { background, type Background, bash, type Block, cleanEnv, parseExportLine, README, readmeBlock, readmeBlocks, ROOT } from '../helpers/readme';
import { eventually, freePort } from '../helpers/stack';

/** The blocks this file runs, by a text each contains; and the ones other tests run. */
const RUN_HERE = {
  quickStart: ['sh', 'npm ci && npm start'],
  firstQuery: ['sh', 'businesses { name phoneNumbers'],
  sendOrder: ['sh', 'sendOrderDetails'],
  pay: ['sh', 'npm run sandbox -- pay A1001-1'],
  readBack: ['sh', 'payment { status verified verifiedAt'],
  updateStatus: ['sh', 'updateOrderStatus'],
  refund: ['sh', 'npm run sandbox -- refund A1001-1'],
  refundReadBack: ['sh', 'refundableAmount'],
  getQuery: ['sh', 'apollo-require-preflight'],
  subscription: ['js', 'webSocketImpl'],
  reconciliation: ['sh', 'reconciliation.csv'],
  realBusiness: ['graphql', 'createBusiness'],
  costExample: ['json', 'requestedQueryCost'],
} as const;
const RUN_ELSEWHERE = {
  severalInstances: ['sh', 'npm run simulator &', 'test/scale/readme-instances.test.ts'],
  createWebhookEndpoint: ['sh', 'createWebhookEndpoint', 'test/integration/sandbox-webhooks.test.ts'],
  webhookReceiver: ['js', 'receiver.js', 'test/integration/sandbox-webhooks.test.ts'],
} as const;

const block = (which: keyof typeof RUN_HERE): Block => readmeBlock(RUN_HERE[which][0], RUN_HERE[which][1]);

describe('the README, run as written against `npm start`', () => {
  let database: TestDatabase;
  let port: number;
  let gateway: Background;
  let banner: string;
  let keys: Record<string, string>;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    port = await freePort();
    env = cleanEnv({ DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    if (TEST_DIALECT === 'postgres') {
      // on PostgreSQL the README migrates first: instances never migrate at start
      const migrated = await bash('npm run migrate', env);
      expect(migrated.stderr).toBe('');
      expect(migrated.code).toBe(0);
    }
    gateway = background('npm', ['start'], env);
    banner = await gateway.waitFor(/\nThe keys and secrets are kept in the database[^\n]*\n/);
    keys = parseExportLine(/^ *export .*$/m.exec(banner)![0]);
    env = { ...env, ...keys };
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    await database?.drop();
  });

  /** A README command as a newcomer runs it, on this test's port. */
  const run = (b: Block) => bash(b.text.replace(/localhost:4000/g, `127.0.0.1:${port}`), env);
  const runJson = async (b: Block) => {
    const r = await run(b);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };
  const gql = async (query: string, key: string, variables: Record<string, unknown> = {}) =>
    (await (
      await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      })
    ).json()) as { data?: any; errors?: unknown[] };

  it('npm start prints the GraphQL URL, the keys, the demo business and customer, and the export line the README uses', async () => {
    expect(banner).toContain(`GraphQL        http://127.0.0.1:${port}/graphql`);
    expect(Object.keys(keys)).toEqual(['ADMIN_KEY', 'KEY', 'OPS_KEY']);
    expect(banner).toContain(`ADMIN key      ${keys.ADMIN_KEY}`);
    expect(banner).toContain(`STOREFRONT     ${keys.KEY}`);
    expect(banner).toContain(`OPS            ${keys.OPS_KEY}`);
    expect(banner).toContain(`phone number id ${DEMO.phoneNumberId}, payment configuration "${DEMO.paymentConfiguration}"`);
    expect(banner).toContain(`Demo customer  ${DEMO.customer}`);
    // the dashboard's line is there exactly when the gateway serves one
    const dashboard = await fetch(`http://127.0.0.1:${port}/dashboard`, { redirect: 'manual' });
    expect(banner.includes(`Dashboard      http://127.0.0.1:${port}/dashboard`)).toBe(dashboard.status < 400);
    // the quick start's two commands are the package's
    expect(block('quickStart').text).toMatch(/^npm ci && npm start +#.*\nnpm test +#/);
  });

  it('the first query answers with the demo business', async () => {
    expect(await runJson(block('firstQuery'))).toMatchObject({
      data: {
        viewer: { role: 'ADMIN' },
        businesses: [{ name: DEMO.businessName, phoneNumbers: [{ phoneNumberId: DEMO.phoneNumberId }], paymentConfigurations: [{ name: DEMO.paymentConfiguration }] }],
      },
    });
  });

  it('the storefront sends A1001-1: PENDING, its message ACCEPTED with a wamid, the payment NEW', async () => {
    const { data } = await runJson(block('sendOrder'));
    expect(data.sendOrderDetails.userErrors).toEqual([]);
    expect(data.sendOrderDetails.order).toMatchObject({
      referenceId: 'A1001-1',
      status: 'PENDING',
      total: { formatted: expect.stringContaining('520.00') },
      message: { status: 'ACCEPTED', wamid: expect.stringMatching(/^wamid\./) },
      payment: { status: 'NEW' },
    });
  });

  it('npm run sandbox -- pay A1001-1 pays it; read back, it is CAPTURED and verified with its transaction', async () => {
    const paid = await run(block('pay'));
    expect(paid.stderr).toBe('');
    expect(paid.code).toBe(0);
    expect(paid.stdout).toContain("The simulated customer's payment for A1001-1 is now captured");
    const order = await eventually(async () => {
      const { data } = await runJson(block('readBack'));
      expect(data.order.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      return data.order;
    });
    expect(order.payment.transactions).toEqual([expect.objectContaining({ status: 'SUCCESS', pgTransactionId: expect.stringMatching(/^pay_/) })]);
    expect(order.events).toContainEqual({ type: 'PAYMENT_STATUS_CHANGED', source: 'LOOKUP', fromStatus: 'NEW', toStatus: 'CAPTURED' });
  }, 120_000);

  it('updateOrderStatus moves it to PROCESSING and sends the order_status message', async () => {
    const { data } = await runJson(block('updateStatus'));
    expect(data.updateOrderStatus.userErrors).toEqual([]);
    expect(data.updateOrderStatus.order.status).toBe('PROCESSING');
    expect(data.updateOrderStatus.order.messages).toContainEqual({ kind: 'ORDER_STATUS', status: 'ACCEPTED' });
  });

  it('npm run sandbox -- refund A1001-1 200.00 refunds part of it (with $KEY); read back, it succeeded and INR 320.00 is left', async () => {
    const refunded = await run(block('refund'));
    expect(refunded.stderr).toBe('');
    expect(refunded.code).toBe(0);
    expect(refunded.stdout).toMatch(/^Refund of INR 200\.00 for A1001-1 is PENDING \(WhatsApp refund rfnd_\w+\); left to refund: INR 320\.00\.$/m);
    const payment = await eventually(async () => {
      const { data } = await runJson(block('refundReadBack'));
      expect(data.order.payment.refunds).toEqual([{ status: 'SUCCEEDED', amount: { formatted: '200.00' }, refundId: expect.stringMatching(/^rfnd_/), speedProcessed: 'NORMAL' }]);
      return data.order.payment;
    });
    expect(payment).toMatchObject({ status: 'CAPTURED', refundedAmount: { formatted: '200.00' }, refundableAmount: { formatted: '320.00' } });
    // without a key it says which to set; more than is left is refused with the gateway's words
    const { KEY: _k, OPS_KEY: _o, ...keyless } = env;
    const noKey = await bash(block('refund').text, keyless);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/^Set KEY to an API key that may refund/);
    const tooMuch = await bash('npm run sandbox -- refund A1001-1 320.01', env);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/^Not refunded: INR 320\.01 is more than the INR 320\.00 left to refund.*\(REFUND_NOT_ALLOWED\)/);
  }, 120_000);

  it('GET /graphql answers with the preflight header, and CSRF prevention refuses it without', async () => {
    const { data } = await runJson(block('getQuery'));
    expect(data.orders.edges).toContainEqual({ node: { referenceId: 'A1001-1', status: 'PROCESSING', payment: { status: 'CAPTURED' } } });
    const withoutHeader = await run({ ...block('getQuery'), text: block('getQuery').text.replace("-H 'apollo-require-preflight: true' ", '') });
    expect(withoutHeader.stdout).toMatch(/CSRF/);
  });

  it('the subscription snippet (ws, webSocketImpl) runs on this Node and prints the events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wpg-watch-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'watch.mjs'), block('subscription').text.replace(/localhost:4000/g, `127.0.0.1:${port}`));
    const watch = background('node', ['watch.mjs'], env, dir);
    try {
      await eventually(async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        expect(metrics).toMatch(/^wpg_subscriptions_active 1$/m);
      });
      const moved = await gql('mutation { updateOrderStatus(input: { referenceId: "A1001-1", status: SHIPPED }) { userErrors { code } } }', keys.KEY);
      expect(moved.data.updateOrderStatus.userErrors).toEqual([]);
      const line = await watch.waitFor(/"toStatus":"SHIPPED"[^\n]*\n/);
      expect(JSON.parse(line.split('\n').find((l) => l.includes('SHIPPED'))!)).toMatchObject({
        orderEvents: { referenceId: 'A1001-1', type: 'ORDER_STATUS_CHANGED', fromStatus: 'PROCESSING', toStatus: 'SHIPPED' },
      });
    } finally {
      await watch.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the reconciliation CSV has the A1001-1 row for this month', async () => {
    const csv = await run(block('reconciliation'));
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split(/\r?\n/);
    expect(header).toMatch(/^reference_id,payment_configuration,/);
    expect(rows.filter((r) => r.includes('A1001-1'))).toHaveLength(1);
  });

  it('a real business is set up with ids of its own, and may use A1001-1 too (reference ids are per business)', async () => {
    const mutations = block('realBusiness').text.trim().split('\n');
    const created = await gql(mutations[0], keys.ADMIN_KEY);
    expect(created.data.createBusiness.userErrors).toEqual([]);
    const id = created.data.createBusiness.business.id as string;
    const answers = [];
    for (const m of mutations.slice(1)) answers.push(await gql(m.replace(/<id>/g, id).replace(/<token>/g, 'sandbox-token'), keys.ADMIN_KEY));
    for (const a of answers) expect(Object.values(a.data)[0]).toMatchObject({ userErrors: [] });
    const storefrontKey = answers[2].data.createApiKey.secret as string;

    const phoneNumberId = /phoneNumberId: "(\d+)"/.exec(mutations[1])![1];
    const configuration = /name: "([^"]+)", gateway/.exec(mutations[2])![1];
    const input = JSON.parse(/<<'JSON'\n([\s\S]*)\nJSON\n/.exec(block('sendOrder').text)![1]).variables.input;
    const sent = await gql(
      'mutation($input: SendOrderDetailsInput!) { sendOrderDetails(input: $input) { order { referenceId message { status } } userErrors { code field message } } }',
      storefrontKey,
      { input: { ...input, phoneNumberId, paymentConfiguration: configuration } },
    );
    expect(sent.data.sendOrderDetails).toEqual({ order: { referenceId: 'A1001-1', message: { status: 'ACCEPTED' } }, userErrors: [] });
  });

  it('the Docker migration command needs DATABASE_URL only, even in production', async () => {
    const fresh = await createTestDatabase();
    try {
      const migrate = /docker run --rm -e DATABASE_URL=\.\.\. wa-payments-gateway\s+(node dist\/src\/db\/migrate-cli\.js)/.exec(README)![1];
      const r = await bash(migrate, cleanEnv({ NODE_ENV: 'production', DATABASE_URL: fresh.url }));
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^Applied migrations: /);
      expect(r.code).toBe(0);
    } finally {
      await fresh.drop();
    }
  });

  it('a second start on the same port says so in one line naming the port and PORT', async () => {
    const second = await bash('node dist/src/main.js', env);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`Port ${port} on 127.0.0.1 is already in use (another gateway running?): stop it, or set PORT to a free port, e.g. PORT=${port + 1}.\n`);
    expect(second.stdout).not.toMatch(/graphql-ws|Please check your implementation|\n\s+at /);
  });

  it('the configuration table lists exactly the variables the configuration reads', () => {
    const section = README.slice(README.indexOf('## Configuration'), README.indexOf('\n## ', README.indexOf('## Configuration') + 5));
    const documented = [...section.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([A-Z0-9_]+)`/g)].map((v) => v[1]));
    expect([...documented].sort()).toEqual(knownVariables().filter((v) => v !== 'NODE_ENV').sort());
  });

  it("the cost report shown is the shape of every answer's extensions.cost", async () => {
    // the README's sample, as the JSON object it is part of
    const sample = JSON.parse(`{${block('costExample').text}}`).extensions.cost;
    const answer = (await gql('{ viewer { role } }', keys.OPS_KEY)) as { extensions?: { cost?: unknown } };
    const shape = (v: unknown): unknown =>
      v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v;
    expect(shape(answer.extensions?.cost)).toEqual(shape(sample));
  });

  it('every command block of the README is run by a test', () => {
    const covered = new Set([...Object.values(RUN_HERE), ...Object.values(RUN_ELSEWHERE)].map(([lang, marker]) => readmeBlock(lang, marker).line));
    const runnable = readmeBlocks().filter((b) => ['sh', 'js', 'graphql', 'json'].includes(b.lang));
    expect(runnable.filter((b) => !covered.has(b.line)).map((b) => `README line ${b.line}: ${b.text.split('\n')[0]}`)).toEqual([]);
    expect(readmeBlocks().filter((b) => !['sh', 'js', 'graphql', 'json'].includes(b.lang)).map((b) => b.line)).toEqual([]);
  });
});
