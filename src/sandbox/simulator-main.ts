import { ConfigError, loadSimulatorConfig } from '../config';
import { createLogger } from '../logger';
import { WhatsAppSimulator } from './simulator';

// `npm run simulator`: one simulated WhatsApp for several sandbox gateway instances. Each instance
// started with SIMULATOR_URL pointing here sends its messages and lookups here and, at start, says
// where it takes webhooks; the simulator remembers every order and payment, so any instance can
// move an order another one sent, and a webhook reaches whichever instance is alive.
async function main(): Promise<void> {
  const config = loadSimulatorConfig();
  const logger = createLogger(config.logLevel);
  const simulator = new WhatsAppSimulator({ apiVersion: config.apiVersion });
  await simulator.start(config.port, config.host).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      throw new StartError(`Port ${config.port} on ${config.host} is already in use (another simulator running?): stop it, or set SIMULATOR_PORT to a free port, e.g. SIMULATOR_PORT=${config.port + 1}.`);
    }
    throw err;
  });
  const url = simulator.url.replace('//0.0.0.0:', '//localhost:').replace('//[::]:', '//localhost:');
  logger.info({ url }, 'simulator started');
  process.stdout.write(
    [
      '',
      `WhatsApp simulator (sandbox): ${url}`,
      `  Gateway instances use it with SIMULATOR_URL=${url}`,
      `  The simulated customer pays: SIMULATOR_URL=${url} npm run sandbox -- pay <referenceId>`,
      '',
    ].join('\n') + '\n',
  );

  const stop = async (signal: string) => {
    logger.info({ signal }, 'simulator stopping');
    await simulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

class StartError extends Error {}

main().catch((err) => {
  console.error(err instanceof ConfigError || err instanceof StartError ? err.message : `The simulator could not start: ${err.stack ?? err}`);
  process.exit(1);
});
