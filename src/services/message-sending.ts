import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { OrderEntity, OrderEventEntity, OutboundMessageEntity } from '../db/entities';
import type { EventSource } from '../domain/types';
import { orderDetailsAccepted } from '../whatsapp/lookup';
import { UpstreamError } from '../whatsapp/upstream-error';
import { recordEvent } from './events';
import type { CallFailure, CallResult, OutboxHandler, OutboxJob, Step } from './outbox';
import type { UpstreamClients } from './upstream';
import { orderChanged } from './order-changes';

/** What a WhatsApp message job delivers: the stored message (exact wire payload) and its order. */
export interface MessageSubject {
  message: OutboundMessageEntity;
  order: OrderEntity;
}

/** WhatsApp's pair rate limit: one message to the same customer per 6 seconds. */
export const PAIR_RATE_LIMIT_CODE = 131056;
export const PAIR_RATE_LIMIT_MS = 6000;

/** The largest value an integer column holds on PostgreSQL; codes beyond it are not WhatsApp's. */
const MAX_INT32 = 2147483647;

/**
 * The outbox kind that sends WhatsApp messages (order_details, order_status). The value of a
 * delivered call is the message's wamid. After a call whose outcome is unknown, an order_details
 * is settled through the payment lookup (which knows every reference WhatsApp accepted an order
 * for); an order_status cannot be asked about, and sending the same status again is harmless, so
 * it is sent again.
 */
export class MessageSending implements OutboxHandler<MessageSubject, string> {
  readonly kind = 'WHATSAPP_MESSAGE' as const;

  constructor(
    private readonly db: Database,
    private readonly clients: UpstreamClients,
    readonly maxAttempts: number,
  ) {}

  async load(job: OutboxJob): Promise<MessageSubject | null> {
    const message = await this.db.manager.findOneBy(OutboundMessageEntity, { id: job.subjectId });
    if (!message || message.status !== 'QUEUED') return null;
    const order = await this.db.manager.findOneByOrFail(OrderEntity, { id: message.orderId });
    return { message, order };
  }

  async settle({ message, order }: MessageSubject): Promise<{ delivered: true; value: null } | { delivered: false }> {
    if (message.kind !== 'ORDER_DETAILS') return { delivered: false };
    const client = await this.clients.forPhoneNumber(order.phoneNumberId);
    const lookup = await client.lookupPayment(order.paymentConfiguration, order.referenceId);
    return orderDetailsAccepted(lookup) ? { delivered: true, value: null } : { delivered: false };
  }

  async call({ message, order }: MessageSubject): Promise<CallResult<string>> {
    const client = await this.clients.forPhoneNumber(order.phoneNumberId);
    try {
      return { ok: true, value: (await client.sendMessage(JSON.parse(message.payload))).wamid };
    } catch (err) {
      return { ok: false, failure: this.classify(err) };
    }
  }

  classify(err: unknown): CallFailure {
    if (err instanceof UpstreamError) {
      return {
        message: err.message,
        temporary: err.temporary,
        outcomeUnknown: err.outcomeUnknown,
        minDelayMs: err.whatsappCode === PAIR_RATE_LIMIT_CODE ? PAIR_RATE_LIMIT_MS : undefined,
        cause: err,
      };
    }
    // not an answer from WhatsApp (e.g. the phone number's client could not be made): nothing was sent
    return { message: `could not send: ${(err as Error)?.message ?? String(err)}`, temporary: true, outcomeUnknown: false, cause: err };
  }

  async record(m: EntityManager, { message, order }: MessageSubject, job: OutboxJob, step: Step<string>, source: EventSource): Promise<OrderEventEntity[]> {
    const now = new Date();
    message.attempts = job.attempts;
    message.updatedAt = now;
    switch (step.kind) {
      case 'delivered':
      case 'settled': {
        message.status = 'ACCEPTED';
        message.wamid = step.kind === 'delivered' ? step.value : message.wamid;
        message.errorCode = null;
        message.errorMessage = null;
        await store(m, message);
        const note = step.kind === 'settled' ? 'confirmed by the payment lookup after an interrupted send' : null;
        return [await recordMessageChange(m, order, message, 'QUEUED', 'ACCEPTED', source, note)];
      }
      case 'retrying':
      case 'unsettled':
        if (step.kind === 'retrying') setError(message, step.failure);
        await store(m, message);
        return [];
      case 'failed':
      case 'gave-up': {
        message.status = 'FAILED';
        setError(message, step.failure);
        if (step.kind === 'gave-up') message.errorMessage = `${step.reason}`.slice(0, 2000);
        await store(m, message);
        const events = [await recordMessageChange(m, order, message, 'QUEUED', 'FAILED', source)];
        const code = upstreamOf(step.failure)?.whatsappCode;
        const why = step.kind === 'gave-up' ? `WhatsApp did not accept the ${describeKind(message)}: ${step.reason}` : `WhatsApp refused the order_status message: ${step.failure.message}`;
        const undone = await undoRefusedStatusChange(m, message, why, code, source);
        // an order_details (or a status change already overtaken) has nothing to undo: say so anyway
        if (undone.length === 0 && step.kind === 'gave-up') {
          undone.push(await recordEvent(m, order, { type: 'UPSTREAM_ERROR', source, toStatus: message.targetOrderStatus, detail: why }));
        }
        return [...events, ...undone];
      }
    }
  }
}

function upstreamOf(failure: CallFailure): UpstreamError | null {
  return failure.cause instanceof UpstreamError ? failure.cause : null;
}

function setError(message: OutboundMessageEntity, failure: CallFailure): void {
  const upstream = upstreamOf(failure);
  const code = upstream?.whatsappCode ?? upstream?.httpStatus ?? null;
  message.errorCode = code !== null && Number.isSafeInteger(code) && Math.abs(code) <= MAX_INT32 ? code : null;
  message.errorMessage = failure.message.slice(0, 2000);
}

function describeKind(message: OutboundMessageEntity): string {
  return message.kind === 'ORDER_DETAILS' ? 'order_details message' : 'order_status message';
}

/** Writes a delivery step's outcome (one UPDATE; save() would read the row first). */
async function store(m: EntityManager, message: OutboundMessageEntity): Promise<void> {
  const { status, wamid, attempts, errorCode, errorMessage, updatedAt } = message;
  orderChanged(m, message.businessId, message.orderId);
  await m.update(OutboundMessageEntity, { id: message.id }, { status, wamid, attempts, errorCode, errorMessage, updatedAt });
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
    await m.update(OrderEntity, { id: order.id }, { status: order.status, updatedAt: order.updatedAt });
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
