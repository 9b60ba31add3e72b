import 'reflect-metadata';
import { parse, type GraphQLSchema } from 'graphql';
import { CostCache, costVariablesOf } from '../../src/graphql/cost-cache';
import { estimateCost } from '../../src/graphql/limits';
import { buildGatewaySchema } from '../../src/graphql/schema';
import type { Principal } from '../../src/services/context';

// The remembered estimate must always be the one estimateCost gives for the same request: whatever
// can change it (page sizes, @skip/@include, the caller's role, the operation) is part of its key.

const storefront: Principal = { keyId: 'k1', role: 'STOREFRONT', businessId: 'b1' };
const admin: Principal = { keyId: 'admin', role: 'ADMIN', businessId: null };

describe('CostCache', () => {
  let schema: GraphQLSchema;
  beforeAll(() => {
    schema = buildGatewaySchema();
  });

  it('finds the variables an estimate depends on, and only those', () => {
    const doc = parse(`query Q($n: Int, $m: Int, $show: Boolean!, $ref: String!, $input: SendOrderDetailsInput!) {
      orders(first: $n) { edges { node { referenceId events @include(if: $show) { type } } } }
      order(referenceId: $ref) { ...F }
    }
    fragment F on Order { items @skip(if: $show) { name } }
    mutation S($input: SendOrderDetailsInput!, $m: Int) { sendOrderDetails(input: $input) { order { id } } }`);
    expect(costVariablesOf(doc)).toEqual(['n', 'show']);
  });

  it('gives what estimateCost gives, for every page size, condition, role and operation', () => {
    const cache = new CostCache();
    const doc = parse(`query Page($n: Int, $show: Boolean! = true) {
      orders(first: $n) { edges { node { referenceId events @include(if: $show) { type } } } }
    }
    query Hooks { webhookEndpoints { id eventTypes } }`);
    const cases: Array<[string, Record<string, unknown> | undefined, Principal | null]> = [
      ['Page', { n: 10 }, storefront],
      ['Page', { n: 3 }, storefront],
      ['Page', { n: 10, show: false }, storefront],
      ['Page', { n: null }, storefront],
      ['Page', {}, storefront],
      ['Page', undefined, null],
      ['Hooks', undefined, storefront],
      ['Hooks', undefined, admin],
    ];
    // twice: the second pass answers from the cache
    for (let pass = 0; pass < 2; pass++) {
      for (const [operation, variables, principal] of cases) {
        expect(cache.estimate(schema, doc, operation, variables, principal)).toBe(estimateCost(schema, doc, operation, variables, principal));
      }
    }
    const page = (n: number) => cache.estimate(schema, doc, 'Page', { n }, storefront);
    expect(page(3)).toBeLessThan(page(10));
    // a list bounded by who asks: the operator sees every business's endpoints
    expect(cache.estimate(schema, doc, 'Hooks', undefined, admin)).toBeGreaterThan(cache.estimate(schema, doc, 'Hooks', undefined, storefront));
  });

  it('keeps refusing a document too large to estimate', () => {
    const cache = new CostCache();
    const fields = Array.from({ length: 2100 }, (_, i) => `a${i}: __typename`).join(' ');
    const doc = parse(`{ ${fields} }`, { maxTokens: 100_000 });
    for (let i = 0; i < 2; i++) expect(() => cache.estimate(schema, doc, undefined, undefined, storefront)).toThrow(/more than 2000 fields/);
  });
});
