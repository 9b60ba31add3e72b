// The simulator's switches over HTTP (/_simulator/...), for tools and people outside the test
// process: a sandbox user simulating a customer payment with curl, a load test turning on a
// failure rate. Each endpoint calls the public method of the same name, so both stay in step.
//
//   POST /_simulator/fail-next        { n, kind, only? }
//   POST /_simulator/fail-rate        { probability, kind, only? }
//   POST /_simulator/reject-reference { referenceId, whatsappCode, httpStatus?, only?: "messages" | "refund" }
//   POST /_simulator/refund-answers   { statuses: ["pending" | "completed" | "failed", ...] }   what the next payments_refund calls answer
//   POST /_simulator/lookup-down      { down }
//   POST /_simulator/payment-wire     { wire: "meta" | "legacy" }
//   POST /_simulator/clear-faults
//   POST /_simulator/reset
//   POST /_simulator/webhooks         { url, appSecret?, webhookToken?, dialog360Secret?, dialog360SignatureFormat?, wabaId?, displayPhoneNumber?, phoneNumberIdFor?, autoDeliver? }
//   POST /_simulator/webhook-targets  { url, appSecret?, webhookToken?, dialog360Secret? }   a gateway instance joins
//   POST /_simulator/webhook-targets/remove { url }                      a gateway instance leaves
//   GET  /_simulator/webhook-targets
//   POST /_simulator/pay              { referenceId, outcome, phoneNumberId?, webhook?, method?, errorCode?, errorReason?, amount?, currency? }
//   POST /_simulator/message-status   { wamid, status }
//   POST /_simulator/refund           { referenceId, amount?, speed?, outcome?, webhook?, phoneNumberId? }   a refund made at the payment gateway
//   POST /_simulator/refund-settle    { refundId, outcome, webhook? }
//   GET  /_simulator/refunds/{referenceId}?phoneNumberId=
//   GET  /_simulator/received
//   GET  /_simulator/accepted?referenceId=&phoneNumberId=
//   GET  /_simulator/orders/{referenceId}?phoneNumberId=

import type { CallKind, FaultKind, MessageStatusValue, PayOutcome, RefundAnswerStatus, RejectedCall, WhatsAppSimulator } from './simulator';
import type { WebhookConfig } from './simulator-webhooks';

export interface ControlAnswer {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

function field<T>(body: Json, name: string, type: 'string' | 'number' | 'boolean', required: true): T;
function field<T>(body: Json, name: string, type: 'string' | 'number' | 'boolean', required?: false): T | undefined;
function field(body: Json, name: string, type: string, required = false): unknown {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new Error(`"${name}" (${type}) is required`);
    return undefined;
  }
  if (typeof value !== type) throw new Error(`"${name}" must be a ${type}`);
  return value;
}

