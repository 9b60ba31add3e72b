import { visit, type DocumentNode, type ValueNode } from 'graphql';
import type { Principal } from '../services/context';
import { estimateCost } from './limits';

/** Distinct (operation, role, page sizes) a document keeps estimates for; past it, it starts over. */
const MAX_VARIANTS_PER_DOCUMENT = 64;

interface DocumentCosts {
  /** the variables an estimate can depend on: page sizes (`first`) and @skip/@include conditions */
  costVariables: string[];
  estimates: Map<string, number>;
}

/**
 * Remembers estimateCost per document. Clients send the same few documents over and over, and
 * Apollo hands every request with the same text the same parsed DocumentNode (its document store,
 * a bounded LRU), so the estimates live exactly as long as Apollo keeps the document: a WeakMap
 * keyed by it needs no bound of its own. A document parsed anew for each request (WebSocket)
 * simply misses.
 *
 * An estimate depends on the document, the operation, the caller's role (some lists are bounded by
 * who asks) and only those variables that size a page or decide @skip/@include, so those make the
 * key; every other variable (an order's input) does not change what the query may cost. An
 * estimate that throws (too many fields) is not remembered: it is refused again each time.
 */
export class CostCache {
  private readonly byDocument = new WeakMap<DocumentNode, DocumentCosts>();

  estimate(
    schema: Parameters<typeof estimateCost>[0],
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | null | undefined,
    principal: Principal | null,
  ): number {
    let costs = this.byDocument.get(document);
    if (!costs) {
      costs = { costVariables: costVariablesOf(document), estimates: new Map() };
      this.byDocument.set(document, costs);
    }
    const key = variantKey(costs.costVariables, operationName, variables, principal);
    const known = costs.estimates.get(key);
    if (known !== undefined) return known;
    const cost = estimateCost(schema, document, operationName, variables, principal);
    if (costs.estimates.size >= MAX_VARIANTS_PER_DOCUMENT) costs.estimates.clear();
    costs.estimates.set(key, cost);
    return cost;
  }
}

function variantKey(
  names: string[],
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  principal: Principal | null,
): string {
  let key = `${principal?.role ?? ''}\u0000${operationName ?? ''}`;
  for (const name of names) {
    // an absent variable takes its default, an explicit null does not: they must not share a key
    const value = variables && Object.prototype.hasOwnProperty.call(variables, name) ? JSON.stringify(variables[name]) : '-';
    key += `\u0000${value}`;
  }
  return key;
}

/**
 * Every variable used (anywhere inside) an argument named `first` or an argument of a directive,
 * in any definition of the document: what the estimator and graphql-query-complexity's node count
 * read from the variables. Anything else in the variables leaves the estimate as it is.
 */
export function costVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (value: ValueNode) =>
    visit(value, {
      Variable(node) {
        names.add(node.name.value);
      },
    });
  visit(document, {
    Field(node) {
      for (const arg of node.arguments ?? []) if (arg.name.value === 'first') collect(arg.value);
    },
    Directive(node) {
      for (const arg of node.arguments ?? []) collect(arg.value);
    },
  });
  return [...names].sort();
}
