import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import type { PaymentEntity, RefundEntity } from '../../db/entities';
import { CURRENCY } from '../../domain/money';
import { MAX_REFUNDS_PER_PAYMENT, refundableTotal, refundedTotal } from '../../domain/refunds';
import type { PublishedEvent } from '../../services/events';
import { capturedOf, refundIdOfEvent } from '../../services/refund-settlement';
import type { RefundResult } from '../../services/refunds';
import { type GraphQLContext, serviceContext } from '../context';
import { localId, toGlobalId } from '../global-id';
import { money } from '../money';
import { subscribe } from '../subscribe';
import { Money } from '../types/common';
import { Payment } from '../types/orders';
import { Refund, RefundPayload, RefundPaymentInput } from '../types/refunds';

type Data = SubscribeResolverData<unknown, { referenceId?: string | null }, GraphQLContext>;

@Resolver(() => Refund)
export class RefundResolver {
  @Authorized('ADMIN', 'STOREFRONT', 'OPS')
  @Mutation(() => RefundPayload, {
    description: 'Refunds a captured payment, wholly or in part, through WhatsApp (STOREFRONT, OPS, ADMIN).',
  })
  refundPayment(@Arg('input') input: RefundPaymentInput, @Ctx() ctx: GraphQLContext): Promise<RefundResult> {
    return ctx.services.refunds.refundPayment(serviceContext(ctx), { ...input, businessId: input.businessId ? localId(input.businessId, 'Business') : null });
  }

  @Subscription(() => Refund, {
    description: "Every refund change of the subscriber's business (or of one order).",
    subscribe: ({ args, context }: Data) => subscribe(context, { referenceId: args.referenceId, types: ['REFUND_STATUS_CHANGED'] }),
  })
  async refundStatusChanged(
    @Root() event: PublishedEvent,
    @Arg('referenceId', () => String, { nullable: true }) _referenceId: string | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RefundEntity> {
    const id = refundIdOfEvent(event.detail);
    const refund = id ? await ctx.loaders.refund.load(id) : null;
    if (!refund) throw new Error(`event ${event.id} names no stored refund`);
    return refund;
  }

  @FieldResolver(() => ID)
  id(@Root() refund: RefundEntity): string {
    return toGlobalId('Refund', refund.id);
  }

  @FieldResolver(() => Money)
  amount(@Root() refund: RefundEntity): Money {
    return money(refund.amount, refund.offset, refund.currency);
  }
}

/** Payment.refunds, refundedAmount and refundableAmount: one batch read of refunds per request. */
@Resolver(() => Payment)
export class PaymentRefundsResolver {
  @FieldResolver(() => [Refund], { description: 'every refund of this payment, oldest first' })
  async refunds(@Root() payment: PaymentEntity, @Ctx() ctx: GraphQLContext): Promise<RefundEntity[]> {
    // refundPayment allows MAX_REFUNDS_PER_PAYMENT; refunds made at the PG's dashboard could add more
    return (await ctx.loaders.refundsOfPayment.load(payment.id)).slice(0, MAX_REFUNDS_PER_PAYMENT);
  }

  @FieldResolver(() => Money, { description: 'the sum of SUCCEEDED refunds (zero value when none)' })
  async refundedAmount(@Root() payment: PaymentEntity, @Ctx() ctx: GraphQLContext): Promise<Money> {
    return amountOf(payment, refundedTotal(await ctx.loaders.refundsOfPayment.load(payment.id)));
  }

  @FieldResolver(() => Money, {
    description: 'captured amount minus refunds that succeeded or may still succeed (REQUESTED, PENDING, SUCCEEDED)',
  })
  async refundableAmount(@Root() payment: PaymentEntity, @Ctx() ctx: GraphQLContext): Promise<Money> {
    return amountOf(payment, refundableTotal(capturedOf(payment) ?? 0, await ctx.loaders.refundsOfPayment.load(payment.id)));
  }
}

function amountOf(payment: PaymentEntity, value: number): Money {
  return money(value, payment.amountOffset ?? 100, payment.currency ?? CURRENCY);
}
