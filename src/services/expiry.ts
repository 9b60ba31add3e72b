import type { Database } from '../db/database';
import { OrderEntity, OrderEventEntity, PaymentEntity } from '../db/entities';
import type { Logger } from '../logger';
import type { LookupPayment } from '../whatsapp/client';
import { type EventBus, recordEvent } from './events';
import { applyLookup } from './payments';
import type { UpstreamClients } from './upstream';
import { claimDueRows } from './due-claims';
import { WorkerLoop } from './worker-loop';
import { orderChanged } from './order-changes';

export interface ExpiryOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  /** how long a claimed check is left alone before another worker may take it over */
  leaseMs: number;
}

/**
 * Orders whose expiresAt has passed. WhatsApp takes no payment after it, but a capture may have
 * arrived unannounced (its webhook lost), so the payment lookup decides: nothing captured or in
 * progress (NEW or FAILED) → the order is `expired` with an ORDER_EXPIRED event, stored in the
 * transaction that marks it; a capture found then is applied as any lookup is; an attempt still
 * in progress is looked at again later, as is an order whose lookup failed.
 *
 * The schedule is a column (`expiryCheckAfter`), so a restart loses nothing; a check is claimed by
 * a compare-and-set that moves it to the claimer's lease (claimDueRows, like the verifier), and only
 * the holder of that exact lease may record the outcome, so with several instances each order
 * expires once.
 */
export class ExpiryWatcher {
  private readonly loop: WorkerLoop;

  constructor(
    private readonly db: Database,
    private readonly clients: UpstreamClients,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly options: ExpiryOptions,
  ) {
    this.loop = new WorkerLoop('order expiry', () => this.pass(), options.pollMs, logger);
  }

  start = () => this.loop.start();
  stop = () => this.loop.stop();
  kick = (delayMs = 0) => this.loop.kick(delayMs);

  /** One pass: claim the orders whose check is due and look each up, `limit` at a time. */
  async pass(limit = 50): Promise<void> {
    const options = { limit, leaseMs: this.options.leaseMs, stopped: () => this.loop.stopped };
    await claimDueRows(this.db, OrderEntity, 'expiryCheckAfter', options, (id, lease) => this.check(id, lease));
  }

  private async check(orderId: string, lease: Date): Promise<void> {
    const order = await this.db.manager.findOneByOrFail(OrderEntity, { id: orderId });
    if (order.expired || order.status === 'CANCELED' || order.expiresAt === null) {
      // nothing left to decide: a canceled order is past paying anyway
      await this.settle(orderId, lease, null);
      return;
    }
    let lookup: LookupPayment | null;
    try {
      const client = await this.clients.forPhoneNumber(order.phoneNumberId);
      lookup = await client.lookupPayment(order.paymentConfiguration, order.referenceId);
    } catch (err) {
      const retryInMs = this.delay(order.expiresAt);
      await this.settle(orderId, lease, new Date(Date.now() + retryInMs));
      this.logger.warn({ referenceId: order.referenceId, retryInMs, error: (err as Error).message }, 'payment lookup for an expired order failed; it will be retried');
      return;
    }
    const published: OrderEventEntity[] = [];
    await this.db.transaction(async (m) => {
      const current = await m.findOneOrFail(OrderEntity, { where: { id: orderId }, ...this.db.forUpdate() });
      // the lease ran out and another worker took the check over: its outcome counts, not ours
      if (current.expiryCheckAfter?.getTime() !== lease.getTime()) return;
      const payment = await m.findOneOrFail(PaymentEntity, { where: { orderId }, ...this.db.forUpdate() });
      published.push(...(await applyLookup(m, current, payment, lookup, 'LOOKUP')));
      const now = new Date();
      let next: Date | null = null;
      if (current.expired || current.status === 'CANCELED') {
        // decided meanwhile
      } else if (payment.status === 'NEW' || payment.status === 'FAILED') {
        current.expired = true;
        published.push(
          await recordEvent(m, current, {
            type: 'ORDER_EXPIRED',
            source: 'SYSTEM',
            detail:
              `expiresAt ${current.expiresAt!.toISOString()} passed and WhatsApp's payment lookup found ` +
              (payment.status === 'NEW' ? 'no payment attempt' : 'only failed payment attempts'),
          }),
        );
      } else if (payment.status === 'PENDING') {
        // an attempt started before the expiry may still succeed: look again once it has ended
        next = new Date(now.getTime() + this.delay(current.expiresAt!));
      }
      orderChanged(m, current.businessId, current.id);
      await m.update(OrderEntity, { id: orderId }, { expired: current.expired, expiryCheckAfter: next, updatedAt: now });
    });
    this.events.publish(published);
  }

  /** Ends our claim: the next check at `next`, or none. Only while we still hold the lease. */
  private async settle(orderId: string, lease: Date, next: Date | null): Promise<void> {
    await this.db.transaction((m) =>
      m
        .createQueryBuilder()
        .update(OrderEntity)
        .set({ expiryCheckAfter: next })
        .where('id = :id', { id: orderId })
        .andWhere('expiryCheckAfter = :lease', { lease: this.db.param(lease) })
        .execute(),
    );
  }

  /**
   * How long until the next look: as long as the order has been expired, within the retry bounds,
   * so an attempt in progress (or a lookup that fails) is looked at often at first, then less.
   */
  private delay(expiresAt: Date): number {
    const since = Date.now() - expiresAt.getTime();
    return Math.min(this.options.retryMaxMs, Math.max(this.options.retryBaseMs, since));
  }
}
