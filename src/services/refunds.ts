import { BatchReader } from '../db/batch-reads';
import type { Database } from '../db/database';
import { OrderEntity, OrderEventEntity, PaymentEntity, RefundEntity } from '../db/entities';
import { userError } from '../domain/errors';
import { MAX_REFUND_REASON } from '../domain/limits';
import { decideRefund } from '../domain/refunds';
import type { MoneyAmount, RefundSpeed, UserError } from '../domain/types';
import { UpstreamError } from '../whatsapp/upstream-error';
import { canSeeBusiness, type ServiceContext } from './context';
import type { EventBus } from './events';
import type { IdempotencyService } from './idempotency';
import type { OrderQueries } from './order-queries';
import type { Outbox, OutboxJob } from './outbox';
import type { RefundOutcome, RefundSubject } from './refund-sending';
import { capturedOf, insertRefund, lockedRefunds, newRefund } from './refund-settlement';

export interface RefundPaymentRequest {
  referenceId: string;
  /** ADMIN keys: the business (local id); other keys act on their own */
  businessId?: string | null;
  /** default: the whole refundable amount */
  amount?: MoneyAmount | null;
  speed?: RefundSpeed | null;
  reason?: string | null;
  idempotencyKey?: string | null;
}

export interface RefundResult {
  refund: RefundEntity | null;
  payment: PaymentEntity | null;
  userErrors: UserError[];
}

/**
 * refundPayment and the reads of refunds. A refund is stored REQUESTED, with its event and its
 * outbox job, in the transaction that checked it against the payment (locked): two requests at
 * once never refund together more than was captured. The request then makes the call itself
 * (the job is born held by it), so the caller learns WhatsApp's answer; the outbox takes over
 * whatever is left (a retry, an unknown outcome to settle).
 */
export class RefundService {
  private readonly reader: BatchReader<RefundEntity>;

  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly idempotency: IdempotencyService,
    private readonly queries: OrderQueries,
  ) {
    this.reader = new BatchReader(db.dataSource, RefundEntity);
  }

  async refundPayment(ctx: ServiceContext, input: RefundPaymentRequest): Promise<RefundResult> {
    let fresh: RefundResult | null = null;
    const stored = await this.idempotency.run(ctx, 'refundPayment', input.idempotencyKey, input, async () => {
      fresh = await this.refund(ctx, input);
      return { ids: { refund: fresh.refund?.id ?? null, payment: fresh.payment?.id ?? null }, userErrors: fresh.userErrors };
    });
    if (fresh) return fresh;
    const m = this.db.manager;
    return {
      refund: stored.ids.refund ? await m.findOneBy(RefundEntity, { id: stored.ids.refund }) : null,
      payment: stored.ids.payment ? await m.findOneBy(PaymentEntity, { id: stored.ids.payment }) : null,
      userErrors: stored.userErrors,
    };
  }

  private async refund(ctx: ServiceContext, input: RefundPaymentRequest): Promise<RefundResult> {
    if (input.reason !== null && input.reason !== undefined && [...input.reason].length > MAX_REFUND_REASON) {
      return refused(userError('INVALID_INPUT', `reason must be at most ${MAX_REFUND_REASON} characters`, ['input', 'reason']));
    }
    const order = await this.queries.order(ctx, input.referenceId, input.businessId);
    if (!order && ctx.principal.role === 'ADMIN' && !input.businessId && (await this.db.manager.countBy(OrderEntity, { referenceId: input.referenceId })) > 1) {
      return refused(
        userError('INVALID_INPUT', `Several businesses have an order ${input.referenceId}; name the business with businessId.`, ['input', 'businessId']),
      );
    }
    if (!order || !canSeeBusiness(ctx, order.businessId)) {
      return refused(userError('ORDER_NOT_FOUND', `No order with referenceId ${input.referenceId} in your business.`, ['input', 'referenceId']));
    }
    const speed = input.speed ?? 'NORMAL';
    const now = new Date();
    type Created =
      | { ok: false; payment: PaymentEntity; userErrors: UserError[] }
      | { ok: true; payment: PaymentEntity; refund: RefundEntity; event: OrderEventEntity; job: OutboxJob };
    const created = await this.db.transaction(async (m): Promise<Created> => {
      const { payment, refunds } = await lockedRefunds(m, { orderId: order.id }, this.db.forUpdate());
      const offset = payment.amountOffset ?? order.offset;
      const decided = decideRefund({ status: payment.status, captured: capturedOf(payment), offset, currency: payment.currency }, refunds, input.amount);
      if (!decided.ok) return { ok: false, payment, userErrors: [decided.error] };
      const refund = newRefund(
        order,
        payment,
        {
          refundId: null,
          amount: decided.amount,
          offset,
          status: 'REQUESTED',
          speedRequested: speed,
          speedProcessed: null,
          requestedByGateway: true,
          reason: input.reason ?? null,
          upstreamCreatedAt: null,
          upstreamUpdatedAt: null,
        },
        now,
      );
      const event = await insertRefund(m, order, payment, refunds, refund, 'API', `requested (${speed.toLowerCase()} speed)`);
      // refunds of one payment go to WhatsApp one at a time: each is answered (or settled) before
      // the next is asked for, which also keeps telling them apart in the lookup unambiguous
      const job = await this.outbox.enqueue(m, { kind: 'REFUND', subjectId: refund.id, businessId: order.businessId, sequenceKey: payment.id, heldByRequest: true, now });
      return { ok: true, payment, refund, event, job };
    });
    if (!created.ok) return { refund: null, payment: created.payment, userErrors: created.userErrors };
    this.events.publish([created.event]);
    const step = await this.outbox.runForRequest<RefundSubject, RefundOutcome>(created.job, { refund: created.refund, order });
    const refund = await this.db.manager.findOneByOrFail(RefundEntity, { id: created.refund.id });
    const payment = await this.db.manager.findOneByOrFail(PaymentEntity, { id: created.payment.id });
    const userErrors: UserError[] = [];
    if (step.kind === 'failed') {
      const upstream = step.failure.cause instanceof UpstreamError ? step.failure.cause : null;
      userErrors.push(
        userError(
          'UPSTREAM_REJECTED',
          `WhatsApp refused the refund${upstream?.whatsappCode ? ` (code ${upstream.whatsappCode})` : ''}: ${upstream?.details ?? step.failure.message}. Nothing was refunded; retrying it unchanged will not help.`,
          undefined,
          upstream?.whatsappCode,
        ),
      );
    } else if ((step.kind === 'delivered' || step.kind === 'settled') && refund.status === 'FAILED') {
      userErrors.push(userError('UPSTREAM_REJECTED', `WhatsApp answered that the refund failed: ${refund.errorMessage ?? 'no reason given'}. Nothing was refunded.`));
    }
    return { refund, payment, userErrors };
  }

  /** Refunds of these payments, oldest first (the request-scoped loader's batch read). */
  refundsByPaymentIds(ids: readonly string[]): Promise<RefundEntity[]> {
    return this.reader.byKeys(this.db.manager, 'paymentId', ids, '"paymentId", "createdAt", "id"');
  }

  /** Refunds by their ids (for events that name them). */
  refundsByIds(ids: readonly string[]): Promise<RefundEntity[]> {
    return this.reader.byKeys(this.db.manager, 'id', ids, '"id"');
  }

  /** The order a refund belongs to (tenancy checks). */
  orderOf(refund: RefundEntity): Promise<OrderEntity | null> {
    return this.db.manager.findOneBy(OrderEntity, { id: refund.orderId });
  }
}

function refused(error: UserError): RefundResult {
  return { refund: null, payment: null, userErrors: [error] };
}
