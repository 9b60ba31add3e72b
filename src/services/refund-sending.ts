import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { OrderEntity, OrderEventEntity, PaymentEntity, RefundEntity } from '../db/entities';
import { matchReportedRefunds } from '../domain/refunds';
import type { EventSource, RefundStatus } from '../domain/types';
import type { RefundAnswer } from '../whatsapp/client';
import { fromWireRefundSpeed } from '../whatsapp/refund-wire';
import { UpstreamError } from '../whatsapp/upstream-error';
import type { CallFailure, CallResult, OutboxHandler, OutboxJob, Step } from './outbox';
import { changeRefund, lockedRefunds, planRefundLookup, type RefundFollowUp, reportedRefunds, storedForMatching } from './refund-settlement';
import type { UpstreamClients } from './upstream';
import { orderChanged } from './order-changes';

/** What a refund job delivers: the stored refund (REQUESTED) and its order. */
export interface RefundSubject {
  refund: RefundEntity;
  order: OrderEntity;
}

/** WhatsApp's answer, or what its lookup showed of a request whose answer was lost. */
export interface RefundOutcome {
  refundId: string;
  status: RefundStatus;
  speedProcessed: RefundAnswer['speedProcessed'];
  /** how the gateway learned it */
  note: string;
  upstreamCreatedAt?: Date | null;
  upstreamUpdatedAt?: Date | null;
}

const STATUS_OF_ANSWER: Record<RefundAnswer['status'], RefundStatus> = { pending: 'PENDING', completed: 'SUCCEEDED', failed: 'FAILED' };
const STATUS_OF_LOOKUP = { PENDING: 'PENDING', SUCCESS: 'SUCCEEDED', FAILED: 'FAILED' } as const;

/**
 * The outbox kind that asks WhatsApp for refunds (POST payments_refund). WhatsApp's refund API
 * takes no idempotency key, so a request whose outcome is unknown (a timeout, a lost answer, a
 * holder that died mid-call) is settled through the payment lookup's refunds[] before anything is
 * sent again: a refund WhatsApp has that matches this one (matchReportedRefunds, the one place
 * that decides it) is taken as this one; otherwise it was not made, and is requested.
 */
export class RefundSending implements OutboxHandler<RefundSubject, RefundOutcome> {
  readonly kind = 'REFUND' as const;

  constructor(
    private readonly db: Database,
    private readonly clients: UpstreamClients,
    readonly maxAttempts: number,
    private readonly followUp: RefundFollowUp,
  ) {}

  async load(job: OutboxJob): Promise<RefundSubject | null> {
    const refund = await this.db.manager.findOneBy(RefundEntity, { id: job.subjectId });
    // the payment lookup may have settled it meanwhile (its answer came in a webhook's wake)
    if (!refund || refund.status !== 'REQUESTED' || refund.refundId !== null) return null;
    const order = await this.db.manager.findOneByOrFail(OrderEntity, { id: refund.orderId });
    return { refund, order };
  }

  async settle({ refund, order }: RefundSubject): Promise<{ delivered: true; value: RefundOutcome } | { delivered: false }> {
    const client = await this.clients.forPhoneNumber(order.phoneNumberId);
    const lookup = await client.lookupPayment(order.paymentConfiguration, order.referenceId);
    if (!lookup) return { delivered: false };
    const stored = await storedForMatching(this.db.manager, await this.db.manager.findBy(RefundEntity, { paymentId: refund.paymentId }));
    const reported = reportedRefunds(lookup, refund.offset);
    const matches = matchReportedRefunds(stored, reported.map((r) => r.reported), refund.id);
    const i = matches.findIndex((x) => x.match.kind === 'ours');
    if (i < 0) return { delivered: false };
    const wire = reported[i].wire;
    return {
      delivered: true,
      value: {
        refundId: wire.id,
        // a status word the gateway does not know: money may be moving
        status: wire.status ? STATUS_OF_LOOKUP[wire.status] : 'PENDING',
        speedProcessed: fromWireRefundSpeed(wire.speedProcessed),
        note: 'found in the payment lookup after an interrupted request (not requested again)',
        upstreamCreatedAt: wire.createdAt,
        upstreamUpdatedAt: wire.updatedAt,
      },
    };
  }

