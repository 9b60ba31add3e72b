import {
  getNullableType,
  GraphQLError,
  GraphQLSchema,
  isInterfaceType,
  isListType,
  isObjectType,
  type DocumentNode,
  type GraphQLField,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import {
  MAX_BENEFICIARIES,
  MAX_BILLDESK_INFO,
  MAX_ITEMS,
  MAX_PAYU_UDF,
  MAX_RAZORPAY_NOTES,
  MAX_ZAAKPAY_EXTRA,
} from '../domain/order-validation';
import { MAX_PAGE_SIZE } from '../services/order-queries';
import { MAX_RECONCILIATION_PAGE } from '../services/reconciliation';
import { MAX_BUSINESSES_PAGE } from '../services/tenancy';
import { MAX_DELIVERY_PAGE, MAX_ENDPOINTS_PER_BUSINESS, MAX_LISTED_ENDPOINTS } from '../services/webhook-endpoints';
import { ORDER_EVENT_TYPES } from '../domain/types';
import { MAX_REFUNDS_PER_PAYMENT } from '../domain/refunds';
import type { Principal } from '../services/context';

// No depth limit: the data graph has no cycles (the deepest query, orders → edges → node →
// payment → transactions → amount → value, is 7 levels). What can grow is the number of fields a
// query makes the server resolve, so that is what is limited: the cost of a query is one per
// field and one per list element, every list at the most elements it can hold. The same estimate decides
// QUERY_TOO_COMPLEX on both transports and what the per-key budget is charged.

/** A mutation writes and usually calls WhatsApp: it costs this on top of its selection. */
export const MUTATION_COST = 10;
/** The most fields (fragments expanded) a query may have: ten times our largest real selection. */
export const MAX_QUERY_NODES = 2_000;
/**
 * The most tokens a GraphQL document may have (parser limit, both transports). Validation grows
 * with the square of repeated fields (OverlappingFieldsCanBeMerged): 2,000 tokens keep the worst
 * document to tens of milliseconds, ten times the introspection query or our largest selection.
 */
export const MAX_DOCUMENT_TOKENS = 2_000;

/**
 * How many elements each list of the schema can hold, and why. A page (`first`) counts by the page
 * asked for (clamped to the page cap the resolver enforces: more is BAD_USER_INPUT anyway); every
 * other list by a maximum the gateway enforces: WhatsApp's own (items), or a cap applied where the
 * list is read (LIST_CAPS, shown in the field's description). A list missing here fails
 * assertListBounds at start, so a new list cannot slip through uncounted.
 */
export const LIST_CAPS = {
  /** an order's history: normally a dozen events; PROCESSING ⇄ SHIPPED can repeat without end */
  events: 100,
  /** one order_details plus one order_status per status change (which can repeat) */
  messages: 50,
  /** one per payment attempt the lookup reports; a customer retrying a failing card makes several */
  transactions: 50,
  /** WhatsApp registers up to 20 phone numbers for a business (more only on request) */
  phoneNumbers: 20,
  /** one per payment gateway account linked in WhatsApp Manager: a handful in practice */
  paymentConfigurations: 20,
  /** the largest page of the operator's businesses (other keys see their own, one) */
  businesses: MAX_BUSINESSES_PAGE,
  /** a business holds at most 100 webhook endpoints; the operator sees the first 1,000 of all businesses */
  webhookEndpoints: MAX_LISTED_ENDPOINTS,
  /** a delivery retried for 72 hours makes hundreds of attempts: the latest 50 are shown */
  webhookAttempts: 50,
} as const;

/** a number of elements; the page's own count ('parent'); or a number by who asks */
type Bound = number | 'parent' | ((principal: Principal | null) => number);

const LIST_BOUNDS: Record<string, Bound> = {
  'Order.items': MAX_ITEMS, // WhatsApp's limit for order_details, enforced by validation
  'Order.events': LIST_CAPS.events,
  'Order.messages': LIST_CAPS.messages,
  'Order.allowedTransitions': 5, // every status but the current one
  // what sendOrderDetails' validation lets an order hold
  'Order.beneficiaries': MAX_BENEFICIARIES,
  'GatewayFields.notes': MAX_RAZORPAY_NOTES,
  'GatewayFields.udf': MAX_PAYU_UDF,
  'GatewayFields.additionalInfo': MAX_BILLDESK_INFO,
  'GatewayFields.extra': MAX_ZAAKPAY_EXTRA,
  'Payment.transactions': LIST_CAPS.transactions,
  'Payment.refunds': MAX_REFUNDS_PER_PAYMENT, // refundPayment allows no more
  'Business.phoneNumbers': LIST_CAPS.phoneNumbers,
  'Business.paymentConfigurations': LIST_CAPS.paymentConfigurations,
  // the page's own `first` counts them (at the connection)
  'OrderConnection.edges': 'parent',
  'ReconciliationConnection.edges': 'parent',
  'WebhookDeliveryConnection.edges': 'parent',
  // a business holds at most 100; only the operator sees every business's
  'Query.webhookEndpoints': (principal) => (principal?.role === 'ADMIN' ? LIST_CAPS.webhookEndpoints : MAX_ENDPOINTS_PER_BUSINESS),
  'WebhookEndpoint.eventTypes': ORDER_EVENT_TYPES.length,
  'WebhookDelivery.attemptLog': LIST_CAPS.webhookAttempts,
  // four scalars each, made before the selection runs and bounded by the input (1 MB body)
  'UserError.field': 8,
  '*.userErrors': 10,
};

const PAGE_CAPS: Record<string, number | ((principal: Principal | null) => number)> = {
  'Query.orders': MAX_PAGE_SIZE,
  'Query.reconciliation': MAX_RECONCILIATION_PAGE,
  'WebhookEndpoint.deliveries': MAX_DELIVERY_PAGE,
  // a key of a business sees one, whatever page it asks for
  'Query.businesses': (principal) => (principal?.role === 'ADMIN' ? LIST_CAPS.businesses : 1),
};

function boundOf(typeName: string, fieldName: string): Bound | undefined {
  return LIST_BOUNDS[`${typeName}.${fieldName}`] ?? LIST_BOUNDS[`*.${fieldName}`];
}

function isList(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(getNullableType(field.type));
}

function hasPage(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((a) => a.name === 'first');
}

/**
 * Fails at start when a list or a page of the schema has no bound here (a field added without
 * deciding what it may cost).
 */
export function assertListBounds(schema: GraphQLSchema): void {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      const name = `${type.name}.${field.name}`;
      if (hasPage(field) && !(name in PAGE_CAPS)) missing.push(`${name} (page)`);
      else if (isList(field) && !hasPage(field) && boundOf(type.name, field.name) === undefined) missing.push(name);
    }
  }
  if (missing.length) throw new Error(`Lists without a cost bound in src/graphql/limits.ts: ${missing.join(', ')}`);
}

