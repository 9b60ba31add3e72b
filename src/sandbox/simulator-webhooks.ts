// How the simulator talks back: webhook bodies shaped like wire/webhook.*.json, signed the way
// Meta signs them (X-Hub-Signature-256 over the exact bytes sent), the way 360dialog signs what it
// forwards (x-360dialog-signature) and/or carrying a secret header, POSTed to the gateway with a
// few retries like Meta's. Every timer is tracked
// and unref'd so a simulator that is stopped, or just idle, never keeps a process alive.

import { createHmac } from 'node:crypto';
import type { WireMessagesChangeValue, WireWebhookEnvelope, WireWebhookStatus } from '../whatsapp/wire-types';

export interface WebhookConfig {
  /** the gateway's webhook endpoint, e.g. http://127.0.0.1:4000/webhooks/whatsapp */
  url: string;
  /**
   * more endpoints of the same deployment (several gateway instances). Any instance can process a
   * webhook it stored, so each webhook goes to one live endpoint: they take turns, and an endpoint
   * that cannot be reached or answers 5xx passes the webhook on to the next one.
   */
  alsoUrls?: string[];
  /** signs X-Hub-Signature-256 (Meta Cloud API style) */
  appSecret?: string;
  /** sent as X-Webhook-Token (a shared secret header, where no signature can be checked) */
  webhookToken?: string;
  /** signs x-360dialog-signature (360dialog's partner secret) */
  dialog360Secret?: string;
  /** how 360dialog writes that signature: bare hex (default) or with a "sha256=" prefix */
  dialog360SignatureFormat?: 'hex' | 'sha256=';
  /** entry[].id; default the id of wire samples */
  wabaId?: string;
  /** metadata.display_phone_number; default the number of the wire samples */
  displayPhoneNumber?: string;
  /**
   * 360dialog paths carry no phone number id (the API key stands for the number); this maps a
   * D360 API key to the phone number id put in webhook metadata.
   */
  phoneNumberIdFor?: Record<string, string> | ((d360ApiKey: string) => string | undefined);
  /** after each accepted message, send `sent` then `delivered` status webhooks like a real phone would */
  autoDeliver?: boolean;
  /** attempts per webhook on network errors and 5xx answers; default 3 */
  maxAttempts?: number;
  /** timeout of each delivery attempt; default 5000 ms */
  timeoutMs?: number;
}

export type SignatureMode = 'valid' | 'forged' | 'none';

export interface WebhookDelivery {
  body: unknown;
  /** the exact bytes sent (what the signature covers) */
  rawBody: string;
  headers: Record<string, string>;
  attempts: number;
  /** HTTP status of the last attempt; null when none got an answer */
  status: number | null;
  /** the endpoint of the last attempt */
  url?: string;
  delivered: boolean;
  error?: string;
  at: Date;
}

export const DEFAULT_WABA_ID = '102290129340398';
export const DEFAULT_DISPLAY_PHONE_NUMBER = '15550783881';

export function sign(rawBody: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;
}

export function messagesEnvelope(
  wabaId: string,
  metadata: { display_phone_number: string; phone_number_id: string },
  statuses: WireWebhookStatus[],
): WireWebhookEnvelope {
  const value: WireMessagesChangeValue = { messaging_product: 'whatsapp', metadata, statuses };
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes: [{ field: 'messages', value }] }] };
}

