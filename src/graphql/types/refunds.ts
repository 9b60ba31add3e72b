import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { RefundSpeed, RefundStatus } from '../../domain/types';
import { RefundSpeedEnum, RefundStatusEnum } from '../enums';
import { Money, Node, UserError } from './common';
import { MoneyInput } from './inputs';
import { Payment } from './orders';

@ObjectType({ implements: Node })
export class Refund extends Node {
  @Field() referenceId: string;
  @Field(() => String, { nullable: true, description: "WhatsApp's refund id, once the API accepted the request" })
  refundId: string | null;
  @Field(() => Money) amount: Money;
  @Field(() => RefundStatusEnum) status: RefundStatus;
  @Field(() => RefundSpeedEnum) speedRequested: RefundSpeed;
  @Field(() => RefundSpeedEnum, { nullable: true, description: 'the speed the payment gateway actually used (it decides)' })
  speedProcessed: RefundSpeed | null;
  @Field({
    description:
      "false for a refund WhatsApp reported that the gateway never requested (made at the payment gateway's dashboard); it counts against refundableAmount all the same",
  })
  requestedByGateway: boolean;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => String, { nullable: true }) errorCode: string | null;
  @Field(() => String, { nullable: true }) errorMessage: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@InputType()
export class RefundPaymentInput {
  @Field() referenceId: string;
  @Field(() => ID, { nullable: true, description: 'for ADMIN keys; other keys always act on their own business' })
  businessId?: string | null;
  @Field(() => MoneyInput, {
    nullable: true,
    description: 'defaults to the whole refundable amount; a part refunds partially (several refunds may follow)',
  })
  amount?: MoneyInput | null;
  @Field(() => RefundSpeedEnum, { nullable: true, defaultValue: 'NORMAL' }) speed?: RefundSpeed | null;
  @Field(() => String, { nullable: true, description: 'kept with the refund, never sent to WhatsApp; at most 255 characters' })
  reason?: string | null;
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
}

@ObjectType()
export class RefundPayload {
  @Field(() => Refund, { nullable: true }) refund: Refund | null;
  @Field(() => Payment, { nullable: true }) payment: Payment | null;
  @Field(() => [UserError]) userErrors: UserError[];
}
