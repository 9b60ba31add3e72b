import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { OperationDefinitionNode } from 'graphql';
import { AnswerCache, newAnswerReads, type AnswerToken } from '../services/answer-cache';
import type { GraphQLContext } from '../graphql/context';

/** Root fields whose answers can be kept: every row they read names its order (src/services/order-changes.ts). */
const CACHEABLE_ROOT_FIELDS = new Set(['order', 'orders', '__typename']);

/**
 * The HTTP side of the answer cache (src/services/answer-cache.ts): a query made only of `order` and
 * `orders` by a key of one business is answered from a copy when one is valid, after the admission
 * gate charged it as usual (the answer and its extensions.cost are the same either way); otherwise
 * it runs and its answer is kept. ADMIN keys, mutations and every other root field always run.
 */
export function answerCachePlugin(cache: AnswerCache): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      let key: string | null = null;
      let token: AnswerToken | null = null;
      return {
        async responseForOperation({ request, operation, contextValue }) {
          const principal = contextValue.principal;
          // no operation: Apollo answers an unknown operationName itself (400)
          if (!operation || !principal?.businessId || principal.role === 'ADMIN' || !cacheable(operation)) return null;
          const k = `${principal.businessId}\u0000${principal.role}\u0000${request.operationName ?? ''}\u0000${JSON.stringify(request.variables ?? {})}\u0000${request.query}`;
          const data = cache.get(k);
          if (data) return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
          key = k;
          token = cache.begin(principal.businessId);
          contextValue.reads = newAnswerReads();
          return null;
        },
        async willSendResponse({ response, contextValue }) {
          if (!key || !token || !contextValue.reads || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (errors?.length || !data) return;
          cache.store(token, key, data, contextValue.reads, () => JSON.stringify(data).length);
        },
      };
    },
  };
}

const decided = new WeakMap<OperationDefinitionNode, boolean>();

function cacheable(operation: OperationDefinitionNode): boolean {
  let answer = decided.get(operation);
  if (answer === undefined) {
    const roots = operation.selectionSet.selections;
    answer =
      operation.operation === 'query' &&
      roots.every((s) => s.kind === 'Field' && CACHEABLE_ROOT_FIELDS.has(s.name.value) && !s.directives?.length) &&
      roots.some((s) => s.kind === 'Field' && s.name.value !== '__typename');
    decided.set(operation, answer);
  }
  return answer;
}