const RETRY_DELAY_MS = 200;
/** deliveries kept for inspection (oldest dropped first) */
const MAX_DELIVERIES = 10_000;

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  /** pending retry delays, with the resolver that ends each early on stop() */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private readonly inflight = new Set<Promise<unknown>>();
  private stopped = false;
  /** which endpoint gets the next webhook first, when there are several */
  private turn = 0;

  constructor(private readonly getConfig: () => WebhookConfig | null) {}

  /** Serialises once, signs those bytes, and delivers; resolves when delivered or given up. */
  send(
    body: unknown,
    opts: { signature?: SignatureMode; token?: SignatureMode; dialog360Signature?: SignatureMode } = {},
  ): Promise<WebhookDelivery> {
    const config = this.getConfig();
    const rawBody = typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const signature = opts.signature ?? (config?.appSecret ? 'valid' : 'none');
    if (signature === 'valid') {
      if (!config?.appSecret) throw new Error('signature "valid" needs an appSecret: call configureWebhooks({ url, appSecret }) first');
      headers['x-hub-signature-256'] = sign(rawBody, config.appSecret);
    } else if (signature === 'forged') {
      headers['x-hub-signature-256'] = sign(rawBody, `forged-${config?.appSecret ?? 'secret'}`);
    }
    const dialog360 = opts.dialog360Signature ?? (config?.dialog360Secret ? 'valid' : 'none');
    if (dialog360 !== 'none') {
      if (dialog360 === 'valid' && !config?.dialog360Secret) {
        throw new Error('dialog360Signature "valid" needs a dialog360Secret: call configureWebhooks({ url, dialog360Secret }) first');
      }
      const secret = dialog360 === 'valid' ? config!.dialog360Secret! : `forged-${config?.dialog360Secret ?? 'secret'}`;
      const hex = sign(rawBody, secret).slice('sha256='.length);
      headers['x-360dialog-signature'] = config?.dialog360SignatureFormat === 'sha256=' ? `sha256=${hex}` : hex;
    }
    const token = opts.token ?? (config?.webhookToken ? 'valid' : 'none');
    if (token === 'valid') {
      if (!config?.webhookToken) throw new Error('token "valid" needs a webhookToken: call configureWebhooks({ url, webhookToken }) first');
      headers['x-webhook-token'] = config.webhookToken;
    } else if (token === 'forged') {
      headers['x-webhook-token'] = `forged-${config?.webhookToken ?? 'token'}`;
    }
    const delivery: WebhookDelivery = {
      body: typeof body === 'string' ? safeParse(body) : body,
      rawBody,
      headers,
      attempts: 0,
      status: null,
      delivered: false,
      at: new Date(),
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES);
    if (!config) {
      delivery.error = 'no webhook URL configured (call configureWebhooks); kept in deliveries only';
      return Promise.resolve(delivery);
    }
    const done: Promise<WebhookDelivery> = this.deliver(delivery, config).finally(() => this.inflight.delete(done));
    this.inflight.add(done);
    return done;
  }

  private async deliver(delivery: WebhookDelivery, config: WebhookConfig): Promise<WebhookDelivery> {
    const maxAttempts = config.maxAttempts ?? 3;
    const urls = [config.url, ...(config.alsoUrls ?? [])];
    const first = this.turn++ % urls.length;
    // a round offers the webhook to each endpoint once, starting with this webhook's turn
    for (let round = 0; !this.stopped && round < maxAttempts; round++) {
      if (round > 0) await this.sleep(RETRY_DELAY_MS * round);
      for (let i = 0; i < urls.length && !this.stopped; i++) {
        const url = urls[(first + i) % urls.length];
        delivery.attempts += 1;
        delivery.url = url;
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: delivery.headers,
            body: delivery.rawBody,
            signal: AbortSignal.timeout(config.timeoutMs ?? 5000),
          });
          await res.arrayBuffer().catch(() => undefined);
          delivery.status = res.status;
          delivery.error = undefined;
          if (res.ok) {
            delivery.delivered = true;
            return delivery;
          }
          // a 4xx is the gateway's verdict on this webhook (bad signature ...); resending the same bytes cannot change it
          if (res.status < 500) return delivery;
        } catch (err) {
          delivery.error = `webhook POST to ${url} failed: ${(err as Error).message}`;
        }
      }
    }
    if (this.stopped && !delivery.delivered) delivery.error ??= 'simulator stopped before the webhook was delivered';
    return delivery;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.timers.set(timer, resolve);
    });
  }

  /** Runs `work` (which sends webhooks) after `ms`, off the caller's path; counted by settle(), skipped after stop(). */
  schedule(ms: number, work: () => Promise<unknown>): void {
    const done: Promise<unknown> = this.sleep(ms)
      .then(() => (this.stopped ? undefined : work()))
      .catch(() => undefined) // failures are recorded in deliveries; nobody awaits this promise
      .finally(() => this.inflight.delete(done));
    this.inflight.add(done);
  }

  /** Resolves when every webhook sent so far is delivered or given up. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Cancels pending retries; in-flight POSTs end by their own timeout. */
  stop(): void {
    this.stopped = true;
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake(); // the delivery loop sees `stopped` and gives up
    }
    this.timers.clear();
  }

  restart(): void {
    this.stopped = false;
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
