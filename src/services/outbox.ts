import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { OrderEntity, OrderEventEntity, OutboundMessageEntity } from '../db/entities';
import type { EventSource } from '../domain/types';
import type { Logger } from '../logger';
import { UpstreamError } from '../whatsapp/upstream-error';
import { EventBus, recordEvent } from './events';
import type { UpstreamClients } from './upstream';
import { WorkerLoop } from './worker-loop';

export interface OutboxOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  /** how long one claim on a message lasts; longer than an upstream call can take */
  leaseMs: number;
}

export type DeliveryOutcome =
  | { kind: 'accepted'; message: OutboundMessageEntity }
  | { kind: 'queued'; message: OutboundMessageEntity; error: UpstreamError }
  /** not sent: an earlier message of the same order is still queued and must go first */
  | { kind: 'deferred'; message: OutboundMessageEntity }
  | { kind: 'failed'; message: OutboundMessageEntity; error: UpstreamError };

/**
 * The transactional outbox of WhatsApp messages. A message is stored with the change that causes
 * it; whoever holds its lease (the request that created it, or the relay after the lease ran
 * out) sends it. A temporary failure leaves it QUEUED with a backoff; the relay keeps retrying,
 * also after a restart, until WhatsApp accepts it. A claim is a compare-and-set on the lease, so
 * two workers (or two instances) never send the same message at the same time.
 */
export class Outbox {

  constructor(
    private readonly db: Database,
    private readonly clients: UpstreamClients,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxOptions,
  ) {
    this.loop = new WorkerLoop('outbox relay', () => this.tick(), options.pollMs, logger);
  }

  private readonly loop: WorkerLoop;
  start = () => this.loop.start();
  stop = () => this.loop.stop();

  /** The lease a request takes on a message it creates, so the relay leaves it alone meanwhile. */
  newLease(now = new Date()): Date {
    return new Date(now.getTime() + this.options.leaseMs);
  }

  /** One relay pass: claim the messages that are due and send them. */
  async tick(limit = 25): Promise<number> {
    const now = new Date();
    const due = await this.db.manager
      .createQueryBuilder(OutboundMessageEntity, 'm')
      .select('m.id', 'id')
      .addSelect('m.lockedUntil', 'lockedUntil')
      .where('m.status = :status', { status: 'QUEUED' })
      .andWhere('m.nextAttemptAt <= :now', { now: this.db.param(now) })
      .andWhere('(m.lockedUntil IS NULL OR m.lockedUntil < :now)', { now: this.db.param(now) })
      .orderBy('m.nextAttemptAt', 'ASC')
      .addOrderBy('m.createdAt', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string; lockedUntil: unknown }>();
    let sent = 0;
    for (const { id, lockedUntil } of due) {
      if (this.loop.stopped) break;
      if (!(await this.claim(id, now))) continue; // another worker has it
      // an expired lease means its holder died, maybe after WhatsApp accepted the message
      const outcome = await this.deliver(id, 'SYSTEM', { interrupted: lockedUntil !== null });
      if (outcome.kind === 'accepted') sent++;
    }
    return sent;
  }

  private async claim(id: string, now: Date): Promise<boolean> {
    const result = await this.db.transaction((m) =>
      m
        .createQueryBuilder()
        .update(OutboundMessageEntity)
        .set({ lockedUntil: this.newLease(now) })
        .where('id = :id', { id })
        .andWhere('status = :status', { status: 'QUEUED' })
        .andWhere('(lockedUntil IS NULL OR lockedUntil < :now)', { now: this.db.param(now) })
        .execute(),
    );
    return (result.affected ?? 0) === 1;
  }

