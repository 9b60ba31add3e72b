import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { Gateway, startGateway, StartupError } from './gateway';
import { createLogger } from './logger';
import { DEMO } from './sandbox/seed';
import { RECEIVER_PATH } from './sandbox/webhook-receiver';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  logger.info({ url: gateway.url, sandbox: config.sandbox, database: gateway.db.dialect }, 'gateway started');
  if (gateway.sandbox) printSandboxBanner(gateway);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing requests in flight');
    await gateway.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function printSandboxBanner(gateway: Gateway): void {
  const s = gateway.sandbox!;
  const endpoint = `${gateway.url}/graphql`;
  const lines = [
    '',
    'WhatsApp payments gateway: SANDBOX mode (WhatsApp is simulated; nothing leaves this machine)',
    '',
    `  GraphQL     ${endpoint}`,
    `  ADMIN key   ${gateway.config.adminApiKey}`,
    s.storefrontKey ? `  STOREFRONT  ${s.storefrontKey}   (business "${DEMO.businessName}")` : null,
    s.opsKey ? `  OPS         ${s.opsKey}` : null,
    `  Demo phone number id ${DEMO.phoneNumberId}, payment configuration "${DEMO.paymentConfiguration}"`,
    s.webhookReceiverSecret
      ? `  Webhooks    every order event of the demo business is delivered, signed, to the sandbox receiver:\n` +
        `              curl -s -H 'authorization: Bearer <any key above>' ${gateway.url}${RECEIVER_PATH}   (its secret: ${s.webhookReceiverSecret})`
      : null,
    '',
    'Try:',
    `  curl -s ${endpoint} -H 'content-type: application/json' \\`,
    `    -H 'authorization: Bearer ${gateway.config.adminApiKey}' \\`,
    `    -d '{"query":"{ viewer { role } businesses { name phoneNumbers { phoneNumberId } paymentConfigurations { name } } }"}'`,
    '',
    `Keys and secrets are kept in ${gateway.config.dataDir}/sandbox-secrets.json.`,
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== null).join('\n') + '\n');
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    console.error(err.message);
  } else {
    console.error('The gateway could not start:', err);
  }
  process.exit(1);
});
