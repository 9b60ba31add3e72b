// An in-process fake of the WhatsApp API (Cloud API and 360dialog paths) that speaks the real
// wire format over real HTTP, so the gateway's client, retries and webhook handling are
// exercised end to end in sandbox mode and in tests. It validates like WhatsApp (sums, limits,
// reused reference ids, the order status machine answered by error webhooks), keeps payment
// state for the lookup API, simulates customers paying (signed webhooks), makes refunds
// (payments_refund, and refunds at the payment gateway's dashboard), and can be told to fail in the
// ways the real one does (5xx, 429, rate-limit codes, stalls, resets, answers lost after it acted).

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WireLookupPayment, WireMessagesResponse, WireRefundResponse, WireWebhookError, WireWebhookStatus } from '../whatsapp/wire-types';
import { handleControl } from './simulator-control';
import {
  CALL_KINDS,
  type CallKind,
  canonical,
  graphError,
  MAX_BODY_BYTES,
  parseJson,
  type Provider,
  readBody,
  redact,
  type Route,
  route,
} from './simulator-http';
import {
  checkEnvelope,
  checkOrderDetails,
  checkOrderStatus,
  checkRefundRequest,
  checkTransition,
  Refusal,
  type SimOrderStatus,
} from './simulator-rules';
import {
  DEFAULT_DISPLAY_PHONE_NUMBER,
  DEFAULT_WABA_ID,
  messagesEnvelope,
  type SignatureMode,
  type WebhookConfig,
  type WebhookDelivery,
  WebhookSender,
} from './simulator-webhooks';
import {
  attempt,
  gatewayId,
  lookupPayment,
  paymentStatusEntry,
  paymentStatusOf,
  type PaymentWire,
  refundable,
  refundStatusEntry,
  type Sender,
  type SimOrder,
  type SimPaymentStatus,
  type SimRefund,
  type SimTransaction,
} from './simulator-wire';

export type { WebhookConfig, WebhookDelivery, SignatureMode } from './simulator-webhooks';
export type { PaymentWire, SimPaymentStatus, SimRefund } from './simulator-wire';

