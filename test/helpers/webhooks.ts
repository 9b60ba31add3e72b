// Shared pieces of the webhook, verification and reconciliation tests: webhook bodies built from
// the wire samples, signing and POSTing them to the gateway the way WhatsApp does, and readers
// over what the gateway stored and what the simulator was asked.
import { createHmac } from 'node:crypto';
import { ReceivedWebhookEntity } from '../../src/db/entities';
import type { ReceivedRequest, WhatsAppSimulator } from '../../src/sandbox/simulator';
import { wire } from '../fixtures/load-wire';
import type { TestBusiness } from './fixtures';
import { dataOf, type TestGateway } from './gateway';
import { orderInput, SEND, TEST_APP_SECRET, type TestStack } from './stack';

/** Points the simulator's webhooks at the stack's gateway (again after a restart: the port changes). */
export function connectSimulator(stack: TestStack, extra: { autoDeliver?: boolean; webhookToken?: string } = {}): void {
  stack.sim.configureWebhooks({ url: `${stack.t.url}/webhooks/whatsapp`, appSecret: TEST_APP_SECRET, ...extra });
}

export function sign(raw: string | Buffer, secret = TEST_APP_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

export interface PostResult {
  status: number;
  body: any;
}

/** POSTs exactly these bytes to /webhooks/whatsapp with exactly these headers. */
export async function postWebhook(t: TestGateway, raw: string | Buffer, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(`${t.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}

/** Serialises (unless already text), signs with the test app secret and POSTs, like Meta. */
export function postSigned(t: TestGateway, body: unknown): Promise<PostResult> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return postWebhook(t, raw, { 'x-hub-signature-256': sign(raw) });
}

/** The value of the first change of a webhook envelope (wire samples have exactly one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire bodies are navigated freely
export const valueOf = (body: any): any => body.entry[0].changes[0].value;

/**
 * wire/webhook.payment.<status>.json re-addressed to an order of the test: its phone number id,
 * reference id, and optionally another wamid, amount or transaction id.
 */
export function paymentWebhook(
  phoneNumberId: string,
  referenceId: string,
  status: 'captured' | 'pending' | 'failed',
  opts: { wamid?: string; amount?: number; transactionId?: string; timestamp?: string } = {},
): any {
  const body = wire(`webhook.payment.${status}.json`);
  const value = valueOf(body);
  value.metadata.phone_number_id = phoneNumberId;
  const s = value.statuses[0];
  s.payment.reference_id = referenceId;
  if (opts.wamid) s.id = opts.wamid;
  if (opts.amount !== undefined) s.payment.amount.value = opts.amount;
  if (opts.transactionId) s.payment.transaction.id = opts.transactionId;
  if (opts.timestamp) s.timestamp = opts.timestamp;
  return body;
}

/** wire/webhook.message-status.<delivered|failed>.json for one of our messages, with any status. */
export function messageStatusWebhook(phoneNumberId: string, wamid: string, status: string, errors?: unknown[]): any {
  const body = wire(errors ? 'webhook.message-status.failed.json' : 'webhook.message-status.delivered.json');
  const value = valueOf(body);
  value.metadata.phone_number_id = phoneNumberId;
  value.statuses[0].id = wamid;
  value.statuses[0].status = status;
  if (errors) value.statuses[0].errors = errors;
  return body;
}

/**
 * wire/webhook.order-status-error.<code>.json for one of our order_status messages; with
 * `changeLevel` the errors move to value.errors[] (no message id), the other shape WhatsApp uses.
 */
export function orderStatusErrorWebhook(code: 2046 | 2047, phoneNumberId: string, wamid: string, opts: { changeLevel?: boolean } = {}): any {
  const body = wire(`webhook.order-status-error.${code}.json`);
  const value = valueOf(body);
  value.metadata.phone_number_id = phoneNumberId;
  value.statuses[0].id = wamid;
  if (opts.changeLevel) {
    value.errors = value.statuses[0].errors;
    delete value.statuses;
  }
  return body;
}

/** Every stored webhook, oldest first (read straight from the gateway's database). */
export function storedWebhooks(t: TestGateway): Promise<ReceivedWebhookEntity[]> {
  return t.gateway.db.manager.find(ReceivedWebhookEntity, { order: { receivedAt: 'ASC', id: 'ASC' } });
}

export async function storedWebhook(t: TestGateway, id: string): Promise<ReceivedWebhookEntity> {
  return t.gateway.db.manager.findOneByOrFail(ReceivedWebhookEntity, { id });
}

/** Payment lookups the simulator received for one reference id (answered or not). */
export function lookupsOf(sim: WhatsAppSimulator, referenceId: string): ReceivedRequest[] {
  return sim.received.filter(
    (r) => r.call === 'lookup' && r.method === 'GET' && r.path.includes('/payments/') && r.path.endsWith(`/${encodeURIComponent(referenceId)}`),
  );
}

export const FULL_ORDER = `query($ref: String!, $businessId: ID) { order(referenceId: $ref, businessId: $businessId) {
  id referenceId status total { value offset currency }
  message { id kind status wamid errorCode errorMessage }
  messages { id kind status wamid errorCode errorMessage }
  payment { referenceId status verified verifiedAt updatedAt amount { value offset currency }
    transactions { id pgTransactionId gateway status method amount { value offset currency } errorCode errorReason createdAt updatedAt } }
  events { id type source fromStatus toStatus detail at }
} }`;

export async function readOrder(t: TestGateway, referenceId: string, key?: string): Promise<any> {
  return dataOf(await t.gql(FULL_ORDER, { ref: referenceId }, key)).order;
}

/** Sends an order (the stack's default order, 520.00 INR) and returns it; fails on userErrors. */
export async function sendOrder(t: TestGateway, shop: TestBusiness, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = dataOf(await t.gql(SEND, { input: orderInput(shop, overrides) }, shop.keys.STOREFRONT)).sendOrderDetails;
  if (res.userErrors.length) throw new Error(`sendOrderDetails refused: ${JSON.stringify(res.userErrors)}`);
  return res.order;
}

type Event = { type: string; source: string; fromStatus: string | null; toStatus: string | null; detail?: string | null };

/** Events of one type reduced to "source from>to". */
export function trail(events: Event[], type: string): string[] {
  return events.filter((e) => e.type === type).map((e) => `${e.source} ${e.fromStatus ?? '-'}>${e.toStatus ?? '-'}`);
}

export function ofType(events: Event[], type: string): Event[] {
  return events.filter((e) => e.type === type);
}

/** A stable Fisher–Yates shuffle driven by a seed, so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  const next = () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Runs `work` over items with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

/** Waits until every stored webhook has been processed (PROCESSED or FAILED). */
export async function allProcessed(t: TestGateway): Promise<ReceivedWebhookEntity[]> {
  const rows = await storedWebhooks(t);
  const waiting = rows.filter((r) => r.state === 'RECEIVED');
  if (waiting.length) throw new Error(`${waiting.length} webhooks still RECEIVED`);
  return rows;
}
