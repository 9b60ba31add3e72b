// The sandbox's WhatsApp as the gateway sees it: the simulator in this process (one instance), or
// the one `npm run simulator` runs for several instances (SIMULATOR_URL), reached through its
// control endpoints. Either way the gateway tells it where webhooks go, and lets the simulated
// customer pay.
import type { PayOutcome, WebhookTarget, WhatsAppSimulator } from './simulator';

export interface SandboxPayment {
  /** where the payment stands (WhatsApp's wire says only pending or captured: a failed attempt shows as a failed transaction) */
  status: string;
  /** the attempt this payment started or ended */
  attempt: { id: string; pgTransactionId: string | null; status: string } | null;
  /** the payment as the lookup now answers it (wire format) */
  payment: unknown;
  webhookSent: boolean;
}

export interface SandboxWhatsApp {
  /** base URL of both providers' APIs */
  readonly url: string;
  readonly inProcess: boolean;
  join(target: WebhookTarget): Promise<void>;
  leave(url: string): Promise<void>;
  /** throws SandboxRefusal when the simulator refuses (unknown order, final payment, ambiguous reference) */
  pay(referenceId: string, outcome: PayOutcome, phoneNumberId?: string): Promise<SandboxPayment>;
}

/** The simulator said no; its message says why and what to do. */
export class SandboxRefusal extends Error {}

/** The simulator could not be reached at all. */
export class SimulatorUnreachable extends Error {}

export function inProcessWhatsApp(simulator: WhatsAppSimulator): SandboxWhatsApp {
  return {
    url: simulator.url,
    inProcess: true,
    join: async (target) => simulator.addWebhookTarget(target),
    leave: async (url) => simulator.removeWebhookTarget(url),
    pay: async (referenceId, outcome, phoneNumberId) => {
      try {
        const result = await simulator.pay(referenceId, outcome, { phoneNumberId });
        return { status: result.status, attempt: result.attempt, payment: result.payment, webhookSent: result.webhook !== null };
      } catch (err) {
        throw new SandboxRefusal((err as Error).message);
      }
    },
  };
}

export function remoteWhatsApp(url: string, timeoutMs = 5000): SandboxWhatsApp {
  const control = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    let res: Response;
    try {
      res = await fetch(`${url}/_simulator/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new SimulatorUnreachable(`the WhatsApp simulator at SIMULATOR_URL=${url} cannot be reached (${reason}): start it with \`npm run simulator\``);
    }
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new SandboxRefusal(typeof answer.error === 'string' ? answer.error : `the simulator answered ${res.status}`);
    return answer;
  };
  return {
    url,
    inProcess: false,
    join: async (target) => void (await control('webhook-targets', target)),
    leave: async (target) => void (await control('webhook-targets/remove', { url: target })),
    pay: async (referenceId, outcome, phoneNumberId) => {
      const answer = await control('pay', { referenceId, outcome, phoneNumberId });
      return {
        status: String(answer.status),
        attempt: (answer.attempt as SandboxPayment['attempt']) ?? null,
        payment: answer.payment,
        webhookSent: answer.webhook !== null && answer.webhook !== undefined,
      };
    },
  };
}
