import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, GraphQLSchema } from 'graphql';
import { getComplexity, simpleEstimator, ComplexityEstimator } from 'graphql-query-complexity';

// No depth limit: the data graph has no cycles (the deepest query, orders → edges → node →
// payment → transactions → amount → value, is 7 levels), and Apollo Server already refuses
// introspection queries that nest without end. The cost of a query is what can grow.

/** Estimated cost of a query: one per field, lists multiplied by the page size they ask for. */
export const MAX_COMPLEXITY = 50_000;

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

/** A list asked for with `first: N` costs N times what one element costs. */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  const first = typeof args.first === 'number' && args.first > 0 ? args.first : null;
  return first !== null ? 1 + first * childComplexity : undefined;
};

/**
 * Refuses a query whose estimated cost exceeds MAX_COMPLEXITY before it runs (the page size cap
 * bounds each list; this bounds their products). Variables are known here, unlike in plain
 * validation rules.
 */
export function complexityPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const complexity = getComplexity({
            schema,
            query: document,
            variables: request.variables,
            operationName: request.operationName,
            estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > MAX_COMPLEXITY) {
            throw tooComplex(
              `This query would cost ${complexity}, over the limit of ${MAX_COMPLEXITY}: ask for smaller pages (first) or fewer fields.`,
            );
          }
        },
      };
    },
  };
}