export async function handleControl(
  sim: WhatsAppSimulator,
  method: string,
  segments: string[],
  query: URLSearchParams,
  rawBody: unknown,
): Promise<ControlAnswer> {
  const body: Json = typeof rawBody === 'object' && rawBody !== null && !Array.isArray(rawBody) ? (rawBody as Json) : {};
  const ok = { status: 200, body: { ok: true } };
  const [name, arg] = segments;
  try {
    if (method === 'GET') {
      if (name === 'received') return { status: 200, body: { received: sim.received } };
      if (name === 'webhook-targets' && !arg) return { status: 200, body: { targets: sim.webhookTargets() } };
      const phoneNumberId = query.get('phoneNumberId') ?? undefined;
      if (name === 'accepted') return { status: 200, body: { accepted: sim.acceptedMessages(query.get('referenceId') ?? undefined, phoneNumberId) } };
      if (name === 'orders' && arg) {
        const order = sim.order(arg, phoneNumberId);
        return order ? { status: 200, body: { order } } : { status: 404, body: { error: `no order with reference_id ${arg}` } };
      }
      if (name === 'refunds' && arg) return { status: 200, body: { refunds: sim.refunds(arg, phoneNumberId) } };
    } else if (method === 'POST') {
      switch (name) {
        case 'fail-next':
          sim.failNext(field<number>(body, 'n', 'number', true), field<FaultKind>(body, 'kind', 'string', true), field<CallKind>(body, 'only', 'string'));
          return ok;
        case 'fail-rate':
          sim.failRate(field<number>(body, 'probability', 'number', true), field<FaultKind>(body, 'kind', 'string', true), field<CallKind>(body, 'only', 'string'));
          return ok;
        case 'reject-reference':
          sim.rejectReference(
            field<string>(body, 'referenceId', 'string', true),
            field<number>(body, 'whatsappCode', 'number', true),
            field<number>(body, 'httpStatus', 'number'),
            field<RejectedCall>(body, 'only', 'string'),
          );
          return ok;
        case 'refund-answers': {
          const statuses = body.statuses;
          if (!Array.isArray(statuses) || statuses.some((x) => typeof x !== 'string')) throw new Error('"statuses" must be a list of "pending", "completed" or "failed"');
          sim.answerRefunds(...(statuses as RefundAnswerStatus[]));
          return ok;
        }
        case 'lookup-down':
          sim.lookupDown(field<boolean>(body, 'down', 'boolean', true));
          return ok;
        case 'payment-wire': {
          const wire = field<string>(body, 'wire', 'string', true);
          if (wire !== 'meta' && wire !== 'legacy') throw new Error('"wire" must be "meta" or "legacy"');
          sim.paymentWire = wire;
          return ok;
        }
        case 'clear-faults':
          sim.clearFaults();
          return ok;
        case 'reset':
          sim.reset();
          return ok;
        case 'webhooks': {
          field<string>(body, 'url', 'string', true);
          const map = body.phoneNumberIdFor;
          if (map !== undefined && (typeof map !== 'object' || map === null)) {
            throw new Error('"phoneNumberIdFor" must be an object { "<D360 API key>": "<phone number id>" }');
          }
          sim.configureWebhooks(body as unknown as WebhookConfig);
          return ok;
        }
        case 'webhook-targets': {
          const url = field<string>(body, 'url', 'string', true);
          if (arg === 'remove') sim.removeWebhookTarget(url);
          else if (arg === undefined) {
            sim.addWebhookTarget({
              url,
              appSecret: field<string>(body, 'appSecret', 'string'),
              webhookToken: field<string>(body, 'webhookToken', 'string'),
              dialog360Secret: field<string>(body, 'dialog360Secret', 'string'),
            });
          } else break;
          return ok;
        }
        case 'pay': {
          const result = await sim.pay(field<string>(body, 'referenceId', 'string', true), field<PayOutcome>(body, 'outcome', 'string', true), {
            phoneNumberId: field<string>(body, 'phoneNumberId', 'string'),
            webhook: field<boolean>(body, 'webhook', 'boolean'),
            method: field<string>(body, 'method', 'string'),
            errorCode: field<string>(body, 'errorCode', 'string'),
            errorReason: field<string>(body, 'errorReason', 'string'),
            amount: field<number>(body, 'amount', 'number'),
            currency: field<string>(body, 'currency', 'string'),
          });
          return { status: 200, body: result };
        }
        case 'refund': {
          const outcome = field<string>(body, 'outcome', 'string');
          if (outcome !== undefined && outcome !== 'success' && outcome !== 'failed') throw new Error('"outcome" must be "success" or "failed"');
          const speed = field<string>(body, 'speed', 'string');
          if (speed !== undefined && speed !== 'normal' && speed !== 'instant') throw new Error('"speed" must be "normal" or "instant"');
          const refund = await sim.refundAtGateway(field<string>(body, 'referenceId', 'string', true), {
            phoneNumberId: field<string>(body, 'phoneNumberId', 'string'),
            amount: field<number>(body, 'amount', 'number'),
            speed,
            outcome,
            webhook: field<boolean>(body, 'webhook', 'boolean'),
          });
          return { status: 200, body: { refund } };
        }
        case 'refund-settle': {
          const outcome = field<string>(body, 'outcome', 'string', true);
          if (outcome !== 'success' && outcome !== 'failed') throw new Error('"outcome" must be "success" or "failed"');
          const refund = await sim.settleRefund(field<string>(body, 'refundId', 'string', true), outcome, { webhook: field<boolean>(body, 'webhook', 'boolean') });
          return { status: 200, body: { refund } };
        }
        case 'message-status': {
          const delivery = await sim.sendMessageStatus(
            field<string>(body, 'wamid', 'string', true),
            field<MessageStatusValue>(body, 'status', 'string', true),
          );
          return { status: 200, body: { webhook: delivery } };
        }
      }
    }
    return { status: 404, body: { error: `no control endpoint ${method} /_simulator/${segments.join('/')}; see src/sandbox/simulator-control.ts` } };
  } catch (err) {
    // the public methods throw plain Errors with messages meant for the caller
    return { status: 400, body: { error: (err as Error).message } };
  }
}
