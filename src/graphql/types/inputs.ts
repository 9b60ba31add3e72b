import { Field, ID, InputType, Int } from 'type-graphql';
import {
  ApiKeyRoleEnum,
  GoodsTypeEnum,
  MessageStatusEnum,
  OrderEventTypeEnum,
  OrderStatusEnum,
  PaymentGatewayEnum,
  PaymentStatusEnum,
  UpstreamProviderEnum,
} from '../enums';
import type {
  ApiKeyRole,
  GoodsType,
  MessageStatus,
  OrderEventType,
  OrderStatus,
  PaymentGateway,
  PaymentStatus,
  UpstreamProvider,
} from '../../domain/types';

// Inputs carry only GraphQL's own type checks; the business limits are checked by the domain's
// validation so that every violation comes back as a userError naming its field.

@InputType()
export class MoneyInput {
  @Field(() => Int) value: number;
  @Field(() => Int, { defaultValue: 100 }) offset: number;
}

@InputType()
export class ChargeInput {
  @Field(() => Int) value: number;
  @Field(() => Int, { defaultValue: 100 }) offset: number;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType()
export class DiscountInput {
  @Field(() => Int) value: number;
  @Field(() => Int, { defaultValue: 100 }) offset: number;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) programName?: string | null;
}

@InputType()
export class AddressInput {
  @Field() addressLine1: string;
  @Field(() => String, { nullable: true }) addressLine2?: string | null;
  @Field() city: string;
  @Field(() => String, { nullable: true }) zoneCode?: string | null;
  @Field() postalCode: string;
  @Field() countryCode: string;
}

@InputType()
export class OrderItemInput {
  @Field(() => String, { nullable: true, description: 'optional in WhatsApp; when given, 1-100 characters' })
  retailerId?: string | null;
  @Field() name: string;
  @Field(() => MoneyInput) amount: MoneyInput;
  @Field(() => MoneyInput, { nullable: true }) saleAmount?: MoneyInput | null;
  @Field(() => Int) quantity: number;
  @Field(() => String, {
    nullable: true,
    description: 'required (with importerName and importerAddress) when the order has no catalogId',
  })
  countryOfOrigin?: string | null;
  @Field(() => String, { nullable: true }) importerName?: string | null;
  @Field(() => AddressInput, { nullable: true }) importerAddress?: AddressInput | null;
}

@InputType({
  description:
    'A recipient of shipped physical goods. WhatsApp requires it for shipped PHYSICAL_GOODS (legal and compliance); it is not shown to the customer.',
})
export class BeneficiaryInput {
  @Field({ description: 'at most 200 characters' }) name: string;
  @Field({ description: 'door, tower, street; at most 100 characters' }) addressLine1: string;
  @Field(() => String, { nullable: true, description: 'landmark, area; at most 100 characters' }) addressLine2?: string | null;
  @Field() city: string;
  @Field() state: string;
  @Field({ defaultValue: 'India', description: 'must be India' }) country: string;
  @Field({ description: '6 digits' }) postalCode: string;
}

@InputType()
export class KeyValueInput {
  @Field() key: string;
  @Field() value: string;
}

@InputType({
  description:
    "Fields WhatsApp passes to the payment gateway when it creates the PG order, and echoes back in\npayment webhooks and lookups. Each is accepted only for its own gateway (the order's payment\nconfiguration decides which); a field for another gateway is INVALID_INPUT.",
})
export class GatewayFieldsInput {
  @Field(() => [KeyValueInput], { nullable: true, description: 'Razorpay: at most 15 pairs, each value at most 256 characters' })
  notes?: KeyValueInput[] | null;
  @Field(() => String, { nullable: true, description: 'Razorpay: 1 to 40 characters' }) receipt?: string | null;
  @Field(() => [String], { nullable: true, description: 'PayU: udf1..udf4 in order, each at most 255 characters' }) udf?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'BillDesk: additional_info1..7 in order, each at most 120 characters' })
  additionalInfo?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Zaakpay: extra1..2 in order, each at most 180 characters' }) extra?: string[] | null;
}

