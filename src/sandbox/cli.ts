// `npm run sandbox -- pay <referenceId> [captured|failed|pending] [--phone-number-id <id>]`: the
// simulated customer pays. It asks the simulated WhatsApp: the shared one at SIMULATOR_URL when set
// (several instances, `npm run simulator`), else the running sandbox gateway (GATEWAY_URL, or
// http://localhost:$PORT, default 4000), which passes it on to its own.
//
// `npm run sandbox -- refund <referenceId> [amount]`: the merchant refunds (the whole refundable
// amount, or `amount` in rupees, e.g. 200 or 199.50). It calls the gateway's refundPayment like any
// client, with the API key in KEY (the sandbox's STOREFRONT key: the banner prints `export KEY=...`),
// or OPS_KEY when KEY is not set.
const USAGE = [
  'usage: npm run sandbox -- pay <referenceId> [captured|failed|pending] [--phone-number-id <id>]',
  '       npm run sandbox -- refund <referenceId> [amount in rupees, e.g. 200 or 199.50]   (with KEY, or OPS_KEY, set to an API key)',
].join('\n');
const OUTCOMES = ['captured', 'failed', 'pending'];

type Command =
  | { command: 'pay'; referenceId: string; outcome: string; phoneNumberId?: string }
  | { command: 'refund'; referenceId: string; amount: number | null };

function parseArgs(argv: string[]): Command {
  const rest: string[] = [];
  let phoneNumberId: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--phone-number-id') {
      phoneNumberId = argv[++i];
      if (!phoneNumberId) throw new Error(`--phone-number-id needs a value\n${USAGE}`);
    } else rest.push(argv[i]);
  }
  const [command, referenceId, option, ...extra] = rest;
  if (!referenceId || extra.length > 0) throw new Error(USAGE);
  if (command === 'refund') {
    if (phoneNumberId) throw new Error(`refund takes no --phone-number-id: the API key says whose order it is\n${USAGE}`);
    return { command, referenceId, amount: option === undefined ? null : paise(option) };
  }
  if (command !== 'pay') throw new Error(USAGE);
  const outcome = option ?? 'captured';
  if (!OUTCOMES.includes(outcome)) throw new Error(`the outcome must be one of ${OUTCOMES.join(', ')}\n${USAGE}`);
  return { command, referenceId, outcome, phoneNumberId };
}

/** "200", "199.5" or "199.50" rupees as paise, without floating point. */
function paise(amount: string): number {
  const m = /^(\d{1,8})(?:\.(\d{1,2}))?$/.exec(amount);
  if (!m) throw new Error(`the amount must be rupees with at most two decimals, e.g. 200 or 199.50, not "${amount}"\n${USAGE}`);
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const gatewayUrl = () => (process.env.GATEWAY_URL?.trim() || `http://localhost:${process.env.PORT?.trim() || 4000}`).replace(/\/+$/, '');

function unreachable(target: string, url: string, hint: string) {
  return (err: Error & { cause?: { code?: string; message?: string } }): never => {
    throw new Error(`cannot reach ${target} at ${url} (${err.cause?.code ?? err.cause?.message ?? err.message}); ${hint}`);
  };
}

async function pay({ referenceId, outcome, phoneNumberId }: Extract<Command, { command: 'pay' }>): Promise<void> {
  const simulator = process.env.SIMULATOR_URL?.trim();
  const gateway = gatewayUrl();
  const [target, url, hint] = simulator
    ? ['the simulator', `${simulator.replace(/\/+$/, '')}/_simulator/pay`, 'is `npm run simulator` running?']
    : ['the gateway', `${gateway}/sandbox/pay`, 'is `npm start` running? (with several instances, set SIMULATOR_URL)'];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ referenceId, outcome, phoneNumberId }),
  }).catch(unreachable(target, url, hint));
  const body = (await res.json().catch(() => ({}))) as { error?: string; status?: string; attempt?: { id: string; pgTransactionId: string | null } | null };
  if (res.status === 404 && !simulator) throw new Error(`${gateway} has no /sandbox/pay: is it a gateway in sandbox mode?`);
  if (!res.ok) throw new Error(body.error ?? `${target} answered ${res.status}`);
  const a = body.attempt;
  const tx = a ? ` (transaction ${a.id}${a.pgTransactionId ? `, payment ${a.pgTransactionId}` : ''})` : '';
  console.log(`The simulated customer's payment for ${referenceId} is now ${body.status}${tx}.`);
  console.log('WhatsApp (simulated) sent the signed webhook; the gateway verifies it through the payment lookup. Read it back:');
  console.log(`  { order(referenceId: "${referenceId}") { status payment { status verified verifiedAt transactions { id pgTransactionId status method } } events { type source fromStatus toStatus } } }`);
}

const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) {
  refund { status amount { currency formatted } refundId }
  payment { refundableAmount { currency formatted } }
  userErrors { code message } } }`;

interface RefundAnswer {
  data?: {
    refundPayment: {
      refund: { status: string; amount: { currency: string; formatted: string }; refundId: string | null } | null;
      payment: { refundableAmount: { currency: string; formatted: string } } | null;
      userErrors: Array<{ code: string; message: string }>;
    };
  };
  errors?: Array<{ message: string }>;
}

async function refund({ referenceId, amount }: Extract<Command, { command: 'refund' }>): Promise<void> {
  const key = process.env.KEY?.trim() || process.env.OPS_KEY?.trim();
  if (!key) {
    throw new Error('Set KEY to an API key that may refund (the sandbox banner prints `export ... KEY=...`: the STOREFRONT key), or OPS_KEY to the OPS key.');
  }
  const url = `${gatewayUrl()}/graphql`;
  const input = { referenceId, ...(amount === null ? {} : { amount: { value: amount, offset: 100 } }) };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: REFUND, variables: { input } }),
  }).catch(unreachable('the gateway', url, 'is `npm start` running?'));
  const body = (await res.json().catch(() => ({}))) as RefundAnswer;
  if (body.errors?.length) throw new Error(`The gateway refused the request: ${body.errors.map((e) => e.message).join('; ')}`);
  if (!body.data) throw new Error(`the gateway answered ${res.status} without data`);
  const { refund: made, payment, userErrors } = body.data.refundPayment;
  if (!made) throw new Error(`Not refunded: ${userErrors.map((e) => `${e.message} (${e.code})`).join('; ')}`);
  const upstream = made.refundId ? ` (WhatsApp refund ${made.refundId})` : '';
  const left = payment ? `; left to refund: ${payment.refundableAmount.currency} ${payment.refundableAmount.formatted}` : '';
  console.log(`Refund of ${made.amount.currency} ${made.amount.formatted} for ${referenceId} is ${made.status}${upstream}${left}.`);
  // WhatsApp refused or failed it: the refund is stored (FAILED), nothing was refunded
  for (const e of userErrors) console.error(`  ${e.code}: ${e.message}`);
  if (userErrors.length > 0) process.exitCode = 1;
  console.log('WhatsApp settles it (in the sandbox a moment later: a payment webhook, then the payment lookup). Read it back:');
  console.log(`  { order(referenceId: "${referenceId}") { payment { refundedAmount { formatted } refundableAmount { formatted } refunds { status amount { formatted } refundId } } } }`);
}

async function main(): Promise<void> {
  const command = parseArgs(process.argv.slice(2));
  if (command.command === 'pay') await pay(command);
  else await refund(command);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
