import type { Database } from '../db/database';
import { OrderEntity, OrderEventEntity, PaymentEntity } from '../db/entities';
import { userError } from '../domain/errors';
import type { EventSource, UserError } from '../domain/types';
import type { Logger } from '../logger';
import type { LookupPayment } from '../whatsapp/client';
import { UpstreamError } from '../whatsapp/upstream-error';
import { ServiceContext } from './context';
import type { EventBus } from './events';
import type { OrderQueries } from './order-queries';
import { applyLookup, savePayment } from './payments';
import type { UpstreamClients } from './upstream';
import { claimDueRows } from './due-claims';
import { WorkerLoop } from './worker-loop';
import { orderChanged } from './order-changes';

/**
 * How long a payment hint waits before its lookup: the other hints of a burst (WhatsApp sends a
 * payment's webhooks in quick succession, and retries them) land in the same lookup.
 */
export const HINT_DEBOUNCE_MS = 250;

export interface VerifierOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  /** how long a claimed verification is left alone before another worker may retry it */
  leaseMs: number;
}

export interface PaymentResult {
  payment: PaymentEntity | null;
  userErrors: UserError[];
}

/**
 * Confirms payments through WhatsApp's lookup API. A payment webhook only marks its payment as
 * due (`verifyAfter`); this worker claims due payments and looks each up once, so a burst of
 * webhooks for one order costs a handful of lookups, not one each. When the lookup cannot be
 * reached nothing changes and the payment is retried with backoff until it answers.
 */
export class PaymentVerifier {

  constructor(
    private readonly db: Database,
    private readonly clients: UpstreamClients,
    private readonly events: EventBus,
    private readonly queries: OrderQueries,
    private readonly logger: Logger,
    private readonly options: VerifierOptions,
  ) {
    this.loop = new WorkerLoop('payment verification', () => this.pass(), options.pollMs, logger);
  }

  private readonly loop: WorkerLoop;
  start = () => this.loop.start();
  stop = () => this.loop.stop();
  /** A payment becomes due in `delayMs`: look it up then. */
  kick = (delayMs = 0) => this.loop.kick(delayMs);


  /**
   * One pass: claim the payments that are due and look each up, `limit` at a time, until none is
   * due. (Stopping after one batch left a burst of webhooks waiting a debounce interval per batch
   * of `limit`: 50 lookups per quarter second however fast the lookups were.)
   */
  async pass(limit = 50): Promise<void> {
    const options = { limit, leaseMs: this.options.leaseMs, stopped: () => this.loop.stopped };
    await claimDueRows(this.db, PaymentEntity, 'verifyAfter', options, async (id, lease) => {
      const payment = await this.db.manager.findOneBy(PaymentEntity, { id });
      if (payment) await this.verifyClaimed(payment, lease);
    });
  }

  private async verifyClaimed(payment: PaymentEntity, lease: Date): Promise<void> {
    const order = await this.db.manager.findOneByOrFail(OrderEntity, { id: payment.orderId });
    let lookup: LookupPayment | null;
    try {
      lookup = await this.lookup(order);
    } catch (err) {
      const attempts = payment.verifyAttempts + 1;
      const delay = this.backoff(attempts);
      await this.db.transaction((m) => {
        orderChanged(m, payment.businessId, payment.orderId);
        return m.update(PaymentEntity, { id: payment.id }, { verifyAttempts: attempts, verifyAfter: new Date(Date.now() + delay) });
      });
      this.logger.warn(
        { referenceId: order.referenceId, attempts, retryInMs: delay, error: (err as Error).message },
        'payment lookup failed; verification will be retried',
      );
      return;
    }
    await this.record(order.id, lookup, 'LOOKUP', lease);
  }

  /** `verifyPayment`: look the payment up now and record the answer. */
  async verifyNow(ctx: ServiceContext, referenceId: string, businessId?: string | null): Promise<PaymentResult> {
    const order = await this.queries.order(ctx, referenceId, businessId);
    if (!order) {
      return {
        payment: null,
        userErrors: [userError('ORDER_NOT_FOUND', `No order with referenceId ${referenceId} in your business.`, ['referenceId'])],
      };
    }
    let lookup: LookupPayment | null;
    try {
      lookup = await this.lookup(order);
    } catch (err) {
      const payment = await this.db.manager.findOneByOrFail(PaymentEntity, { orderId: order.id });
      if (!(err instanceof UpstreamError)) throw err;
      return {
        payment,
        userErrors: [
          err.temporary
            ? userError(
                'UPSTREAM_UNAVAILABLE',
                `WhatsApp's payment lookup could not be reached (${err.message}); nothing changed. Retry in a moment.`,
                ['referenceId'],
              )
            : userError('UPSTREAM_REJECTED', `WhatsApp refused the payment lookup: ${err.details ?? err.message}`, ['referenceId'], err.whatsappCode),
        ],
      };
    }
    const payment = await this.record(order.id, lookup, 'LOOKUP', null);
    return { payment, userErrors: [] };
  }

  private async lookup(order: OrderEntity): Promise<LookupPayment | null> {
    const client = await this.clients.forPhoneNumber(order.phoneNumberId);
    return client.lookupPayment(order.paymentConfiguration, order.referenceId);
  }

  /** Applies a lookup answer; clears the due mark unless a new webhook arrived meanwhile. */
  private async record(orderId: string, lookup: LookupPayment | null, source: EventSource, lease: Date | null): Promise<PaymentEntity> {
    const published: OrderEventEntity[] = [];
    const payment = await this.db.transaction(async (m) => {
      const order = await m.findOneOrFail(OrderEntity, { where: { id: orderId } });
      const payment = await m.findOneOrFail(PaymentEntity, { where: { orderId }, ...this.db.forUpdate() });
      // A claimed payment still carries exactly our lease unless a webhook came in after the
      // lookup was taken: then its hint is judged by the next lookup, not by this one.
      const webhookSince = lease ? payment.verifyAfter?.getTime() !== lease.getTime() : payment.verifyAfter !== null;
      const hint = !webhookSince && payment.hintStatus ? { status: payment.hintStatus } : undefined;
      if (!webhookSince) {
        payment.hintStatus = null;
        payment.verifyAfter = null;
        payment.verifyAttempts = 0;
      }
      // a refund still in progress plans the next lookup (webhooks may never come)
      const followUp = { baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxMs };
      published.push(...(await applyLookup(m, order, payment, lookup, source, hint, followUp)));
      await savePayment(m, payment);
      return payment;
    });
    this.events.publish(published);
    return payment;
  }

  backoff(attempts: number): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
    return Math.max(this.options.retryBaseMs, Math.floor(Math.random() * ceiling));
  }
}
