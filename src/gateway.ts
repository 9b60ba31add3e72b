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
import { loadSandboxSecrets, saveSandboxSecrets, SandboxSecrets } from './sandbox/secrets';
import { seedSandbox } from './sandbox/seed';
import { WhatsAppSimulator } from './sandbox/simulator';
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
  /** sandbox mode only: the in-process WhatsApp the clients talk to */
  simulator: WhatsAppSimulator | null;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

/** config → database → services → HTTP (→ sandbox seed). Tests start the gateway the same way. */
export interface GatewayOptions {
  /** e.g. a TypeORM logger that counts statements (tests) */
  database?: DataSourceExtras;
}

export async function startGateway(
  initial: Config,
  logger: Logger = createLogger(initial.logLevel),
  options: GatewayOptions = {},
): Promise<Gateway> {
  let config = initial;
  let sandbox: { secrets: SandboxSecrets; file: string } | null = null;
  if (config.sandbox) {
    const loaded = loadSandboxSecrets(config);
    config = loaded.config;
    sandbox = { secrets: loaded.secrets, file: loaded.file };
  }

  let simulator: WhatsAppSimulator | null = null;
  if (config.sandbox) {
    // WhatsApp itself is simulated on a local port; every phone number without its own apiUrl goes there
    simulator = new WhatsAppSimulator({ apiVersion: config.whatsappApiVersion });
    await simulator.start(0, '127.0.0.1');
    config = { ...config, whatsappApiUrl: simulator.url, dialog360ApiUrl: simulator.url };
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
    const services = createServices(config, db, logger);
    const receiver = config.sandbox ? new SandboxWebhookReceiver(logger) : null;
    http = await createHttpServer(config, buildGatewaySchema(), services, db, logger, [
      reconciliationCsvRoutes(services, logger),
      ...(simulator ? [sandboxRoutes(services, simulator)] : []),
      ...(receiver ? [receiver.routes(services)] : []),
    ]);
    const port = await http.listen(config.port, config.host);

    if (simulator) {
      // the simulated WhatsApp delivers its webhooks to this gateway, signed with the app secret
      simulator.configureWebhooks({
        url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
        appSecret: config.whatsappAppSecret ?? undefined,
        autoDeliver: true,
      });
    }
    if (sandbox) {
      const seeded = await seedSandbox(db, services);
      if (seeded) {
        sandbox.secrets = { ...sandbox.secrets, ...seeded };
        saveSandboxSecrets(sandbox.file, sandbox.secrets);
      }
      // the demo business's webhooks go to the sandbox's own receiver (a local http address)
      if (receiver && config.outboundWebhooksAllowPrivate) {
        const local = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
        const connected = await receiver.connect(services, `http://${local.includes(':') ? `[${local}]` : local}:${port}`, sandbox.secrets);
        if (connected) {
          sandbox.secrets = connected;
          saveSandboxSecrets(sandbox.file, sandbox.secrets);
        }
      }
    }

    services.outbox.start();
    services.webhooks.start();
    services.verifier.start();
    const server = http;
    return {
      config,
      db,
      services,
      logger,
      port,
      url: `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`,
      sandbox: sandbox?.secrets ?? null,
      simulator,
      stop: async () => {
        await services.outbox.stop();
        await services.webhooks.stop();
        await services.verifier.stop();
        await server.close();
        await services.events.close();
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
