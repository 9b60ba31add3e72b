import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// `npm run sandbox -- pay <referenceId> [captured|failed|pending]`: the simulated customer pays.
// Talks to the running sandbox gateway (PORT, default 4000) with the sandbox's own key.
const USAGE = 'usage: npm run sandbox -- pay <referenceId> [captured|failed|pending]';

async function main(): Promise<void> {
  const [command, referenceId, outcome = 'captured'] = process.argv.slice(2);
  if (command !== 'pay' || !referenceId) throw new Error(USAGE);
  const dataDir = process.env.DATA_DIR ?? './data';
  const secretsFile = join(dataDir, 'sandbox-secrets.json');
  if (!existsSync(secretsFile)) throw new Error(`${secretsFile} not found: start the sandbox gateway with \`npm start\` first`);
  const key = process.env.API_KEY ?? (JSON.parse(readFileSync(secretsFile, 'utf8')) as { adminApiKey: string }).adminApiKey;
  const base = process.env.GATEWAY_URL ?? `http://localhost:${process.env.PORT ?? 4000}`;
  const res = await fetch(`${base}/sandbox/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ referenceId, outcome }),
  }).catch((err: Error) => {
    throw new Error(`cannot reach the gateway at ${base} (${err.message}); is \`npm start\` running?`);
  });
  const body = (await res.json()) as { error?: string; status?: string; attempt?: { id: string; pgTransactionId: string | null } };
  if (!res.ok) throw new Error(body.error ?? `the gateway answered ${res.status}`);
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
