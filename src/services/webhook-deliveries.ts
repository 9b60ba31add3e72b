import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { BatchReader } from '../db/batch-reads';
import type { Database } from '../db/database';
import {
  OrderEntity,
  OrderEventEntity,
  PaymentEntity,
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
} from '../db/entities';
import { decryptSecret } from '../db/secrets';
import { insertRows } from '../db/writes';
import type { OrderEventType } from '../domain/types';
import { OrderFacts, webhookBody, webhookId } from '../business-webhooks/payload';
import { postWebhook, PostOutcome } from '../business-webhooks/sender';
import { signWebhook } from '../business-webhooks/signing';
import { whenEventRecorded } from './events';
import type { CallResult, NewJob, Outbox, OutboxHandler, OutboxJob, Step } from './outbox';

/** Deliveries are retried for this long after they are made, then FAILED (redeliverable). */
export const DELIVERY_WINDOW_MS = 72 * 3600 * 1000;
/** A receiver must answer within this (the contract's 10 s). */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** The outbox job of a delivery. Per endpoint, one order's events go out in order; other orders do not wait. */
export function deliveryJob(delivery: Pick<WebhookDeliveryEntity, 'id' | 'businessId' | 'endpointId' | 'orderId' | 'createdAt'>): NewJob {
  return {
    kind: 'BUSINESS_WEBHOOK',
    subjectId: delivery.id,
    businessId: delivery.businessId,
    sequenceKey: `wh:${delivery.endpointId}:${delivery.orderId}`,
    giveUpAt: new Date(delivery.createdAt.getTime() + DELIVERY_WINDOW_MS),
    now: delivery.createdAt,
  };
}

/** What a delivery is made of: the event (with its body) and the endpoint it goes to. */
export type DeliveryContent = Pick<WebhookDeliveryEntity, 'endpointId' | 'businessId' | 'eventId' | 'eventType' | 'orderId' | 'referenceId' | 'payload'>;

/** A new delivery, waiting for its first attempt. */
export function newDelivery(content: DeliveryContent, now: Date): WebhookDeliveryEntity {
  return Object.assign(new WebhookDeliveryEntity(), {
    ...content,
    id: randomUUID(),
    status: 'PENDING' as const,
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    nextAttemptAt: now,
    deliveredAt: null,
    createdAt: now,
  });
}

/** The event types an endpoint wants ('' in the table: every type). */
export function eventTypesOf(endpoint: Pick<WebhookEndpointEntity, 'eventTypes'>): OrderEventType[] {
  return endpoint.eventTypes === '' ? [] : (endpoint.eventTypes.split(',') as OrderEventType[]);
}

/**
 * Turns every stored order event into one delivery per matching enabled endpoint of its business,
 * in the transaction that stores the event: a crash between the change and its deliveries cannot
 * happen, and a rolled-back change delivers nothing. The work is done once per transaction, at its
 * end, so the order snapshot in the body is the order as that transaction leaves it (an event is
 * sometimes recorded before the change it describes is written). A transaction of a business
 * without endpoints costs one indexed read.
 */
