// The newcomer's path in sandbox mode, over real HTTP: send an order with the seeded keys, pay it
// as the simulated customer (POST /sandbox/pay, or the CLI `npm run sandbox -- pay <ref>`), and
// read it back CAPTURED and verified with its transaction. The simulated WhatsApp sends signed
// webhooks exactly as WhatsApp would, and its lookup answers accordingly. Outside sandbox mode
// the pay endpoint does not exist. Reference ids are per business, as WhatsApp keeps them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';
import { SandboxSecretsEntity } from '../../src/db/entities';
import { DEMO } from '../../src/sandbox/seed';
import { createBusiness, type TestBusiness } from '../helpers/fixtures';
import { dataOf, startTestGateway, type TestGateway } from '../helpers/gateway';
import { eventually, freePort, orderInput, SEND, startTestStack } from '../helpers/stack';
import { FULL_ORDER, storedWebhooks, trail } from '../helpers/webhooks';

const ROOT = join(__dirname, '../..');

/** The CLI's current source, compiled on its own (it imports only node:fs and node:path). */
function compileCli(dir: string): string {
  const out = join(dir, 'cli.js');
  const { code } = transformFileSync(join(ROOT, 'src/sandbox/cli.ts'), {
    swcrc: false,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  writeFileSync(out, code);
  return out;
}

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('sandbox: a newcomer sends an order, pays it with one command, reads it back', () => {
  let t: TestGateway;
  let tmp: string;
  let cli: string;
  let keys: { storefront: string; ops: string; admin: string };

  beforeAll(async () => {
    t = await startTestGateway({ SANDBOX: 'true' });
    tmp = mkdtempSync(join(tmpdir(), 'wpg-cli-'));
    cli = compileCli(tmp);
    const s = t.gateway.sandbox!;
    keys = { storefront: s.storefrontKey!, ops: s.opsKey!, admin: s.adminApiKey };
  });
  afterAll(async () => {
    await t.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const demoOrder = async () => {
    // the demo business's number and configuration, as the sandbox prints them
    const input = orderInput({ phoneNumberId: DEMO.phoneNumberId, paymentConfiguration: DEMO.paymentConfiguration } as Pick<TestBusiness, 'phoneNumberId' | 'paymentConfiguration'> as TestBusiness);
    const res = dataOf(await t.gql(SEND, { input }, keys.storefront)).sendOrderDetails;
    expect(res.userErrors).toEqual([]);
    return res.order;
  };
  const read = async (ref: string) => dataOf(await t.gql(FULL_ORDER, { ref }, keys.ops)).order;
  const pay = (body: unknown) =>
    fetch(`${t.url}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('runs in sandbox mode with a seeded demo business, its keys kept in its database', async () => {
    expect(t.gateway.config.sandbox).toBe(true);
    expect(t.gateway.simulator).not.toBeNull();
    const row = await t.gateway.db.manager.findOneByOrFail(SandboxSecretsEntity, { id: 'sandbox' });
    expect(row).toMatchObject({ adminApiKey: keys.admin, storefrontKey: keys.storefront, opsKey: keys.ops });
    const viewer = dataOf(await t.gql(`{ viewer { role business { name phoneNumbers { phoneNumberId } paymentConfigurations { name } } } }`, {}, keys.storefront)).viewer;
    expect(viewer).toEqual({
      role: 'STOREFRONT',
      business: { name: DEMO.businessName, phoneNumbers: [{ phoneNumberId: DEMO.phoneNumberId }], paymentConfigurations: [{ name: DEMO.paymentConfiguration }] },
    });
  });

  it('POST /sandbox/pay: the simulated customer pays; the signed webhook arrives; the order reads CAPTURED and verified with its transaction', async () => {
    const order = await demoOrder();
    const res = await pay({ referenceId: order.referenceId });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ referenceId: order.referenceId, outcome: 'captured', status: 'captured', webhookSent: true, payment: { status: 'captured' } });
    const tx = body.payment.transactions[0];
    expect(body.attempt).toEqual({ id: tx.id, pgTransactionId: tx.pg_transaction_id, status: 'success' });

    const o = await eventually(async () => {
      const r = await read(order.referenceId);
      expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
      return r;
    });
    expect(o.payment.verifiedAt).not.toBeNull();
    expect(o.payment.transactions).toEqual([
      expect.objectContaining({ id: tx.id, pgTransactionId: tx.pg_transaction_id, gateway: 'RAZORPAY', status: 'SUCCESS', method: 'upi', amount: { value: 52000, offset: 100, currency: 'INR' } }),
    ]);
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>CAPTURED']);
    // the webhook came in signed with the sandbox's app secret, like Meta's
    const delivery = t.gateway.simulator!.webhookDeliveries.find((d) => d.rawBody.includes(order.referenceId) && d.rawBody.includes('"captured"'))!;
    expect(delivery.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(delivery.status).toBe(200);
    const stored = (await storedWebhooks(t)).filter((w) => w.body.includes(order.referenceId) && w.body.includes('"payment"'));
    expect(stored.map((w) => [w.authenticatedBy, w.state])).toEqual([['SIGNATURE', 'PROCESSED']]);
    // the simulated phone also reported the order_details message delivered
    await eventually(async () => expect((await read(order.referenceId)).message.status).toBe('DELIVERED'));
  });

  it('failed, then pending, then captured: each outcome is verified through the lookup', async () => {
    const order = await demoOrder();
    for (const [outcome, status] of [['failed', 'FAILED'], ['pending', 'PENDING'], ['captured', 'CAPTURED']] as const) {
      const res = await pay({ referenceId: order.referenceId, outcome });
      expect(res.status).toBe(200);
      await eventually(async () => expect((await read(order.referenceId)).payment).toMatchObject({ status, verified: true }));
    }
    const o = await read(order.referenceId);
    expect(trail(o.events, 'PAYMENT_STATUS_CHANGED')).toEqual(['LOOKUP NEW>FAILED', 'LOOKUP FAILED>PENDING', 'LOOKUP PENDING>CAPTURED']);
    expect(o.payment.transactions.map((x: { status: string }) => x.status)).toEqual(['FAILED', 'SUCCESS']);
    // WhatsApp's wire: both attempts under one payment gateway order id, told apart by the payment id
    const [failed, captured] = o.payment.transactions;
    expect(captured.id).toBe(failed.id);
    expect(captured.pgTransactionId).not.toBe(failed.pgTransactionId);
    const webhooks = t.gateway.simulator!.webhookDeliveries.filter((d) => d.rawBody.includes(order.referenceId) && d.rawBody.includes('"payment"'));
    expect(webhooks.map((d) => (d.body as any).entry[0].changes[0].value.statuses[0].status)).toEqual(['pending', 'pending', 'captured']);
  });

  it('refuses bad input (400), and an unknown or already captured order (409); the customer needs no API key', async () => {
    for (const body of [{}, { referenceId: 42 }, { referenceId: 'X', outcome: 'refunded' }, { referenceId: 'X', phoneNumberId: 42 }]) {
      const res = await pay(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/referenceId/);
    }
    const unknown = await pay({ referenceId: 'NOT-SENT-1' });
    expect(unknown.status).toBe(409);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/send one first/);

    const order = await demoOrder();
    expect((await pay({ referenceId: order.referenceId })).status).toBe(200);
    const again = await pay({ referenceId: order.referenceId });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/already captured/);
  });

  describe('the CLI: npm run sandbox -- pay <referenceId> [captured|failed|pending]', () => {
    it('is what `npm run sandbox` runs (built from src/sandbox/cli.ts)', () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
      expect(pkg.scripts.sandbox).toMatch(/node dist\/src\/sandbox\/cli\.js$/);
      expect(pkg.scripts.sandbox).toMatch(/npm run --silent build/);
    });

    it('pays with one command through the running gateway; the order reads CAPTURED and verified', async () => {
      const order = await demoOrder();
      const res = await run(cli, ['pay', order.referenceId], { GATEWAY_URL: t.url });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`The simulated customer's payment for ${order.referenceId} is now captured`);
      const o = await eventually(async () => {
        const r = await read(order.referenceId);
        expect(r.payment).toMatchObject({ status: 'CAPTURED', verified: true });
        return r;
      });
      expect(res.stdout).toContain(`(transaction ${o.payment.transactions[0].id}, payment ${o.payment.transactions[0].pgTransactionId})`);
      expect(o.payment.transactions[0]).toMatchObject({ status: 'SUCCESS', pgTransactionId: expect.stringMatching(/^pay_/) });
    });

    it('takes the outcome and PORT as documented', async () => {
      const order = await demoOrder();
      const res = await run(cli, ['pay', order.referenceId, 'failed'], { PORT: String(t.gateway.port) });
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('is now failed');
      await eventually(async () => expect((await read(order.referenceId)).payment).toMatchObject({ status: 'FAILED', verified: true }));
    });

    it('fails with a message and exit code 1: usage, unknown order, no sandbox running', async () => {
      const env = { GATEWAY_URL: t.url };
      for (const args of [[], ['pay'], ['refunded', 'X'], ['refund'], ['refund', 'X', '1', 'extra'], ['pay', 'X', 'captured', 'extra'], ['pay', 'X', '--phone-number-id']]) {
        const usage = await run(cli, args, env);
        expect(usage.code).toBe(1);
        expect(usage.stderr).toContain('usage: npm run sandbox -- pay <referenceId> [captured|failed|pending] [--phone-number-id <id>]');
      }
      const outcome = await run(cli, ['pay', 'X', 'refunded'], env);
      expect(outcome.stderr).toContain('the outcome must be one of captured, failed, pending');
      // refund plays the merchant: it needs an API key, and an amount in rupees
      const keyless = await run(cli, ['refund', 'X'], env);
      expect(keyless.code).toBe(1);
      expect(keyless.stderr).toMatch(/^Set KEY to an API key that may refund/);
      const amount = await run(cli, ['refund', 'X', '1.005'], { ...env, KEY: 'any' });
      expect(amount.code).toBe(1);
      expect(amount.stderr).toContain('the amount must be rupees with at most two decimals, e.g. 200 or 199.50, not "1.005"');

      const unknown = await run(cli, ['pay', 'NEVER-SENT-9'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no order_details was accepted for reference_id NEVER-SENT-9');

      const nobody = `http://127.0.0.1:${await freePort()}`;
      const down = await run(cli, ['pay', 'X'], { GATEWAY_URL: nobody });
      expect(down.code).toBe(1);
      expect(down.stderr).toContain(`cannot reach the gateway at ${nobody}/sandbox/pay (ECONNREFUSED); is \`npm start\` running?`);
      const noSimulator = await run(cli, ['pay', 'X'], { SIMULATOR_URL: nobody });
      expect(noSimulator.stderr).toContain(`cannot reach the simulator at ${nobody}/_simulator/pay (ECONNREFUSED); is \`npm run simulator\` running?`);
    });

    it('pays at the simulator itself when SIMULATOR_URL is set (several instances share one)', async () => {
      const order = await demoOrder();
      const res = await run(cli, ['pay', order.referenceId, '--phone-number-id', DEMO.phoneNumberId], { SIMULATOR_URL: t.gateway.simulator!.url });
      expect(res.stderr).toBe('');
      expect(res.stdout).toContain(`The simulated customer's payment for ${order.referenceId} is now captured`);
      await eventually(async () => expect((await read(order.referenceId)).payment).toMatchObject({ status: 'CAPTURED', verified: true }));
    });
  });

  describe('a second business in the sandbox', () => {
    it('may send A1001-1 too: both orders are accepted by the simulated WhatsApp; paying asks which number', async () => {
      const other = await createBusiness(t, { name: 'Chai Corner' });
      const send = async (phoneNumberId: string, paymentConfiguration: string, key: string) => {
        const input = orderInput({ phoneNumberId, paymentConfiguration } as TestBusiness, { referenceId: 'SHARED-1' });
        const res = dataOf(await t.gql(SEND, { input }, key)).sendOrderDetails;
        expect(res.userErrors).toEqual([]);
        expect(res.order.message).toMatchObject({ status: 'ACCEPTED' });
        return res.order;
      };
      await send(DEMO.phoneNumberId, DEMO.paymentConfiguration, keys.storefront);
      await send(other.phoneNumberId, other.paymentConfiguration, other.keys.STOREFRONT);

      const ambiguous = await pay({ referenceId: 'SHARED-1' });
      expect(ambiguous.status).toBe(409);
      expect(((await ambiguous.json()) as { error: string }).error).toMatch(/used by several phone numbers .*say which with phoneNumberId/);
      expect((await pay({ referenceId: 'SHARED-1', phoneNumberId: other.phoneNumberId })).status).toBe(200);
      await eventually(async () =>
        expect(dataOf(await t.gql(FULL_ORDER, { ref: 'SHARED-1' }, other.keys.OPS)).order.payment).toMatchObject({ status: 'CAPTURED', verified: true }),
      );
      // the demo's SHARED-1 is untouched
      expect((await read('SHARED-1')).payment).toMatchObject({ status: 'NEW' });
    });
  });
});

describe('outside sandbox mode', () => {
  it('there is no /sandbox/pay (404), even with a valid key', async () => {
    const stack = await startTestStack();
    try {
      const res = await fetch(`${stack.t.url}/sandbox/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.t.adminKey}` },
        body: JSON.stringify({ referenceId: 'X' }),
      });
      expect(res.status).toBe(404);
      expect(stack.t.gateway.simulator).toBeNull();
      expect(stack.t.gateway.sandbox).toBeNull();
    } finally {
      await stack.stop();
    }
  });
});
