import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { GraphQLContext, serviceContext } from '../context';
import { fromGlobalId } from '../global-id';
import { Node } from '../types/common';

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, { nullable: true })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<object | null> {
    const decoded = fromGlobalId(id);
    return decoded ? ctx.services.nodes.find(serviceContext(ctx), decoded.type, decoded.id) : null;
  }
}
