import { Field, ID, Int, InterfaceType, ObjectType } from 'type-graphql';
import { ErrorCodeEnum } from '../enums';
import type { ErrorCode } from '../../domain/types';

@InterfaceType('Node', {
  // roots are TypeORM entity instances; their class says which GraphQL type they are
  resolveType: (value) => graphqlTypeOf(value),
})
export abstract class Node {
  @Field(() => ID) id: string;
}

const typeNames = new Map<Function, string>();

/** Declares which GraphQL type an entity class is exposed as (for Node and global ids). */
export function exposeAs(entity: Function, graphqlType: string): void {
  typeNames.set(entity, graphqlType);
}

export function graphqlTypeOf(value: unknown): string | undefined {
  return value && typeof value === 'object' ? typeNames.get(value.constructor) : undefined;
}

@ObjectType()
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field() hasPreviousPage: boolean;
  @Field(() => String, { nullable: true }) startCursor: string | null;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ObjectType()
export class UserError {
  @Field(() => ErrorCodeEnum) code: ErrorCode;
  @Field() message: string;
  @Field(() => [String], {
    nullable: true,
    description: 'path to the offending input field, e.g. ["input", "items", "0", "quantity"]',
  })
  field?: string[] | null;
  @Field(() => Int, {
    nullable: true,
    description: 'the WhatsApp error code this corresponds to, where there is one (2046, 2047, 131009 ...)',
  })
  whatsappCode?: number | null;
}

@ObjectType()
export class Money {
  @Field(() => Int, { description: 'amount in minor units: real amount × offset' }) value: number;
  @Field(() => Int) offset: number;
  @Field() currency: string;
  @Field({ description: 'decimal rendering, e.g. "520.00"' }) formatted: string;
}
