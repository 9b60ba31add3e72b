import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { RequestHandler } from 'express';
import type { GraphQLSchema } from 'graphql';
import { settleCost, type Admission, type CostReport } from '../graphql/admission';
import type { GraphQLContext } from '../graphql/context';
import { formatError } from '../graphql/faults';
import { MAX_DOCUMENT_TOKENS } from '../graphql/limits';
import { Loaders } from '../graphql/loaders';
import { answerCachePlugin } from './answer-caching';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { directGraphQL } from './graphql-http';

export interface GraphQLHandler {
  /** GET /graphql and whatever `direct` does not take, behind express.json() */
  middleware: RequestHandler;
  /** POST /graphql without Express (src/http/graphql-http.ts); false when the request is not one it takes */
  direct(req: IncomingMessage, res: ServerResponse): boolean;
  stop(): Promise<void>;
}

/** Apollo Server over HTTP: one context per request, with the caller resolved from its key. */
export async function createGraphQLHandler(
  schema: GraphQLSchema,
  services: Services,
  httpServer: Server,
  logger: Logger,
  admission: Admission,
): Promise<GraphQLHandler> {
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: it stops the workers first, then this server
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: MAX_DOCUMENT_TOKENS },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      admissionPlugin(admission, services),
      ...(services.answers ? [answerCachePlugin(services.answers)] : []),
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
    // faults are logged in full there and answered without internals; client errors pass as they are
    formatError: (formatted, error) => formatError(formatted, error, logger, 'http'),
  });
  await apollo.start();
  const context = async ({ req }: { req: IncomingMessage }): Promise<GraphQLContext> => {
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
  };
  const middleware = expressMiddleware(apollo, { context });
  return { middleware, direct: directGraphQL(apollo, context, logger), stop: () => apollo.stop() };
}

/**
 * The HTTP side of the admission gate (src/graphql/admission.ts): after Apollo parsed, validated and
 * resolved the operation, and before anything runs. Apollo reports invalid variables itself (400
 * BAD_USER_INPUT, graphql's messages) when execution starts, so they are left to it. Every answer
 * to an admitted operation reports its cost and the caller's bucket in extensions.cost.
 */
function admissionPlugin(admission: Admission, services: Services): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      let cost: CostReport | null = null;
      return {
        async didResolveOperation({ request, document, operation, contextValue }) {
          if (!operation) return; // Apollo answers an unknown operationName (400)
          const admitted = await admission.admit({
            document,
            operation,
            variables: request.variables,
            principal: contextValue.principal,
            transport: 'http',
          });
          if ('cost' in admitted) cost = admitted.cost;
        },
        async willSendResponse({ response, operation, contextValue }) {
          if (cost && operation && response.body.kind === 'single') {
            const result = response.body.singleResult;
            const settled = settleCost(services.budget, contextValue.principal, cost, operation, result.data);
            result.extensions = { ...result.extensions, cost: settled };
          }
        },
      };
    },
  };
}
