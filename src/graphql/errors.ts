import { GraphQLError } from 'graphql';

// Top-level GraphQL errors are for what is not a business outcome: authentication, authorization,
// malformed requests and faults. Business outcomes are userErrors in the payloads.

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...(field ? { field } : {}), http: { status: 400 } } });
}

export function notImplemented(operation: string): GraphQLError {
  return new GraphQLError(`${operation} is not implemented yet in this version of the gateway.`, {
    extensions: { code: 'NOT_IMPLEMENTED' },
  });
}
