// The README's several-instances section, run as written: migrate, one `npm run simulator`, two
// `npm start` instances on one PostgreSQL database and Redis (this test's database, free ports).
// Both print the same keys; an order sent through one is moved on through the other; the simulated
// customer pays with `npm run sandbox -- pay`; a webhook reaches a live instance when another died.
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { background, type Background, bash, cleanEnv, parseExportLine, readmeBlock } from '../helpers/readme';
import { eventually, freePort } from '../helpers/stack';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BANNER_END = /The keys and secrets are kept in the database[^\n]*\n/g;

describe("the README's several instances, run as written", () => {
  let database: TestDatabase;
  let ports: { first: number; second: number; simulator: number };
  let section: Background;
  let env: Record<string, string>;
  let keys: Record<string, string>;

  /** A README block as run from the shell of the section, on this test's ports. */
  const onPorts = (text: string) =>
    text
      .replace(/localhost:4000/g, `127.0.0.1:${ports.first}`)
      .replace(/localhost:4001/g, `127.0.0.1:${ports.second}`)
      .replace(/localhost:4010/g, `127.0.0.1:${ports.simulator}`)
      .replace(/PORT=4000/g, `PORT=${ports.first}`)
      .replace(/PORT=4001/g, `PORT=${ports.second}`);
  const through = (instance: 'first' | 'second', marker: string) =>
    onPorts(readmeBlock('sh', marker).text).replace(new RegExp(`127\\.0\\.0\\.1:${ports.first}`, 'g'), `127.0.0.1:${ports[instance]}`);
  const runJson = async (script: string) => {
    const r = await bash(script, env);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    ports = { first: await freePort(), second: await freePort(), simulator: await freePort() };
    const block = readmeBlock('sh', 'npm run simulator &').text;
    expect(block).toContain('export DATABASE_URL=postgres://localhost:5432/gateway REDIS_URL=redis://localhost:6379');
    const script = onPorts(block)
      .replace('DATABASE_URL=postgres://localhost:5432/gateway', `DATABASE_URL=${database.url}`)
      .replace('REDIS_URL=redis://localhost:6379', `REDIS_URL=${REDIS_URL}`);
    // the simulator's default port is 4010; this test's is free. Its own Redis channels too.
    section = background('bash', ['-c', `${script}\nwait\n`], cleanEnv({ SIMULATOR_PORT: String(ports.simulator), REDIS_PREFIX: `readme-${ports.first}` }));
    await section.waitFor((text) => (text.match(BANNER_END) ?? []).length === 2);
    const exports = section.output().match(/^ *export ADMIN_KEY=.*$/gm)!;
    expect(exports).toHaveLength(2);
    expect(parseExportLine(exports[1])).toEqual(parseExportLine(exports[0])); // the keys belong to the database
    keys = parseExportLine(exports[0]);
    env = cleanEnv({ ...keys, SIMULATOR_URL: `http://127.0.0.1:${ports.simulator}` });
  }, 300_000);

  afterAll(async () => {
    await section?.stop();
    await database?.drop();
  });

  it('migrated once, and both instances use the one simulator', async () => {
    expect(section.output()).toMatch(/Applied migrations: /);
    const targets = (await (await fetch(`http://127.0.0.1:${ports.simulator}/_simulator/webhook-targets`)).json()) as { targets: string[] };
    expect(targets.targets.sort()).toEqual([ports.first, ports.second].map((p) => `http://127.0.0.1:${p}/webhooks/whatsapp`).sort());
  });

  it('an order sent through one instance is moved on through the other and paid with npm run sandbox -- pay', async () => {
    const sent = await runJson(through('first', 'sendOrderDetails'));
    expect(sent.data.sendOrderDetails.order.message).toMatchObject({ status: 'ACCEPTED' });

    const moved = await runJson(through('second', 'updateOrderStatus'));
    expect(moved.data.updateOrderStatus).toMatchObject({ userErrors: [], order: { status: 'PROCESSING' } });
    // WhatsApp took it (its sent/delivered webhooks may already have moved it on when the answer is read)
    expect(moved.data.updateOrderStatus.order.messages).toContainEqual({ kind: 'ORDER_STATUS', status: expect.stringMatching(/^(ACCEPTED|SENT|DELIVERED|READ)$/) });

    const paid = await bash(readmeBlock('sh', 'npm run sandbox -- pay A1001-1').text, env);
    expect(paid.stderr).toBe('');
    expect(paid.stdout).toContain("The simulated customer's payment for A1001-1 is now captured");
    for (const instance of ['first', 'second'] as const) {
      await eventually(async () => {
        const read = await runJson(through(instance, 'payment { status verified verifiedAt'));
        expect(read.data.order).toMatchObject({ status: 'PROCESSING', payment: { status: 'CAPTURED', verified: true } });
      }, 30_000);
    }
  }, 120_000);

  it('when an instance dies, the webhooks reach the live one', async () => {
    const started = section.output().split('\n').filter((l) => l.includes('"gateway started"')).map((l) => JSON.parse(l) as { pid: number; url: string });
    const first = started.find((s) => s.url.endsWith(`:${ports.first}`))!;
    process.kill(first.pid, 'SIGKILL'); // no goodbye to the simulator: a crash

    const input = JSON.parse(/<<'JSON'\n([\s\S]*)\nJSON\n/.exec(readmeBlock('sh', 'sendOrderDetails').text)![1]);
    input.variables.input.referenceId = 'A1002-1';
    const res = await fetch(`http://127.0.0.1:${ports.second}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.KEY}` },
      body: JSON.stringify(input),
    });
    expect(((await res.json()) as any).data.sendOrderDetails.userErrors).toEqual([]);
    for (let i = 0; i < 3; i++) {
      // three webhooks in a row: whatever turn the dead instance had, each reaches the live one
      const outcome = ['pending', 'failed', 'captured'][i];
      const paid = await bash(`node dist/src/sandbox/cli.js pay A1002-1 ${outcome}`, env); // what npm run sandbox runs, built
      expect(paid.stdout).toContain(`is now ${outcome}`);
    }
    await eventually(async () => {
      const read = await runJson(through('second', 'payment { status verified verifiedAt').replace(/A1001-1/g, 'A1002-1'));
      expect(read.data.order.payment).toMatchObject({ status: 'CAPTURED', verified: true });
    }, 30_000);
    const stored = await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${ports.simulator}/_simulator/orders/A1002-1`);
      return ((await r.json()) as any).order;
    });
    expect(stored).toMatchObject({ paymentStatus: 'captured' });
  }, 120_000);
});
