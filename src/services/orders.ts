import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import { isUniqueViolation } from '../db/errors';
import { insertRows, insertTogether } from '../db/writes';
import {
  OrderEntity,
  OrderEventEntity,
  OrderItemEntity,
  OutboundMessageEntity,
  OutboxEntity,
  PaymentConfigurationEntity,
  PaymentEntity,
} from '../db/entities';
import { cancelNotAllowed, invalidTransition, userError } from '../domain/errors';
import { checkStatusChange, isTransitionAllowed } from '../domain/order-status';
import { validateGatewayFields, validateOrderDetails, validateStatusText } from '../domain/order-validation';
import { blocksCancel, isFinalPayment } from '../domain/payment-status';
import type { BeneficiaryInput, GatewayFieldsInput, OrderStatus, OrderTotals, SendOrderDetailsInput, UserError } from '../domain/types';
import { buildOrderDetailsMessage, buildOrderStatusMessage } from '../whatsapp/message-builders';
import { UpstreamError } from '../whatsapp/upstream-error';
import type { LookupPayment } from '../whatsapp/client';
import { canSeeBusiness, ServiceContext } from './context';
import type { Directory, KnownConfiguration } from './directory';
import { EventBus, eventStored, newEvent, recordEvent } from './events';
import { hashInput, IdempotencyService } from './idempotency';
import type { MessageSubject } from './message-sending';
import type { NewJob, Outbox, OutboxJob } from './outbox';
import { applyLookup } from './payments';
import type { UpstreamClients } from './upstream';

export interface OrderResult {
  order: OrderEntity | null;
  userErrors: UserError[];
}

export interface StatusUpdateRequest {
  referenceId: string;
  status: OrderStatus;
  description?: string | null;
  body?: string | null;
  idempotencyKey?: string | null;
}

export interface CancelRequest {
  referenceId: string;
  description?: string | null;
  body?: string | null;
  idempotencyKey?: string | null;
}

const STATUS_WORDS: Record<OrderStatus, string> = {
  PENDING: 'pending',
  PROCESSING: 'being processed',
  PARTIALLY_SHIPPED: 'partially shipped',
  SHIPPED: 'shipped',
  COMPLETED: 'completed',
  CANCELED: 'canceled',
};

/**
 * The order commands: every change is stored with its event and its outbound message in one
 * transaction, published after commit, then sent (see Outbox). Expected outcomes are userErrors.
 */
