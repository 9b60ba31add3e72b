import { Column, Entity, Index } from 'typeorm';
import type {
  AddressInput,
  BeneficiaryInput,
  EventSource,
  GatewayFieldsInput,
  GoodsType,
  MessageKind,
  MessageStatus,
  OrderEventType,
  OrderStatus,
  PaymentGateway,
  PaymentStatus,
  RefundSpeed,
  RefundStatus,
  TransactionStatus,
} from '../../domain/types';
import * as L from '../../domain/limits';
import { EnumColumn, ForeignIdColumn, IdColumn, MoneyColumn, TextColumn, TimestampColumn } from './columns';

@Entity('orders')
@Index(['businessId', 'referenceId'], { unique: true })
// an ADMIN key names an order by referenceId alone (order, payment, updateOrderStatus ...)
@Index(['referenceId'])
@Index(['businessId', 'createdAt', 'id'])
@Index(['createdAt', 'id'])
export class OrderEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(L.MAX_REFERENCE_ID) referenceId: string;
  @TextColumn(L.MAX_PHONE_NUMBER_ID) phoneNumberId: string;
  @TextColumn(L.MAX_TO_DIGITS) to: string;
  @EnumColumn() type: GoodsType;
  @TextColumn(L.MAX_PAYMENT_CONFIGURATION) paymentConfiguration: string;
  @EnumColumn() gateway: PaymentGateway;
  @EnumColumn() status: OrderStatus;
  @TextColumn(L.MAX_LONG_DESCRIPTION, { nullable: true }) statusDescription: string | null;
  @TextColumn(3) currency: string;
  @Column({ type: 'integer' }) offset: number;
  @MoneyColumn() subtotal: number;
  @MoneyColumn({ nullable: true }) tax: number | null;
  @TextColumn(L.MAX_CHARGE_DESCRIPTION, { nullable: true }) taxDescription: string | null;
  @MoneyColumn({ nullable: true }) shipping: number | null;
  @TextColumn(L.MAX_CHARGE_DESCRIPTION, { nullable: true }) shippingDescription: string | null;
  @MoneyColumn({ nullable: true }) discount: number | null;
  @TextColumn(L.MAX_CHARGE_DESCRIPTION, { nullable: true }) discountDescription: string | null;
  @TextColumn(L.MAX_PROGRAM_NAME, { nullable: true }) discountProgramName: string | null;
  @MoneyColumn() total: number;
  @TextColumn(L.MAX_BODY) body: string;
  @TextColumn(L.MAX_FOOTER, { nullable: true }) footer: string | null;
  @Column({ type: 'text', nullable: true }) headerImageUrl: string | null;
  @TextColumn(L.MAX_CATALOG_ID, { nullable: true }) catalogId: string | null;
  @TimestampColumn({ nullable: true }) expiresAt: Date | null;
  @TextColumn(L.MAX_LONG_DESCRIPTION, { nullable: true }) expirationDescription: string | null;
  /** expiresAt passed and the payment lookup found nothing captured or in progress */
  @Column({ type: 'boolean', default: false }) expired: boolean;
  /**
   * when to ask the payment lookup whether the order expired (expiresAt, later again while an
   * attempt is in progress or the lookup fails); while claimed, the claimer's lease; null once
   * decided
   */
  @Index() @TimestampColumn({ nullable: true }) expiryCheckAfter: Date | null;
  /** sent in order_details (WhatsApp requires them for shipped physical goods); null when none */
  @Column({ type: 'simple-json', nullable: true }) beneficiaries: BeneficiaryInput[] | null;
  /** the PG fields sent for the order's own gateway, as given (Razorpay's receipt is reconciled on) */
  @Column({ type: 'simple-json', nullable: true }) gatewayFields: GatewayFieldsInput | null;
  /** hash of the normalized sendOrderDetails input: a resend with the same content is a replay */
  @TextColumn(64) contentHash: string;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}

@Entity('order_items')
@Index(['orderId', 'position'], { unique: true })
export class OrderItemEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() orderId: string;
  @Column({ type: 'integer' }) position: number;
  /** optional in WhatsApp's items */
  @TextColumn(L.MAX_RETAILER_ID, { nullable: true }) retailerId: string | null;
  @TextColumn(L.MAX_ITEM_NAME) name: string;
  @MoneyColumn() amount: number;
  @MoneyColumn({ nullable: true }) saleAmount: number | null;
  @Column({ type: 'integer' }) quantity: number;
  @TextColumn(L.MAX_COUNTRY_OF_ORIGIN, { nullable: true }) countryOfOrigin: string | null;
  @TextColumn(L.MAX_IMPORTER_NAME, { nullable: true }) importerName: string | null;
  @Column({ type: 'simple-json', nullable: true }) importerAddress: AddressInput | null;
}

@Entity('payments')
@Index(['businessId', 'referenceId'], { unique: true })
export class PaymentEntity {
  @IdColumn() id: string;
  @Index({ unique: true }) @ForeignIdColumn() orderId: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(35) referenceId: string;
  @EnumColumn() status: PaymentStatus;
  @Column({ type: 'boolean', default: false }) verified: boolean;
  @TimestampColumn({ nullable: true }) verifiedAt: Date | null;
  /** what WhatsApp reports as paid; null until the lookup says */
  @MoneyColumn({ nullable: true }) amount: number | null;
  @Column({ type: 'integer', nullable: true }) amountOffset: number | null;
  @TextColumn(3, { nullable: true }) currency: string | null;
  /** background re-verification: when to look the payment up again (null = nothing pending) */
  @Index() @TimestampColumn({ nullable: true }) verifyAfter: Date | null;
  @Column({ type: 'integer', default: 0 }) verifyAttempts: number;
  /** the most advanced status webhooks claimed since the last lookup (compared with the lookup's answer) */
  @EnumColumn(32, { nullable: true }) hintStatus: PaymentStatus | null;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}

