import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import type { Database } from '../db/database';
import {
  BusinessEntity,
  WebhookDeliveryAttemptEntity,
  WebhookDeliveryEntity,
  WebhookDeliveryStatus,
  WebhookEndpointEntity,
} from '../db/entities';
import { encryptSecret } from '../db/secrets';
import { insertRows } from '../db/writes';
import { userError } from '../domain/errors';
import { codePointLength } from '../domain/text';
import { ORDER_EVENT_TYPES, OrderEventType, UserError } from '../domain/types';
import { bareHost, checkHost } from '../business-webhooks/address-guard';
import { generateWebhookSecret } from '../business-webhooks/signing';
import { canSeeBusiness, ServiceContext } from './context';
import { decodeCursor, type KeysetPage, keysetPage } from './cursors';
import { InvalidQueryArgument } from './invalid-query-argument';
import type { Outbox } from './outbox';
import { deliveryJob, newDelivery } from './webhook-deliveries';

export const MAX_ENDPOINTS_PER_BUSINESS = 100;
export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;
/** A rotated-out secret keeps signing for at most this long. */
export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;
export const MAX_DELIVERY_PAGE = 100;
/** the most endpoints `webhookEndpoints` lists (the operator's view of every business) */
export const MAX_LISTED_ENDPOINTS = 1000;

export interface CreateEndpointRequest {
  businessId?: string | null;
  url: string;
  eventTypes?: OrderEventType[] | null;
  description?: string | null;
}

export interface UpdateEndpointRequest {
  id: string;
  url?: string | null;
  eventTypes?: OrderEventType[] | null;
  enabled?: boolean | null;
  description?: string | null;
}

export interface EndpointResult {
  webhookEndpoint: WebhookEndpointEntity | null;
  userErrors: UserError[];
}

export interface EndpointSecretResult extends EndpointResult {
  secret: string | null;
}

export interface DeliveryResult {
  delivery: WebhookDeliveryEntity | null;
  userErrors: UserError[];
}

export type DeliveryPage = KeysetPage<WebhookDeliveryEntity>;

const notFound = (field: string[], what: string): UserError =>
  userError('NOT_FOUND', `No ${what} with this id is visible to this key; use an id from webhookEndpoints.`, field);

/**
 * The business's webhook endpoints (OPS for its own business, ADMIN for any) and their deliveries.
 * A URL must be one the gateway may call (https, a public address: see address-guard.ts) unless
 * OUTBOUND_WEBHOOKS_ALLOW_PRIVATE is set. The signing secret is shown once, when it is made, and
 * stored encrypted with SECRETS_KEY: the API never shows it again.
 */
export class WebhookEndpointService {
  constructor(
    private readonly db: Database,
    private readonly outbox: Outbox,
    private readonly secretsKey: Buffer,
    private readonly allowPrivate: boolean,
  ) {}

  async list(ctx: ServiceContext): Promise<WebhookEndpointEntity[]> {
    const where = ctx.principal.role === 'ADMIN' ? {} : { businessId: ctx.principal.businessId ?? '' };
    // a business holds at most MAX_ENDPOINTS_PER_BUSINESS; the operator's view of all is capped too
    return this.db.manager.find(WebhookEndpointEntity, { where, order: { createdAt: 'ASC', id: 'ASC' }, take: MAX_LISTED_ENDPOINTS });
  }

