import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { GraphQLContext } from '../graphql/context';
import { complexityPlugin } from '../graphql/limits';
import { Loaders } from '../graphql/loaders';
import type { Logger } from '../logger';
import type { Services } from '../services';

export interface GraphQLHandler {
  middleware: RequestHandler;
  stop(): Promise<void>;
}

/** Apollo Server on express: one context per request, with the caller resolved from its key. */
export async function createGraphQLHandler(
  schema: GraphQLSchema,
  services: Services,
  httpServer: Server,
  logger: Logger,
): Promise<GraphQLHandler> {
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it stops the workers first, then this server
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      complexityPlugin(schema),
      // Every answer is private to its API key, so HTTP cache hints have nothing to say; the
      // plugin Apollo installs by default would still wrap every field of every response.
      ApolloServerPluginCacheControlDisabled(),
    ],
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    formatError: (formatted, error) => {
      const code = formatted.extensions?.code;
      if (code === 'INTERNAL_SERVER_ERROR') {
        // faults are logged in full here and answered without internals
        logger.error({ err: error }, 'unexpected error while answering a GraphQL request');
        return { ...formatted, message: 'Internal error; it has been logged. Retry later or contact the operator.' };
      }
      return formatted;
    },
  });
  await apollo.start();
  const middleware = expressMiddleware(apollo, {
    context: async ({ req }) => {
      const auth = await services.auth.authenticate(req.headers.authorization);
      const idempotencyKey = req.headers['idempotency-key'];
      return {
        principal: auth.principal,
        authError: auth.principal ? null : auth.error,
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : null,
        requestId: randomUUID(),
        loaders: new Loaders(services),
        services,
      };
    },
  });
  return { middleware, stop: () => apollo.stop() };
}
