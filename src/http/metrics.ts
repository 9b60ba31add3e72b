import { Router } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { WebSocketServer } from 'ws';
import { OrderEntity, OutboundMessageEntity, PaymentEntity, ReceivedWebhookEntity, RefundEntity, WebhookDeliveryEntity } from '../db/entities';
import { REFUND_STATUSES } from '../domain/types';
import type { Services } from '../services';

/**
 * GET /metrics in Prometheus' text format: process metrics, live subscriptions and the depth of
 * each background queue (a growing queue is the first sign of an unreachable WhatsApp). Counts
 * only, nothing about any business: expose it to the monitoring network, not to the internet.
 */
export function metricsRoutes(services: Services, websockets: WebSocketServer): Router {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wpg_' });
  const gauge = (name: string, help: string, read: () => number | Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set(await read());
      },
    });
  gauge('wpg_websocket_connections', 'open graphql-ws connections', () => websockets.clients.size);
  gauge('wpg_subscriptions_active', 'live GraphQL subscriptions on this instance', () => services.events.subscriberCount);
  const answers = services.answers;
  if (answers) {
    gauge('wpg_answer_cache_entries', 'order/orders answers kept by this instance', () => answers.size);
    gauge('wpg_answer_cache_bytes', 'JSON size of the answers kept by this instance', () => answers.storedBytes);
    gauge('wpg_answer_cache_hits', 'reads answered from a kept answer since the start', () => answers.stats.hits);
    gauge('wpg_answer_cache_misses', 'cacheable reads that ran since the start', () => answers.stats.misses);
  }
  gauge('wpg_outbox_queued', 'messages waiting to be accepted by WhatsApp', () =>
    services.db.manager.countBy(OutboundMessageEntity, { status: 'QUEUED' }),
  );
  new Gauge({
    name: 'wpg_outbox_jobs',
    help: 'outbound calls in flight (waiting, being made or to be retried), by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      for (const { kind, jobs } of await services.outbox.depth()) this.set({ kind }, jobs);
    },
  });
  new Gauge({
    name: 'wpg_outbox_oldest_job_age_seconds',
    help: 'age of the oldest outbound call still in flight, by kind (0 when none)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const now = Date.now();
      for (const { kind, oldest } of await services.outbox.depth()) this.set({ kind }, oldest ? Math.max(0, (now - oldest.getTime()) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'wpg_refunds',
    help: 'refunds by status (REQUESTED: not yet accepted by WhatsApp; PENDING: accepted, not yet settled)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = (await services.db.manager
        .createQueryBuilder(RefundEntity, 'r')
        .select('r.status', 'status')
        .addSelect('COUNT(*)', 'refunds')
        .groupBy('r.status')
        .getRawMany()) as Array<{ status: string; refunds: unknown }>;
      for (const status of REFUND_STATUSES) this.set({ status }, Number(rows.find((r) => r.status === status)?.refunds ?? 0));
    },
  });
  gauge('wpg_webhooks_waiting', 'stored webhooks not processed yet', () =>
    services.db.manager.countBy(ReceivedWebhookEntity, { state: 'RECEIVED' }),
  );
  gauge('wpg_webhooks_failed', 'stored webhooks that could not be applied (malformed, or values out of range)', () =>
    services.db.manager.countBy(ReceivedWebhookEntity, { state: 'FAILED' }),
  );
  gauge('wpg_payments_awaiting_verification', 'payments waiting for a lookup', () =>
    services.db.manager.createQueryBuilder(PaymentEntity, 'p').where('p.verifyAfter IS NOT NULL').getCount(),
  );
  gauge('wpg_orders_expiry_due', 'orders past their expiry whose payment is due to be looked up', () =>
    services.db.manager
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.expiryCheckAfter <= :now', { now: services.db.param(new Date()) })
      .getCount(),
  );

  businessWebhookMetrics(registry, services);

  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

/**
 * Business webhooks: deliveries waiting or failed (from the database, every instance's), the age of
 * the oldest one waiting, and this instance's attempts by result and deliveries finished by status.
 */
function businessWebhookMetrics(registry: Registry, services: Services): void {
  new Gauge({
    name: 'wpg_business_webhook_deliveries',
    help: 'business webhook deliveries waiting (PENDING) or given up (FAILED, redeliverable)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      for (const status of ['PENDING', 'FAILED'] as const) this.set({ status }, await services.db.manager.countBy(WebhookDeliveryEntity, { status }));
    },
  });
  new Gauge({
    name: 'wpg_business_webhook_oldest_pending_age_seconds',
    help: 'age of the oldest business webhook delivery not yet delivered (0 when none)',
    registers: [registry],
    async collect() {
      const oldest = (await services.outbox.depth()).find((d) => d.kind === 'BUSINESS_WEBHOOK')?.oldest;
      this.set(oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0);
    },
  });
  const { stats } = services.webhookSending;
  new Counter({
    name: 'wpg_business_webhook_attempts_total',
    help: 'business webhook requests made by this instance, by result (2xx, 3xx, 4xx, 5xx, timeout, network, refused_address)',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [result, count] of stats.attempts) this.inc({ result }, count);
    },
  });
  new Counter({
    name: 'wpg_business_webhook_deliveries_finished_total',
    help: 'business webhook deliveries this instance finished, by final status',
    labelNames: ['status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [status, count] of stats.finished) this.inc({ status }, count);
    },
  });
}
