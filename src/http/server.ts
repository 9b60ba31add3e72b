import { createServer, Server } from 'node:http';
import express from 'express';
import { WebSocketServer } from 'ws';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { createGraphQLHandler } from './graphql';
import { healthRoutes } from './health';

export interface HttpServer {
  server: Server;
  /** graphql-ws attaches here (same port and path as HTTP GraphQL) */
  websockets: WebSocketServer;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export async function createHttpServer(
  schema: GraphQLSchema,
  services: Services,
  db: Database,
  logger: Logger,
): Promise<HttpServer> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const websockets = new WebSocketServer({ server, path: '/graphql' });
  const graphql = await createGraphQLHandler(schema, services, server, logger);

  app.use(healthRoutes(db));
  app.use('/graphql', express.json({ limit: '1mb' }), graphql.middleware);
  app.use((_req, res) => {
    res.status(404).json({ error: 'Not found. The API is at /graphql; health at /healthz and /readyz.' });
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
      for (const client of websockets.clients) client.terminate();
      await new Promise<void>((resolve) => websockets.close(() => resolve()));
      await graphql.stop(); // drains and closes the HTTP server
    },
  };
}
