import { explainUserError } from './format';
import type { Business, PageInfo, UserError } from './types';

// The business webhooks page's view of the API (contract/business-webhooks.graphql): the shapes it
// reads, its documents, and when to read an open endpoint's deliveries again.

export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['PENDING', 'SUCCEEDED', 'FAILED'];

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** empty: every type */
  eventTypes: string[];
  enabled: boolean;
  description: string | null;
  createdAt: string;
  business: Business;
}

export interface DeliveryAttempt {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  referenceId: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  /** oldest first, the latest 50 */
  attemptLog: DeliveryAttempt[];
}

export interface EventType {
  name: string;
  description: string | null;
}

const ENDPOINT = 'id url eventTypes enabled description createdAt business { id name }';
const ERRORS = 'userErrors { code field message whatsappCode }';

/**
 * The endpoints, the event types an endpoint may pick (OrderEventType as the API itself lists it,
 * so a type added to the API is offered without a change here) and, for the operator, the
 * businesses an endpoint may belong to.
 */
export const ENDPOINTS = `query WebhookEndpoints($admin: Boolean!) {
  webhookEndpoints { ${ENDPOINT} }
  eventTypes: __type(name: "OrderEventType") { enumValues { name description } }
  businesses(first: 1000) @include(if: $admin) { id name } }`;

/**
 * One endpoint's deliveries, through node(id): the API prices every list at its bound, so the
 * deliveries of every endpoint in one query would be refused as too expensive.
 */
export const DELIVERIES = `query WebhookDeliveries($id: ID!, $first: Int!, $after: String, $status: [WebhookDeliveryStatus!]) {
  node(id: $id) { ... on WebhookEndpoint { id deliveries(first: $first, after: $after, status: $status) {
    edges { node { id eventId eventType referenceId status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt
      attemptLog { at statusCode error durationMs } } }
    pageInfo { hasNextPage endCursor } } } } }`;

export const CREATE_ENDPOINT = `mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret webhookEndpoint { ${ENDPOINT} } ${ERRORS} } }`;

export const UPDATE_ENDPOINT = `mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { webhookEndpoint { ${ENDPOINT} } ${ERRORS} } }`;

export const DELETE_ENDPOINT = `mutation DeleteWebhookEndpoint($id: ID!) {
  deleteWebhookEndpoint(id: $id) { webhookEndpoint { id } ${ERRORS} } }`;

export const ROTATE_SECRET = `mutation RotateWebhookEndpointSecret($id: ID!, $overlapSeconds: Int!) {
  rotateWebhookEndpointSecret(id: $id, overlapSeconds: $overlapSeconds) { secret webhookEndpoint { id } ${ERRORS} } }`;

export const REDELIVER = `mutation RedeliverWebhook($id: ID!) {
  redeliverWebhook(deliveryId: $id) { delivery { id } ${ERRORS} } }`;

export interface DeliveryPage {
  edges: Array<{ node: WebhookDelivery }>;
  pageInfo: PageInfo;
}

/** The most an open endpoint's deliveries wait to be read again (a status may change without an event). */
export const DELIVERIES_POLL_MS = 15_000;
/** The least: a delivery being retried is read again soon after its attempt, not before. */
export const DELIVERIES_SOONEST_MS = 1_500;
/** An attempt takes a moment after it is due (the worker's poll, the call itself). */
const ATTEMPT_SETTLES_MS = 1_000;
/**
 * A pending delivery due longer ago than this is waiting behind an earlier delivery of its order
 * (which is retried at its own time) or behind a backlog: the slow poll is enough for it.
 */
const OVERDUE_MS = 10_000;

/**
 * When to read the deliveries again: soon after the earliest pending delivery's next attempt is due
 * (its outcome is what changes next), else at the slow poll. New deliveries come with live events.
 */
export function nextDeliveriesRead(deliveries: Array<Pick<WebhookDelivery, 'status' | 'nextAttemptAt'>>, now: number): number {
  let wait = DELIVERIES_POLL_MS;
  for (const d of deliveries) {
    if (d.status !== 'PENDING' || !d.nextAttemptAt) continue;
    const due = Date.parse(d.nextAttemptAt);
    if (due < now - OVERDUE_MS) continue;
    wait = Math.min(wait, due - now + ATTEMPT_SETTLES_MS);
  }
  return Math.max(DELIVERIES_SOONEST_MS, wait);
}