/**
 * One attempt to pay. Every attempt of a payment may carry the same transactionId (the payment
 * gateway's order id, as in Meta's captured-after-retry sample) and differ only in
 * pgTransactionId, which an attempt in progress may not have yet: so an attempt is identified by
 * its place among the payment's transactions (`position`, in the order WhatsApp lists them).
 */
@Entity('transactions')
@Index(['paymentId', 'position'], { unique: true })
export class TransactionEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() paymentId: string;
  /** 0 for the first attempt, then 1, 2 ...: the unique index makes two writers of one attempt collide */
  @Column({ type: 'integer' }) position: number;
  /** the id WhatsApp reports; with the reference id it is what the payment gateway knows */
  @TextColumn(128) transactionId: string;
  @EnumColumn(32, { nullable: true }) gateway: PaymentGateway | null;
  @TextColumn(128, { nullable: true }) pgTransactionId: string | null;
  @EnumColumn() status: TransactionStatus;
  @TextColumn(64, { nullable: true }) method: string | null;
  @MoneyColumn({ nullable: true }) amount: number | null;
  @Column({ type: 'integer', nullable: true }) amountOffset: number | null;
  /** what the payment gateway's order was for (order_amount), where WhatsApp reports it */
  @MoneyColumn({ nullable: true }) orderAmount: number | null;
  @Column({ type: 'integer', nullable: true }) orderAmountOffset: number | null;
  @TextColumn(3, { nullable: true }) currency: string | null;
  @TextColumn(128, { nullable: true }) errorCode: string | null;
  @Column({ type: 'text', nullable: true }) errorReason: string | null;
  @TimestampColumn({ nullable: true }) upstreamCreatedAt: Date | null;
  @TimestampColumn({ nullable: true }) upstreamUpdatedAt: Date | null;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}

@Entity('outbound_messages')
@Index(['orderId', 'createdAt'])
export class OutboundMessageEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() orderId: string;
  @ForeignIdColumn() businessId: string;
  @EnumColumn() kind: MessageKind;
  /** the exact wire payload, fixed at creation so every retry sends the same bytes */
  @Column({ type: 'text' }) payload: string;
  @EnumColumn() status: MessageStatus;
  @Index({ unique: true }) @TextColumn(255, { nullable: true }) wamid: string | null;
  /** calls made to WhatsApp for it (its delivery is an outbox job while it is QUEUED) */
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ type: 'integer', nullable: true }) errorCode: number | null;
  @Column({ type: 'text', nullable: true }) errorMessage: string | null;
  /** for ORDER_STATUS messages: the order status before and after, to undo a refusal */
  @EnumColumn(32, { nullable: true }) previousOrderStatus: OrderStatus | null;
  @EnumColumn(32, { nullable: true }) targetOrderStatus: OrderStatus | null;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}

@Entity('order_events')
@Index(['orderId', 'id'])
@Index(['businessId', 'id'])
export class OrderEventEntity {
  /** increasing sequence: subscribers resume with afterEventId */
  @Column({ type: 'integer', primary: true, generated: 'increment' }) id: number;
  @ForeignIdColumn() orderId: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(35) referenceId: string;
  @EnumColumn() type: OrderEventType;
  @EnumColumn() source: EventSource;
  @EnumColumn(32, { nullable: true }) fromStatus: string | null;
  @EnumColumn(32, { nullable: true }) toStatus: string | null;
  @Column({ type: 'text', nullable: true }) detail: string | null;
  @TimestampColumn() at: Date;
}

/**
 * A refund of a payment: one the gateway requested through WhatsApp's payments_refund API (stored
 * REQUESTED before it is requested, in the transaction that checked it), or one WhatsApp reports
 * that the gateway did not request (made at the payment gateway's dashboard). Amounts are minor
 * units of the payment's offset.
 */
@Entity('refunds')
@Index(['paymentId', 'createdAt'])
// one row per WhatsApp refund: two writers of one refund id collide instead of storing it twice
@Index(['paymentId', 'refundId'], { unique: true })
export class RefundEntity {
  @IdColumn() id: string;
  @ForeignIdColumn() paymentId: string;
  @ForeignIdColumn() orderId: string;
  @ForeignIdColumn() businessId: string;
  @TextColumn(L.MAX_REFERENCE_ID) referenceId: string;
  /** WhatsApp's refund id, once its API accepted the request (or its lookup showed it) */
  @TextColumn(128, { nullable: true }) refundId: string | null;
  @MoneyColumn() amount: number;
  @Column({ type: 'integer' }) offset: number;
  @TextColumn(3) currency: string;
  @EnumColumn() status: RefundStatus;
  @EnumColumn() speedRequested: RefundSpeed;
  /** the speed the payment gateway used (it decides) */
  @EnumColumn(32, { nullable: true }) speedProcessed: RefundSpeed | null;
  /** false: WhatsApp reported it, the gateway never requested it (made at the payment gateway) */
  @Column({ type: 'boolean', default: true }) requestedByGateway: boolean;
  /** the caller's note; never sent to WhatsApp */
  @TextColumn(L.MAX_REFUND_REASON, { nullable: true }) reason: string | null;
  @TextColumn(128, { nullable: true }) errorCode: string | null;
  @Column({ type: 'text', nullable: true }) errorMessage: string | null;
  /** WhatsApp's created_timestamp / updated_timestamp of the refund */
  @TimestampColumn({ nullable: true }) upstreamCreatedAt: Date | null;
  @TimestampColumn({ nullable: true }) upstreamUpdatedAt: Date | null;
  @TimestampColumn() createdAt: Date;
  @TimestampColumn() updatedAt: Date;
}