export class OrderService {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly events: EventBus,
    private readonly clients: UpstreamClients,
    private readonly idempotency: IdempotencyService,
    private readonly directory: Directory,
    private readonly options: { partiallyShippedSpelling: 'partially_shipped' | 'partially-shipped' },
  ) {}

  sendOrderDetails(ctx: ServiceContext, input: SendOrderDetailsInput): Promise<OrderResult> {
    return this.replayable(ctx, 'sendOrderDetails', input.idempotencyKey, input, () => this.send(ctx, input));
  }

  updateOrderStatus(ctx: ServiceContext, input: StatusUpdateRequest): Promise<OrderResult> {
    return this.replayable(ctx, 'updateOrderStatus', input.idempotencyKey, input, () =>
      input.status === 'CANCELED' ? this.cancel(ctx, input) : this.changeStatus(ctx, input),
    );
  }

  cancelOrder(ctx: ServiceContext, input: CancelRequest): Promise<OrderResult> {
    return this.replayable(ctx, 'cancelOrder', input.idempotencyKey, input, () => this.cancel(ctx, input));
  }

  private async replayable(
    ctx: ServiceContext,
    operation: string,
    key: string | null | undefined,
    input: unknown,
    work: () => Promise<OrderResult>,
  ): Promise<OrderResult> {
    let fresh: OrderResult | null = null;
    const stored = await this.idempotency.run(ctx, operation, key, input, async () => {
      fresh = await work();
      return { ids: { order: fresh.order?.id ?? null }, userErrors: fresh.userErrors };
    });
    if (fresh) return fresh;
    const id = stored.ids.order;
    return { order: id ? await this.db.manager.findOneBy(OrderEntity, { id }) : null, userErrors: stored.userErrors };
  }

  // ------------------------------------------------------------------ sendOrderDetails

  private async send(ctx: ServiceContext, input: SendOrderDetailsInput): Promise<OrderResult> {
    const validation = validateOrderDetails(input, new Date());
    if (!validation.ok) {
      // an identical resend returns the stored order: the check that depends on the time
      // (expiresAt far enough ahead) applies to new orders, and this one passed it when first sent
      const onlyExpiry = validation.errors.every((e) => e.field?.[1] === 'expiresAt');
      return (onlyExpiry && (await this.storedIdentical(ctx, input))) || { order: null, userErrors: validation.errors };
    }

    const phone = await this.directory.phoneNumber(input.phoneNumberId);
    if (!phone || !canSeeBusiness(ctx, phone.businessId)) {
      return refuse(
        userError(
          'UNKNOWN_PHONE_NUMBER',
          `No phone number with id ${input.phoneNumberId} is registered for your business; the operator adds it with addPhoneNumber.`,
          ['input', 'phoneNumberId'],
        ),
      );
    }
    const configuration = await this.directory.configuration(phone.businessId, input.paymentConfiguration);
    if (!configuration) return refuse(await this.unknownConfiguration(ctx, input.paymentConfiguration));
    // PG fields belong to one gateway: the configuration decides which
    const fieldErrors = validateGatewayFields(input.gatewayFields, configuration.gateway);
    if (fieldErrors.length) return { order: null, userErrors: fieldErrors };

    const contentHash = hashInput(input);
    const now = new Date();
    const order = this.newOrder(input, validation.totals, phone.businessId, configuration, contentHash, now);
    const message = this.newMessage(order, 'ORDER_DETAILS', buildOrderDetailsMessage(messageSource(order, input)), now);
    let created: { event: OrderEventEntity; job: OutboxJob };
    try {
      created = await this.db.transaction(async (m) => {
        const job = this.outbox.prepare(this.jobOf(message, now));
        const event = newEvent(order, { type: 'ORDER_CREATED', source: 'API', toStatus: 'PENDING' });
        // every row of the new order in one statement where statements cost a round trip
        const [jobId, eventId] = await insertTogether(m, [
          { entity: OrderEntity, rows: { ...order } },
          {
            entity: OrderItemEntity,
            rows: input.items.map((item, position) => ({
              id: randomUUID(),
              orderId: order.id,
              position,
              retailerId: item.retailerId ?? null,
              name: item.name,
              amount: item.amount.value,
              saleAmount: item.saleAmount?.value ?? null,
              quantity: item.quantity,
              countryOfOrigin: item.countryOfOrigin ?? null,
              importerName: item.importerName ?? null,
              importerAddress: item.importerAddress ?? null,
            })),
          },
          {
            entity: PaymentEntity,
            rows: {
              id: randomUUID(),
              orderId: order.id,
              businessId: order.businessId,
              referenceId: order.referenceId,
              status: 'NEW',
              verified: false,
              verifiedAt: null,
              amount: null,
              amountOffset: null,
              currency: null,
              verifyAfter: null,
              verifyAttempts: 0,
              hintStatus: null,
              createdAt: now,
              updatedAt: now,
            },
          },
          { entity: OutboundMessageEntity, rows: { ...message } },
          { entity: OutboxEntity, rows: job.row, returningId: true },
          { entity: OrderEventEntity, rows: { ...event }, returningId: true },
        ]);
        event.id = eventId;
        await eventStored(m, event);
        return { event, job: job.stored(jobId) };
      });
    } catch (err) {
      // the referenceId is taken (the unique index says so rather than a read before every new
      // order): an identical resend gets the stored order, different content a userError; this
      // is also how a concurrent request with the same referenceId that won the race is answered
      if (isUniqueViolation(err)) {
        const existing = await this.resendOrDuplicate(phone.businessId, input.referenceId, contentHash);
        if (existing) return existing;
      }
      throw err;
    }
    this.events.publish([created.event]);
    // a new order's order_details is its first message: nothing of it can be queued before it
    return this.sendNow(order, message, created.job, { first: true });
  }

  private async storedIdentical(ctx: ServiceContext, input: SendOrderDetailsInput): Promise<OrderResult | null> {
    const phone = await this.directory.phoneNumber(input.phoneNumberId);
    if (!phone || !canSeeBusiness(ctx, phone.businessId)) return null;
    const existing = await this.db.manager.findOneBy(OrderEntity, { businessId: phone.businessId, referenceId: input.referenceId });
    return existing && existing.contentHash === hashInput(input) ? { order: existing, userErrors: [] } : null;
  }

  private async resendOrDuplicate(businessId: string, referenceId: string, contentHash: string): Promise<OrderResult | null> {
    const existing = await this.db.manager.findOneBy(OrderEntity, { businessId, referenceId });
    if (!existing) return null;
    if (existing.contentHash === contentHash) return { order: existing, userErrors: [] };
    return {
      order: null,
      userErrors: [
        userError(
          'DUPLICATE_REFERENCE_ID',
          `This business already sent an order with referenceId ${referenceId} and different content; use a new referenceId for a new order.`,
          ['input', 'referenceId'],
        ),
      ],
    };
  }

  private async unknownConfiguration(ctx: ServiceContext, name: string): Promise<UserError> {
    // only the operator may learn that the name exists in another business
    if (ctx.principal.role === 'ADMIN' && (await this.db.manager.existsBy(PaymentConfigurationEntity, { name }))) {
      return userError(
        'PAYMENT_CONFIGURATION_NOT_IN_BUSINESS',
        `Payment configuration "${name}" belongs to another business than the sending phone number; use one of this business's configurations.`,
        ['input', 'paymentConfiguration'],
      );
    }
    return userError(
      'UNKNOWN_PAYMENT_CONFIGURATION',
      `No payment configuration named "${name}" in this business; the operator adds it with addPaymentConfiguration.`,
      ['input', 'paymentConfiguration'],
    );
  }

  private newOrder(
    input: SendOrderDetailsInput,
    totals: OrderTotals,
    businessId: string,
    configuration: Pick<KnownConfiguration, 'name' | 'gateway'>,
    contentHash: string,
    now: Date,
  ): OrderEntity {
    return Object.assign(new OrderEntity(), {
      id: randomUUID(),
      businessId,
      referenceId: input.referenceId,
      phoneNumberId: input.phoneNumberId,
      to: input.to,
      type: input.type,
      paymentConfiguration: configuration.name,
      gateway: configuration.gateway,
      status: 'PENDING' as const,
      statusDescription: null,
      currency: totals.currency,
      offset: totals.offset,
      subtotal: totals.subtotal,
      tax: totals.tax,
      taxDescription: input.tax?.description ?? null,
      shipping: totals.shipping,
      shippingDescription: input.shipping?.description ?? null,
      discount: totals.discount,
      discountDescription: input.discount?.description ?? null,
      discountProgramName: input.discount?.programName ?? null,
      total: totals.total,
      body: input.body,
      footer: input.footer ?? null,
      headerImageUrl: input.headerImageUrl ?? null,
      catalogId: input.catalogId ?? null,
      expiresAt: input.expiresAt ?? null,
      expirationDescription: input.expirationDescription ?? null,
      expired: false,
      // the first look at whether it expired unpaid, when it expires
      expiryCheckAfter: input.expiresAt ?? null,
      beneficiaries: input.beneficiaries?.length ? input.beneficiaries.map(beneficiaryOf) : null,
      gatewayFields: gatewayFieldsOf(input.gatewayFields),
      contentHash,
      createdAt: now,
      updatedAt: now,
    });
  }

  private newMessage(
    order: OrderEntity,
    kind: 'ORDER_DETAILS' | 'ORDER_STATUS',
    payload: object,
    now: Date,
    statuses: { previous: OrderStatus; target: OrderStatus } | null = null,
  ): OutboundMessageEntity {
    return Object.assign(new OutboundMessageEntity(), {
      id: randomUUID(),
      orderId: order.id,
      businessId: order.businessId,
      kind,
      payload: JSON.stringify(payload),
      status: 'QUEUED' as const,
      wamid: null,
      attempts: 0,
      errorCode: null,
      errorMessage: null,
      previousOrderStatus: statuses?.previous ?? null,
      targetOrderStatus: statuses?.target ?? null,
      createdAt: now,
      updatedAt: now,
    });
  }

  /**
   * The message's outbox job, held by this request: it sends the message right after commit, and
   * the relay takes over only if that never happens.
   */
  private enqueue(m: EntityManager, message: OutboundMessageEntity, now: Date): Promise<OutboxJob> {
    return this.outbox.enqueue(m, this.jobOf(message, now));
  }

  private jobOf(message: OutboundMessageEntity, now: Date): NewJob {
    return {
      kind: 'WHATSAPP_MESSAGE',
      subjectId: message.id,
      businessId: message.businessId,
      // WhatsApp refuses an order_status for an order whose order_details it has not accepted
      // (and would apply two status changes in the wrong order): an order's messages go one by one
      sequenceKey: message.orderId,
      heldByRequest: true,
      now,
    };
  }

  /**
   * First delivery attempt, in the request: WhatsApp's verdict goes straight back to the caller.
   * The order and message are the ones this request just committed, so they are not read again;
   * only a refused order_status changes the order here (it goes back), and then it is re-read.
   */
  private async sendNow(order: OrderEntity, message: OutboundMessageEntity, job: OutboxJob, opts: { first?: boolean } = {}): Promise<OrderResult> {
    const step = await this.outbox.runForRequest<MessageSubject, string>(job, { order, message }, opts);
    if (step.kind !== 'failed') return { order, userErrors: [] };
    const current = message.kind === 'ORDER_STATUS' ? await this.db.manager.findOneByOrFail(OrderEntity, { id: order.id }) : order;
    const error = step.failure.cause instanceof UpstreamError ? step.failure.cause : null;
    return { order: current, userErrors: [upstreamRejected(error, step.failure.message)] };
  }

  // ------------------------------------------------------------------ updateOrderStatus

  private async changeStatus(ctx: ServiceContext, input: StatusUpdateRequest): Promise<OrderResult> {
    const textErrors = validateStatusText(input);
    if (textErrors.length) return { order: null, userErrors: textErrors };
    const found = await this.findForChange(ctx, input.referenceId);
    if ('userErrors' in found) return found;

    const result = await this.db.transaction(async (m) => {
      const order = await m.findOneOrFail(OrderEntity, { where: { id: found.order.id }, ...this.db.forUpdate() });
      const payment = await m.findOneByOrFail(PaymentEntity, { orderId: order.id });
      const change = checkStatusChange(order.status, input.status, payment.status);
      if (change.kind === 'noop') return { order, userErrors: [] as UserError[], message: null, event: null, job: null };
      if (change.kind === 'refused') return { order, userErrors: [change.error], message: null, event: null, job: null };
      const { message, event, job } = await this.moveTo(m, order, input.status, input.description, input.body);
      return { order, userErrors: [] as UserError[], message, event, job };
    });
    if (result.event) this.events.publish([result.event]);
    if (!result.message || !result.job) return { order: result.order, userErrors: result.userErrors };
    return this.sendNow(result.order, result.message, result.job);
  }

  /** Stores a status change with its event and its order_status message (caller's transaction). */
  private async moveTo(
    m: EntityManager,
    order: OrderEntity,
    to: OrderStatus,
    description: string | null | undefined,
    body: string | null | undefined,
  ): Promise<{ message: OutboundMessageEntity; event: OrderEventEntity; job: OutboxJob }> {
    const now = new Date();
    const from = order.status;
    order.status = to;
    order.statusDescription = description ?? null;
    order.updatedAt = now;
    await m.update(OrderEntity, { id: order.id }, { status: to, statusDescription: order.statusDescription, updatedAt: now });
    const payload = buildOrderStatusMessage(
      {
        to: order.to,
        referenceId: order.referenceId,
        status: to,
        description: description ?? null,
        body: body ?? `Your order ${order.referenceId} is ${STATUS_WORDS[to]}.`,
      },
      { partiallyShippedSpelling: this.options.partiallyShippedSpelling },
    );
    const message = this.newMessage(order, 'ORDER_STATUS', payload, now, { previous: from, target: to });
    await insertRows(m, OutboundMessageEntity, message);
    const job = await this.enqueue(m, message, now);
    const event = await recordEvent(m, order, {
      type: 'ORDER_STATUS_CHANGED',
      source: 'API',
      fromStatus: from,
      toStatus: to,
      detail: description ?? null,
    });
    return { message, event, job };
  }

  // ------------------------------------------------------------------ cancelOrder

  private async cancel(ctx: ServiceContext, input: CancelRequest): Promise<OrderResult> {
    const textErrors = validateStatusText(input);
    if (textErrors.length) return { order: null, userErrors: textErrors };
    const found = await this.findForChange(ctx, input.referenceId);
    if ('userErrors' in found) return found;
    const { order } = found;
    if (order.status === 'CANCELED') return { order, userErrors: [] };
    if (!isTransitionAllowed(order.status, 'CANCELED')) return { order, userErrors: [invalidTransition(order.status, 'CANCELED')] };
    const known = await this.db.manager.findOneByOrFail(PaymentEntity, { orderId: order.id });
    // a capture is final; a PENDING attempt may have failed since (its webhook lost), so only
    // WhatsApp's lookup can tell whether it still blocks
    if (isFinalPayment(known.status) && blocksCancel(known.status)) return { order, userErrors: [cancelNotAllowed(known.status)] };

    // the gateway may not have heard of a payment yet: only WhatsApp's lookup can tell
    let lookup: LookupPayment | null;
    try {
      const client = await this.clients.forPhoneNumber(order.phoneNumberId);
      lookup = await client.lookupPayment(order.paymentConfiguration, order.referenceId);
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      if (!err.temporary) return { order, userErrors: [upstreamRejected(err, err.message)] };
      return {
        order,
        userErrors: [
          userError(
            'UPSTREAM_UNAVAILABLE',
            `The order was not canceled: WhatsApp's payment lookup could not be reached (${err.message}). Nothing changed; retry in a moment.`,
            ['input', 'referenceId'],
          ),
        ],
      };
    }

    const result = await this.db.transaction(async (m) => {
      const current = await m.findOneOrFail(OrderEntity, { where: { id: order.id }, ...this.db.forUpdate() });
      // locked like the verifier locks it: two lookups applied at once would record an attempt twice
      const payment = await m.findOneOrFail(PaymentEntity, { where: { orderId: order.id }, ...this.db.forUpdate() });
      const events = await applyLookup(m, current, payment, lookup, 'LOOKUP');
      const change = checkStatusChange(current.status, 'CANCELED', payment.status);
      if (change.kind !== 'ok') {
        return { order: current, events, message: null, job: null, userErrors: change.kind === 'refused' ? [change.error] : [] };
      }
      const { message, event, job } = await this.moveTo(m, current, 'CANCELED', input.description, input.body);
      return { order: current, events: [...events, event], message, job, userErrors: [] as UserError[] };
    });
    this.events.publish(result.events);
    if (!result.message || !result.job) return { order: result.order, userErrors: result.userErrors };
    return this.sendNow(result.order, result.message, result.job);
  }

  // ------------------------------------------------------------------ helpers

  private async findForChange(ctx: ServiceContext, referenceId: string): Promise<{ order: OrderEntity } | OrderResult> {
    const notFound: OrderResult = {
      order: null,
      userErrors: [userError('ORDER_NOT_FOUND', `No order with referenceId ${referenceId} in your business.`, ['input', 'referenceId'])],
    };
    if (ctx.principal.businessId) {
      const order = await this.db.manager.findOneBy(OrderEntity, { businessId: ctx.principal.businessId, referenceId });
      return order ? { order } : notFound;
    }
    // an ADMIN key has no business: the referenceId must name one order across businesses
    const orders = await this.db.manager.find(OrderEntity, { where: { referenceId }, take: 2 });
    if (orders.length === 1) return { order: orders[0] };
    if (orders.length === 0) return notFound;
    return refuse(
      userError(
        'INVALID_INPUT',
        `Several businesses have an order ${referenceId}; change it with that business's own key.`,
        ['input', 'referenceId'],
      ),
    );
  }
}