  async create(ctx: ServiceContext, input: CreateEndpointRequest): Promise<EndpointSecretResult> {
    const fail = (...userErrors: UserError[]) => ({ webhookEndpoint: null, secret: null, userErrors });
    const businessId = ctx.principal.role === 'ADMIN' ? (input.businessId ?? null) : ctx.principal.businessId;
    if (!businessId) return fail(userError('INVALID_INPUT', 'businessId is required with an ADMIN key: name the business the endpoint belongs to.', ['input', 'businessId']));
    const errors = [...this.checkDescription(input.description), ...(await this.checkUrl(input.url))];
    if (errors.length) return fail(...errors);

    const secret = generateWebhookSecret();
    return this.db.transaction(async (m) => {
      if (!(await m.exists(BusinessEntity, { where: { id: businessId } }))) {
        return fail(userError('INVALID_INPUT', 'No business has this id; use the id returned by createBusiness or businesses.', ['input', 'businessId']));
      }
      if ((await m.count(WebhookEndpointEntity, { where: { businessId } })) >= MAX_ENDPOINTS_PER_BUSINESS) {
        return fail(userError('INVALID_INPUT', `A business has at most ${MAX_ENDPOINTS_PER_BUSINESS} webhook endpoints; delete one first.`, ['input']));
      }
      const now = new Date();
      const endpoint: WebhookEndpointEntity = {
        id: randomUUID(),
        businessId,
        url: input.url.trim(),
        eventTypes: storedTypes(input.eventTypes),
        enabled: true,
        description: blankToNull(input.description),
        secretEncrypted: encryptSecret(secret, this.secretsKey),
        previousSecretEncrypted: null,
        previousSecretExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await insertRows(m, WebhookEndpointEntity, endpoint);
      return { webhookEndpoint: Object.assign(new WebhookEndpointEntity(), endpoint), secret, userErrors: [] };
    });
  }

  async update(ctx: ServiceContext, input: UpdateEndpointRequest): Promise<EndpointResult> {
    const fail = (...userErrors: UserError[]) => ({ webhookEndpoint: null, userErrors });
    const errors = [...this.checkDescription(input.description), ...(input.url != null ? await this.checkUrl(input.url) : [])];
    if (errors.length) return fail(...errors);
    return this.db.transaction(async (m) => {
      const endpoint = await m.findOne(WebhookEndpointEntity, { where: { id: input.id }, ...this.db.forUpdate() });
      if (!endpoint || !canSeeBusiness(ctx, endpoint.businessId)) return fail(notFound(['input', 'id'], 'webhook endpoint'));
      if (input.url != null) endpoint.url = input.url.trim();
      if (input.eventTypes != null) endpoint.eventTypes = storedTypes(input.eventTypes);
      if (input.enabled != null) endpoint.enabled = input.enabled;
      if (input.description !== undefined) endpoint.description = blankToNull(input.description);
      endpoint.updatedAt = new Date();
      const { url, eventTypes, enabled, description, updatedAt } = endpoint;
      await m.update(WebhookEndpointEntity, { id: endpoint.id }, { url, eventTypes, enabled, description, updatedAt });
      return { webhookEndpoint: endpoint, userErrors: [] };
    });
  }

  /** Deletes the endpoint with its deliveries; what was still to be sent to it is not sent. */
  async delete(ctx: ServiceContext, id: string): Promise<EndpointResult> {
    return this.db.transaction(async (m) => {
      const endpoint = await m.findOne(WebhookEndpointEntity, { where: { id }, ...this.db.forUpdate() });
      if (!endpoint || !canSeeBusiness(ctx, endpoint.businessId)) return { webhookEndpoint: null, userErrors: [notFound(['id'], 'webhook endpoint')] };
      const p = (i: number) => (this.db.dialect === 'sqlite' ? '?' : `$${i}`);
      const deliveries = `SELECT "id" FROM "webhook_deliveries" WHERE "endpointId" = ${p(1)}`;
      await m.query(`DELETE FROM "outbox" WHERE "kind" = 'BUSINESS_WEBHOOK' AND "subjectId" IN (${deliveries} AND "status" = 'PENDING')`, [id]);
      await m.query(`DELETE FROM "webhook_delivery_attempts" WHERE "deliveryId" IN (${deliveries})`, [id]);
      await m.delete(WebhookDeliveryEntity, { endpointId: id });
      await m.delete(WebhookEndpointEntity, { id });
      return { webhookEndpoint: endpoint, userErrors: [] };
    });
  }

  /** A new secret, shown once; the old one signs too (a second signature) for `overlapSeconds`. */
  async rotateSecret(ctx: ServiceContext, id: string, overlapSeconds: number): Promise<EndpointSecretResult> {
    const fail = (e: UserError) => ({ webhookEndpoint: null, secret: null, userErrors: [e] });
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
      return fail(userError('INVALID_INPUT', `overlapSeconds must be from 0 to ${MAX_OVERLAP_SECONDS} (7 days).`, ['overlapSeconds']));
    }
    const secret = generateWebhookSecret();
    return this.db.transaction(async (m) => {
      const endpoint = await m.findOne(WebhookEndpointEntity, { where: { id }, ...this.db.forUpdate() });
      if (!endpoint || !canSeeBusiness(ctx, endpoint.businessId)) return fail(notFound(['id'], 'webhook endpoint'));
      const now = new Date();
      endpoint.previousSecretEncrypted = overlapSeconds > 0 ? endpoint.secretEncrypted : null;
      endpoint.previousSecretExpiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null;
      endpoint.secretEncrypted = encryptSecret(secret, this.secretsKey);
      endpoint.updatedAt = now;
      const { secretEncrypted, previousSecretEncrypted, previousSecretExpiresAt, updatedAt } = endpoint;
      await m.update(WebhookEndpointEntity, { id }, { secretEncrypted, previousSecretEncrypted, previousSecretExpiresAt, updatedAt });
      return { webhookEndpoint: endpoint, secret, userErrors: [] };
    });
  }

