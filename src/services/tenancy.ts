import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import type { Database } from '../db/database';
import {
  ApiKeyEntity,
  BusinessEntity,
  PaymentConfigurationEntity,
  PhoneNumberEntity,
} from '../db/entities';
import { isUniqueViolation } from '../db/errors';
import { encryptSecret, generateApiKeySecret, hashApiKeySecret } from '../db/secrets';
import { userError } from '../domain/errors';
import { MAX_API_KEY_LABEL, MAX_API_URL, MAX_BUSINESS_NAME, MAX_DISPLAY_PHONE_NUMBER, MAX_PHONE_NUMBER_ID, MAX_WABA_ID } from '../domain/limits';
import { isHttpUrl } from '../domain/text';
import type { ApiKeyRole, PaymentGateway, UpstreamProvider, UserError } from '../domain/types';
import { canSeeBusiness, ServiceContext } from './context';
import type { EventBus } from './events';
import { InvalidQueryArgument } from './invalid-query-argument';
import { businessChanged } from './order-changes';

/** the most businesses one page of `businesses` holds (ADMIN) */
export const MAX_BUSINESSES_PAGE = 1000;

export interface CreateBusinessRequest {
  name: string;
  wabaId?: string | null;
}
export interface AddPhoneNumberRequest {
  businessId: string;
  phoneNumberId: string;
  displayPhoneNumber?: string | null;
  provider: UpstreamProvider;
  accessToken: string;
  apiUrl?: string | null;
}
export interface AddPaymentConfigurationRequest {
  businessId: string;
  name: string;
  gateway: PaymentGateway;
}
export interface CreateApiKeyRequest {
  businessId?: string | null;
  role: ApiKeyRole;
  label?: string | null;
}

type Result<K extends string, T> = { [P in K]: T | null } & { userErrors: UserError[] };

const invalid = (field: string[], message: string): UserError => userError('INVALID_INPUT', message, field);

/** Businesses, their phone numbers, payment configurations and API keys (ADMIN operations). */
export class TenancyService {
  constructor(
    private readonly db: Database,
    private readonly secretsKey: Buffer,
    private readonly events: EventBus,
  ) {}

