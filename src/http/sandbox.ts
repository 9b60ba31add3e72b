import express, { Router } from 'express';
import type { WhatsAppSimulator } from '../sandbox/simulator';
import type { Services } from '../services';

const OUTCOMES = ['captured', 'failed', 'pending'] as const;

/**
 * Sandbox mode only: lets a newcomer play the customer. POST /sandbox/pay makes the simulated
 * WhatsApp settle a payment, after which it sends signed webhooks exactly as WhatsApp would and
 * its lookup answers accordingly. Any valid API key may use it (it only exists in sandbox).
 */
export function sandboxRoutes(services: Services, simulator: WhatsAppSimulator): Router {
  const router = Router();
  router.post('/sandbox/pay', express.json(), async (req, res) => {
    const auth = await services.auth.authenticate(req.headers.authorization);
    if (!auth.principal) {
      res.status(401).json({ error: auth.error ?? 'Send an API key: Authorization: Bearer <api key>.' });
      return;
    }
    const { referenceId, outcome = 'captured' } = (req.body ?? {}) as { referenceId?: unknown; outcome?: unknown };
    if (typeof referenceId !== 'string' || !OUTCOMES.includes(outcome as (typeof OUTCOMES)[number])) {
      res.status(400).json({ error: 'send {"referenceId": "<reference id>", "outcome": "captured" | "failed" | "pending"}' });
      return;
    }
    try {
      const result = await simulator.pay(referenceId, outcome as (typeof OUTCOMES)[number]);
      // status: where the payment stands (WhatsApp's wire says only pending or captured: a failed
      // attempt shows as a failed transaction); payment: the lookup's answer, as WhatsApp sends it
      res.json({ referenceId, outcome, status: result.status, attempt: result.attempt, payment: result.payment, webhookSent: result.webhook !== null });
    } catch (err) {
      res.status(409).json({ error: (err as Error).message });
    }
  });
  return router;
}