  /**
   * Sends a message whose lease the caller holds, and records the outcome. A request that has
   * just committed the message passes it and its order as `known` (nothing to read again), with
   * `first` when it is the order's first message (nothing can be queued before it).
   */
  async deliver(
    messageId: string,
    source: EventSource,
    opts: { interrupted?: boolean; known?: { message: OutboundMessageEntity; order: OrderEntity; first?: boolean } } = {},
  ): Promise<DeliveryOutcome> {
    const message = opts.known?.message ?? (await this.db.manager.findOneByOrFail(OutboundMessageEntity, { id: messageId }));
    const order = opts.known?.order ?? (await this.db.manager.findOneByOrFail(OrderEntity, { id: message.orderId }));
    // WhatsApp refuses an order_status for an order whose order_details it has not accepted yet
    // (and would apply two status changes in the wrong order): a message waits for the earlier
    // queued messages of its order
    const earlier = opts.known?.first ? null : await this.earlierQueued(message);
    if (earlier) return this.defer(message, earlier);
    let wamid: string | null = null;
    let alreadyAccepted = false;
    let failure: UpstreamError | null = null;
    try {
      const client = await this.clients.forPhoneNumber(order.phoneNumberId);
      // After an interrupted send, WhatsApp may already have the order: its payment lookup knows
      // every reference it accepted an order_details for, so ask before sending it a second time.
      if (opts.interrupted && message.kind === 'ORDER_DETAILS') {
        alreadyAccepted = (await client.lookupPayment(order.paymentConfiguration, order.referenceId)) !== null;
      }
      if (!alreadyAccepted) wamid = (await client.sendMessage(JSON.parse(message.payload))).wamid;
    } catch (err) {
      failure =
        err instanceof UpstreamError
          ? err
          : new UpstreamError(`could not send: ${(err as Error).message}`, { kind: 'protocol', temporary: true, cause: err });
    }

    const published: OrderEventEntity[] = [];
    const outcome = await this.db.transaction(async (m): Promise<DeliveryOutcome> => {
      const current = await m.findOneByOrFail(OutboundMessageEntity, { id: messageId });
      const now = new Date();
      current.attempts += 1;
      current.lockedUntil = null;
      current.updatedAt = now;
      if (wamid || alreadyAccepted) {
        current.status = 'ACCEPTED';
        current.wamid = wamid ?? current.wamid;
        if (alreadyAccepted) current.attempts -= 1; // nothing was sent this time
        current.nextAttemptAt = null;
        current.errorCode = null;
        current.errorMessage = null;
        await this.store(m, current);
        published.push(
          await recordMessageChange(m, order, current, 'QUEUED', 'ACCEPTED', source, alreadyAccepted ? 'confirmed by the payment lookup after an interrupted send' : null),
        );
        return { kind: 'accepted', message: current };
      }
      const error = failure!;
      current.errorCode = error.whatsappCode ?? error.httpStatus ?? null;
      current.errorMessage = error.message;
      if (error.temporary) {
        current.nextAttemptAt = new Date(now.getTime() + this.backoff(current.attempts));
        await this.store(m, current);
        return { kind: 'queued', message: current, error };
      }
      current.status = 'FAILED';
      current.nextAttemptAt = null;
      await this.store(m, current);
      published.push(await recordMessageChange(m, order, current, 'QUEUED', 'FAILED', source));
      published.push(
        ...(await undoRefusedStatusChange(m, current, `WhatsApp refused the order_status message: ${error.message}`, error.whatsappCode, source)),
      );
      return { kind: 'failed', message: current, error };
    });
    this.events.publish(published);
    if (outcome.kind === 'queued') {
      this.logger.warn(
        { messageId, attempts: outcome.message.attempts, retryAt: outcome.message.nextAttemptAt, error: outcome.error.message },
        'WhatsApp is unavailable; message queued for retry',
      );
    } else if (outcome.kind === 'failed') {
      this.logger.warn({ messageId, whatsappCode: outcome.error.whatsappCode, error: outcome.error.message }, 'WhatsApp refused a message');
    }
    return outcome;
  }

