import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import {
  BusinessEntity,
  OrderEntity,
  OrderEventEntity,
  OutboundMessageEntity,
  PaymentConfigurationEntity,
  PaymentEntity,
  ReceivedWebhookEntity,
} from '../db/entities';
import { insertRows } from '../db/writes';
import { canAdvanceMessage } from '../domain/message-status';
import { canAdvancePayment } from '../domain/payment-status';
import type { Logger } from '../logger';
import {
  MessageStatusWebhookUpdate,
  parseWebhook,
  PaymentWebhookUpdate,
  WebhookError,
  WebhookUpdate,
} from '../whatsapp/webhook-parser';
import type { WebhookAuthMechanism } from '../domain/types';
import type { Directory } from './directory';
import { EventBus, recordEvent } from './events';
import { undoRefusedStatusChange } from './message-sending';
import { HINT_DEBOUNCE_MS, PaymentVerifier } from './verification';
import { WorkerLoop } from './worker-loop';
import { businessChanged, orderChanged } from './order-changes';

export interface WebhookInboxOptions {
  pollMs: number;
  leaseMs: number;
}

/**
 * Every authenticated webhook is stored before WhatsApp gets its 200, then processed from the
 * table: a crash after the 200 loses nothing, because processing resumes from the stored rows.
 * Each webhook is applied in one transaction that also marks it PROCESSED, so it takes effect
 * exactly once; a claim is a compare-and-set on its lease, so two workers never process one twice.
 */
export class WebhookInbox {

  constructor(
    private readonly db: Database,
    private readonly events: EventBus,
    private readonly verifier: PaymentVerifier,
    private readonly logger: Logger,
    private readonly options: WebhookInboxOptions,
    private readonly directory: Directory,
  ) {
    this.loop = new WorkerLoop('webhook processing', () => this.pass(), options.pollMs, logger);
  }

  private readonly loop: WorkerLoop;
  start = () => this.loop.start();
  stop = () => this.loop.stop();
  kick = () => this.loop.kick();

  async store(rawBody: Buffer, authenticatedBy: WebhookAuthMechanism): Promise<string> {
    const id = randomUUID();
    await this.db.transaction((m) =>
      insertRows(m, ReceivedWebhookEntity, {
        id,
        body: rawBody.toString('utf8'),
        bodyHash: createHash('sha256').update(rawBody).digest('hex'),
        authenticatedBy,
        state: 'RECEIVED',
        attempts: 0,
        error: null,
        lockedUntil: null,
        receivedAt: new Date(),
        processedAt: null,
      }),
    );
    this.kick();
    return id;
  }

  /** Processes stored webhooks in arrival order until none is waiting. */
  async pass(batch = 50): Promise<void> {
    for (;;) {
      const now = new Date();
      const waiting = await this.db.manager
        .createQueryBuilder(ReceivedWebhookEntity, 'w')
        .select('w.id', 'id')
        .where('w.state = :state', { state: 'RECEIVED' })
        .andWhere('(w.lockedUntil IS NULL OR w.lockedUntil < :now)', { now: this.db.param(now) })
        .orderBy('w.receivedAt', 'ASC')
        .addOrderBy('w.id', 'ASC')
        .limit(batch)
        .getRawMany<{ id: string }>();
      if (waiting.length === 0 || this.loop.stopped) return;
      let verifyDue = false;
      for (const { id } of waiting) {
        if (this.loop.stopped) return;
        if (!(await this.claim(id, now))) continue;
        verifyDue = (await this.process(id)) || verifyDue;
      }
      if (verifyDue) this.verifier.kick(HINT_DEBOUNCE_MS);
      if (waiting.length < batch) return;
    }
  }

  private async claim(id: string, now: Date): Promise<boolean> {
    const result = await this.db.transaction((m) =>
      m
        .createQueryBuilder()
        .update(ReceivedWebhookEntity)
        .set({ lockedUntil: new Date(now.getTime() + this.options.leaseMs) })
        .where('id = :id AND state = :state', { id, state: 'RECEIVED' })
        .andWhere('(lockedUntil IS NULL OR lockedUntil < :now)', { now: this.db.param(now) })
        .execute(),
    );
    return (result.affected ?? 0) === 1;
  }

