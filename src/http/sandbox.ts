import express, { Router } from 'express';
import { SandboxRefusal, type SandboxWhatsApp, SimulatorUnreachable } from '../sandbox/sandbox-whatsapp';

const OUTCOMES = ['captured', 'failed', 'pending'] as const;

/**
 * Sandbox mode only: lets a newcomer play the customer. POST /sandbox/pay makes the simulated
 * WhatsApp settle a payment, after which it sends signed webhooks exactly as WhatsApp would and
 * its lookup answers accordingly. It takes no API key, as the customer has none: it exists only
 * while WhatsApp itself is simulated (never in production), and it changes nothing but the
 * simulator, whose webhooks the gateway verifies through the lookup like any other.
 */
export function sandboxRoutes(whatsapp: SandboxWhatsApp): Router {
  const router = Router();
  router.post('/sandbox/pay', express.json(), async (req, res) => {
    const { referenceId, outcome = 'captured', phoneNumberId } = (req.body ?? {}) as Record<string, unknown>;
    if (
      typeof referenceId !== 'string' ||
      !OUTCOMES.includes(outcome as (typeof OUTCOMES)[number]) ||
      (phoneNumberId !== undefined && typeof phoneNumberId !== 'string')
    ) {
      res.status(400).json({ error: 'send {"referenceId": "<reference id>", "outcome": "captured" | "failed" | "pending", "phoneNumberId"?: "<when several numbers used it>"}' });
      return;
    }
    try {
      const result = await whatsapp.pay(referenceId, outcome as (typeof OUTCOMES)[number], phoneNumberId);
      // status: where the payment stands (WhatsApp's wire says only pending or captured: a failed
      // attempt shows as a failed transaction); payment: the lookup's answer, as WhatsApp sends it
      res.json({ referenceId, outcome, status: result.status, attempt: result.attempt, payment: result.payment, webhookSent: result.webhookSent });
    } catch (err) {
      if (err instanceof SandboxRefusal) res.status(409).json({ error: err.message });
      else if (err instanceof SimulatorUnreachable) res.status(502).json({ error: err.message });
      else throw err;
    }
  });
  return router;
}
