import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ApiKeyEntity, BusinessEntity, PaymentConfigurationEntity, PhoneNumberEntity } from '../../db/entities';
import { GraphQLContext, serviceContext } from '../context';
import { localId, toGlobalId } from '../global-id';
import { LIST_CAPS } from '../limits';
import { withQueryArguments } from '../query-arguments';
import {
  AddPaymentConfigurationInput,
  AddPhoneNumberInput,
  CreateApiKeyInput,
  CreateBusinessInput,
} from '../types/inputs';
import {
  ApiKey,
  Business,
  BusinessPayload,
  CreateApiKeyPayload,
  PaymentConfiguration,
  PaymentConfigurationPayload,
  PhoneNumber,
  PhoneNumberPayload,
  RevokeApiKeyPayload,
  Viewer,
} from '../types/tenancy';

@Resolver(() => Business)
export class BusinessResolver {
  @Authorized()
  @Query(() => Viewer)
  viewer(@Ctx() ctx: GraphQLContext): Promise<{ role: string; business: BusinessEntity | null }> {
    return ctx.services.tenancy.viewer(serviceContext(ctx));
  }

  @Authorized()
  @Query(() => [Business], {
    description:
      'ADMIN sees every business, a page at a time in creation order (first: at most 1,000; after: the id of the last business of the previous page); any other key sees its own',
  })
  businesses(
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first: number,
    @Arg('after', () => ID, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<BusinessEntity[]> {
    return withQueryArguments(() => ctx.services.tenancy.businesses(serviceContext(ctx), first, after == null ? null : localId(after, 'Business')));
  }

  @FieldResolver(() => ID)
  id(@Root() business: BusinessEntity): string {
    return toGlobalId('Business', business.id);
  }

  @FieldResolver(() => [PhoneNumber])
  async phoneNumbers(@Root() business: BusinessEntity, @Ctx() ctx: GraphQLContext): Promise<PhoneNumberEntity[]> {
    return (await ctx.loaders.phoneNumbersOfBusiness.load(business.id)).slice(0, LIST_CAPS.phoneNumbers);
  }

  @FieldResolver(() => [PaymentConfiguration])
  async paymentConfigurations(@Root() business: BusinessEntity, @Ctx() ctx: GraphQLContext): Promise<PaymentConfigurationEntity[]> {
    return (await ctx.loaders.paymentConfigurationsOfBusiness.load(business.id)).slice(0, LIST_CAPS.paymentConfigurations);
  }

  @Authorized('ADMIN')
  @Mutation(() => BusinessPayload)
  createBusiness(@Arg('input') input: CreateBusinessInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.tenancy.createBusiness(serviceContext(ctx), input);
  }

  @Authorized('ADMIN')
  @Mutation(() => PhoneNumberPayload)
  addPhoneNumber(@Arg('input') input: AddPhoneNumberInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.tenancy.addPhoneNumber(serviceContext(ctx), { ...input, businessId: localId(input.businessId, 'Business') });
  }

  @Authorized('ADMIN')
  @Mutation(() => PaymentConfigurationPayload)
  addPaymentConfiguration(@Arg('input') input: AddPaymentConfigurationInput, @Ctx() ctx: GraphQLContext) {
    return ctx.services.tenancy.addPaymentConfiguration(serviceContext(ctx), {
      ...input,
      businessId: localId(input.businessId, 'Business'),
    });
  }
}

@Resolver(() => Viewer)
export class ViewerResolver {
  @FieldResolver(() => ID, { nullable: true })
  async lastEventId(@Ctx() ctx: GraphQLContext): Promise<string | null> {
    const id = await ctx.services.orderQueries.lastEventId(serviceContext(ctx));
    return id === null ? null : toGlobalId('OrderEvent', id);
  }
}

@Resolver(() => PhoneNumber)
export class PhoneNumberResolver {
  @FieldResolver(() => ID)
  id(@Root() phone: PhoneNumberEntity): string {
    return toGlobalId('PhoneNumber', phone.id);
  }
}

@Resolver(() => PaymentConfiguration)
export class PaymentConfigurationResolver {
  @FieldResolver(() => ID)
  id(@Root() configuration: PaymentConfigurationEntity): string {
    return toGlobalId('PaymentConfiguration', configuration.id);
  }
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @FieldResolver(() => ID)
  id(@Root() key: ApiKeyEntity): string {
    return toGlobalId('ApiKey', key.id);
  }

  @FieldResolver(() => Business, { nullable: true })
  business(@Root() key: ApiKeyEntity, @Ctx() ctx: GraphQLContext): Promise<BusinessEntity | null> | null {
    return key.businessId ? ctx.loaders.business.load(key.businessId) : null;
  }

  @Authorized('ADMIN')
  @Mutation(() => CreateApiKeyPayload)
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext) {
    const businessId = input.businessId ? localId(input.businessId, 'Business') : null;
    return ctx.services.tenancy.createApiKey(serviceContext(ctx), { ...input, businessId });
  }

  @Authorized('ADMIN')
  @Mutation(() => RevokeApiKeyPayload)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.services.tenancy.revokeApiKey(serviceContext(ctx), localId(id, 'ApiKey'));
  }
}
