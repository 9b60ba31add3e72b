import { Field, ID, Int, ObjectType } from 'type-graphql';
import {
  EventSourceEnum,
  GoodsTypeEnum,
  MessageKindEnum,
  MessageStatusEnum,
  OrderEventTypeEnum,
  OrderStatusEnum,
  PaymentGatewayEnum,
  PaymentStatusEnum,
  TransactionStatusEnum,
} from '../enums';
import type {
  EventSource,
  GoodsType,
  MessageKind,
  MessageStatus,
  OrderEventType,
  OrderStatus,
  PaymentGateway,
  PaymentStatus,
  TransactionStatus,
} from '../../domain/types';
import { Money, Node, PageInfo, UserError } from './common';
import { Business } from './tenancy';

@ObjectType()
export class OrderItem {
  @Field({ description: 'empty when the item was sent without one (it is optional in WhatsApp)' }) retailerId: string;
  @Field() name: string;
  @Field(() => Money, { description: 'unit price' }) amount: Money;
  @Field(() => Money, { nullable: true, description: 'discounted unit price; when present it is what counts' })
  saleAmount: Money | null;
  @Field(() => Int) quantity: number;
  @Field(() => Money, { description: '(saleAmount ?? amount) × quantity' }) total: Money;
}

@ObjectType({ implements: Node })
export class OutboundMessage extends Node {
  @Field(() => MessageKindEnum) kind: MessageKind;
  @Field(() => String, { nullable: true, description: 'WhatsApp message id, once the API accepted the message' })
  wamid: string | null;
  @Field(() => MessageStatusEnum) status: MessageStatus;
  @Field(() => Int) attempts: number;
  @Field(() => Int, { nullable: true }) errorCode: number | null;
  @Field(() => String, { nullable: true }) errorMessage: string | null;
  @Field({ description: 'when the gateway stored it (a QUEUED message has waited since then)' }) createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
export class Transaction {
  @Field(() => ID, {
    description:
      'the transaction id WhatsApp reports (used with referenceId to reconcile at the payment gateway); every attempt of a payment may share it (the payment gateway order id): pgTransactionId tells them apart',
  })
  id: string;
  @Field(() => PaymentGatewayEnum, { nullable: true }) gateway: PaymentGateway | null;
  @Field(() => String, { nullable: true }) pgTransactionId: string | null;
  @Field(() => TransactionStatusEnum) status: TransactionStatus;
  @Field(() => String, { nullable: true, description: 'upi, card, wallet, netbanking ...' }) method: string | null;
  @Field(() => Money, { nullable: true }) amount: Money | null;
  @Field(() => Money, {
    nullable: true,
    description: 'the order amount the payment gateway reports for this attempt (order_amount), where given',
  })
  orderAmount: Money | null;
  @Field(() => String, { nullable: true }) errorCode: string | null;
  @Field(() => String, { nullable: true }) errorReason: string | null;
  @Field(() => Date, { nullable: true }) createdAt: Date | null;
  @Field(() => Date, { nullable: true }) updatedAt: Date | null;
}

@ObjectType()
export class Payment {
  @Field() referenceId: string;
  @Field(() => PaymentStatusEnum) status: PaymentStatus;
  @Field({ description: 'true when the current status was confirmed through the WhatsApp payment lookup API' })
  verified: boolean;
  @Field(() => Date, { nullable: true }) verifiedAt: Date | null;
  @Field(() => Money, { nullable: true }) amount: Money | null;
  @Field(() => [Transaction], { description: 'the payment attempts WhatsApp reported, oldest first (the latest 50)' })
  transactions: Transaction[];
  @Field() updatedAt: Date;
}

@ObjectType()
export class Beneficiary {
  @Field() name: string;
  @Field() addressLine1: string;
  @Field(() => String, { nullable: true }) addressLine2: string | null;
  @Field() city: string;
  @Field() state: string;
  @Field() country: string;
  @Field() postalCode: string;
}

@ObjectType()
export class KeyValue {
  @Field() key: string;
  @Field() value: string;
}

@ObjectType()
export class GatewayFields {
  @Field(() => [KeyValue]) notes: KeyValue[];
  @Field(() => String, { nullable: true }) receipt: string | null;
  @Field(() => [String]) udf: string[];
  @Field(() => [String]) additionalInfo: string[];
  @Field(() => [String]) extra: string[];
}

@ObjectType({ implements: Node })
export class OrderEvent extends Node {
  @Field() referenceId: string;
  @Field(() => OrderEventTypeEnum) type: OrderEventType;
  @Field(() => EventSourceEnum) source: EventSource;
  @Field() at: Date;
  @Field(() => String, { nullable: true }) fromStatus: string | null;
  @Field(() => String, { nullable: true }) toStatus: string | null;
  @Field(() => String, { nullable: true }) detail: string | null;
}

@ObjectType({ implements: Node })
export class Order extends Node {
  @Field({
    description: 'the reference_id of the order_details message: 1-35 characters of [A-Za-z0-9_.-], unique per business',
  })
  referenceId: string;
  @Field(() => Business) business: Business;
  @Field({ description: 'the business phone number that sent the order' }) phoneNumberId: string;
  @Field({ description: "the customer's WhatsApp id / phone number" }) to: string;
  @Field(() => GoodsTypeEnum) type: GoodsType;
  @Field() paymentConfiguration: string;
  @Field(() => PaymentGatewayEnum) gateway: PaymentGateway;
  @Field(() => OrderStatusEnum) status: OrderStatus;
  @Field(() => String, { nullable: true }) statusDescription: string | null;
  @Field(() => [OrderStatusEnum], { description: 'the statuses updateOrderStatus would accept now' })
  allowedTransitions: OrderStatus[];
  @Field(() => [OrderItem]) items: OrderItem[];
  @Field(() => Money) subtotal: Money;
  @Field(() => Money, { nullable: true }) tax: Money | null;
  @Field(() => Money, { nullable: true }) shipping: Money | null;
  @Field(() => Money, { nullable: true }) discount: Money | null;
  @Field(() => Money) total: Money;
  @Field(() => Date, { nullable: true }) expiresAt: Date | null;
  @Field({
    description: 'true once expiresAt has passed and the payment lookup confirmed that nothing was captured or is in progress',
  })
  expired: boolean;
  @Field(() => [Beneficiary]) beneficiaries: Beneficiary[];
  @Field(() => GatewayFields, { nullable: true }) gatewayFields: GatewayFields | null;
  @Field(() => OutboundMessage, { description: 'the order_details message' }) message: OutboundMessage;
  @Field(() => [OutboundMessage], { description: 'the messages sent for this order, oldest first (the latest 50)' })
  messages: OutboundMessage[];
  @Field(() => Payment) payment: Payment;
  @Field(() => [OrderEvent], {
    description: "the order's history, oldest first (the latest 100 events; all of them: orderEvents(referenceId, afterEventId: \"0\"))",
  })
  events: OrderEvent[];
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
export class OrderEdge {
  @Field() cursor: string;
  @Field(() => Order) node: Order;
}

@ObjectType()
export class OrderConnection {
  @Field(() => [OrderEdge]) edges: OrderEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType()
export class OrderPayload {
  @Field(() => Order, { nullable: true }) order: Order | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class PaymentPayload {
  @Field(() => Payment, { nullable: true }) payment: Payment | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType({ description: 'One line per payment transaction, for matching against the payment gateway\'s own records.' })
export class ReconciliationRow {
  @Field() referenceId: string;
  @Field() paymentConfiguration: string;
  @Field(() => PaymentGatewayEnum) gateway: PaymentGateway;
  @Field(() => String, { nullable: true }) transactionId: string | null;
  @Field(() => String, { nullable: true }) pgTransactionId: string | null;
  @Field(() => Money) orderTotal: Money;
  @Field(() => Money, { nullable: true }) paidAmount: Money | null;
  @Field(() => PaymentStatusEnum) paymentStatus: PaymentStatus;
  @Field(() => TransactionStatusEnum, { nullable: true }) transactionStatus: TransactionStatus | null;
  @Field() verified: boolean;
  @Field(() => Date, { nullable: true }) capturedAt: Date | null;
  @Field(() => String, { nullable: true, description: "Razorpay receipt sent with the order, for matching in the PG's reports" })
  receipt: string | null;
}

@ObjectType()
export class ReconciliationEdge {
  @Field() cursor: string;
  @Field(() => ReconciliationRow) node: ReconciliationRow;
}

@ObjectType()
export class ReconciliationConnection {
  @Field(() => [ReconciliationEdge]) edges: ReconciliationEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType()
export class OrderStatusChange {
  @Field(() => ID) eventId: string;
  @Field() referenceId: string;
  @Field(() => OrderStatusEnum, { nullable: true }) from: OrderStatus | null;
  @Field(() => OrderStatusEnum) to: OrderStatus;
  @Field(() => EventSourceEnum) source: EventSource;
  @Field() at: Date;
  @Field(() => Order) order: Order;
}

@ObjectType()
export class PaymentStatusChange {
  @Field(() => ID) eventId: string;
  @Field() referenceId: string;
  @Field(() => PaymentStatusEnum, { nullable: true }) from: PaymentStatus | null;
  @Field(() => PaymentStatusEnum) to: PaymentStatus;
  @Field() verified: boolean;
  @Field(() => EventSourceEnum) source: EventSource;
  @Field() at: Date;
  @Field(() => Payment) payment: Payment;
}