@InputType()
export class SendOrderDetailsInput {
  @Field() referenceId: string;
  @Field({ description: "the business phone number to send from; must belong to the caller's business" })
  phoneNumberId: string;
  @Field({ description: "the customer's WhatsApp id / phone number, digits only, with country code" }) to: string;
  @Field(() => GoodsTypeEnum) type: GoodsType;
  @Field({ description: 'name of a payment configuration of the same business' }) paymentConfiguration: string;
  @Field() body: string;
  @Field(() => String, { nullable: true }) footer?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'https URL of a header image; WhatsApp fetches it, the gateway never does',
  })
  headerImageUrl?: string | null;
  @Field(() => String, { nullable: true }) catalogId?: string | null;
  @Field(() => [OrderItemInput]) items: OrderItemInput[];
  @Field(() => ChargeInput, { nullable: true }) tax?: ChargeInput | null;
  @Field(() => ChargeInput, { nullable: true }) shipping?: ChargeInput | null;
  @Field(() => DiscountInput, { nullable: true }) discount?: DiscountInput | null;
  @Field(() => MoneyInput, {
    nullable: true,
    description: 'optional cross-check: when given it must equal subtotal + tax + shipping - discount',
  })
  total?: MoneyInput | null;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => String, { nullable: true }) expirationDescription?: string | null;
  @Field(() => [BeneficiaryInput], {
    nullable: true,
    description: 'required when type is PHYSICAL_GOODS and the goods are shipped (at least one)',
  })
  beneficiaries?: BeneficiaryInput[] | null;
  @Field(() => GatewayFieldsInput, { nullable: true }) gatewayFields?: GatewayFieldsInput | null;
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
}

@InputType()
export class UpdateOrderStatusInput {
  @Field() referenceId: string;
  @Field(() => OrderStatusEnum) status: OrderStatus;
  @Field(() => String, { nullable: true, description: 'shown to the customer under the status (max 120 characters)' })
  description?: string | null;
  @Field(() => String, { nullable: true }) body?: string | null;
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
}

@InputType()
export class CancelOrderInput {
  @Field() referenceId: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) body?: string | null;
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
}

@InputType()
export class CreateBusinessInput {
  @Field() name: string;
  @Field(() => String, { nullable: true }) wabaId?: string | null;
}

@InputType()
export class AddPhoneNumberInput {
  @Field(() => ID) businessId: string;
  @Field() phoneNumberId: string;
  @Field(() => String, { nullable: true }) displayPhoneNumber?: string | null;
  @Field(() => UpstreamProviderEnum) provider: UpstreamProvider;
  @Field({ description: 'Cloud API access token, or 360dialog API key; stored encrypted, never returned' })
  accessToken: string;
  @Field(() => String, {
    nullable: true,
    description: "base URL of the provider's API; defaults to the provider's public URL",
  })
  apiUrl?: string | null;
}

@InputType()
export class AddPaymentConfigurationInput {
  @Field(() => ID) businessId: string;
  @Field() name: string;
  @Field(() => PaymentGatewayEnum) gateway: PaymentGateway;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => ID, { nullable: true, description: 'required for every role but ADMIN' }) businessId?: string | null;
  @Field(() => ApiKeyRoleEnum) role: ApiKeyRole;
  @Field(() => String, { nullable: true }) label?: string | null;
}

@InputType()
export class OrderFilter {
  @Field(() => [OrderStatusEnum], { nullable: true }) status?: OrderStatus[] | null;
  @Field(() => [PaymentStatusEnum], { nullable: true }) paymentStatus?: PaymentStatus[] | null;
  @Field(() => String, { nullable: true }) to?: string | null;
  @Field(() => String, { nullable: true }) paymentConfiguration?: string | null;
  @Field(() => Date, { nullable: true }) createdAfter?: Date | null;
  @Field(() => Date, { nullable: true }) createdBefore?: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'reference ids that start with this (case-insensitive); an exact reference id is its own prefix',
  })
  referenceIdPrefix?: string | null;
  @Field(() => [OrderEventTypeEnum], {
    nullable: true,
    description: 'orders with at least one event of these types (e.g. PAYMENT_DISCREPANCY, UPSTREAM_ERROR)',
  })
  eventType?: OrderEventType[] | null;
  @Field(() => [MessageStatusEnum], { nullable: true, description: 'orders with at least one message in one of these delivery states' })
  messageStatus?: MessageStatus[] | null;
  @Field(() => Date, {
    nullable: true,
    description: 'with messageStatus: only messages created before this time (e.g. QUEUED for more than five minutes)',
  })
  messageCreatedBefore?: Date | null;
  @Field(() => Boolean, {
    nullable: true,
    description:
      "true: orders whose payment waits for a payment lookup (a webhook's claim not yet confirmed, or a failed lookup waiting to retry); false: the others",
  })
  paymentVerificationDue?: boolean | null;
}

@InputType()
export class ReconciliationFilter {
  @Field() from: Date;
  @Field() to: Date;
  @Field(() => String, { nullable: true }) paymentConfiguration?: string | null;
  @Field(() => [PaymentStatusEnum], { nullable: true }) paymentStatus?: PaymentStatus[] | null;
}