function refuse(error: UserError): OrderResult {
  return { order: null, userErrors: [error] };
}

function upstreamRejected(error: UpstreamError | null, message: string): UserError {
  return userError(
    'UPSTREAM_REJECTED',
    `WhatsApp refused the message${error?.whatsappCode ? ` (code ${error.whatsappCode})` : ''}: ${error?.details ?? message}. Fix the request; retrying it unchanged will not help.`,
    undefined,
    error?.whatsappCode,
  );
}

function messageSource(order: OrderEntity, input: SendOrderDetailsInput) {
  return {
    to: order.to,
    referenceId: order.referenceId,
    type: order.type,
    paymentConfiguration: order.paymentConfiguration,
    gateway: order.gateway,
    body: order.body,
    footer: order.footer,
    headerImageUrl: order.headerImageUrl,
    catalogId: order.catalogId,
    currency: 'INR' as const,
    offset: order.offset,
    items: input.items.map((i) => ({
      retailerId: i.retailerId,
      name: i.name,
      amount: i.amount.value,
      saleAmount: i.saleAmount?.value ?? null,
      quantity: i.quantity,
      countryOfOrigin: i.countryOfOrigin,
      importerName: i.importerName,
      importerAddress: i.importerAddress,
    })),
    subtotal: order.subtotal,
    total: order.total,
    tax: order.tax !== null ? { value: order.tax, description: order.taxDescription } : null,
    shipping: order.shipping !== null ? { value: order.shipping, description: order.shippingDescription } : null,
    discount:
      order.discount !== null
        ? { value: order.discount, description: order.discountDescription, programName: order.discountProgramName }
        : null,
    expiresAt: order.expiresAt,
    expirationDescription: order.expirationDescription,
    beneficiaries: order.beneficiaries,
    gatewayFields: order.gatewayFields,
  };
}

/** A beneficiary as stored: exactly its fields, absent ones null. */
function beneficiaryOf(b: BeneficiaryInput): BeneficiaryInput {
  return {
    name: b.name,
    addressLine1: b.addressLine1,
    addressLine2: b.addressLine2 ?? null,
    city: b.city,
    state: b.state,
    country: b.country,
    postalCode: b.postalCode,
  };
}

/** PG fields as stored: only those given (validation allowed only the gateway's own); null if none. */
function gatewayFieldsOf(fields: GatewayFieldsInput | null | undefined): GatewayFieldsInput | null {
  if (!fields) return null;
  const out: GatewayFieldsInput = {};
  if (fields.notes?.length) out.notes = fields.notes.map((n) => ({ key: n.key, value: n.value }));
  if (fields.receipt !== null && fields.receipt !== undefined) out.receipt = fields.receipt;
  if (fields.udf?.length) out.udf = [...fields.udf];
  if (fields.additionalInfo?.length) out.additionalInfo = [...fields.additionalInfo];
  if (fields.extra?.length) out.extra = [...fields.extra];
  return Object.keys(out).length > 0 ? out : null;
}
