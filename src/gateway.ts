import 'reflect-metadata';
import type { Config } from './config';
import { Database } from './db/database';
import type { DataSourceExtras } from './db/data-source';
import { buildGatewaySchema } from './graphql/schema';
import { createHttpServer, HttpServer } from './http/server';
import { reconciliationCsvRoutes } from './http/reconciliation-csv';
import { sandboxRoutes } from './http/sandbox';
import { createLogger, Logger } from './logger';
import { createServices, Services } from './services';
import { loadSandboxSecrets, saveDemoKeys, saveWebhookReceiver, SandboxSecrets, SandboxSecretsError } from './sandbox/secrets';
import { inProcessWhatsApp, remoteWhatsApp, SandboxRefusal, type SandboxWhatsApp } from './sandbox/sandbox-whatsapp';
import { seedSandbox } from './sandbox/seed';
import { WhatsAppSimulator, type WebhookTarget } from './sandbox/simulator';
import { SandboxWebhookReceiver } from './sandbox/webhook-receiver';

export interface Gateway {
  config: Config;
  db: Database;
  services: Services;
  logger: Logger;
  port: number;
  url: string;
  /** sandbox mode only: the generated or remembered secrets and demo keys */
  sandbox: SandboxSecrets | null;
  /** sandbox mode with one instance: the in-process WhatsApp the clients talk to */
  simulator: WhatsAppSimulator | null;
  /** sandbox mode: the simulated WhatsApp, in this process or shared (SIMULATOR_URL) */
  whatsapp: SandboxWhatsApp | null;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

/** How the simulator, on this machine, reaches an instance listening on `host`. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** A shared simulator may still be starting (several processes come up together): try for a while. */
async function joinSimulator(whatsapp: SandboxWhatsApp, target: WebhookTarget, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await whatsapp.join(target);
    } catch (err) {
      if (whatsapp.inProcess || err instanceof SandboxRefusal || Date.now() > deadline) {
        throw new StartupError(`Cannot register with the sandbox's WhatsApp: ${(err as Error).message}. Or unset SIMULATOR_URL to simulate WhatsApp in this process.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The usual reasons a port cannot be had, said in one line with what to do. */
function listenError(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code === 'EADDRINUSE') {
    return new StartupError(`Port ${port} on ${host} is already in use (another gateway running?): stop it, or set PORT to a free port, e.g. PORT=${port + 1}.`);
  }
  if (err.code === 'EACCES') {
    return new StartupError(`Port ${port} on ${host} needs privileges this process does not have: set PORT to a port above 1023, e.g. PORT=4000.`);
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new StartupError(`HOST=${host} is not an address of this machine: set HOST to one of its addresses, or 0.0.0.0 for all.`);
  }
  return err;
}

/** config → (simulator) → database → (sandbox secrets and seed) → services → HTTP. Tests start the gateway the same way. */
export interface GatewayOptions {
  /** e.g. a TypeORM logger that counts statements (tests) */
  database?: DataSourceExtras;
  /** how long to keep trying to reach a shared simulator (SIMULATOR_URL) at start; default 15 s */
  simulatorWaitMs?: number;
}

export async function startGateway(
  initial: Config,
  logger: Logger = createLogger(initial.logLevel),
  options: GatewayOptions = {},
): Promise<Gateway> {
  let config = initial;
  let sandbox: SandboxSecrets | null = null;

  let simulator: WhatsAppSimulator | null = null;
  let whatsapp: SandboxWhatsApp | null = null;
  if (config.sandbox) {
    if (config.simulatorUrl) {
      // one simulated WhatsApp for several instances (`npm run simulator`)
      whatsapp = remoteWhatsApp(config.simulatorUrl);
    } else {
      // WhatsApp itself is simulated on a local port of this process
      simulator = new WhatsAppSimulator({ apiVersion: config.whatsappApiVersion });
      await simulator.start(0, '127.0.0.1');
      whatsapp = inProcessWhatsApp(simulator);
    }
    // every phone number without its own apiUrl goes there
    config = { ...config, whatsappApiUrl: whatsapp.url, dialog360ApiUrl: whatsapp.url };
  }

  const db = await Database.connect(config.databaseUrl, options.database);
  let http: HttpServer | null = null;
  try {
    if (config.migrateOnStart) {
      const ran = await db.runMigrations();
      if (ran.length) logger.info({ migrations: ran }, 'applied database migrations');
    } else if (await db.pendingMigrations()) {
      throw new StartupError('The database schema is not up to date: run `npm run migrate` once, then start the gateway.');
    }
    let services: Services;
    if (config.sandbox) {
      // the sandbox's secrets and demo business belong to this database; instances starting together agree on one set
      const prepared = await db.exclusive('sandbox', async () => {
        const loaded = await loadSandboxSecrets(db, config);
        const made = createServices(loaded.config, db, logger);
        let secrets = loaded.secrets;
        if (!secrets.storefrontKey || !secrets.opsKey) {
          const keys = await seedSandbox(db, made);
          await saveDemoKeys(db, keys);
          secrets = { ...secrets, ...keys };
        }
        return { config: loaded.config, services: made, secrets };
      }).catch((err) => {
        throw err instanceof SandboxSecretsError ? new StartupError(err.message) : err;
      });
      config = prepared.config;
      services = prepared.services;
      sandbox = prepared.secrets;
    } else {
      services = createServices(config, db, logger);
    }
    const receiver = config.sandbox ? new SandboxWebhookReceiver(logger) : null;
    http = await createHttpServer(config, buildGatewaySchema(), services, db, logger, [
      reconciliationCsvRoutes(services, logger),
      ...(whatsapp ? [sandboxRoutes(whatsapp)] : []),
      ...(receiver ? [receiver.routes(services)] : []),
    ]);
    const port = await http.listen(config.port, config.host).catch((err: NodeJS.ErrnoException) => {
      throw listenError(err, config.port, config.host);
    });

    let webhookUrl: string | null = null;
    if (whatsapp) {
      // the simulated WhatsApp delivers its webhooks to this instance (or another live one), signed with the app secret
      webhookUrl = config.simulatorWebhookUrl ?? `http://${reachableHost(config.host)}:${port}/webhooks/whatsapp`;
      const target = {
        url: webhookUrl,
        appSecret: config.whatsappAppSecret ?? undefined,
        webhookToken: config.whatsappWebhookToken ?? undefined,
        dialog360Secret: config.dialog360WebhookSecret ?? undefined,
      };
      await joinSimulator(whatsapp, target, options.simulatorWaitMs ?? 15_000);
    }
    // the demo business's webhooks go to the sandbox's own receiver (a local http address)
    if (sandbox && receiver && config.outboundWebhooksAllowPrivate) {
      const local = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      const gatewayUrl = `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
      const settings = config;
      sandbox = await db.exclusive('sandbox', async () => {
        // read again under the lock: an instance starting beside this one may have made it already
        const current = (await loadSandboxSecrets(db, settings)).secrets;
        const connected = await receiver.connect(services, gatewayUrl, current);
        if (!connected?.webhookReceiverEndpointId || !connected.webhookReceiverSecret) return current;
        await saveWebhookReceiver(db, { webhookReceiverEndpointId: connected.webhookReceiverEndpointId, webhookReceiverSecret: connected.webhookReceiverSecret });
        return connected;
      });
    }

    services.outbox.start();
    services.webhooks.start();
    services.verifier.start();
    services.expiry.start();
    const server = http;
    return {
      config,
      db,
      services,
      logger,
      port,
      url: `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`,
      sandbox,
      simulator,
      whatsapp,
      stop: async () => {
        if (whatsapp && !whatsapp.inProcess && webhookUrl) {
          const leaving = webhookUrl;
          await whatsapp.leave(leaving).catch((err) => logger.warn({ err, url: leaving }, 'could not tell the simulator this instance stops'));
        }
        await services.outbox.stop();
        await services.webhooks.stop();
        await services.verifier.stop();
        await services.expiry.stop();
        await server.close();
        await services.events.close();
        await services.budget.close();
        await simulator?.stop();
        await db.close();
      },
    };
  } catch (err) {
    await http?.close().catch(() => undefined);
    await simulator?.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw err;
  }
}