export const FAULT_KINDS = [
  'http500',
  'http503',
  'http429',
  'timeout',
  'reset',
  'whatsapp131056',
  // WhatsApp acts on the call, then its answer is lost: held past the client's timeout, the
  // connection reset mid-answer, or a 200 that cannot be read; or it answers a 500 all the same
  'acceptedTimeout',
  'acceptedReset',
  'acceptedGarbage',
  'acceptedHttp500',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
type LostAnswer = 'acceptedTimeout' | 'acceptedReset' | 'acceptedGarbage' | 'acceptedHttp500';
const LOST_ANSWERS: ReadonlySet<FaultKind> = new Set<FaultKind>(['acceptedTimeout', 'acceptedReset', 'acceptedGarbage', 'acceptedHttp500']);
export type { CallKind } from './simulator-http';
export type PayOutcome = 'captured' | 'failed' | 'pending';
/** what payments_refund answers: `pending` (documented default; settled a moment later), `completed` or `failed` at once */
export type RefundAnswerStatus = 'pending' | 'completed' | 'failed';
export const REFUND_ANSWERS: readonly RefundAnswerStatus[] = ['pending', 'completed', 'failed'];
export type MessageStatusValue = 'sent' | 'delivered' | 'read' | 'failed';

export interface SimulatorOptions {
  /** the version segment to advertise (any version is accepted); default v23.0 */
  apiVersion?: string;
  /** how long a 'timeout' fault holds a request before dropping it; default 15000 ms */
  timeoutHoldMs?: number;
  /** delay before asynchronous webhooks (error, auto delivery); default 20 ms */
  webhookDelayMs?: number;
  /** how long the payment lookup takes to answer, like the real API's latency; default 0 */
  lookupDelayMs?: number;
  /** when set, only these access tokens / D360 keys are accepted (any non-empty one otherwise) */
  tokens?: string[];
  /** for failRate; default Math.random */
  random?: () => number;
  /**
   * the payment vocabulary it speaks: 'meta' (default), Meta's current page (pending/captured,
   * attempts under one PG order id, the documented {errors:[...]} body on lookup faults), or
   * 'legacy', the seed's 360dialog page (new/failed at payment level), for tests
   */
  paymentWire?: PaymentWire;
  /**
   * how long a refund answered `pending` stays pending before it succeeds (with a payment webhook
   * carrying refunds[]); default 50 ms
   */
  refundSettleMs?: number;
}

export interface RefundOptions {
  /** the phone number that sent the order; needed only when several numbers used this reference id */
  phoneNumberId?: string;
  /** minor units, offset 100; default what is left to refund */
  amount?: number;
  speed?: 'normal' | 'instant';
  /** where it ends (default success), after refundSettleMs */
  outcome?: 'success' | 'failed';
  /** send the payment webhook with refunds[] (default true) */
  webhook?: boolean;
  /** when it was made (default now): a refund made at the dashboard a while ago */
  at?: Date;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  call: CallKind | 'unknown';
  /** lower-case names; Authorization and D360-API-KEY values redacted */
  headers: Record<string, string>;
  /** parsed JSON, or the raw text when it is not JSON */
  body: unknown;
  at: Date;
  fault?: FaultKind;
  /** HTTP status answered (absent for dropped connections) */
  status?: number;
}

export interface AcceptedMessage {
  wamid: string;
  kind: 'order_details' | 'order_status';
  referenceId: string;
  to: string;
  provider: Provider;
  /** Cloud API path segment; undefined for 360dialog (see WebhookConfig.phoneNumberIdFor) */
  phoneNumberId?: string;
  payload: unknown;
  at: Date;
}

/** One gateway instance's webhook endpoint and the secrets it checks webhooks with. */
export interface WebhookTarget {
  url: string;
  appSecret?: string;
  webhookToken?: string;
  /** 360dialog's partner secret (x-360dialog-signature) */
  dialog360Secret?: string;
}

export interface PayOptions {
  /** the phone number that sent the order; needed only when several numbers used this reference id */
  phoneNumberId?: string;
  /** send the payment webhook (default true); false = only the lookup API knows, as when a webhook is lost */
  webhook?: boolean;
  /** default 'upi' */
  method?: string;
  errorCode?: string;
  errorReason?: string;
  /**
   * what the customer is charged, in minor units of offset 100 (default: the order total); a
   * different value makes the lookup and the webhooks report an amount that does not match
   */
  amount?: number;
  /** the currency charged (default INR) */
  currency?: string;
}

export interface PayResult {
  /** where the payment stands now, whatever the vocabulary reports */
  status: SimPaymentStatus;
  /** the attempt this call started or ended, as the lookup lists it */
  attempt: { id: string; pgTransactionId: string | null; status: 'pending' | 'success' | 'failed' };
  /** the payment as the lookup API now answers it */
  payment: WireLookupPayment;
  webhook: WebhookDelivery | null;
}

export interface SimulatedOrder {
  referenceId: string;
  configurationName: string;
  gateway: string;
  to: string;
  status: SimOrderStatus;
  /** where the payment stands: new, pending (an attempt in progress), failed, captured */
  paymentStatus: SimPaymentStatus;
  total: number;
  orderDetailsWamid: string;
  /** the PG fields of the order_details (payment_gateway.<gateway>), as WhatsApp echoes them */
  pgFields: Record<string, unknown> | null;
}

interface Accepted {
  referenceId: string;
  /** an order_status whose transition WhatsApp refuses (answered later by an error webhook) */
  refused: boolean;
}

interface FaultRule {
  remaining: number;
  kind: FaultKind;
  only?: CallKind;
}

/** Which calls a rejectReference refuses. */
export type RejectedCall = 'messages' | 'refund';

/** received calls and webhook deliveries kept, so a sandbox running for days does not grow without bound */
const MAX_RECORDS = 10_000;
const UNKNOWN_360_NUMBER = 'unknown-360dialog-number';

const FAULT_ANSWERS: Record<Exclude<FaultKind, 'timeout' | 'reset' | LostAnswer>, () => [number, unknown]> = {
  http500: () => [500, graphError(1, 'An unknown error has occurred.', 'simulated HTTP 500 (failNext/failRate)')],
  http503: () => [503, graphError(2, 'Service temporarily unavailable', 'simulated HTTP 503 (failNext/failRate)')],
  http429: () => [429, graphError(130429, 'Rate limit hit', 'Cloud API message throughput has been reached (simulated)')],
  whatsapp131056: () => [
    400,
    graphError(131056, '(Business Account, Consumer Account) pair rate limit hit', 'Too many messages to the same recipient in a short time (simulated)'),
  ],
};

/**
 * The payment lookup's own error body (lookup.response.meta-error.json), which Meta documents
 * instead of Graph's envelope for the lookup.
 */
const lookupError = (code: number, title: string, details: string) => ({ errors: [{ code, title, details }] });
const LOOKUP_FAULT_ANSWERS: Partial<Record<FaultKind, () => [number, unknown]>> = {
  http500: () => [500, lookupError(500, 'Generic error', 'System error. Please try again.')],
  http503: () => [503, lookupError(503, 'Service unavailable', 'Service temporarily unavailable. (simulated HTTP 503)')],
  http429: () => [429, lookupError(429, 'Too many requests', 'Rate limit hit. (simulated HTTP 429)')],
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
const newWamid = () => `wamid.${randomBytes(24).toString('base64')}`;

export class WhatsAppSimulator {
  readonly apiVersion: string;
  /** every API call received (control endpoints excluded), oldest first */
  readonly received: ReceivedRequest[] = [];
  timeoutHoldMs: number;
  webhookDelayMs: number;
  lookupDelayMs: number;
  /** the payment vocabulary of lookups and payment webhooks (see SimulatorOptions.paymentWire) */
  paymentWire: PaymentWire;
  refundSettleMs: number;
  /** false: refunds answered `pending` stay pending until settleRefund() (default true) */
  autoSettleRefunds = true;

  private server: Server | null = null;
  private address: AddressInfo | null = null;
  private readonly tokens: ReadonlySet<string> | null;
  private readonly random: () => number;
  private readonly accepted: AcceptedMessage[] = [];
  /** wamid → who sent it, for webhook metadata (holds 360dialog keys, so never exposed) */
  private readonly senders = new Map<string, Sender>();
  /** keyed per business like WhatsApp's (see orderKey): two businesses may both use A1001-1 */
  private readonly orders = new Map<string, SimOrder>();
  private faults: FaultRule[] = [];
  private readonly rates = new Map<CallKind, { probability: number; kind: FaultKind }>();
  /** keyed by call kind and reference id */
  private readonly rejections = new Map<string, { code: number; httpStatus: number }>();
  /** what the next payments_refund calls answer (oldest first); `pending` when empty */
  private refundAnswers: RefundAnswerStatus[] = [];
  private lookupIsDown = false;
  private readonly lookupOverrides = new Map<string, { status: number; body: unknown }>();
  private webhookConfig: WebhookConfig | null = null;
  private readonly webhooks = new WebhookSender(() => this.webhookConfig);
  private readonly holds = new Set<NodeJS.Timeout>();

  constructor(opts: SimulatorOptions = {}) {
    this.apiVersion = opts.apiVersion ?? 'v23.0';
    this.timeoutHoldMs = opts.timeoutHoldMs ?? 15_000;
    this.webhookDelayMs = opts.webhookDelayMs ?? 20;
    this.lookupDelayMs = opts.lookupDelayMs ?? 0;
    this.tokens = opts.tokens ? new Set(opts.tokens) : null;
    this.random = opts.random ?? Math.random;
    this.paymentWire = opts.paymentWire ?? 'meta';
    this.refundSettleMs = opts.refundSettleMs ?? 50;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(port = 0, host = '127.0.0.1'): Promise<void> {
    if (this.server) throw new Error(`simulator already listening on ${this.url}; stop() it first`);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.send(res, 500, graphError(1, 'An unknown error has occurred.', `simulator bug: ${(err as Error).message}`));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.address = server.address() as AddressInfo;
    this.webhooks.restart();
  }

  /** Stops listening, drops open connections (held 'timeout' requests too) and pending webhook retries. */
  async stop(): Promise<void> {
    const server = this.server;
    this.webhooks.stop();
    for (const hold of this.holds) clearTimeout(hold);
    this.holds.clear();
    if (!server) return;
    this.server = null;
    this.address = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
    });
  }

  /** e.g. http://127.0.0.1:38211 — the baseUrl for both providers. */
  get url(): string {
    if (!this.address) throw new Error('simulator is not listening: await start() first');
    const { address, port } = this.address;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  // ------------------------------------------------------------------ fault switches

  /** The next `n` API calls (or only 'messages' / 'lookup' / 'refund' calls) fail with `kind`. */
  failNext(n: number, kind: FaultKind, only?: CallKind): void {
    if (!Number.isInteger(n) || n < 0) throw new Error('failNext: n must be a non-negative integer');
    checkFaultKind(kind);
    checkCallKind(only);
    if (n > 0) this.faults.push({ remaining: n, kind, only });
  }

  /** A random share (0..1) of calls fails with `kind`; sends by default. probability 0 turns it off. */
  failRate(probability: number, kind: FaultKind, only: CallKind = 'messages'): void {
    if (!(probability >= 0 && probability <= 1)) throw new Error('failRate: probability must be between 0 and 1');
    checkFaultKind(kind);
    checkCallKind(only);
    if (probability === 0) this.rates.delete(only);
    else this.rates.set(only, { probability, kind });
  }

  /** Every message (or refund) for this reference id is refused with `whatsappCode` (a permanent 4xx by default). */
  rejectReference(referenceId: string, whatsappCode: number, httpStatus = 400, only: RejectedCall = 'messages'): void {
    if (!referenceId) throw new Error('rejectReference: referenceId is required');
    if (!Number.isInteger(whatsappCode)) throw new Error('rejectReference: whatsappCode must be an integer');
    if (!(Number.isInteger(httpStatus) && httpStatus >= 400 && httpStatus <= 599)) {
      throw new Error('rejectReference: httpStatus must be a 4xx or 5xx status');
    }
    if (only !== 'messages' && only !== 'refund') throw new Error('rejectReference: only must be "messages" or "refund"');
    this.rejections.set(`${only}\u0000${referenceId}`, { code: whatsappCode, httpStatus });
  }

  /**
   * The next payments_refund calls answer these statuses in turn (`completed` or `failed` at once
   * instead of the documented `pending`); each answer is used once.
   */
  answerRefunds(...statuses: RefundAnswerStatus[]): void {
    for (const status of statuses) {
      if (!REFUND_ANSWERS.includes(status)) throw new Error(`answerRefunds: a status must be one of ${REFUND_ANSWERS.join(', ')}`);
    }
    this.refundAnswers.push(...statuses);
  }

  /** While down, the payment lookup answers 503 (temporary). */
  lookupDown(down: boolean): void {
    this.lookupIsDown = down;
  }

  /**
   * The payment lookup for this reference answers exactly this (a WhatsApp misbehaving: values out
   * of range, odd shapes) until cleared with null or clearFaults().
   */
  answerLookup(referenceId: string, answer: { status?: number; body: unknown } | null): void {
    if (answer === null) this.lookupOverrides.delete(referenceId);
    else this.lookupOverrides.set(referenceId, { status: answer.status ?? 200, body: answer.body });
  }

  clearFaults(): void {
    this.faults = [];
    this.rates.clear();
    this.rejections.clear();
    this.lookupIsDown = false;
    this.lookupOverrides.clear();
    this.refundAnswers = [];
  }

  /** Forgets faults, orders, payments, received calls and webhook deliveries; keeps the webhook configuration. */
  reset(): void {
    this.clearFaults();
    this.orders.clear();
    this.accepted.length = 0;
    this.senders.clear();
    this.received.length = 0;
    this.webhooks.deliveries.length = 0;
  }

  // ------------------------------------------------------------------ inspection

  /** Messages answered 200, oldest first; for one reference id (of one phone number) when given. */
  acceptedMessages(referenceId?: string, phoneNumberId?: string): AcceptedMessage[] {
    return this.accepted.filter(
      (m) =>
        (referenceId === undefined || m.referenceId === referenceId) &&
        (phoneNumberId === undefined || this.phoneNumberIdOf(this.senders.get(m.wamid) ?? { provider: m.provider }) === phoneNumberId),
    );
  }

  /** The order with this reference id; the phone number is needed only when several numbers used it. */
  order(referenceId: string, phoneNumberId?: string): SimulatedOrder | undefined {
    const o = this.findOrder(referenceId, phoneNumberId);
    return o && {
      referenceId: o.referenceId,
      configurationName: o.configurationName,
      gateway: o.gateway,
      to: o.to,
      status: o.status,
      paymentStatus: paymentStatusOf(o),
      total: o.total,
      orderDetailsWamid: o.orderDetailsWamid,
      pgFields: o.pgFields ? { ...o.pgFields } : null,
    };
  }

  /** Every webhook sent (or attempted), oldest first. */
  get webhookDeliveries(): readonly WebhookDelivery[] {
    return this.webhooks.deliveries;
  }

  /** Resolves when all webhooks scheduled or sent so far are delivered or given up. */
  settle(): Promise<void> {
    return this.webhooks.settle();
  }

  // ------------------------------------------------------------------ simulated customer and WhatsApp side

  configureWebhooks(config: WebhookConfig | null): void {
    if (config !== null) for (const url of [config.url, ...(config.alsoUrls ?? [])]) checkWebhookUrl(url);
    this.webhookConfig = config;
  }

  /**
   * A gateway instance says where it takes webhooks (each instance does at start). Instances of one
   * deployment share their secrets, so their endpoints add up and each webhook goes to one live
   * endpoint; an instance with other secrets belongs to another deployment and replaces them.
   */
  addWebhookTarget(target: WebhookTarget): void {
    const current = this.webhookConfig;
    const sameDeployment =
      current !== null &&
      current.appSecret === target.appSecret &&
      current.webhookToken === target.webhookToken &&
      current.dialog360Secret === target.dialog360Secret;
    if (!sameDeployment) {
      this.configureWebhooks({
        url: target.url,
        appSecret: target.appSecret,
        webhookToken: target.webhookToken,
        dialog360Secret: target.dialog360Secret,
        autoDeliver: true,
      });
      return;
    }
    if (current.url === target.url || current.alsoUrls?.includes(target.url)) return;
    checkWebhookUrl(target.url);
    this.webhookConfig = { ...current, alsoUrls: [...(current.alsoUrls ?? []), target.url] };
  }

  /** An instance that stops says so; the others keep getting webhooks. */
  removeWebhookTarget(url: string): void {
    const current = this.webhookConfig;
    if (!current) return;
    const urls = [current.url, ...(current.alsoUrls ?? [])].filter((u) => u !== url);
    this.webhookConfig = urls.length === 0 ? null : { ...current, url: urls[0], alsoUrls: urls.slice(1) };
  }

  /** Where webhooks go now (secrets left out). */
  webhookTargets(): string[] {
    const current = this.webhookConfig;
    return current ? [current.url, ...(current.alsoUrls ?? [])] : [];
  }

  /**
   * The customer pays (or fails to): an attempt in progress ends, or a new attempt starts; what the
   * lookup answers changes, and the payment webhook is sent in the simulator's vocabulary.
   */
  async pay(referenceId: string, outcome: PayOutcome, opts: PayOptions = {}): Promise<PayResult> {
    if (!['captured', 'failed', 'pending'].includes(outcome)) throw new Error('pay: outcome must be captured, failed or pending');
    if (opts.amount !== undefined && !(Number.isSafeInteger(opts.amount) && opts.amount >= 0)) {
      throw new Error('pay: amount must be a non-negative integer (minor units, offset 100)');
    }
    const order = this.findOrder(referenceId, opts.phoneNumberId);
    if (!order) throw new Error(`pay: no order_details was accepted for reference_id ${referenceId}${opts.phoneNumberId ? ` from phone number ${opts.phoneNumberId}` : ''}; send one first`);
    if (paymentStatusOf(order) === 'captured') throw new Error(`pay: the payment of ${referenceId} is already captured, which is final`);
    const now = nowSeconds();
    const tx: SimTransaction = attempt(order, outcome, now, this.paymentWire, opts);
    if (opts.amount !== undefined || opts.currency !== undefined) {
      order.paid = { amount: opts.amount ?? order.paid?.amount ?? order.total, currency: opts.currency ?? order.paid?.currency ?? 'INR' };
    }
    const entry = paymentStatusEntry(order, tx, now, this.paymentWire);
    const webhook = opts.webhook === false ? null : await this.webhooks.send(this.envelope(order.sender, [entry]));
    return {
      status: paymentStatusOf(order),
      attempt: { id: tx.id, pgTransactionId: tx.pgTransactionId ?? null, status: tx.status },
      payment: lookupPayment(order, this.paymentWire),
      webhook,
    };
  }

  /**
   * A refund made outside WhatsApp's API, at the payment gateway's dashboard: WhatsApp reports it
   * like any other (payment webhook with refunds[], the lookup's refunds[]). It is pending, then
   * ends as `outcome` (default success) after refundSettleMs.
   */
  async refundAtGateway(referenceId: string, opts: RefundOptions = {}): Promise<SimRefund> {
    const order = this.findOrder(referenceId, opts.phoneNumberId);
    if (!order) throw new Error(`refund: no order_details was accepted for reference_id ${referenceId}; send one first`);
    if (paymentStatusOf(order) !== 'captured') throw new Error(`refund: the payment of ${referenceId} is not captured`);
    const left = refundable(order);
    const amount = opts.amount ?? left;
    if (!(Number.isSafeInteger(amount) && amount > 0 && amount <= left)) {
      throw new Error(`refund: amount must be a whole number of paise from 1 to ${left} (what is left to refund)`);
    }
    const refund = this.addRefund(order, { amount, speedProcessed: opts.speed ?? 'normal', status: 'pending', viaApi: false });
    if (opts.at) refund.createdAt = refund.updatedAt = Math.floor(opts.at.getTime() / 1000);
    const webhook = opts.webhook !== false;
    if (webhook) await this.webhooks.send(this.envelope(order.sender, [refundStatusEntry(order, refund.createdAt, this.paymentWire)]));
    this.webhooks.schedule(this.refundSettleMs, () => this.finishRefund(order, refund, opts.outcome ?? 'success', webhook));
    return { ...refund };
  }

  /** Ends a pending refund now (with autoSettleRefunds off): `success` or `failed`, with its webhook unless told not to. */
  async settleRefund(refundId: string, outcome: 'success' | 'failed', opts: { webhook?: boolean } = {}): Promise<SimRefund> {
    for (const order of this.orders.values()) {
      const refund = order.refunds.find((r) => r.id === refundId);
      if (!refund) continue;
      if (refund.status !== 'pending') throw new Error(`settleRefund: refund ${refundId} is already ${refund.status}`);
      await this.finishRefund(order, refund, outcome, opts.webhook !== false);
      return { ...refund };
    }
    throw new Error(`settleRefund: no refund ${refundId}`);
  }

  /** The refunds WhatsApp has made for this reference id (through the API or not), oldest first. */
  refunds(referenceId: string, phoneNumberId?: string): SimRefund[] {
    return (this.findOrder(referenceId, phoneNumberId)?.refunds ?? []).map((r) => ({ ...r }));
  }

  /** A message status webhook (sent / delivered / read / failed) for an accepted message. */
  async sendMessageStatus(wamid: string, status: MessageStatusValue, errors?: WireWebhookError[]): Promise<WebhookDelivery> {
    const message = this.accepted.find((m) => m.wamid === wamid);
    if (!message) throw new Error(`sendMessageStatus: no accepted message has wamid ${wamid}`);
    if (!['sent', 'delivered', 'read', 'failed'].includes(status)) throw new Error('sendMessageStatus: status must be sent, delivered, read or failed');
    const entry: WireWebhookStatus = { id: wamid, status, timestamp: String(nowSeconds()), recipient_id: message.to };
    if (status === 'failed') {
      entry.errors = errors ?? [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          error_data: { details: 'Recipient is not a valid WhatsApp user' },
        },
      ];
    }
    return await this.webhooks.send(this.envelope(this.senders.get(wamid) ?? { provider: message.provider }, [entry]));
  }

  /** Any webhook body, signed validly (default when an appSecret is configured), forged, or not at all. */
  sendWebhook(
    body: unknown,
    opts: { signature?: SignatureMode; token?: SignatureMode; dialog360Signature?: SignatureMode } = {},
  ): Promise<WebhookDelivery> {
    return this.webhooks.send(body, opts);
  }

  // ------------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator');
    const raw = await readBody(req);
    if (raw === null) return this.send(res, 413, graphError(100, 'Request too large', `bodies above ${MAX_BODY_BYTES} bytes are refused`));
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return this.send(res, 400, graphError(100, 'Invalid path', 'the path is not valid percent-encoding'));
    }
    const body = parseJson(raw);
    if (segments[0] === '_simulator') {
      const answer = await handleControl(this, method, segments.slice(1), url.searchParams, body);
      return this.send(res, answer.status, answer.body);
    }

    const r = route(method, segments);
    const record: ReceivedRequest = { method, path: url.pathname, call: r?.call ?? 'unknown', headers: redact(req.headers), body, at: new Date() };
    this.received.push(record);
    if (this.received.length > MAX_RECORDS) this.received.splice(0, this.received.length - MAX_RECORDS);
    const answer = (status: number, payload: unknown) => {
      record.status = status;
      this.send(res, status, payload);
    };

    if (!r) {
      return answer(400, graphError(100, 'Unsupported request', `${method} ${url.pathname} is not a simulated endpoint: POST [/{version}/{phone-number-id}]/messages, GET /{version}/{phone-number-id}/payments/{configuration}/{reference_id} (360dialog: /v1/payments/...) or POST [/{version}/{phone-number-id}]/payments_refund`));
    }
    const sender = this.authenticate(req, r);
    if (typeof sender === 'string') return answer(401, graphError(190, 'Invalid OAuth access token', sender));

    const fault = this.takeFault(r.call);
    const lostAnswer = fault && LOST_ANSWERS.has(fault) ? (fault as LostAnswer) : null;
    if (fault && !lostAnswer) {
      record.fault = fault;
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === 'timeout') return this.hold(req, res);
      const plain = fault as keyof typeof FAULT_ANSWERS;
      const lookupFault = r.call === 'lookup' && this.paymentWire === 'meta' ? LOOKUP_FAULT_ANSWERS[plain] : undefined;
      const [status, payload] = (lookupFault ?? FAULT_ANSWERS[plain])();
      return answer(status, payload);
    }
    if (lostAnswer) {
      // the call takes effect as usual; only its answer never arrives in a usable form
      record.fault = lostAnswer;
      const done = (status: number, payload: unknown) => this.loseAnswer(req, res, record, lostAnswer, status, payload);
      try {
        if (r.call === 'lookup') return done(...this.lookup(sender, r.configurationName ?? '', r.referenceId ?? ''));
        if (r.call === 'refund') return done(200, this.refund(body, sender));
        return done(200, this.message(body, sender));
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        return answer(err.httpStatus, graphError(err.code, r.call === 'refund' ? 'Refund refused' : 'Message refused', err.details));
      }
    }

    try {
      if (r.call === 'lookup') {
        if (this.lookupDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lookupDelayMs).unref());
        const [status, payload] = this.lookup(sender, r.configurationName ?? '', r.referenceId ?? '');
        return answer(status, payload);
      }
      if (r.call === 'refund') return answer(200, this.refund(body, sender));
      return answer(200, this.message(body, sender));
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const refused = r.call === 'refund' ? 'Refund refused' : 'Message refused';
      const title = err.code === 100 ? 'Invalid parameter' : err.code === 131009 ? 'Parameter value is not valid' : refused;
      return answer(err.httpStatus, graphError(err.code, title, err.details));
    }
  }

  private send(res: ServerResponse, status: number, payload: unknown): void {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** A sender, or why it is refused. The header must match the provider the path belongs to. */
  private authenticate(req: IncomingMessage, r: Route): Sender | string {
    if (r.provider === 'CLOUD_API') {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return 'Cloud API paths need the header Authorization: Bearer <access token>';
      if (this.tokens && !this.tokens.has(token)) return 'the access token is not valid for this phone number';
      return { provider: 'CLOUD_API', phoneNumberId: r.phoneNumberId };
    }
    const key = req.headers['d360-api-key'];
    if (typeof key !== 'string' || key.trim() === '') return '360dialog paths need the header D360-API-KEY: <api key>';
    if (this.tokens && !this.tokens.has(key)) return 'the D360 API key is not valid';
    return { provider: 'DIALOG360', d360Key: key };
  }

  private takeFault(call: CallKind): FaultKind | null {
    const rule = this.faults.find((f) => f.remaining > 0 && (f.only === undefined || f.only === call));
    if (rule) {
      rule.remaining -= 1;
      if (rule.remaining === 0) this.faults = this.faults.filter((f) => f !== rule);
      return rule.kind;
    }
    const rate = this.rates.get(call);
    return rate && this.random() < rate.probability ? rate.kind : null;
  }

  /** Loses the answer of a call that took effect. */
  private loseAnswer(req: IncomingMessage, res: ServerResponse, record: ReceivedRequest, how: LostAnswer, status: number, payload: unknown): void {
    if (how === 'acceptedTimeout') return this.hold(req, res);
    if (how === 'acceptedHttp500') {
      record.status = 500;
      return this.send(res, 500, graphError(1, 'An unknown error has occurred.', 'simulated HTTP 500 after the call took effect (acceptedHttp500)'));
    }
    if (how === 'acceptedGarbage') {
      record.status = 200;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>upstream proxy error</body></html>');
      return;
    }
    // acceptedReset: the head and half the body go out, then the connection drops
    record.status = status;
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
  }

  /** Holds the request past the client's timeout, then drops it; never outlives stop() or keeps the process up. */
  private hold(req: IncomingMessage, res: ServerResponse): void {
    const timer = setTimeout(() => {
      this.holds.delete(timer);
      req.socket.destroy();
    }, this.timeoutHoldMs);
    timer.unref();
    this.holds.add(timer);
    res.on('close', () => {
      clearTimeout(timer);
      this.holds.delete(timer);
    });
  }

  // ------------------------------------------------------------------ API behaviour

  private message(body: unknown, sender: Sender): WireMessagesResponse {
    const env = checkEnvelope(body);
    const params = (env.interactive.action as { parameters?: { reference_id?: unknown } } | undefined)?.parameters;
    const rejection = typeof params?.reference_id === 'string' ? this.rejections.get(`messages\u0000${params.reference_id}`) : undefined;
    if (rejection) {
      throw new Refusal(rejection.code, `messages for reference_id ${String(params?.reference_id)} are refused (simulated rejectReference)`, rejection.httpStatus);
    }
    const wamid = newWamid();
    const { referenceId, refused } =
      env.interactiveType === 'order_details'
        ? this.orderDetails(env.interactive, env.to, sender, wamid)
        : this.orderStatus(env.interactive, sender, wamid);
    this.accepted.push({
      wamid,
      kind: env.interactiveType,
      referenceId,
      to: env.to,
      provider: sender.provider,
      phoneNumberId: sender.phoneNumberId,
      payload: body,
      at: new Date(),
    });
    this.senders.set(wamid, sender);
    // a refused order_status gets its error webhook instead of sent/delivered
    if (this.webhookConfig?.autoDeliver && !refused) {
      this.webhooks.schedule(this.webhookDelayMs, async () => {
        await this.sendMessageStatus(wamid, 'sent');
        await this.sendMessageStatus(wamid, 'delivered');
      });
    }
    return { messaging_product: 'whatsapp', contacts: [{ input: env.to, wa_id: env.to }], messages: [{ id: wamid }] };
  }

  private orderDetails(interactive: Record<string, unknown>, to: string, sender: Sender, wamid: string): Accepted {
    const checked = checkOrderDetails(interactive, nowSeconds());
    const fingerprint = canonical([to, checked.parameters]);
    const key = orderKey(sender, checked.referenceId);
    const existing = this.orders.get(key);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        throw new Refusal(131009, `reference_id ${checked.referenceId} was already used for an order with different content; a new order needs a new reference_id`);
      }
      existing.orderDetailsWamid = wamid; // the same order sent again: accepted, state kept
    } else {
      this.orders.set(key, {
        referenceId: checked.referenceId,
        configurationName: checked.configurationName,
        gateway: checked.gateway,
        to,
        status: 'pending',
        total: checked.total,
        orderDetailsWamid: wamid,
        fingerprint,
        sender,
        transactions: [],
        refunds: [],
        pgFields: checked.pgFields,
      });
    }
    return { referenceId: checked.referenceId, refused: false };
  }

  private orderStatus(interactive: Record<string, unknown>, sender: Sender, wamid: string): Accepted {
    const checked = checkOrderStatus(interactive);
    const order = this.orders.get(orderKey(sender, checked.referenceId));
    if (!order) {
      throw new Refusal(131009, `reference_id ${checked.referenceId} has no order from this phone number: send an order_details message for it first`);
    }
    // Like WhatsApp: the message is accepted now and a refused transition comes back later as
    // an error webhook on this wamid, so the gateway must cope with "accepted, then failed".
    const refusal = checkTransition(order.referenceId, order.status, checked.status, paymentStatusOf(order));
    if (!refusal) {
      order.status = checked.status;
      return { referenceId: order.referenceId, refused: false };
    }
    const entry: WireWebhookStatus = {
      id: wamid,
      status: 'failed',
      timestamp: String(nowSeconds()),
      recipient_id: order.to,
      errors: [{ code: refusal.code, title: refusal.title, message: refusal.title, error_data: { details: refusal.details } }],
    };
    this.webhooks.schedule(this.webhookDelayMs, () => this.webhooks.send(this.envelope(sender, [entry])));
    return { referenceId: order.referenceId, refused: true };
  }

  /**
   * POST payments_refund: a refund of a captured payment, at most what is left to refund. Answered
   * `pending` as documented (or as answerRefunds() says); a pending refund succeeds a moment later
   * (refundSettleMs), and every change goes out as a payment webhook with refunds[] while the
   * lookup lists the refund inside the captured transaction. There is no idempotency key: the
   * same request twice is two refunds.
   */
  private refund(body: unknown, sender: Sender): WireRefundResponse {
    const checked = checkRefundRequest(body);
    const rejection = this.rejections.get(`refund\u0000${checked.referenceId}`);
    if (rejection) {
      throw new Refusal(rejection.code, `refunds for reference_id ${checked.referenceId} are refused (simulated rejectReference)`, rejection.httpStatus);
    }
    const order = this.orders.get(orderKey(sender, checked.referenceId));
    if (!order || order.configurationName !== checked.configurationName) {
      throw new Refusal(131009, `no payment for reference_id ${checked.referenceId} under payment configuration ${checked.configurationName}`);
    }
    if (paymentStatusOf(order) !== 'captured') {
      throw new Refusal(131009, `the payment of reference_id ${checked.referenceId} is not captured: only a captured payment can be refunded`);
    }
    const left = refundable(order);
    if (checked.amount > left) {
      throw new Refusal(131009, `amount.value ${checked.amount} is more than the ${left} left to refund on reference_id ${checked.referenceId}`);
    }
    const answered = this.refundAnswers.shift() ?? 'pending';
    const refund = this.addRefund(order, {
      amount: checked.amount,
      speedProcessed: checked.speed,
      status: answered === 'completed' ? 'success' : answered,
      viaApi: true,
    });
    if (refund.status === 'pending') {
      if (this.autoSettleRefunds) this.webhooks.schedule(this.refundSettleMs, () => this.finishRefund(order, refund, 'success', true));
    } else {
      // a refund that ended at once is still reported by a payment webhook, as any refund change
      this.webhooks.schedule(this.webhookDelayMs, () => this.webhooks.send(this.envelope(order.sender, [refundStatusEntry(order, nowSeconds(), this.paymentWire)])));
    }
    return { id: refund.id, status: answered, speed_processed: refund.speedProcessed };
  }

  private addRefund(order: SimOrder, r: Pick<SimRefund, 'amount' | 'speedProcessed' | 'status' | 'viaApi'>): SimRefund {
    const now = nowSeconds();
    const refund: SimRefund = { id: gatewayId('rfnd_'), ...r, createdAt: now, updatedAt: now };
    order.refunds.push(refund);
    return refund;
  }

  /** A pending refund ends; WhatsApp reports it in a payment webhook with refunds[] (unless told not to). */
  private async finishRefund(order: SimOrder, refund: SimRefund, outcome: 'success' | 'failed', webhook: boolean): Promise<WebhookDelivery | null> {
    if (refund.status !== 'pending') return null;
    refund.status = outcome;
    refund.updatedAt = nowSeconds();
    return webhook ? this.webhooks.send(this.envelope(order.sender, [refundStatusEntry(order, refund.updatedAt, this.paymentWire)])) : null;
  }

  private lookup(sender: Sender, configurationName: string, referenceId: string): [number, unknown] {
    if (this.lookupIsDown) {
      return this.paymentWire === 'meta'
        ? [503, lookupError(503, 'Service unavailable', 'The payment lookup is down (simulated lookupDown). Please try again.')]
        : [503, graphError(2, 'Service temporarily unavailable', 'the payment lookup is down (simulated lookupDown)')];
    }
    const override = this.lookupOverrides.get(referenceId);
    if (override) return [override.status, override.body];
    const order = this.orders.get(orderKey(sender, referenceId));
    // What the lookup answers for a reference it never accepted is not documented; the simulator
    // answers Graph's 404, which the gateway reads as "WhatsApp has no such payment".
    if (!order || order.configurationName !== configurationName) {
      return [404, graphError(100, 'Payment not found', `no payment for reference_id ${referenceId} under payment configuration ${configurationName}`)];
    }
    return [200, { payments: [lookupPayment(order, this.paymentWire)] }];
  }

  /** For the simulated customer and inspection, which know a reference id but maybe not who sent it. */
  private findOrder(referenceId: string, phoneNumberId?: string): SimOrder | undefined {
    const found = [...this.orders.values()].filter(
      (o) => o.referenceId === referenceId && (phoneNumberId === undefined || this.phoneNumberIdOf(o.sender) === phoneNumberId),
    );
    if (found.length > 1) {
      const numbers = found.map((o) => this.phoneNumberIdOf(o.sender)).join(', ');
      throw new Error(`reference_id ${referenceId} was used by several phone numbers (${numbers}): say which with phoneNumberId`);
    }
    return found[0];
  }

  private envelope(sender: Sender, statuses: WireWebhookStatus[]) {
    const config = this.webhookConfig;
    return messagesEnvelope(
      config?.wabaId ?? DEFAULT_WABA_ID,
      { display_phone_number: config?.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER, phone_number_id: this.phoneNumberIdOf(sender) },
      statuses,
    );
  }

  private phoneNumberIdOf(sender: Sender): string {
    if (sender.phoneNumberId) return sender.phoneNumberId;
    const map = this.webhookConfig?.phoneNumberIdFor;
    const key = sender.d360Key ?? '';
    const id = typeof map === 'function' ? map(key) : map?.[key];
    return id ?? UNKNOWN_360_NUMBER;
  }
}

/**
 * WhatsApp keeps reference ids per business: the lookup path carries the phone number id, so two
 * businesses may each have an A1001-1. A 360dialog path carries no number; its API key stands for it.
 */
function orderKey(sender: Sender, referenceId: string): string {
  const scope = sender.phoneNumberId !== undefined ? `cloud:${sender.phoneNumberId}` : `d360:${sender.d360Key ?? ''}`;
  return `${scope}\u0000${referenceId}`;
}

function checkWebhookUrl(url: string): void {
  if (!/^https?:\/\/[^\s/]+/.test(url) || !URL.canParse(url)) {
    throw new Error(`webhook url "${url}" is not an http(s) URL (expected e.g. http://127.0.0.1:4000/webhooks/whatsapp)`);
  }
}

function checkFaultKind(kind: string): asserts kind is FaultKind {
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`fault kind must be one of ${FAULT_KINDS.join(', ')}`);
}

function checkCallKind(only: string | undefined): void {
  if (only !== undefined && !(CALL_KINDS as readonly string[]).includes(only)) throw new Error(`only must be one of ${CALL_KINDS.join(', ')}`);
}