const estimator: ComplexityEstimator = ({ type, field, args, childComplexity, context }) => {
  const principal = (context as { principal?: Principal | null } | undefined)?.principal ?? null;
  const own = type.name === 'Mutation' ? 1 + MUTATION_COST : 1;
  const page = PAGE_CAPS[`${type.name}.${field.name}`];
  if (page !== undefined) {
    const cap = typeof page === 'function' ? page(principal) : page;
    const first = typeof args.first === 'number' ? Math.min(Math.max(Math.trunc(args.first), 1), cap) : cap;
    // a connection's elements are its edges (counted below it); a list's count here
    return own + first * ((isList(field) ? 1 : 0) + childComplexity);
  }
  if (isList(field)) {
    // every element is an object (or value) to produce, and a row to read: it counts one too
    const bound = boundOf(type.name, field.name);
    const n = typeof bound === 'number' ? bound : typeof bound === 'function' ? bound(principal) : 1;
    return own + n * (1 + childComplexity);
  }
  return own + childComplexity;
};

export function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', http: { status: 400 } } });
}

/**
 * The estimated cost of one operation of a document whose variables are already known to be
 * valid. A document too large to estimate (fragments expanding past MAX_QUERY_NODES fields) is
 * QUERY_TOO_COMPLEX as well.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  principal: Principal | null,
): number {
  try {
    return getComplexity({
      schema,
      query: document,
      variables: variables ?? {},
      operationName: operationName ?? undefined,
      context: { principal },
      estimators: [estimator],
      maxQueryNodes: MAX_QUERY_NODES,
    });
  } catch (err) {
    if (err instanceof GraphQLError && /maximum allowed number of nodes/.test(err.message)) {
      throw tooComplex(`This query has more than ${MAX_QUERY_NODES} fields once its fragments are expanded; ask for fewer fields.`);
    }
    throw err;
  }
}

export function costRefusal(cost: number, max: number): GraphQLError {
  return tooComplex(
    `This query would cost ${cost}, over the limit of ${max}: ask for smaller pages (first) or fewer fields ` +
      '(every list counts as its largest size: items 999, events 100, messages 50, transactions 50).',
  );
}
