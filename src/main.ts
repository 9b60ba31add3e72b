import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { Gateway, startGateway, StartupError } from './gateway';
import { createLogger } from './logger';
import { sandboxBanner } from './sandbox/banner';
import { RECEIVER_PATH } from './sandbox/webhook-receiver';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, logger);
  logger.info({ url: gateway.url, sandbox: config.sandbox, database: gateway.db.dialect }, 'gateway started');
  if (gateway.sandbox) await printSandboxBanner(gateway);

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

async function printSandboxBanner(gateway: Gateway): Promise<void> {
  const s = gateway.sandbox!;
  process.stdout.write(
    sandboxBanner({
      url: gateway.url,
      adminKey: gateway.config.adminApiKey!,
      storefrontKey: s.storefrontKey,
      opsKey: s.opsKey,
      dashboardUrl: await servedPage(`${gateway.url}/dashboard`),
      simulatorUrl: gateway.config.simulatorUrl,
      webhookReceiver: s.webhookReceiverSecret ? { url: `${gateway.url}${RECEIVER_PATH}`, secret: s.webhookReceiverSecret } : null,
    }),
  );
}

/** The URL when this gateway serves a page there (the ops dashboard is optional), else null. */
async function servedPage(url: string): Promise<string | null> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) }).catch(() => null);
  return res && res.status >= 200 && res.status < 400 ? url : null;
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof StartupError) {
    console.error(err.message);
  } else {
    console.error('The gateway could not start:', err);
  }
  process.exit(1);
});
