import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { In } from 'typeorm';
import type { WebSocket, WebSocketServer } from 'ws';
import { ApiKeyEntity } from '../db/entities';
import type { GraphQLContext } from '../graphql/context';
import { Loaders } from '../graphql/loaders';
import { createSharedSubscribe } from '../graphql/shared-subscribe';
import type { Logger } from '../logger';
import type { Services } from '../services';
import type { Principal } from '../services/context';

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_REVOKED = 4403;
const KEY_RECHECK_MS = 30_000;

type ConnectionExtra = {
  principal?: Principal;
};

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

  const disposable = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema,
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
      context: (ctx): GraphQLContext => ({
        principal: ctx.extra.principal ?? null,
        authError: null,
        idempotencyKey: null,
        requestId: randomUUID(),
        loaders: new Loaders(services),
        services,
      }),
    },
    wss,
  );

  return {
    close: async () => {
      clearInterval(recheck);
      offRevoked();
      await disposable.dispose();
    },
  };
}