export class WebhookDeliveryMaker {
  private readonly pending = new WeakMap<EntityManager, OrderEventEntity[]>();

  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
  ) {
    whenEventRecorded(db.dataSource, (m, event) => this.collect(m, event));
  }

  private async collect(m: EntityManager, event: OrderEventEntity): Promise<void> {
    const events = this.pending.get(m);
    if (events) {
      events.push(event);
      return;
    }
    const list = [event];
    this.pending.set(m, list);
    // not a transaction of ours (cannot happen through Database.transaction): make them now
    if (!this.db.beforeCommit(m, () => this.make(m, list))) await this.make(m, list);
  }

  private async make(m: EntityManager, events: OrderEventEntity[]): Promise<void> {
    this.pending.delete(m);
    const businessIds = [...new Set(events.map((e) => e.businessId))];
    const p = (i: number) => (this.db.dialect === 'sqlite' ? '?' : `$${i}`);
    const enabled = this.db.dialect === 'sqlite' ? '1' : 'true';
    const endpoints = (await m.query(
      `SELECT "id", "businessId", "eventTypes" FROM "webhook_endpoints" WHERE "businessId" IN (${businessIds.map((_, i) => p(i + 1)).join(', ')}) AND "enabled" = ${enabled} ORDER BY "createdAt", "id"`,
      businessIds,
    )) as Array<Pick<WebhookEndpointEntity, 'id' | 'businessId' | 'eventTypes'>>;
    if (endpoints.length === 0) return;

    const matches = events.flatMap((event) =>
      endpoints
        .filter((e) => e.businessId === event.businessId && (e.eventTypes === '' || eventTypesOf(e).includes(event.type)))
        .map((endpoint) => ({ event, endpoint })),
    );
    if (matches.length === 0) return;

    const orderIds = [...new Set(matches.map((x) => x.event.orderId))].sort();
    if (this.db.dialect === 'postgres') {
      // one order's deliveries are made by one transaction at a time, so their outbox jobs are
      // numbered in commit order and a later event's delivery can never be claimed before an
      // earlier one is visible. Taken last in the transaction (and in a fixed order), it cannot deadlock.
      for (const orderId of orderIds) await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`wpg-webhooks:${orderId}`]);
    }
    const snapshots = await this.snapshots(m, orderIds);
    const now = new Date();
    const deliveries = matches.map(({ event, endpoint }) => {
      const order = snapshots.get(event.orderId);
      if (!order) throw new Error(`order ${event.orderId} of event ${event.id} is not in the transaction that recorded the event`);
      const content = {
        endpointId: endpoint.id,
        businessId: event.businessId,
        eventId: Number(event.id),
        eventType: event.type,
        orderId: event.orderId,
        referenceId: event.referenceId,
        payload: webhookBody(event, order),
      };
      return newDelivery(content, now);
    });
    await insertRows(m, WebhookDeliveryEntity, deliveries);
    await this.outbox.enqueueMany(m, deliveries.map(deliveryJob));
  }

  private async snapshots(m: EntityManager, orderIds: string[]): Promise<Map<string, OrderFacts>> {
    const [orders, payments] = await Promise.all([
      m.find(OrderEntity, { where: { id: In(orderIds) }, select: ['id', 'referenceId', 'status', 'total', 'offset', 'currency'] }),
      m.find(PaymentEntity, { where: { orderId: In(orderIds) }, select: ['id', 'orderId', 'status', 'verified', 'amount', 'amountOffset', 'currency'] }),
    ]);
    const byOrder = new Map(payments.map((p) => [p.orderId, p]));
    return new Map(
      orders.map((o) => {
        const payment = byOrder.get(o.id);
        return [
          o.id,
          {
            referenceId: o.referenceId,
            status: o.status,
            total: Number(o.total),
            offset: o.offset,
            currency: o.currency,
            payment: payment
              ? {
                  status: payment.status,
                  verified: Boolean(payment.verified),
                  amount:
                    payment.amount === null
                      ? null
                      : { value: Number(payment.amount), offset: payment.amountOffset ?? o.offset, currency: payment.currency ?? o.currency },
                  // refunds are not stored by this version of the gateway: nothing has been refunded
                  refundedAmount: 0,
                }
              : null,
          },
        ];
      }),
    );
  }
}

/** What a delivery job sends: the stored delivery and its endpoint as they are now. */
export interface DeliverySubject {
  delivery: WebhookDeliveryEntity;
  endpoint: WebhookEndpointEntity;
}

/** Counts since start, for /metrics. */
export interface DeliveryStats {
  /** attempts by result: 2xx, 3xx, 4xx, 5xx, timeout, refused_address, network */
  attempts: Map<string, number>;
  /** deliveries that reached a final status, by status */
  finished: Map<'SUCCEEDED' | 'FAILED', number>;
}

/**
 * The outbox kind that POSTs deliveries to the business's endpoints. There is nothing to settle
 * after a call whose answer was lost: the receiver dedupes on webhook-id (the event's id, the same
 * on every attempt), so the call is simply made again. Any non-2xx answer, timeout or network
 * failure is retried with the outbox's backoff until the delivery's 72 hours are up.
 */
export class BusinessWebhookSending implements OutboxHandler<DeliverySubject, PostOutcome> {
  readonly kind = 'BUSINESS_WEBHOOK' as const;
  readonly maxAttempts = null;
  readonly callTimeoutMs = DELIVERY_TIMEOUT_MS;
  readonly stats: DeliveryStats = { attempts: new Map(), finished: new Map() };
  // plain SQL reads (see batch-reads.ts): a busy relay loads thousands of these a second
  private readonly deliveries: BatchReader<WebhookDeliveryEntity>;
  private readonly endpoints: BatchReader<WebhookEndpointEntity>;

  constructor(
    private readonly db: Database,
    private readonly secretsKey: Buffer,
    private readonly allowPrivate: boolean,
  ) {
    this.deliveries = new BatchReader(db.dataSource, WebhookDeliveryEntity);
    this.endpoints = new BatchReader(db.dataSource, WebhookEndpointEntity);
  }

  async load(job: OutboxJob): Promise<DeliverySubject | null> {
    const [delivery] = await this.deliveries.byKeys(this.db.manager, 'id', [job.subjectId], '"id"');
    if (!delivery || delivery.status !== 'PENDING') return null;
    const [endpoint] = await this.endpoints.byKeys(this.db.manager, 'id', [delivery.endpointId], '"id"');
    return endpoint ? { delivery, endpoint } : null;
  }