  async createBusiness(_ctx: ServiceContext, input: CreateBusinessRequest): Promise<Result<'business', BusinessEntity>> {
    const errors: UserError[] = [];
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_BUSINESS_NAME) {
      errors.push(invalid(['input', 'name'], `name must be 1-${MAX_BUSINESS_NAME} characters`));
    }
    if (input.wabaId != null && !new RegExp(`^\\d{1,${MAX_WABA_ID}}$`).test(input.wabaId)) {
      errors.push(invalid(['input', 'wabaId'], `wabaId must be the WhatsApp Business Account id: 1-${MAX_WABA_ID} digits`));
    }
    if (errors.length) return { business: null, userErrors: errors };
    // a WABA belongs to one business (WhatsApp's same-Business-Manager rule); the unique index
    // decides between concurrent requests
    const taken = { business: null, userErrors: [userError('ALREADY_EXISTS', `A business with wabaId ${input.wabaId} already exists.`, ['input', 'wabaId'])] };
    return this.createUniquely(taken, async (m) => {
      if (input.wabaId && (await m.exists(BusinessEntity, { where: { wabaId: input.wabaId } }))) return taken;
      const business = m.create(BusinessEntity, { id: randomUUID(), name, wabaId: input.wabaId ?? null, createdAt: new Date() });
      return { business: await m.save(business), userErrors: [] };
    });
  }

  async addPhoneNumber(_ctx: ServiceContext, input: AddPhoneNumberRequest): Promise<Result<'phoneNumber', PhoneNumberEntity>> {
    const errors: UserError[] = [];
    if (!new RegExp(`^\\d{1,${MAX_PHONE_NUMBER_ID}}$`).test(input.phoneNumberId)) {
      errors.push(invalid(['input', 'phoneNumberId'], `phoneNumberId must be WhatsApp's phone number id: 1-${MAX_PHONE_NUMBER_ID} digits`));
    }
    if (input.displayPhoneNumber != null && !new RegExp(`^\\+?[\\d \\-()]{4,${MAX_DISPLAY_PHONE_NUMBER}}$`).test(input.displayPhoneNumber)) {
      errors.push(
        invalid(['input', 'displayPhoneNumber'], `displayPhoneNumber must be a phone number (digits, spaces, + - ( ), at most ${MAX_DISPLAY_PHONE_NUMBER})`),
      );
    }
    if (input.accessToken.trim().length === 0 || input.accessToken.length > 4096) {
      errors.push(invalid(['input', 'accessToken'], 'accessToken must be 1-4096 characters'));
    }
    if (input.apiUrl != null && (!isHttpUrl(input.apiUrl) || input.apiUrl.length > MAX_API_URL)) {
      errors.push(invalid(['input', 'apiUrl'], `apiUrl must be an absolute http(s) URL of at most ${MAX_API_URL} characters, e.g. https://graph.facebook.com`));
    }
    if (errors.length) return { phoneNumber: null, userErrors: errors };
    const taken = {
      phoneNumber: null,
      userErrors: [
        userError(
          'ALREADY_EXISTS',
          `Phone number id ${input.phoneNumberId} is already registered; a phone number belongs to one business only.`,
          ['input', 'phoneNumberId'],
        ),
      ],
    };
    return this.createUniquely(taken, async (m) => {
      if (!(await m.exists(BusinessEntity, { where: { id: input.businessId } }))) {
        return { phoneNumber: null, userErrors: [unknownBusiness()] };
      }
      if (await m.exists(PhoneNumberEntity, { where: { phoneNumberId: input.phoneNumberId } })) return taken;
      const phone = m.create(PhoneNumberEntity, {
        id: randomUUID(),
        businessId: input.businessId,
        phoneNumberId: input.phoneNumberId,
        displayPhoneNumber: input.displayPhoneNumber ?? null,
        provider: input.provider,
        accessTokenEncrypted: encryptSecret(input.accessToken, this.secretsKey),
        apiUrl: input.apiUrl ? input.apiUrl.replace(/\/+$/, '') : null,
        createdAt: new Date(),
      });
      businessChanged(m, phone.businessId);
      return { phoneNumber: await m.save(phone), userErrors: [] };
    });
  }

  async addPaymentConfiguration(
    _ctx: ServiceContext,
    input: AddPaymentConfigurationRequest,
  ): Promise<Result<'paymentConfiguration', PaymentConfigurationEntity>> {
    const name = input.name.trim();
    if (!/^[A-Za-z0-9_.\- ]{1,60}$/.test(name)) {
      return {
        paymentConfiguration: null,
        userErrors: [
          invalid(['input', 'name'], "name must be the configuration's name in WhatsApp Manager: 1-60 letters, digits, spaces, '_', '.' or '-'"),
        ],
      };
    }
    const taken = {
      paymentConfiguration: null,
      userErrors: [userError('ALREADY_EXISTS', `This business already has a payment configuration named "${name}".`, ['input', 'name'])],
    };
    return this.createUniquely(taken, async (m) => {
      if (!(await m.exists(BusinessEntity, { where: { id: input.businessId } }))) {
        return { paymentConfiguration: null, userErrors: [unknownBusiness()] };
      }
      if (await m.exists(PaymentConfigurationEntity, { where: { businessId: input.businessId, name } })) return taken;
      const now = new Date();
      const configuration = m.create(PaymentConfigurationEntity, {
        id: randomUUID(),
        businessId: input.businessId,
        name,
        gateway: input.gateway,
        status: null,
        createdAt: now,
        updatedAt: now,
      });
      businessChanged(m, configuration.businessId);
      return { paymentConfiguration: await m.save(configuration), userErrors: [] };
    });
  }

  async createApiKey(
    _ctx: ServiceContext,
    input: CreateApiKeyRequest,
  ): Promise<Result<'apiKey', ApiKeyEntity> & { secret: string | null }> {
    const fail = (e: UserError) => ({ apiKey: null, secret: null, userErrors: [e] });
    if (input.role === 'ADMIN' && input.businessId) {
      return fail(invalid(['input', 'businessId'], 'ADMIN keys act across businesses: leave businessId out'));
    }
    if (input.role !== 'ADMIN' && !input.businessId) {
      return fail(invalid(['input', 'businessId'], `businessId is required for a ${input.role} key`));
    }
    if (input.label != null && input.label.length > MAX_API_KEY_LABEL) {
      return fail(invalid(['input', 'label'], `label must be at most ${MAX_API_KEY_LABEL} characters`));
    }
    return this.db.transaction(async (m) => {
      if (input.businessId && !(await m.exists(BusinessEntity, { where: { id: input.businessId } }))) {
        return fail(unknownBusiness());
      }
      const secret = generateApiKeySecret(`wpg_${input.role.toLowerCase()}`);
      const key = m.create(ApiKeyEntity, {
        id: randomUUID(),
        businessId: input.businessId ?? null,
        role: input.role,
        label: input.label ?? null,
        secretHash: hashApiKeySecret(secret),
        createdAt: new Date(),
        revokedAt: null,
      });
      return { apiKey: await m.save(key), secret, userErrors: [] };
    });
  }

  async revokeApiKey(_ctx: ServiceContext, id: string | null): Promise<Result<'apiKey', ApiKeyEntity>> {
    const notFound = { apiKey: null, userErrors: [invalid(['id'], 'No API key has this id; use the id returned by createApiKey.')] };
    if (!id) return notFound;
    const result = await this.db.transaction(async (m) => {
      const key = await m.findOne(ApiKeyEntity, { where: { id } });
      if (!key) return notFound;
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await m.save(key);
      }
      return { apiKey: key, userErrors: [] };
    });
    // open subscriptions of the key end on every instance
    if (result.apiKey) this.events.publishKeyRevoked(result.apiKey.id);
    return result;
  }

  /**
   * Runs a create (in a transaction) whose existence check and insert race with a concurrent
   * request on PostgreSQL (both see nothing, both insert): the unique index lets one win, and the
   * other gets `taken`.
   */
  private async createUniquely<T>(taken: T, create: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(create);
    } catch (err) {
      if (isUniqueViolation(err)) return taken;
      throw err;
    }
  }

  async viewer(ctx: ServiceContext): Promise<{ role: ApiKeyRole; business: BusinessEntity | null }> {
    const { role, businessId } = ctx.principal;
    const business = businessId ? await this.db.manager.findOne(BusinessEntity, { where: { id: businessId } }) : null;
    return { role, business };
  }

  /**
   * ADMIN: a page of every business in creation order, after the business `after` (its local id);
   * any other key: its own business. Throws InvalidQueryArgument for a page the caller must fix.
   */
  async businesses(ctx: ServiceContext, first: number, after: string | null): Promise<BusinessEntity[]> {
    if (ctx.principal.role !== 'ADMIN') {
      return ctx.principal.businessId ? this.db.manager.find(BusinessEntity, { where: { id: ctx.principal.businessId } }) : [];
    }
    if (!Number.isInteger(first) || first < 1 || first > MAX_BUSINESSES_PAGE) {
      throw new InvalidQueryArgument('first', `first must be from 1 to ${MAX_BUSINESSES_PAGE}; page through more with after.`);
    }
    const q = this.db.manager.createQueryBuilder(BusinessEntity, 'b');
    if (after !== null) {
      const last = after ? await this.db.manager.findOne(BusinessEntity, { where: { id: after } }) : null;
      if (!last) throw new InvalidQueryArgument('after', 'after must be the id of a business of the previous page.');
      q.where('(b.createdAt, b.id) > (:at, :id)', { at: this.db.param(last.createdAt), id: last.id });
    }
    return q.orderBy('b.createdAt', 'ASC').addOrderBy('b.id', 'ASC').limit(first).getMany();
  }

  async business(ctx: ServiceContext, id: string): Promise<BusinessEntity | null> {
    if (!canSeeBusiness(ctx, id)) return null;
    return this.db.manager.findOne(BusinessEntity, { where: { id } });
  }

  // batch loaders (used through request-scoped DataLoaders)
  async businessesByIds(ids: readonly string[]): Promise<BusinessEntity[]> {
    return this.db.manager.find(BusinessEntity, { where: { id: In([...ids]) } });
  }
  async phoneNumbersByBusinessIds(ids: readonly string[]): Promise<PhoneNumberEntity[]> {
    return this.db.manager.find(PhoneNumberEntity, { where: { businessId: In([...ids]) }, order: { createdAt: 'ASC' } });
  }
  async paymentConfigurationsByBusinessIds(ids: readonly string[]): Promise<PaymentConfigurationEntity[]> {
    return this.db.manager.find(PaymentConfigurationEntity, {
      where: { businessId: In([...ids]) },
      order: { createdAt: 'ASC' },
    });
  }
}

function unknownBusiness(): UserError {
  return invalid(['input', 'businessId'], 'No business has this id; use the id returned by createBusiness or businesses.');
}