  /**
   * The delivery's event again, as a new delivery with the same event id (the webhook-id) and body,
   * sent now (after any delivery of the same order to the same endpoint still in flight).
   */
  async redeliver(ctx: ServiceContext, deliveryId: string): Promise<DeliveryResult> {
    const fail = (e: UserError) => ({ delivery: null, userErrors: [e] });
    const result = await this.db.transaction(async (m) => {
      const original = await m.findOne(WebhookDeliveryEntity, { where: { id: deliveryId } });
      if (!original || !canSeeBusiness(ctx, original.businessId)) return fail(notFound(['deliveryId'], 'webhook delivery'));
      const endpoint = await m.findOne(WebhookEndpointEntity, { where: { id: original.endpointId } });
      if (!endpoint) return fail(notFound(['deliveryId'], 'webhook delivery'));
      if (!endpoint.enabled) {
        return fail(userError('INVALID_INPUT', 'The endpoint of this delivery is disabled; enable it with updateWebhookEndpoint first.', ['deliveryId']));
      }
      const { endpointId, businessId, eventId, eventType, orderId, referenceId, payload } = original;
      const delivery = newDelivery({ endpointId, businessId, eventId, eventType, orderId, referenceId, payload }, new Date());
      await insertRows(m, WebhookDeliveryEntity, delivery);
      await this.outbox.enqueueMany(m, [deliveryJob(delivery)]);
      return { delivery, userErrors: [] };
    });
    return result;
  }

  /** An endpoint's deliveries, newest first, in keyset pages over (createdAt, id). */
  async deliveries(endpoint: WebhookEndpointEntity, first: number, after: string | null | undefined, statuses: WebhookDeliveryStatus[] | null | undefined): Promise<DeliveryPage> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERY_PAGE) {
      throw new InvalidQueryArgument('first', `first must be from 1 to ${MAX_DELIVERY_PAGE}; page through more with the endCursor.`);
    }
    const q = this.db.manager.createQueryBuilder(WebhookDeliveryEntity, 'd').where('d.endpointId = :endpointId', { endpointId: endpoint.id });
    if (statuses?.length) q.andWhere('d.status IN (:...statuses)', { statuses });
    if (after) {
      const { at, keys } = decodeCursor(after, ['uuid']);
      q.andWhere('(d.createdAt, d.id) < (:cursorAt, :cursorId)', { cursorAt: this.db.param(at), cursorId: keys[0] });
    }
    const rows = await q.orderBy('d.createdAt', 'DESC').addOrderBy('d.id', 'DESC').limit(first + 1).getMany();
    return keysetPage(rows, first, after);
  }

  /** Every attempt of the deliveries, oldest first (batch read for a request's DataLoader). */
  async attemptsByDeliveryIds(ids: readonly string[]): Promise<WebhookDeliveryAttemptEntity[]> {
    return this.db.manager.find(WebhookDeliveryAttemptEntity, { where: { deliveryId: In([...ids]) }, order: { id: 'ASC' } });
  }

  async endpointsByIds(ids: readonly string[]): Promise<WebhookEndpointEntity[]> {
    return this.db.manager.find(WebhookEndpointEntity, { where: { id: In([...ids]) } });
  }

  private checkDescription(description: string | null | undefined): UserError[] {
    if (description != null && codePointLength(description) > MAX_DESCRIPTION_LENGTH) {
      return [userError('INVALID_INPUT', `description must be at most ${MAX_DESCRIPTION_LENGTH} characters.`, ['input', 'description'])];
    }
    return [];
  }

  /** A URL the gateway may call: parses, https (or http when private addresses are allowed), a public address. */
  private async checkUrl(raw: string): Promise<UserError[]> {
    const refuse = (why: string) => [userError('WEBHOOK_URL_NOT_ALLOWED', why, ['input', 'url'])];
    const value = raw.trim();
    if (value.length === 0 || value.length > MAX_URL_LENGTH) return refuse(`url must be 1-${MAX_URL_LENGTH} characters.`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return refuse('url does not parse as an absolute URL; give one like https://shop.example.com/webhooks/whatsapp-payments.');
    }
    const schemes = this.allowPrivate ? ['https:', 'http:'] : ['https:'];
    if (!schemes.includes(url.protocol)) {
      return refuse(this.allowPrivate ? 'url must be http or https.' : 'url must be https (http is allowed only when the operator sets OUTBOUND_WEBHOOKS_ALLOW_PRIVATE=true).');
    }
    if (url.username || url.password) return refuse('url must not carry a user name or password; authenticate deliveries by their signature.');
    if (this.allowPrivate) return [];
    const host = await checkHost(bareHost(url));
    if (!host.ok) return refuse(`url points at an address the gateway does not call: ${host.reason}. Use a public https address.`);
    return [];
  }
}

function storedTypes(types: OrderEventType[] | null | undefined): string {
  const wanted = new Set(types ?? []);
  // in the enum's order, each once
  return ORDER_EVENT_TYPES.filter((t) => wanted.has(t)).join(',');
}

function blankToNull(s: string | null | undefined): string | null {
  return s == null || s.trim() === '' ? null : s.trim();
}
