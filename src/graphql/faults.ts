import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Logger } from '../logger';
import { Refusal } from '../services/refusals';

export const FAULT_MESSAGE = 'Internal error; it has been logged. Retry later or contact the operator.';

/**
 * How every GraphQL error leaves the gateway, on HTTP (Apollo's formatError) and WebSocket alike.
 * An error with a code is the client's (or an expected refusal) and goes out as it is; one without
 * (a database error, a bug) is a fault: logged in full here, once, and answered without its text,
 * so nothing internal (SQL, values, stack) ever reaches a client.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: Logger,
  transport: 'http' | 'ws',
): GraphQLFormattedError {
  const original = originalOf(error);
  if (original instanceof Refusal) {
    return { ...formatted, message: original.message, extensions: { code: original.code } };
  }
  const code = formatted.extensions?.code;
  if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
    logger.error({ err: original ?? error, path: formatted.path, transport }, 'unexpected error while answering a GraphQL request');
    return { message: FAULT_MESSAGE, locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  if (formatted.extensions && 'http' in formatted.extensions) {
    // the HTTP status and headers are for the response, not its body
    const { http: _http, ...extensions } = formatted.extensions;
    return { ...formatted, extensions };
  }
  return formatted;
}

/** The error a resolver threw, under graphql-js' (and Apollo's) wrapping. */
function originalOf(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 5 && current && typeof current === 'object' && 'originalError' in current; i++) {
    const next = (current as GraphQLError).originalError;
    if (!next) break;
    current = next;
  }
  return current;
}
