// The webhook endpoint API as the tests call it (GraphQL over HTTP, like a business would).
import { dataOf, type TestGateway } from './gateway';

export const ENDPOINT_FIELDS = 'id url eventTypes enabled description createdAt business { id name }';
export const DELIVERY_FIELDS =
  'id eventId eventType referenceId status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt attemptLog { at statusCode error durationMs }';

export const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { ${ENDPOINT_FIELDS} } userErrors { code field message } } }`;
export const UPDATE_ENDPOINT = `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { ${ENDPOINT_FIELDS} } userErrors { code field message } } }`;
export const DELETE_ENDPOINT = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { webhookEndpoint { id } userErrors { code field message } } }`;
export const ROTATE_SECRET = `mutation($id: ID!, $overlap: Int) { rotateWebhookEndpointSecret(id: $id, overlapSeconds: $overlap) { secret webhookEndpoint { id } userErrors { code field message } } }`;
export const REDELIVER = `mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { delivery { ${DELIVERY_FIELDS} } userErrors { code field message } } }`;
export const ENDPOINTS = `query($first: Int, $after: String, $status: [WebhookDeliveryStatus!]) { webhookEndpoints { ${ENDPOINT_FIELDS} deliveries(first: $first, after: $after, status: $status) { edges { cursor node { id eventId status } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
/** One endpoint with a page of its deliveries in full (each with its attempts): what a page of its deliveries costs, as a client reads it. */
export const ENDPOINT = `query($id: ID!, $first: Int, $after: String, $status: [WebhookDeliveryStatus!]) { node(id: $id) { ... on WebhookEndpoint { ${ENDPOINT_FIELDS} deliveries(first: $first, after: $after, status: $status) { edges { cursor node { ${DELIVERY_FIELDS} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }`;

export interface CreatedEndpoint {
  id: string;
  secret: string;
  url: string;
}

/** Creates an endpoint and returns its id and the secret shown once (fails the test on userErrors). */
export async function createEndpoint(t: TestGateway, key: string, input: Record<string, unknown>): Promise<CreatedEndpoint> {
  const res = dataOf(await t.gql(CREATE_ENDPOINT, { input }, key)).createWebhookEndpoint;
  if (res.userErrors.length) throw new Error(`createWebhookEndpoint: ${JSON.stringify(res.userErrors)}`);
  return { id: res.webhookEndpoint.id, secret: res.secret, url: res.webhookEndpoint.url };
}

/** The endpoint with its deliveries (newest first), as the key sees it. */
export async function endpointWithDeliveries(t: TestGateway, key: string, id: string, args: Record<string, unknown> = { first: 100 }): Promise<any> {
  const endpoint = dataOf(await t.gql(ENDPOINT, { ...args, id }, key)).node;
  if (!endpoint) throw new Error(`endpoint ${id} is not visible to this key`);
  return endpoint;
}

/** All of an endpoint's deliveries (every page), oldest first. */
export async function deliveriesOf(t: TestGateway, key: string, id: string): Promise<any[]> {
  const all: any[] = [];
  let after: string | null = null;
  for (;;) {
    const page: any = (await endpointWithDeliveries(t, key, id, { first: 100, after })).deliveries;
    all.push(...page.edges.map((e: { node: unknown }) => e.node));
    if (!page.pageInfo.hasNextPage) return all.reverse();
    after = page.pageInfo.endCursor;
  }
}
