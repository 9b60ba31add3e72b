import express, { Router } from 'express';
import { Webhook } from 'standardwebhooks';
import { BusinessEntity, WebhookEndpointEntity } from '../db/entities';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { ENV_ADMIN_KEY_ID } from '../services/auth';
import type { ServiceContext } from '../services/context';
import type { SandboxSecrets } from './secrets';
import { DEMO } from './seed';

export const RECEIVER_PATH = '/sandbox/webhook-receiver';
const KEEP = 50;

/** What the sandbox receiver got, newest last. */
export interface ReceivedWebhook {
  webhookId: string;
  receivedAt: string;
  verified: boolean;
  /** the verified body; null when the signature did not verify */
  event: unknown;
  error: string | null;
}

/**
 * Sandbox mode only: a storefront's webhook receiver, served by the gateway itself, so a newcomer
 * sees signed webhooks arrive without writing one. The demo business has an endpoint pointing here
 * (every event type); the receiver verifies each request with the endpoint's secret through the
 * `standardwebhooks` library, exactly as a storefront would, logs one line per webhook and keeps
 * the last 50 for `GET /sandbox/webhook-receiver` (with any API key).
 */
export class SandboxWebhookReceiver {
  private secret: string | null = null;
  private readonly received: ReceivedWebhook[] = [];

  constructor(private readonly logger: Logger) {}

  routes(services: Services): Router {
    const router = Router();
    // the raw bytes: a signature is over the body exactly as sent
    router.post(RECEIVER_PATH, express.text({ type: () => true, limit: '1mb' }), (req, res) => {
      const body = typeof req.body === 'string' ? req.body : '';
      const webhookId = String(req.headers['webhook-id'] ?? '');
      try {
        if (!this.secret) throw new Error('the sandbox receiver has no endpoint secret yet');
        const event = new Webhook(this.secret).verify(body, req.headers as Record<string, string>) as {
          type: string;
          data: { referenceId: string; fromStatus: string | null; toStatus: string | null; order: { status: string; payment: { status: string; verified: boolean } | null } };
        };
        this.keep({ webhookId, receivedAt: new Date().toISOString(), verified: true, event, error: null });
        const { data } = event;
        this.logger.info(
          {
            webhookId,
            type: event.type,
            referenceId: data.referenceId,
            change: `${data.fromStatus ?? ''}>${data.toStatus ?? ''}`,
            order: data.order.status,
            payment: data.order.payment ? `${data.order.payment.status}${data.order.payment.verified ? ' (verified)' : ''}` : null,
          },
          'sandbox webhook receiver: signature verified',
        );
        res.status(204).end();
      } catch (err) {
        this.keep({ webhookId, receivedAt: new Date().toISOString(), verified: false, event: null, error: (err as Error).message });
        this.logger.warn({ webhookId, error: (err as Error).message }, 'sandbox webhook receiver: refused a webhook whose signature does not verify');
        res.status(400).json({ error: (err as Error).message });
      }
    });
    // what it got is the demo business's: any valid API key may look, as with POST /sandbox/pay
    router.get(RECEIVER_PATH, async (req, res) => {
      const auth = await services.auth.authenticate(req.headers.authorization);
      if (!auth.principal) {
        res.status(401).json({ error: auth.error ?? 'Send an API key: Authorization: Bearer <api key>.' });
        return;
      }
      res.json({ received: this.received });
    });
    return router;
  }

  /**
   * Makes sure the demo business has its endpoint here (made on the first start; its URL follows
   * the port), and takes its secret. An endpoint the newcomer deleted stays deleted.
   * Returns the secrets to save when they changed.
   */
  async connect(services: Services, gatewayUrl: string, secrets: SandboxSecrets): Promise<SandboxSecrets | null> {
    const url = `${gatewayUrl}${RECEIVER_PATH}`;
    const { db, webhookEndpoints } = services;
    if (secrets.webhookReceiverEndpointId) {
      this.secret = secrets.webhookReceiverSecret ?? null;
      const endpoint = await db.manager.findOneBy(WebhookEndpointEntity, { id: secrets.webhookReceiverEndpointId });
      if (endpoint && endpoint.url !== url) await webhookEndpoints.update(ADMIN, { id: endpoint.id, url });
      return null;
    }
    const business = await db.manager.findOneBy(BusinessEntity, { wabaId: DEMO.wabaId });
    if (!business) return null;
    const created = await webhookEndpoints.create(ADMIN, { businessId: business.id, url, description: 'the sandbox receiver (GET /sandbox/webhook-receiver shows what it got)' });
    if (!created.webhookEndpoint || !created.secret) throw new Error(`the sandbox receiver endpoint could not be made: ${JSON.stringify(created.userErrors)}`);
    this.secret = created.secret;
    return { ...secrets, webhookReceiverEndpointId: created.webhookEndpoint.id, webhookReceiverSecret: created.secret };
  }

  private keep(entry: ReceivedWebhook): void {
    this.received.push(entry);
    if (this.received.length > KEEP) this.received.shift();
  }
}

const ADMIN: ServiceContext = { principal: { keyId: ENV_ADMIN_KEY_ID, role: 'ADMIN', businessId: null }, requestId: 'sandbox-receiver' };
