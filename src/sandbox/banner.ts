import { DEMO } from './seed';

export interface BannerInput {
  /** e.g. http://localhost:4000 */
  url: string;
  adminKey: string;
  storefrontKey?: string;
  opsKey?: string;
  /** the ops dashboard's URL when this gateway serves one */
  dashboardUrl?: string | null;
  /** the shared simulator (SIMULATOR_URL), or null for the one in this process */
  simulatorUrl: string | null;
  /** the sandbox's receiver of the demo business's signed webhooks, and its endpoint's secret */
  webhookReceiver?: { url: string; secret: string } | null;
}

/** What `npm start` prints in sandbox mode: everything a newcomer needs to try the gateway. */
export function sandboxBanner(b: BannerInput): string {
  const endpoint = `${b.url}/graphql`;
  const exports = [`ADMIN_KEY=${shellWord(b.adminKey)}`];
  if (b.storefrontKey) exports.push(`KEY=${shellWord(b.storefrontKey)}`);
  if (b.opsKey) exports.push(`OPS_KEY=${shellWord(b.opsKey)}`);
  const lines = [
    '',
    'WhatsApp payments gateway: SANDBOX mode (WhatsApp is simulated; nothing leaves this machine)',
    '',
    `  GraphQL        ${endpoint}`,
    b.dashboardUrl ? `  Dashboard      ${b.dashboardUrl}` : null,
    `  ADMIN key      ${b.adminKey}`,
    b.storefrontKey ? `  STOREFRONT     ${b.storefrontKey}   (business "${DEMO.businessName}")` : null,
    b.opsKey ? `  OPS            ${b.opsKey}` : null,
    `  Demo business  phone number id ${DEMO.phoneNumberId}, payment configuration "${DEMO.paymentConfiguration}"`,
    `  Demo customer  ${DEMO.customer}   (send orders to this number)`,
    `  WhatsApp       ${b.simulatorUrl ? `the shared simulator at ${b.simulatorUrl}` : 'simulated in this process'}`,
    b.webhookReceiver
      ? `  Webhooks       every order event of the demo business is delivered, signed, to ${b.webhookReceiver.url}\n` +
        `                 (GET it with any key above to see what arrived; its secret: ${b.webhookReceiver.secret})`
      : null,
    '',
    "The README's commands use these keys; in the shell you run them from:",
    `  export ${exports.join(' ')}`,
    '',
    'Try:',
    `  curl -s ${endpoint} -H 'content-type: application/json' \\`,
    `    -H "authorization: Bearer $ADMIN_KEY" \\`,
    `    -d '{"query":"{ viewer { role } businesses { name phoneNumbers { phoneNumberId } paymentConfigurations { name } } }"}'`,
    '',
    'The keys and secrets are kept in the database: they stay valid across restarts (start on an empty database to start over).',
    '',
  ];
  return lines.filter((l) => l !== null).join('\n') + '\n';
}

/** A value the shell reads as one word, quoted only when it must be. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9_.:/@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
