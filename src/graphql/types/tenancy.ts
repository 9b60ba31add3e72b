import { Field, ID, ObjectType } from 'type-graphql';
import { ApiKeyRoleEnum, PaymentGatewayEnum, UpstreamProviderEnum } from '../enums';
import type { ApiKeyRole, PaymentGateway, UpstreamProvider } from '../../domain/types';
import { Node, UserError } from './common';

@ObjectType({ implements: Node })
export class PhoneNumber extends Node {
  @Field() phoneNumberId: string;
  @Field(() => String, { nullable: true }) displayPhoneNumber: string | null;
  @Field(() => UpstreamProviderEnum) provider: UpstreamProvider;
}

@ObjectType({ implements: Node })
export class PaymentConfiguration extends Node {
  @Field({ description: 'the configuration name used in order_details messages and in payment lookups' }) name: string;
  @Field(() => PaymentGatewayEnum) gateway: PaymentGateway;
  @Field(() => String, {
    nullable: true,
    description: 'as last reported by WhatsApp (Active, Needs Connecting, Needs Testing), where known',
  })
  status: string | null;
}

@ObjectType({ implements: Node })
export class Business extends Node {
  @Field() name: string;
  @Field(() => String, { nullable: true, description: 'the WhatsApp Business Account id, where known' }) wabaId: string | null;
  @Field(() => [PhoneNumber], { description: 'the first 20' }) phoneNumbers: PhoneNumber[];
  @Field(() => [PaymentConfiguration], { description: 'the first 20' }) paymentConfigurations: PaymentConfiguration[];
  @Field() createdAt: Date;
}

@ObjectType()
export class Viewer {
  @Field(() => ApiKeyRoleEnum) role: ApiKeyRole;
  @Field(() => Business, { nullable: true, description: 'null for ADMIN' }) business: Business | null;
  @Field(() => ID, {
    nullable: true,
    description: 'the newest order event this key may see (null before the first): subscribe to orderEvents with it as afterEventId to miss nothing after a read',
  })
  lastEventId: string | null;
}

@ObjectType({ implements: Node })
export class ApiKey extends Node {
  @Field(() => ApiKeyRoleEnum) role: ApiKeyRole;
  @Field(() => String, { nullable: true }) label: string | null;
  @Field(() => Business, { nullable: true }) business: Business | null;
  @Field() createdAt: Date;
  @Field(() => Date, { nullable: true }) revokedAt: Date | null;
}

@ObjectType()
export class BusinessPayload {
  @Field(() => Business, { nullable: true }) business: Business | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class PhoneNumberPayload {
  @Field(() => PhoneNumber, { nullable: true }) phoneNumber: PhoneNumber | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class PaymentConfigurationPayload {
  @Field(() => PaymentConfiguration, { nullable: true }) paymentConfiguration: PaymentConfiguration | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKey, { nullable: true }) apiKey: ApiKey | null;
  @Field(() => String, { nullable: true, description: 'the secret, shown once: send it as `Authorization: Bearer <secret>`' })
  secret: string | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class RevokeApiKeyPayload {
  @Field(() => ApiKey, { nullable: true }) apiKey: ApiKey | null;
  @Field(() => [UserError]) userErrors: UserError[];
}
