import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, type Server } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger';

export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

/** Every socket is pinged this often; one that has not answered by the next ping is dropped. */
const KEEP_ALIVE_MS = 12_000;

/**
 * Connects a graphql-ws server to the `ws` sockets of the HTTP server: graphql-ws' own binding
 * (graphql-ws/use/ws), with one difference that matters in production: what a client does wrong
 * (frames that break the WebSocket protocol, graphql-ws messages a client must not send) is logged
 * at info, without a stack, and only what goes wrong here is an error. graphql-ws' binding prints
 * both to stderr as errors, so anyone could fill the error log.
 */
export function bindGraphQLWs<E extends SocketExtra>(
  wss: WebSocketServer,
  server: Server<E>,
  logger: Logger,
  extraOf: (socket: WebSocket, request: IncomingMessage) => E,
): { dispose(): Promise<void> } {
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (err) => logger.error({ err }, 'the WebSocket server failed'));

  wss.on('connection', (socket, request) => {
    // ws emits 'error' only for frames that break the protocol (and closes the socket itself)
    socket.on('error', (err: Error & { code?: string }) =>
      logger.info({ reason: err.message, code: err.code }, 'a WebSocket client broke the protocol; its socket was closed'),
    );

    let alive = true;
    socket.on('pong', () => (alive = true));
    const keepAlive = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, KEEP_ALIVE_MS);

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            // a send that fails means the socket went away: its close event cleans up
            socket.send(data, () => resolve());
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (err) {
              if (err instanceof Error && /^Unexpected message of type/.test(err.message)) {
                logger.info({ reason: err.message }, 'a graphql-ws client sent a message only a server may send; its socket was closed');
                socket.close(CloseCode.BadRequest, err.message.slice(0, 120));
              } else {
                logger.error({ err }, 'a graphql-ws message could not be handled');
                socket.close(CloseCode.InternalServerError, 'Internal server error');
              }
            }
          }),
      },
      extraOf(socket, request),
    );

    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      closed(code, String(reason)).catch((err) => logger.error({ err }, 'a closed graphql-ws connection could not be cleaned up'));
    });
  });

  return {
    dispose: async () => {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners('connection');
    },
  };
}