  async call({ refund, order }: RefundSubject): Promise<CallResult<RefundOutcome>> {
    try {
      const client = await this.clients.forPhoneNumber(order.phoneNumberId);
      const answer = await client.requestRefund({
        referenceId: order.referenceId,
        configurationName: order.paymentConfiguration,
        speed: refund.speedRequested,
        amount: { value: refund.amount, offset: refund.offset },
      });
      const status = STATUS_OF_ANSWER[answer.status];
      const note = answer.status === 'pending' ? 'accepted by WhatsApp' : answer.status === 'completed' ? 'completed at once' : 'WhatsApp answered that the refund failed';
      return { ok: true, value: { refundId: answer.id, status, speedProcessed: answer.speedProcessed, note } };
    } catch (err) {
      return { ok: false, failure: this.classify(err) };
    }
  }

  classify(err: unknown): CallFailure {
    if (err instanceof UpstreamError) {
      // a server error may come after the refund was made: money is at stake, so it is settled
      // through the lookup before the refund is requested again (a rate limit, 429, was not acted on)
      const serverError = err.kind === 'http' && (err.httpStatus ?? 0) >= 500;
      return { message: err.message, temporary: err.temporary, outcomeUnknown: err.outcomeUnknown || serverError, cause: err };
    }
    // not an answer from WhatsApp (the phone number's client could not be made): nothing was sent
    return { message: `could not request the refund: ${(err as Error)?.message ?? String(err)}`, temporary: true, outcomeUnknown: false, cause: err };
  }

  async record(m: EntityManager, subject: RefundSubject, _job: OutboxJob, step: Step<RefundOutcome>, source: EventSource): Promise<OrderEventEntity[]> {
    const { payment, refunds } = await lockedRefunds(m, { id: subject.refund.paymentId }, this.db.forUpdate());
    const refund = refunds.find((r) => r.id === subject.refund.id);
    if (!refund) return [];
    const order = subject.order;
    const change = (c: Parameters<typeof changeRefund>[5], note: string | null) => changeRefund(m, order, payment, refunds, refund, c, source, note);
    let event: OrderEventEntity | null = null;
    switch (step.kind) {
      case 'delivered':
      case 'settled': {
        const o = step.value!;
        event = await change(
          {
            status: o.status,
            refundId: o.refundId,
            speedProcessed: o.speedProcessed,
            // a refund that failed at WhatsApp keeps why; one that went through sheds the last error
            errorCode: null,
            errorMessage: o.status === 'FAILED' ? o.note : null,
            upstreamCreatedAt: o.upstreamCreatedAt ?? null,
            upstreamUpdatedAt: o.upstreamUpdatedAt ?? null,
          },
          o.note,
        );
        break;
      }
      case 'retrying':
        await change({ errorMessage: step.failure.message }, null);
        break;
      case 'unsettled':
        break;
      case 'failed': {
        const upstream = step.failure.cause instanceof UpstreamError ? step.failure.cause : null;
        const code = upstream?.whatsappCode ?? upstream?.httpStatus;
        event = await change(
          { status: 'FAILED', errorCode: code !== undefined ? String(code) : null, errorMessage: step.failure.message },
          `WhatsApp refused it${code !== undefined ? ` (${code})` : ''}: ${upstream?.details ?? step.failure.message}`,
        );
        break;
      }
      case 'gave-up':
        event = await change({ status: 'FAILED', errorMessage: step.reason }, `not requested: ${step.reason}`);
        break;
    }
    // a refund in progress is settled by the payment lookup: look, even if no webhook ever comes
    if (refund.status === 'PENDING' && planRefundLookup(payment, refund.createdAt, this.followUp)) {
      orderChanged(m, payment.businessId, payment.orderId);
      await m.update(PaymentEntity, { id: payment.id }, { verifyAfter: payment.verifyAfter });
    }
    return event ? [event] : [];
  }
}
