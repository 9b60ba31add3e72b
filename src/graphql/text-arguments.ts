import { getNamedType, GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { userError } from '../domain/errors';
import { forbiddenCharacter } from '../domain/limits';
import type { UserError } from '../domain/types';
import { badUserInput } from './errors';

/** The first text in `value` holding a character no caller text may have, with its path. */
export function findForbiddenText(value: unknown, path: string[] = []): { path: string[]; character: string } | null {
  if (typeof value === 'string') {
    const character = forbiddenCharacter(value);
    return character ? { path, character } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenText(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [key, v] of Object.entries(value)) {
      const found = findForbiddenText(v, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

function describe(found: { path: string[]; character: string }): string {
  const name = found.path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return `${name} must not contain control characters or unpaired surrogates (found ${found.character}); remove it and send the text again`;
}

/**
 * Every argument of every operation is text a caller chose, and no text the gateway stores or
 * sends may hold control characters (PostgreSQL cannot store NUL, and WhatsApp renders none), so
 * they are refused in one place before any resolver runs: as a userError naming the field where
 * the operation has userErrors (mutations), as BAD_USER_INPUT elsewhere. Nothing is read, stored
 * or sent for such a request.
 */
export const refuseForbiddenText: MiddlewareFn = async ({ args, info }, next) => {
  if (!isRootField(info)) return next();
  const found = findForbiddenText(args);
  if (!found) return next();
  const message = describe(found);
  if (hasUserErrors(info)) return { userErrors: [userError('INVALID_INPUT', message, found.path) satisfies UserError] };
  throw badUserInput(message, found.path.join('.'));
};

/** The same check for a subscription's arguments, which never pass through resolver middleware before subscribing. */
export function checkSubscriptionText(args: Record<string, unknown>): void {
  const found = findForbiddenText(args);
  if (found) throw badUserInput(describe(found), found.path.join('.'));
}

function isRootField(info: GraphQLResolveInfo): boolean {
  return info.path.prev === undefined;
}

function hasUserErrors(info: GraphQLResolveInfo): boolean {
  const type = getNamedType(info.returnType);
  return type instanceof GraphQLObjectType && 'userErrors' in type.getFields();
}