  /** Applies one stored webhook; returns whether a payment became due for verification. */
  private async process(id: string): Promise<boolean> {
    const published: OrderEventEntity[] = [];
    let verifyDue = false;
    try {
      await this.db.transaction(async (m) => {
        const webhook = await m.findOneByOrFail(ReceivedWebhookEntity, { id });
        let body: unknown;
        let problem: string | null = null;
        try {
          body = JSON.parse(webhook.body);
        } catch {
          problem = 'the body is not JSON';
        }
        const notes: string[] = [];
        let outOfRange: string[] = [];
        if (!problem) {
          const parsed = parseWebhook(body);
          problem = parsed.malformed;
          outOfRange = parsed.problems;
          for (const update of parsed.updates) {
            const outcome = await this.apply(m, update, published);
            if (outcome === 'verify') verifyDue = true;
            else if (outcome) notes.push(outcome);
          }
        }
        // Values out of range were left out by the parser (storing them would break reads, or fail
        // on PostgreSQL and retry the webhook forever); the rest was applied. The webhook is FAILED
        // so that someone looks at it, with the reason.
        if (!problem && outOfRange.length > 0) {
          problem = `values out of range were left out, the rest was applied: ${outOfRange.join('; ')}`;
        }
        webhook.attempts += 1;
        webhook.state = problem ? 'FAILED' : 'PROCESSED';
        webhook.error = (problem ? [problem, ...notes] : notes).join('; ').slice(0, 2000) || null;
        webhook.processedAt = new Date();
        webhook.lockedUntil = null;
        const { attempts, state, error, processedAt, lockedUntil } = webhook;
        await m.update(ReceivedWebhookEntity, { id }, { attempts, state, error, processedAt, lockedUntil });
        if (problem) this.logger.warn({ webhookId: id, problem }, 'authenticated webhook is malformed or out of range; kept as FAILED');
        else if (notes.length) this.logger.info({ webhookId: id, notes }, 'webhook processed with parts that changed nothing');
      });
    } catch (err) {
      // a fault (database, bug): leave it RECEIVED; the lease expires and it is tried again
      this.logger.error({ err, webhookId: id }, 'webhook processing failed; it will be retried');
      return false;
    }
    this.events.publish(published);
    return verifyDue;
  }

  /** Returns 'verify' when a payment became due, a note when the update changed nothing, else null. */
  private async apply(m: EntityManager, update: WebhookUpdate, published: OrderEventEntity[]): Promise<'verify' | string | null> {
    switch (update.kind) {
      case 'payment':
        return this.paymentHint(m, update);
      case 'message_status':
        return this.messageStatus(m, update, published);
      case 'error':
        return this.changeLevelErrors(m, update.phoneNumberId, update.errors, published);
      case 'payment_configuration':
        return this.configurationStatus(m, update.configurationName, update.status, update.wabaId);
      case 'unknown':
        return `ignored: ${update.description}`;
    }
  }

  /** A payment webhook is only a hint: the payment becomes due for a lookup, nothing else changes. */
  private async paymentHint(m: EntityManager, update: PaymentWebhookUpdate): Promise<'verify' | string> {
    const order = await this.orderOf(m, update.phoneNumberId, update.referenceId);
    if (!order) return `no order ${update.referenceId} for phone number ${update.phoneNumberId}`;
    const payment = await m.findOneOrFail(PaymentEntity, { where: { orderId: order.id }, ...this.db.forUpdate() });
    const hinted = update.status;
    if (hinted && (payment.hintStatus === null || canAdvancePayment(payment.hintStatus, hinted))) payment.hintStatus = hinted;
    const now = Date.now();
    const due = payment.verifyAfter?.getTime();
    // a lookup already planned within the debounce window answers this hint too
    if (due === undefined || due <= now || due > now + HINT_DEBOUNCE_MS) payment.verifyAfter = new Date(now + HINT_DEBOUNCE_MS);
    orderChanged(m, payment.businessId, payment.orderId);
    await m.update(PaymentEntity, { id: payment.id }, { hintStatus: payment.hintStatus, verifyAfter: payment.verifyAfter });
    return 'verify';
  }

