import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { makeServer } from 'graphql-ws';
import { In } from 'typeorm';
import type { WebSocket, WebSocketServer } from 'ws';
import { ApiKeyEntity } from '../db/entities';
import { settleCost, type Admission, type CostReport } from '../graphql/admission';
import type { GraphQLContext } from '../graphql/context';
import { formatError } from '../graphql/faults';
import { MAX_DOCUMENT_TOKENS } from '../graphql/limits';
import { Loaders } from '../graphql/loaders';
import { createSharedSubscribe } from '../graphql/shared-subscribe';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { Principal } from '../services/context';
import { bindGraphQLWs, type SocketExtra } from './ws-binding';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_REVOKED = 4403;
/** a subscriber more than SUBSCRIPTION_MAX_BACKLOG events behind (it stopped reading its socket) */
export const CLOSE_TOO_SLOW = 4413;
/** How long a new socket may take to send connection_init before it is closed (4408). */
const CONNECTION_INIT_WAIT_MS = 10_000;
const KEY_RECHECK_MS = 30_000;
/** operations (mostly subscriptions) one connection may hold open at once */
export const MAX_OPERATIONS_PER_SOCKET = 100;

type ConnectionExtra = SocketExtra & {
  principal?: Principal;
};

/** An error the client caused, with its code (refusals are never masked as faults). */
function refusal(code: string, message: string, from?: GraphQLError): GraphQLError {
  return new GraphQLError(message, { nodes: from?.nodes, source: from?.source, positions: from?.positions, extensions: { code } });
}

/**
 * graphql-ws on the HTTP server's /graphql. The key comes in connectionParams.authorization; a
 * missing or bad key closes the socket with 4401 and the reason. A revoked key's sockets close
 * with 4403 as soon as the revocation is published (any instance), and at the latest at the next
 * periodic re-check (in case the event transport was down when it happened).
 */
export function attachWebSocketServer(
  wss: WebSocketServer,
  schema: GraphQLSchema,
  services: Services,
  logger: Logger,
  admission: Admission,
  options: { subscriptionMaxBacklog: number },
): { close(): Promise<void> } {
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const track = (keyId: string, socket: WebSocket) => {
    let set = socketsByKey.get(keyId);
    if (!set) socketsByKey.set(keyId, (set = new Set()));
    set.add(socket);
    socket.once('close', () => {
      set!.delete(socket);
      if (set!.size === 0) socketsByKey.delete(keyId);
    });
  };
  const closeKey = (keyId: string) => {
    for (const socket of socketsByKey.get(keyId) ?? []) socket.close(CLOSE_REVOKED, 'API key revoked');
  };
  const offRevoked = services.events.onKeyRevoked(closeKey);
  const recheck = setInterval(() => {
    const ids = [...socketsByKey.keys()].filter((id) => id !== 'admin');
    if (ids.length === 0) return;
    services.db.manager
      .find(ApiKeyEntity, { where: { id: In(ids) }, select: { id: true, revokedAt: true } })
      .then((keys) => {
        const live = new Set(keys.filter((k) => !k.revokedAt).map((k) => k.id));
        for (const id of ids) if (!live.has(id)) closeKey(id);
      })
      .catch((err) => logger.warn({ err }, 'could not re-check the API keys of open subscriptions'));
  }, KEY_RECHECK_MS);
  recheck.unref();

  const server = makeServer<Record<string, unknown>, ConnectionExtra>({
    schema,
    // graphql-ws closes a socket whose connection_init has not arrived after 3 s by default; a phone
    // on a slow network, or a burst of connections on a busy instance, can take longer than that
    connectionInitWaitTimeout: CONNECTION_INIT_WAIT_MS,
    // identical subscriptions share one execution per event (see shared-subscribe.ts)
    subscribe: createSharedSubscribe(),
    onConnect: async (ctx) => {
      const authorization = ctx.connectionParams?.authorization;
      const auth = await services.auth.authenticate(typeof authorization === 'string' ? authorization : null);
      if (!auth.principal) {
        const reason = auth.error ?? 'send connectionParams { authorization: "Bearer <api key>" }';
        ctx.extra.socket.close(CLOSE_UNAUTHORIZED, `Unauthorized: ${reason}`.slice(0, 120));
        return false;
      }
      ctx.extra.principal = auth.principal;
      track(auth.principal.keyId, ctx.extra.socket);
      return true;
    },
    // the same gate as HTTP (limits, variables, cost, budget), before anything runs
    onSubscribe: async (ctx, _id, payload) => {
      if (Object.keys(ctx.subscriptions).length > MAX_OPERATIONS_PER_SOCKET) {
        return [
          refusal(
            'BAD_REQUEST',
            `At most ${MAX_OPERATIONS_PER_SOCKET} operations may run at once on one connection; complete some, or open another connection.`,
          ),
        ];
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query, { maxTokens: MAX_DOCUMENT_TOKENS });
      } catch (err) {
        return [refusal('GRAPHQL_PARSE_FAILED', (err as Error).message)];
      }
      const invalid = validate(schema, document, specifiedRules);
      if (invalid.length) return invalid.map((e) => refusal('GRAPHQL_VALIDATION_FAILED', e.message, e));
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) {
        const message = payload.operationName
          ? `Unknown operation named "${payload.operationName}".`
          : 'Must provide operation name if query contains multiple operations.';
        return [refusal('OPERATION_RESOLUTION_FAILURE', message)];
      }
      const principal = ctx.extra.principal ?? null;
      let cost: CostReport;
      try {
        const admitted = await admission.admit({ document, operation, variables: payload.variables, principal, transport: 'ws' });
        if ('variableErrors' in admitted) return admitted.variableErrors;
        cost = admitted.cost;
      } catch (err) {
        if (err instanceof GraphQLError) return [err];
        throw err;
      }
      const socket = ctx.extra.socket;
      const contextValue: GraphQLContext = {
        principal,
        authError: null,
        idempotencyKey: null,
        requestId: randomUUID(),
        loaders: new Loaders(services),
        services,
        cost: operation.operation === 'subscription' ? undefined : cost,
        stream: {
          maxBacklog: options.subscriptionMaxBacklog,
          // its events cannot reach it anyway: close the connection, which tells it why
          onBehind: (error) => {
            logger.info({ keyId: principal?.keyId, maxBacklog: error.maxBacklog }, 'a subscriber fell too far behind; its connection is closed');
            socket.close(CLOSE_TOO_SLOW, `Too slow: more than ${error.maxBacklog} events behind; resubscribe with afterEventId`);
          },
        },
      };
      return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
    },
    // faults are masked and logged as on HTTP; queries and mutations report their cost
    onNext: (_ctx, _id, _payload, args, result) => {
      const { errors, ...rest } = result;
      const context = args.contextValue as GraphQLContext | undefined;
      const operation = getOperationAST(args.document, args.operationName);
      const cost = context?.cost && operation ? settleCost(services.budget, context.principal, context.cost, operation, rest.data) : null;
      return {
        ...rest,
        ...(errors ? { errors: errors.map((e) => formatError(e.toJSON(), e, logger, 'ws')) } : {}),
        ...(cost ? { extensions: { ...rest.extensions, cost } } : {}),
      };
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e, logger, 'ws')),
  });
  const binding = bindGraphQLWs(wss, server, logger, (socket, request) => ({ socket, request }));

  return {
    close: async () => {
      clearInterval(recheck);
      offRevoked();
      await binding.dispose();
    },
  };
}