  /** Writes a delivery attempt's outcome (one UPDATE; save() would read the row first). */
  private async store(m: EntityManager, message: OutboundMessageEntity): Promise<void> {
    await m.update(
      OutboundMessageEntity,
      { id: message.id },
      {
        status: message.status,
        wamid: message.wamid,
        attempts: message.attempts,
        nextAttemptAt: message.nextAttemptAt,
        lockedUntil: message.lockedUntil,
        errorCode: message.errorCode,
        errorMessage: message.errorMessage,
        updatedAt: message.updatedAt,
      },
    );
  }

  private earlierQueued(message: OutboundMessageEntity): Promise<OutboundMessageEntity | null> {
    return this.db.manager
      .createQueryBuilder(OutboundMessageEntity, 'm')
      .where('m.orderId = :orderId', { orderId: message.orderId })
      .andWhere('m.status = :status', { status: 'QUEUED' })
      .andWhere('m.createdAt < :createdAt', { createdAt: this.db.param(message.createdAt) })
      .orderBy('m.createdAt', 'ASC')
      .getOne();
  }

  /** Leaves the message queued, unclaimed and unattempted, due together with the earlier one (which sorts first). */
  private async defer(message: OutboundMessageEntity, earlier: OutboundMessageEntity): Promise<DeliveryOutcome> {
    const now = new Date();
    const due = earlier.nextAttemptAt && earlier.nextAttemptAt > now ? earlier.nextAttemptAt : now;
    await this.db.transaction((m) =>
      m.update(OutboundMessageEntity, { id: message.id, status: 'QUEUED' }, { lockedUntil: null, nextAttemptAt: due, updatedAt: now }),
    );
    return { kind: 'deferred', message: await this.db.manager.findOneByOrFail(OutboundMessageEntity, { id: message.id }) };
  }

  /** Exponential backoff with full jitter, so a recovering upstream is not hit in lockstep. */
  backoff(attempts: number): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.max(this.options.retryBaseMs, Math.floor(Math.random() * ceiling));
  }
}

function recordMessageChange(
  m: EntityManager,
  order: OrderEntity,
  message: OutboundMessageEntity,
  from: string,
  to: string,
  source: EventSource,
  note: string | null = null,
): Promise<OrderEventEntity> {
  const why = note ?? message.errorMessage;
  return recordEvent(m, order, {
    type: 'MESSAGE_STATUS_CHANGED',
    source,
    fromStatus: from,
    toStatus: to,
    detail: why ? `${message.kind}: ${why}` : message.kind,
  });
}

/**
 * WhatsApp refused an order_status message (a permanent error now, or an error webhook later):
 * the customer never saw the new status, so the order goes back to what it was before, unless
 * something else has changed it since.
 */
export async function undoRefusedStatusChange(
  m: EntityManager,
  message: OutboundMessageEntity,
  reason: string,
  whatsappCode: number | null | undefined,
  source: EventSource,
): Promise<OrderEventEntity[]> {
  if (message.kind !== 'ORDER_STATUS' || !message.previousOrderStatus || !message.targetOrderStatus) return [];
  const order = await m.findOneByOrFail(OrderEntity, { id: message.orderId });
  const events = [
    await recordEvent(m, order, {
      type: 'UPSTREAM_ERROR',
      source,
      toStatus: message.targetOrderStatus,
      detail: whatsappCode ? `${whatsappCode}: ${reason}` : reason,
    }),
  ];
  if (order.status === message.targetOrderStatus) {
    order.status = message.previousOrderStatus;
    order.updatedAt = new Date();
    await m.save(order);
    events.push(
      await recordEvent(m, order, {
        type: 'ORDER_STATUS_CHANGED',
        source: 'SYSTEM',
        fromStatus: message.targetOrderStatus,
        toStatus: message.previousOrderStatus,
        detail: 'reverted: WhatsApp refused the status update',
      }),
    );
  }
  return events;
}