  private async messageStatus(
    m: EntityManager,
    update: MessageStatusWebhookUpdate,
    published: OrderEventEntity[],
  ): Promise<string | null> {
    // A wamid alone is not proof of whose message it is: the status must come under the phone
    // number that sent the message (webhooks of one app carry every business's numbers).
    const message = update.phoneNumberId
      ? await m.findOne(OutboundMessageEntity, { where: { wamid: update.wamid }, ...this.db.forUpdate() })
      : null;
    const order = message ? await m.findOneByOrFail(OrderEntity, { id: message.orderId }) : null;
    if (!message || !order || order.phoneNumberId !== update.phoneNumberId) {
      return `no message with wamid ${update.wamid} sent from phone number ${update.phoneNumberId ?? '(none given)'}`;
    }
    if (!canAdvanceMessage(message.status, update.status)) return null; // duplicate or late: never backwards
    const from = message.status;
    const error = update.errors[0];
    message.status = update.status;
    if (update.status === 'FAILED' && error) {
      message.errorCode = error.code;
      message.errorMessage = describe(error);
    }
    message.updatedAt = new Date();
    const { status, errorCode, errorMessage, updatedAt } = message;
    await m.update(OutboundMessageEntity, { id: message.id }, { status, errorCode, errorMessage, updatedAt });
    published.push(
      await recordEvent(m, order, {
        type: 'MESSAGE_STATUS_CHANGED',
        source: 'WEBHOOK',
        fromStatus: from,
        toStatus: update.status,
        detail: update.status === 'FAILED' && error ? `${message.kind}: ${describe(error)}` : message.kind,
      }),
    );
    if (update.status === 'FAILED') {
      // the code goes separately: undoRefusedStatusChange puts it in front of the reason itself
      published.push(...(await undoRefusedStatusChange(m, message, error ? errorText(error) : 'message failed', error?.code, 'WEBHOOK')));
    }
    return null;
  }

  /**
   * Errors at the change level carry no message id. A 2046/2047 there can only concern an
   * order_status message of that phone number still awaiting WhatsApp's verdict; when exactly one
   * is, it is that one. Otherwise the error is kept on the webhook and reported.
   */
  private async changeLevelErrors(
    m: EntityManager,
    phoneNumberId: string | null,
    errors: WebhookError[],
    published: OrderEventEntity[],
  ): Promise<string | null> {
    const orderStatusError = errors.find((e) => e.code === 2046 || e.code === 2047);
    if (!orderStatusError || !phoneNumberId) return `WhatsApp reported: ${errors.map(describe).join('; ')}`;
    const candidates = await m
      .createQueryBuilder(OutboundMessageEntity, 'msg')
      .innerJoin(OrderEntity, 'o', 'o.id = msg.orderId')
      .where('o.phoneNumberId = :phoneNumberId', { phoneNumberId })
      .andWhere('msg.kind = :kind', { kind: 'ORDER_STATUS' })
      .andWhere('msg.status IN (:...statuses)', { statuses: ['ACCEPTED', 'SENT'] })
      .orderBy('msg.updatedAt', 'DESC')
      .limit(2)
      .getMany();
    if (candidates.length !== 1) {
      return `WhatsApp reported ${describe(orderStatusError)} without a message id and it matches ${candidates.length} messages`;
    }
    return this.messageStatus(
      m,
      {
        kind: 'message_status',
        phoneNumberId,
        wamid: candidates[0].wamid!,
        status: 'FAILED',
        rawStatus: 'failed',
        errors,
        timestamp: null,
        recipientId: null,
      },
      published,
    );
  }

  private async configurationStatus(m: EntityManager, name: string, status: string, wabaId: string | null): Promise<string | null> {
    const business = wabaId ? await m.findOneBy(BusinessEntity, { wabaId }) : null;
    const configurations = business
      ? await m.findBy(PaymentConfigurationEntity, { businessId: business.id, name })
      : await m.findBy(PaymentConfigurationEntity, { name });
    // without a known WABA, only an unambiguous name may be updated
    if (configurations.length !== 1) return `payment configuration ${name} matches ${configurations.length} configurations`;
    businessChanged(m, configurations[0].businessId);
    await m.update(PaymentConfigurationEntity, { id: configurations[0].id }, { status, updatedAt: new Date() });
    return null;
  }

  private async orderOf(m: EntityManager, phoneNumberId: string | null, referenceId: string): Promise<OrderEntity | null> {
    if (!phoneNumberId) return null;
    const phone = await this.directory.phoneNumber(phoneNumberId);
    if (!phone) return null;
    return m.findOneBy(OrderEntity, { businessId: phone.businessId, referenceId });
  }
}

function errorText(error: WebhookError): string {
  return error.details ?? error.message ?? error.title ?? 'error';
}

function describe(error: WebhookError): string {
  const text = errorText(error);
  return error.code !== null ? `${error.code} ${text}` : text;
}