  async call({ delivery, endpoint }: DeliverySubject, _job: OutboxJob, signal: AbortSignal): Promise<CallResult<PostOutcome>> {
    if (!endpoint.enabled) {
      return {
        ok: false,
        failure: { message: 'the endpoint is disabled: nothing was sent (redeliverWebhook sends it again once it is enabled)', temporary: false, outcomeUnknown: false },
      };
    }
    const headers = signWebhook(webhookId(delivery.eventId), delivery.payload, this.secretsOf(endpoint), new Date());
    const outcome = await postWebhook(endpoint.url, { ...headers, 'user-agent': 'whatsapp-payments-gateway/webhooks' }, delivery.payload, {
      allowPrivate: this.allowPrivate,
      signal,
    });
    this.stats.attempts.set(outcome.result, (this.stats.attempts.get(outcome.result) ?? 0) + 1);
    if (outcome.ok) return { ok: true, value: outcome };
    return { ok: false, failure: { message: outcome.error ?? 'failed', temporary: true, outcomeUnknown: false, cause: outcome } };
  }

  /** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
  private secretsOf(endpoint: WebhookEndpointEntity): string[] {
    const secrets = [decryptSecret(endpoint.secretEncrypted, this.secretsKey)];
    if (endpoint.previousSecretEncrypted && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()) {
      secrets.push(decryptSecret(endpoint.previousSecretEncrypted, this.secretsKey));
    }
    return secrets;
  }

  async record(m: EntityManager, { delivery }: DeliverySubject, _job: OutboxJob, step: Step<PostOutcome>): Promise<OrderEventEntity[]> {
    const outcome = step.kind === 'delivered' ? step.value : outcomeOf(step);
    const now = new Date();
    if (outcome) {
      await insertRows(m, WebhookDeliveryAttemptEntity, {
        deliveryId: delivery.id,
        at: now,
        statusCode: outcome.statusCode,
        error: outcome.error,
        durationMs: outcome.durationMs,
      });
    }
    const attempts = delivery.attempts + (outcome ? 1 : 0);
    const lastStatusCode = outcome ? outcome.statusCode : delivery.lastStatusCode;
    switch (step.kind) {
      case 'delivered':
      case 'settled':
        this.count('SUCCEEDED');
        await this.store(m, delivery.id, { status: 'SUCCEEDED', attempts, lastStatusCode, lastError: null, nextAttemptAt: null, deliveredAt: now });
        break;
      case 'retrying':
      case 'unsettled':
        await this.store(m, delivery.id, { status: 'PENDING', attempts, lastStatusCode, lastError: clip(step.failure.message), nextAttemptAt: step.nextAttemptAt, deliveredAt: null });
        break;
      case 'failed':
      case 'gave-up': {
        this.count('FAILED');
        const why = step.kind === 'gave-up' ? step.reason : step.failure.message;
        await this.store(m, delivery.id, { status: 'FAILED', attempts, lastStatusCode, lastError: clip(why), nextAttemptAt: null, deliveredAt: null });
        break;
      }
    }
    return [];
  }

  /** A step's outcome in one plain UPDATE (TypeORM's update() builds its query anew every time). */
  private async store(
    m: EntityManager,
    id: string,
    d: Pick<WebhookDeliveryEntity, 'status' | 'attempts' | 'lastStatusCode' | 'lastError' | 'nextAttemptAt' | 'deliveredAt'>,
  ): Promise<void> {
    const p = (i: number) => (this.db.dialect === 'sqlite' ? '?' : `$${i}`);
    const date = (v: Date | null) => (v ? this.db.param(v) : null);
    await m.query(
      `UPDATE "webhook_deliveries" SET "status" = ${p(1)}, "attempts" = ${p(2)}, "lastStatusCode" = ${p(3)}, "lastError" = ${p(4)}, "nextAttemptAt" = ${p(5)}, "deliveredAt" = ${p(6)} WHERE "id" = ${p(7)}`,
      [d.status, d.attempts, d.lastStatusCode, d.lastError, date(d.nextAttemptAt), date(d.deliveredAt), id],
    );
  }

  private count(status: 'SUCCEEDED' | 'FAILED'): void {
    this.stats.finished.set(status, (this.stats.finished.get(status) ?? 0) + 1);
  }
}

/** The answer (or failure) of the call this step made, if it made one. */
function outcomeOf(step: Step<PostOutcome>): PostOutcome | null {
  const failure = 'failure' in step ? step.failure : null;
  return failure && isOutcome(failure.cause) ? failure.cause : null;
}

function isOutcome(v: unknown): v is PostOutcome {
  return typeof v === 'object' && v !== null && 'durationMs' in v && 'result' in v;
}

function clip(s: string): string {
  return s.slice(0, 2000);
}
