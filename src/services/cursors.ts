import { forbiddenCharacter, isStorableTime } from '../domain/limits';
import { InvalidQueryArgument } from './invalid-query-argument';

// Keyset cursors: base64url of a JSON array [time in ms, ...keys]. They are opaque to clients, so
// one that does not decode to exactly what this API issues is refused (BAD_USER_INPUT), never
// read as "from the start" and never passed on to the database out of range.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_KEY_LENGTH = 255;

/** a uuid; a short text without control characters; a position in a list (-1 for none) */
export type CursorKey = 'uuid' | 'text' | 'position';

export function encodeCursor(at: Date, ...keys: Array<string | number>): string {
  return Buffer.from(JSON.stringify([at.getTime(), ...keys])).toString('base64url');
}

/** The time and keys of a cursor this API issued, in the shape given; throws InvalidQueryArgument otherwise. */
export function decodeCursor(cursor: string, shape: CursorKey[], argument = 'after'): { at: Date; keys: Array<string | number> } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  if (Array.isArray(parts) && parts.length === shape.length + 1) {
    const [ms, ...keys] = parts as unknown[];
    const keysOk = keys.every((k, i) => validKey(k, shape[i]));
    if (typeof ms === 'number' && Number.isInteger(ms) && isStorableTime(ms) && keysOk) {
      return { at: new Date(ms), keys: keys as Array<string | number> };
    }
  }
  throw new InvalidQueryArgument(argument, `${argument} is not a cursor from this API; pass an endCursor exactly as returned.`);
}

function validKey(key: unknown, kind: CursorKey): boolean {
  switch (kind) {
    case 'uuid':
      return typeof key === 'string' && UUID.test(key);
    case 'text':
      return typeof key === 'string' && key.length <= MAX_KEY_LENGTH && forbiddenCharacter(key) === null;
    case 'position':
      return typeof key === 'number' && Number.isInteger(key) && key >= -1 && key <= MAX_POSITION;
  }
}

const MAX_POSITION = 2147483647;

/** A keyset page: its rows with their cursors, and where it is in the list. */
export interface KeysetPage<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * The page of `first` rows out of `rows` (read with one more, to know whether a next page exists),
 * each with its cursor over (createdAt, id).
 */
export function keysetPage<T extends { createdAt: Date; id: string }>(rows: T[], first: number, after: string | null | undefined): KeysetPage<T> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(node.createdAt, node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: !!after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
