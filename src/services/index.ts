import type { Config } from '../config';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { AuthService } from './auth';
import { CostBudget } from './cost-budget';
import { Directory } from './directory';
import { EventBus } from './events';
import { announceOrderChanges } from './order-changes';
import { AnswerCache } from './answer-cache';
import { IdempotencyService } from './idempotency';
import { NodeService } from './nodes';
import { OrderQueries } from './order-queries';
import { OrderService } from './orders';
import { MessageSending } from './message-sending';
import { Outbox } from './outbox';
import { TenancyService } from './tenancy';
import { UpstreamClients } from './upstream';
import { PaymentVerifier } from './verification';
import { ExpiryWatcher } from './expiry';
import { WebhookInbox } from './webhooks';
import { ReconciliationService } from './reconciliation';
import { BusinessWebhookSending, WebhookDeliveryMaker } from './webhook-deliveries';
import { WebhookEndpointService } from './webhook-endpoints';
import { RefundSending } from './refund-sending';
import { RefundService } from './refunds';

/** Every service, wired once at start and shared by all requests. */
export interface Services {
  db: Database;
  auth: AuthService;
  budget: CostBudget;
  tenancy: TenancyService;
  nodes: NodeService;
  events: EventBus;
  upstream: UpstreamClients;
  outbox: Outbox;
  idempotency: IdempotencyService;
  orders: OrderService;
  orderQueries: OrderQueries;
  verifier: PaymentVerifier;
  expiry: ExpiryWatcher;
  webhooks: WebhookInbox;
  reconciliation: ReconciliationService;
  webhookEndpoints: WebhookEndpointService;
  /** the outbox kind that sends business webhooks (its counts feed /metrics) */
  webhookSending: BusinessWebhookSending;
  refunds: RefundService;
  /** copies of `order`/`orders` answers (null with ANSWER_CACHE_MB=0) */
  answers: AnswerCache | null;
}

/**
 * The oldest answer the cache serves: a backstop should a change's notice never reach this
 * instance on a connection that stayed up (a reconnect of the bus clears the cache).
 */
const ANSWER_MAX_AGE_MS = 60_000;

export function createServices(config: Config, db: Database, logger: Logger): Services {
  if (!config.secretsKey) throw new Error('SECRETS_KEY must be resolved before the services start');
  const events = new EventBus(logger, config.redisUrl, config.redisPrefix);
  // every instance's copies of answers learn of every committed change (src/services/answer-cache.ts)
  announceOrderChanges(db, events);
  const answers = config.answerCacheBytes > 0 ? new AnswerCache({ maxBytes: config.answerCacheBytes, maxAgeMs: ANSWER_MAX_AGE_MS }) : null;
  if (answers) {
    events.onOrderChanges((changes) => {
      for (const change of changes) answers.invalidate(change);
    });
    events.onNoticesLost(() => answers.clear());
  }
  const upstream = new UpstreamClients(db, config, config.secretsKey);
  const leaseMs = config.upstreamTimeoutMs * 2 + 5000;
  const outbox = new Outbox(db, events, logger, {
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    pollMs: config.relayPollMs,
    leaseMs,
  });
  outbox.register(new MessageSending(db, upstream, config.outboxMaxAttempts));
  const webhookSending = new BusinessWebhookSending(db, config.secretsKey, config.outboundWebhooksAllowPrivate);
  outbox.register(webhookSending);
  // every stored order event becomes deliveries to the business's endpoints, in its transaction
  new WebhookDeliveryMaker(db, outbox);
  outbox.register(new RefundSending(db, upstream, config.outboxMaxAttempts, { baseMs: config.retryBaseMs, maxMs: config.retryMaxMs }));
  const idempotency = new IdempotencyService(db);
  const directory = new Directory(db);
  const orderQueries = new OrderQueries(db);
  const verifier = new PaymentVerifier(db, upstream, events, orderQueries, logger, {
    retryBaseMs: config.retryBaseMs,
    retryMaxMs: config.retryMaxMs,
    pollMs: config.relayPollMs,
    leaseMs,
  });
  return {
    db,
    auth: new AuthService(db, config.adminApiKey, events),
    budget: new CostBudget(config.costBudgets, logger, config.redisUrl ? { url: config.redisUrl, prefix: config.redisPrefix } : null),
    tenancy: new TenancyService(db, config.secretsKey, events),
    nodes: new NodeService(db),
    events,
    upstream,
    outbox,
    idempotency,
    orders: new OrderService(db, outbox, events, upstream, idempotency, directory, {
      partiallyShippedSpelling: config.partiallyShippedSpelling,
    }),
    orderQueries,
    verifier,
    expiry: new ExpiryWatcher(db, upstream, events, logger, {
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      pollMs: config.relayPollMs,
      leaseMs,
    }),
    webhooks: new WebhookInbox(db, events, verifier, logger, { pollMs: config.relayPollMs, leaseMs }, directory),
    reconciliation: new ReconciliationService(db),
    webhookEndpoints: new WebhookEndpointService(db, outbox, config.secretsKey, config.outboundWebhooksAllowPrivate),
    webhookSending,
    refunds: new RefundService(db, outbox, events, idempotency, orderQueries),
    answers,
  };
}
