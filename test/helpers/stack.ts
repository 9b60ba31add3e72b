import { createServer } from 'node:net';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { WhatsAppSimulator } from '../../src/sandbox/simulator';
import type { Logger } from '../../src/logger';
import { startTestGateway, TestGateway } from './gateway';
import { createBusiness, TestBusiness } from './fixtures';

export const TEST_APP_SECRET = 'test-app-secret-0123456789';
export const TEST_VERIFY_TOKEN = 'test-verify-token';
export const TEST_WEBHOOK_TOKEN = 'test-webhook-token-0123456789';

/** Counts the SQL statements the gateway sends (to prove reads do not grow with page size). */
export class StatementCounter implements TypeOrmLogger {
  count = 0;
  statements: string[] = [];
  logQuery(query: string): void {
    this.count++;
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
  reset(): void {
    this.count = 0;
    this.statements = [];
  }
}

export interface TestStack {
  t: TestGateway;
  sim: WhatsAppSimulator;
  shop: TestBusiness;
  counter: StatementCounter;
  stop(): Promise<void>;
}

/**
 * The gateway as in production (not sandbox), talking over real HTTP to our WhatsApp simulator,
 * with fast retry timings so backoff paths run in milliseconds.
 */
export async function startTestStack(env: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<TestStack> {
  const sim = new WhatsAppSimulator({ timeoutHoldMs: 1500, webhookDelayMs: 5 });
  await sim.start(0);
  const counter = new StatementCounter();
  const t = await startTestGateway(
    {
      SANDBOX: 'false',
      WHATSAPP_API_URL: sim.url,
      DIALOG360_API_URL: sim.url,
      SECRETS_KEY: 'cd'.repeat(32),
      ADMIN_API_KEY: 'test-admin-key-0123456789abcdef',
      WHATSAPP_APP_SECRET: TEST_APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: TEST_VERIFY_TOKEN,
      WHATSAPP_WEBHOOK_TOKEN: TEST_WEBHOOK_TOKEN,
      UPSTREAM_TIMEOUT_MS: '500',
      RETRY_BASE_MS: '20',
      RETRY_MAX_MS: '200',
      RELAY_POLL_MS: '20',
      // retries run in milliseconds here: a cap that a few seconds of faults cannot reach (tests of the cap set their own)
      OUTBOX_MAX_ATTEMPTS: '1000',
      ...env,
    },
    { database: { logger: counter }, logger: options.logger },
  );
  const shop = await createBusiness(t, { name: 'Stack Shop' });
  return {
    t,
    sim,
    shop,
    counter,
    stop: async () => {
      await t.stop();
      await sim.stop();
    },
  };
}

/** A valid sendOrderDetails input (the wire sample's order), with overrides. */
export function orderInput(shop: TestBusiness, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    referenceId: `R-${Math.random().toString(36).slice(2, 10)}`,
    phoneNumberId: shop.phoneNumberId,
    to: '919876543210',
    type: 'PHYSICAL_GOODS',
    paymentConfiguration: shop.paymentConfiguration,
    body: 'Your order is ready. Tap Review and Pay.',
    footer: 'Example Store',
    items: [
      {
        retailerId: 'SKU-1',
        name: 'Cotton T-shirt',
        amount: { value: 25000, offset: 100 },
        saleAmount: { value: 22500, offset: 100 },
        quantity: 2,
        countryOfOrigin: 'India',
        importerName: 'Example Store Pvt Ltd',
        importerAddress: { addressLine1: '12 MG Road', city: 'Bengaluru', zoneCode: 'KA', postalCode: '560001', countryCode: 'IN' },
      },
    ],
    tax: { value: 8100, offset: 100, description: 'GST 18%' },
    shipping: { value: 4000, offset: 100, description: 'Standard' },
    discount: { value: 5100, offset: 100, description: 'WELCOME', programName: 'Welcome offer' },
    ...overrides,
  };
}

export const ORDER_FIELDS = `
  id referenceId status statusDescription to type paymentConfiguration gateway phoneNumberId
  allowedTransitions
  items { retailerId name quantity amount { value offset currency formatted } saleAmount { value } total { value formatted } }
  subtotal { value } tax { value } shipping { value } discount { value } total { value offset currency formatted }
  message { id kind status wamid attempts errorCode errorMessage }
  messages { kind status wamid attempts errorCode }
  payment { referenceId status verified verifiedAt amount { value } transactions { id status } }
  events { id type source fromStatus toStatus detail }
  business { name }
`;

export const SEND = `mutation($input: SendOrderDetailsInput!) { sendOrderDetails(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field whatsappCode } } }`;
export const UPDATE = `mutation($input: UpdateOrderStatusInput!) { updateOrderStatus(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field whatsappCode } } }`;
export const CANCEL = `mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { order { ${ORDER_FIELDS} } userErrors { code message field whatsappCode } } }`;

/** Polls until the check passes (background work such as the relay), or fails after a while. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      lastError = err;
      if (Date.now() > deadline) throw lastError;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * Waits for a condition at the end of a lot of background work (hundreds of webhooks): it keeps
 * waiting as long as `progress` keeps changing, and fails only when the work has stopped moving
 * for `stallMs` without the condition holding. A loaded machine is slower, not stuck, so no time
 * budget for the whole work is assumed.
 */
export async function eventuallyWhileProgressing<T>(check: () => Promise<T>, progress: () => Promise<unknown>, stallMs = 15000): Promise<T> {
  let last = JSON.stringify(await progress());
  let movedAt = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (err) {
      const now = JSON.stringify(await progress());
      if (now !== last) {
        last = now;
        movedAt = Date.now();
      } else if (Date.now() - movedAt > stallMs) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A port nothing listens on (it was free a moment ago): for "cannot connect" cases and fixed-port commands. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
