import { createServer, Server } from 'node:http';
import express from 'express';
import { WebSocketServer } from 'ws';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { dashboardRoutes } from './dashboard';
import { createGraphQLHandler, type GraphQLHandler } from './graphql';
import { INTERNAL_ERROR, MAX_GRAPHQL_BODY_BYTES, TOO_LARGE } from './graphql-http';
import { healthRoutes } from './health';
import { webhookRoutes } from './webhooks';
import { attachWebSocketServer } from './websocket';
import { metricsRoutes } from './metrics';
import type { Config } from '../config';
import { Admission } from '../graphql/admission';

export interface HttpServer {
  server: Server;
  /** graphql-ws (same port and path as HTTP GraphQL) */
  websockets: WebSocketServer;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export async function createHttpServer(
  config: Config,
  schema: GraphQLSchema,
  services: Services,
  db: Database,
  logger: Logger,
  extraRoutes: express.Router[] = [],
): Promise<HttpServer> {
  const app = express();
  app.disable('x-powered-by');
  // POST /graphql (nearly every GraphQL request) skips Express: its router and body parser cost
  // more than a small read itself (src/http/graphql-http.ts); everything else is the app's
  let graphql: GraphQLHandler | null = null;
  const server = createServer((req, res) => {
    if (graphql?.direct(req, res)) return;
    app(req, res);
  });
  // noServer: the WebSocket server only gets upgrades; errors of the HTTP server (a port already in
  // use) stay the HTTP server's, reported once by listen() instead of also through graphql-ws.
  // A graphql-ws message is a GraphQL request: the same size limit as an HTTP body.
  const websockets = new WebSocketServer({ noServer: true, path: '/graphql', maxPayload: MAX_GRAPHQL_BODY_BYTES });
  server.on('upgrade', (req, socket, head) => {
    websockets.handleUpgrade(req, socket, head, (ws) => websockets.emit('connection', ws, req));
  });
  const admission = new Admission(schema, services.budget, config.queryMaxCost);
  const subscriptions = attachWebSocketServer(websockets, schema, services, logger, admission, {
    subscriptionMaxBacklog: config.subscriptionMaxBacklog,
  });
  graphql = await createGraphQLHandler(schema, services, server, logger, admission);

  app.use(healthRoutes(db));
  app.use(metricsRoutes(services, websockets));
  app.use(webhookRoutes(config, services.webhooks, logger));
  for (const routes of extraRoutes) app.use(routes);
  app.use('/graphql', express.json({ limit: MAX_GRAPHQL_BODY_BYTES }), graphql.middleware);
  app.use(dashboardRoutes());
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found. The API is at /graphql, the ops dashboard at /dashboard; health at /healthz and /readyz.' });
  });
  // body limits and malformed bodies answer with their own status; anything else is a logged fault
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (err.type === 'entity.too.large') {
      res.status(413).json(TOO_LARGE);
    } else if (err.status && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ error: err.message });
    } else {
      logger.error({ err }, 'unexpected error while answering an HTTP request');
      res.status(500).json(INTERNAL_ERROR);
    }
  });

  return {
    server,
    websockets,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    close: async () => {
      await subscriptions.close();
      for (const client of websockets.clients) client.terminate();
      await new Promise<void>((resolve) => websockets.close(() => resolve()));
      await graphql.stop(); // drains and closes the HTTP server
    },
  };
}
