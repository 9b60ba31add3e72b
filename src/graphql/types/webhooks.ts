import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { WebhookDeliveryStatus } from '../../db/entities';
import type { OrderEventType } from '../../domain/types';
import { OrderEventTypeEnum } from '../enums';
import { Node, PageInfo, UserError } from './common';
import { Business } from './tenancy';

export const WebhookDeliveryStatusEnum = { PENDING: 'PENDING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED' } as const;
registerEnumType(WebhookDeliveryStatusEnum, {
  name: 'WebhookDeliveryStatus',
  valuesConfig: {
    PENDING: { description: 'waiting for its first attempt or for a retry' },
    FAILED: { description: 'every attempt of the retry schedule failed; redeliverWebhook sends it again' },
  },
});

@ObjectType({ description: 'One attempt of a delivery: what the endpoint answered, or why there was no answer.' })
export class WebhookDeliveryAttempt {
  @Field() at: Date;
  @Field(() => Int, { nullable: true, description: 'the HTTP status of the answer, where there was one' }) statusCode: number | null;
  @Field(() => String, { nullable: true, description: 'why it failed; null when it succeeded' }) error: string | null;
  @Field(() => Int, { description: 'from the start of the request to the end of the answer' }) durationMs: number;
}

@ObjectType({ implements: Node })
export class WebhookDelivery extends Node {
  @Field(() => ID, { description: 'the event delivered: the webhook-id header' }) eventId: string;
  @Field(() => OrderEventTypeEnum) eventType: OrderEventType;
  @Field() referenceId: string;
  @Field(() => WebhookDeliveryStatusEnum) status: WebhookDeliveryStatus;
  @Field(() => Int) attempts: number;
  @Field(() => Int, { nullable: true, description: 'HTTP status of the last attempt, where there was an answer' }) lastStatusCode: number | null;
  @Field(() => String, {
    nullable: true,
    description: 'why the last attempt failed (timeout, refused, the status line, a refused address)',
  })
  lastError: string | null;
  @Field(() => Date, { nullable: true }) nextAttemptAt: Date | null;
  @Field(() => Date, { nullable: true }) deliveredAt: Date | null;
  @Field() createdAt: Date;
  @Field(() => [WebhookDeliveryAttempt], { description: 'every attempt, oldest first' }) attemptLog: WebhookDeliveryAttempt[];
}

@ObjectType()
export class WebhookDeliveryEdge {
  @Field() cursor: string;
  @Field(() => WebhookDelivery) node: WebhookDelivery;
}

@ObjectType()
export class WebhookDeliveryConnection {
  @Field(() => [WebhookDeliveryEdge]) edges: WebhookDeliveryEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType({ implements: Node })
export class WebhookEndpoint extends Node {
  @Field(() => Business) business: Business;
  @Field() url: string;
  @Field(() => [OrderEventTypeEnum], { description: 'the event types delivered; empty means every type' }) eventTypes: OrderEventType[];
  @Field() enabled: boolean;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field() createdAt: Date;
  @Field(() => WebhookDeliveryConnection, { description: 'newest first' }) deliveries: WebhookDeliveryConnection;
}

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => ID, { nullable: true, description: 'for ADMIN keys; an OPS key always acts on its own business' })
  businessId?: string | null;
  @Field({ description: 'https, and a public address (unless the operator allows private ones)' }) url: string;
  @Field(() => [OrderEventTypeEnum], { nullable: true, description: 'the event types to deliver; empty or absent: every type' })
  eventTypes?: OrderEventType[] | null;
  @Field(() => String, { nullable: true, description: 'at most 500 characters' }) description?: string | null;
}

@InputType()
export class UpdateWebhookEndpointInput {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => [OrderEventTypeEnum], { nullable: true, description: 'replaces the list; empty: every type' })
  eventTypes?: OrderEventType[] | null;
  @Field(() => Boolean, { nullable: true, description: 'a disabled endpoint gets no new deliveries; pending ones end FAILED' })
  enabled?: boolean | null;
  @Field(() => String, { nullable: true, description: 'null or blank clears it' }) description?: string | null;
}

@ObjectType()
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { nullable: true }) webhookEndpoint: WebhookEndpoint | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint, { nullable: true }) webhookEndpoint: WebhookEndpoint | null;
  @Field(() => String, { nullable: true, description: 'the signing secret (whsec_...), shown once' }) secret: string | null;
  @Field(() => [UserError]) userErrors: UserError[];
}

@ObjectType()
export class WebhookDeliveryPayload {
  @Field(() => WebhookDelivery, { nullable: true }) delivery: WebhookDelivery | null;
  @Field(() => [UserError]) userErrors: UserError[];
}
