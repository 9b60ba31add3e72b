import { timingSafeEqual, createHash } from 'node:crypto';
import express, { Router } from 'express';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { WebhookInbox } from '../services/webhooks';
import { authenticateWebhook } from '../whatsapp/webhook-auth';

/**
 * GET: Meta's subscription handshake. POST: the raw bytes are authenticated before anything
 * parses them; only then is the body stored (durably) and answered 200. Processing happens
 * afterwards from the stored row.
 */
export function webhookRoutes(
  config: Pick<Config, 'whatsappAppSecret' | 'whatsappVerifyToken' | 'whatsappWebhookToken' | 'dialog360WebhookSecret' | 'maxWebhookBytes'>,
  inbox: WebhookInbox,
  logger: Logger,
): Router {
  const router = Router();

  router.get('/webhooks/whatsapp', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (
      mode === 'subscribe' &&
      typeof token === 'string' &&
      typeof challenge === 'string' &&
      config.whatsappVerifyToken &&
      sameSecret(token, config.whatsappVerifyToken)
    ) {
      res.type('text/plain').send(challenge);
      return;
    }
    res.status(403).type('text/plain').send('verification failed: hub.mode must be subscribe and hub.verify_token must match');
  });

  router.post(
    '/webhooks/whatsapp',
    express.raw({ type: () => true, limit: config.maxWebhookBytes }),
    async (req, res, next) => {
      try {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const auth = authenticateWebhook(
          raw,
          {
            signature: req.headers['x-hub-signature-256'],
            token: req.headers['x-webhook-token'],
            dialog360Signature: req.headers['x-360dialog-signature'],
          },
          { appSecret: config.whatsappAppSecret, webhookToken: config.whatsappWebhookToken, dialog360Secret: config.dialog360WebhookSecret },
        );
        if (!auth.ok) {
          // the sender's mistake (or a probe), not a fault here: info, so it cannot flood the error log
          logger.info({ reason: auth.reason, bytes: raw.length }, 'webhook refused: not authenticated');
          res.status(401).json({ error: `webhook not authenticated: ${auth.reason}` });
          return;
        }
        // JSON never holds a raw NUL byte, and a body that does could not be stored as text: it is
        // refused as malformed rather than kept (WhatsApp does not send such bodies)
        if (raw.includes(0)) {
          logger.warn({ bytes: raw.length }, 'authenticated webhook refused: the body holds a NUL byte, so it is not JSON');
          res.status(400).json({ error: 'the body is not JSON: it holds a NUL byte' });
          return;
        }
        const id = await inbox.store(raw, auth.by);
        res.status(200).json({ received: id });
      } catch (err) {
        next(err);
      }
    },
  );

  return router;
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
