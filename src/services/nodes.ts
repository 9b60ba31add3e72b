import type { Database } from '../db/database';
import {
  ApiKeyEntity,
  BusinessEntity,
  OrderEntity,
  OrderEventEntity,
  OutboundMessageEntity,
  PaymentConfigurationEntity,
  PhoneNumberEntity,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  RefundEntity,
} from '../db/entities';
import { MAX_EVENT_ID } from '../domain/limits';
import { canSeeBusiness, ServiceContext } from './context';

const canManageWebhooks = (ctx: ServiceContext) => ctx.principal.role === 'ADMIN' || ctx.principal.role === 'OPS';

/**
 * `node(id)`: any record by its global id, but only within the caller's business. A record of
 * another business answers null exactly like a missing one, so ids cannot be probed.
 */
export class NodeService {
  constructor(private readonly db: Database) {}

  async find(ctx: ServiceContext, type: string, id: string): Promise<object | null> {
    const m = this.db.manager;
    const scoped = <T extends { businessId: string | null }>(row: T | null) =>
      row && row.businessId && canSeeBusiness(ctx, row.businessId) ? row : null;
    switch (type) {
      case 'Business':
        return canSeeBusiness(ctx, id) ? m.findOne(BusinessEntity, { where: { id } }) : null;
      case 'PhoneNumber':
        return scoped(await m.findOne(PhoneNumberEntity, { where: { id } }));
      case 'PaymentConfiguration':
        return scoped(await m.findOne(PaymentConfigurationEntity, { where: { id } }));
      case 'ApiKey':
        // keys are the operator's business: other roles never see them
        return ctx.principal.role === 'ADMIN' ? m.findOne(ApiKeyEntity, { where: { id } }) : null;
      case 'Order':
        return scoped(await m.findOne(OrderEntity, { where: { id } }));
      case 'Refund':
        return scoped(await m.findOne(RefundEntity, { where: { id } }));
      case 'OutboundMessage':
        return scoped(await m.findOne(OutboundMessageEntity, { where: { id } }));
      case 'OrderEvent': {
        const seq = /^\d{1,10}$/.test(id) ? Number(id) : NaN;
        return seq <= MAX_EVENT_ID ? scoped(await m.findOne(OrderEventEntity, { where: { id: seq } })) : null;
      }
      // webhook endpoints and deliveries are OPS and ADMIN matters, like the API that manages them
      case 'WebhookEndpoint':
        return canManageWebhooks(ctx) ? scoped(await m.findOne(WebhookEndpointEntity, { where: { id } })) : null;
      case 'WebhookDelivery':
        return canManageWebhooks(ctx) ? scoped(await m.findOne(WebhookDeliveryEntity, { where: { id } })) : null;
      default:
        return null;
    }
  }
}
