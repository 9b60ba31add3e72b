// `npm run sandbox -- pay <referenceId> [captured|failed|pending] [--phone-number-id <id>]`: the
// simulated customer pays. It asks the simulated WhatsApp: the shared one at SIMULATOR_URL when set
// (several instances, `npm run simulator`), else the running sandbox gateway (GATEWAY_URL, or
// http://localhost:$PORT, default 4000), which passes it on to its own.
const USAGE = 'usage: npm run sandbox -- pay <referenceId> [captured|failed|pending] [--phone-number-id <id>]';
const OUTCOMES = ['captured', 'failed', 'pending'];

function parseArgs(argv: string[]): { referenceId: string; outcome: string; phoneNumberId?: string } {
  const rest: string[] = [];
  let phoneNumberId: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--phone-number-id') {
      phoneNumberId = argv[++i];
      if (!phoneNumberId) throw new Error(`--phone-number-id needs a value\n${USAGE}`);
    } else rest.push(argv[i]);
  }
  const [command, referenceId, outcome = 'captured', ...extra] = rest;
  if (command !== 'pay' || !referenceId || extra.length > 0) throw new Error(USAGE);
  if (!OUTCOMES.includes(outcome)) throw new Error(`the outcome must be one of ${OUTCOMES.join(', ')}\n${USAGE}`);
  return { referenceId, outcome, phoneNumberId };
}

async function main(): Promise<void> {
  const { referenceId, outcome, phoneNumberId } = parseArgs(process.argv.slice(2));
  const simulator = process.env.SIMULATOR_URL?.trim();
  const gateway = process.env.GATEWAY_URL?.trim() || `http://localhost:${process.env.PORT?.trim() || 4000}`;
  const [target, url, hint] = simulator
    ? ['the simulator', `${simulator.replace(/\/+$/, '')}/_simulator/pay`, 'is `npm run simulator` running?']
    : ['the gateway', `${gateway.replace(/\/+$/, '')}/sandbox/pay`, 'is `npm start` running? (with several instances, set SIMULATOR_URL)'];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ referenceId, outcome, phoneNumberId }),
  }).catch((err: Error & { cause?: { code?: string; message?: string } }) => {
    throw new Error(`cannot reach ${target} at ${url} (${err.cause?.code ?? err.cause?.message ?? err.message}); ${hint}`);
  });
  const body = (await res.json().catch(() => ({}))) as { error?: string; status?: string; attempt?: { id: string; pgTransactionId: string | null } | null };
  if (res.status === 404 && !simulator) throw new Error(`${gateway} has no /sandbox/pay: is it a gateway in sandbox mode?`);
  if (!res.ok) throw new Error(body.error ?? `${target} answered ${res.status}`);
  const a = body.attempt;
  const tx = a ? ` (transaction ${a.id}${a.pgTransactionId ? `, payment ${a.pgTransactionId}` : ''})` : '';
  console.log(`The simulated customer's payment for ${referenceId} is now ${body.status}${tx}.`);
  console.log('WhatsApp (simulated) sent the signed webhook; the gateway verifies it through the payment lookup. Read it back:');
  console.log(`  { order(referenceId: "${referenceId}") { status payment { status verified verifiedAt transactions { id pgTransactionId status method } } events { type source fromStatus toStatus } } }`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
