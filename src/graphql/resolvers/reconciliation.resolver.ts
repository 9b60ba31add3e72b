import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { ReconciliationPage, ReconciliationRowData } from '../../services/reconciliation';
import { GraphQLContext, serviceContext } from '../context';
import { money } from '../money';
import { withQueryArguments } from '../query-arguments';
import { Money } from '../types/common';
import { ReconciliationFilter } from '../types/inputs';
import { ReconciliationConnection, ReconciliationRow } from '../types/orders';

@Resolver(() => ReconciliationRow)
export class ReconciliationResolver {
  @Authorized('ADMIN', 'OPS')
  @Query(() => ReconciliationConnection)
  reconciliation(
    @Arg('filter', () => ReconciliationFilter) filter: ReconciliationFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ReconciliationPage> {
    return withQueryArguments(() => ctx.services.reconciliation.rows(serviceContext(ctx), filter, first, after));
  }

  @FieldResolver(() => Money)
  orderTotal(@Root() row: ReconciliationRowData): Money {
    return money(row.orderTotal.value, row.orderTotal.offset, row.orderTotal.currency);
  }

  @FieldResolver(() => Money, { nullable: true })
  paidAmount(@Root() row: ReconciliationRowData): Money | null {
    return row.paidAmount ? money(row.paidAmount.value, row.paidAmount.offset, row.paidAmount.currency) : null;
  }

  @FieldResolver(() => Money, {
    nullable: true,
    description: "the sum of SUCCEEDED refunds of this payment (on the capture's row; null on the payment's other rows)",
  })
  refundedAmount(@Root() row: ReconciliationRowData): Money | null {
    return row.refundedAmount ? money(row.refundedAmount.value, row.refundedAmount.offset, row.refundedAmount.currency) : null;
  }
}
