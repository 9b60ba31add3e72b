import { HeaderMap } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import type { Principal } from '../services/context';
import type { CostBudget, ThrottleStatus } from '../services/cost-budget';
import { CostCache } from './cost-cache';
import { assertListBounds, costRefusal, MUTATION_COST } from './limits';

/** What an answer reports in `extensions.cost` (Shopify's shape). */
export interface CostReport {
  /** the estimate charged before the operation ran (every list at its largest size) */
  requestedQueryCost: number;
  /** what the answer holds, counted the same way with the lists' real sizes; the rest is given back */
  actualQueryCost?: number;
  /** the caller's bucket after this operation was charged; null when its role has no budget */
  throttleStatus: ThrottleStatus | null;
}

export type Transport = 'http' | 'ws';

/**
 * The one gate every GraphQL operation passes before it runs, on HTTP and on WebSocket alike:
 * its variables must be valid, its estimated cost within QUERY_MAX_COST, and its caller's budget
 * must hold that cost (which is then taken). Parsing and validation happen before, in each
 * transport's own pipeline, with the same limits (MAX_DOCUMENT_TOKENS, graphql's rules).
 */
export class Admission {
  private readonly costs = new CostCache();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly budget: CostBudget,
    readonly maxCost: number,
  ) {
    assertListBounds(schema);
  }

  /**
   * Checks an operation whose document is valid. Throws the GraphQLError to answer instead
   * (QUERY_TOO_COMPLEX, THROTTLED, subscriptions over HTTP); variable errors are returned, for the
   * transport to report as it reports them (Apollo: 400 BAD_USER_INPUT).
   */
  async admit(request: {
    document: DocumentNode;
    operation: OperationDefinitionNode;
    variables: Record<string, unknown> | null | undefined;
    principal: Principal | null;
    transport: Transport;
  }): Promise<{ variableErrors: GraphQLError[] } | { cost: CostReport }> {
    const { document, operation, principal } = request;
    if (request.transport === 'http' && operation.operation === 'subscription') {
      throw new GraphQLError(
        'Subscriptions need the WebSocket transport: connect a graphql-ws client to ws://<this host>/graphql and send the subscription there.',
        { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
      );
    }
    const variableErrors = coerceVariables(this.schema, operation, request.variables);
    if (variableErrors) return { variableErrors };
    const cost = this.costs.estimate(this.schema, document, operation.name?.value, request.variables, principal);
    if (cost > this.maxCost) throw costRefusal(cost, this.maxCost);
    if (!principal) return { cost: { requestedQueryCost: cost, throttleStatus: null } };
    const charge = await this.budget.charge(principal, cost);
    if (charge && !charge.allowed) {
      const seconds = Math.ceil(charge.retryAfterMs / 1000);
      const report: CostReport = { requestedQueryCost: cost, throttleStatus: charge.status };
      throw new GraphQLError(
        `This API key's query budget is spent: this operation costs ${cost} and ${charge.status.currentlyAvailable} is available ` +
          `(a bucket of ${charge.status.maximumAvailable}, refilled by ${charge.status.restoreRate} a second); retry in ${seconds} s, ` +
          'or ask for fewer fields or smaller pages.',
        {
          extensions: {
            code: 'THROTTLED',
            retryAfter: seconds,
            cost: report,
            http: { status: 429, headers: new HeaderMap([['retry-after', String(seconds)]]) },
          },
        },
      );
    }
    return { cost: { requestedQueryCost: cost, throttleStatus: charge?.status ?? null } };
  }
}

/**
 * Settles an admitted operation once its answer is known: the budget gets back what the estimate
 * charged beyond the answer's actual cost, and the report says both.
 */
export function settleCost(
  budget: CostBudget,
  principal: Principal | null,
  charged: CostReport,
  operation: OperationDefinitionNode,
  data: unknown,
): CostReport {
  const rootCost = operation.operation === 'mutation' ? MUTATION_COST : 0;
  const actual = Math.min(charged.requestedQueryCost, answerCost(data, rootCost));
  const refund = charged.requestedQueryCost - actual;
  const status = charged.throttleStatus;
  if (principal && status && refund > 0) void budget.refund(principal, refund);
  return {
    requestedQueryCost: charged.requestedQueryCost,
    actualQueryCost: actual,
    throttleStatus: status && {
      ...status,
      currentlyAvailable: Math.min(status.maximumAvailable, status.currentlyAvailable + refund),
    },
  };
}

/** One per field and per list element of the answer: how estimateCost counts, with the real lengths. */
function answerCost(data: unknown, rootCost: number): number {
  if (!data || typeof data !== 'object') return 0;
  // a kept answer (the answer cache) comes back as the same object: counted once
  const counted = rootCost === 0 ? countedAnswers.get(data) : undefined;
  if (counted !== undefined) return counted;
  let total = 0;
  for (const value of Object.values(data as Record<string, unknown>)) total += 1 + rootCost + inner(value);
  if (rootCost === 0) countedAnswers.set(data, total);
  return total;
}
const countedAnswers = new WeakMap<object, number>();

function inner(value: unknown): number {
  if (Array.isArray(value)) {
    let total = 0;
    for (const element of value) total += 1 + inner(element);
    return total;
  }
  if (value && typeof value === 'object') {
    let total = 0;
    for (const field of Object.values(value as Record<string, unknown>)) total += 1 + inner(field);
    return total;
  }
  return 0;
}

/** graphql-js' own coercion of the variables (its messages), as BAD_USER_INPUT errors; null when valid. */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 25 });
  if (!coerced.errors) return null;
  return coerced.errors.map(
    (e) =>
      new GraphQLError(e.message, {
        nodes: e.nodes,
        originalError: e.originalError,
        extensions: { ...e.extensions, code: 'BAD_USER_INPUT', http: { status: 400 } },
      }),
  );
}
