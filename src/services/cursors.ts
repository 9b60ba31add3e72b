import { forbiddenCharacter, isStorableTime } from '../domain/limits';
import { InvalidQueryArgument } from './invalid-query-argument';

// Keyset cursors: base64url of a JSON array [time in ms, ...keys]. They are opaque to clients, so
// one that does not decode to exactly what this API issues is refused (BAD_USER_INPUT), never
// read as "from the start" and never passed on to the database out of range.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_KEY_LENGTH = 255;

export type CursorKey = 'uuid' | 'text';

export function encodeCursor(at: Date, ...keys: string[]): string {
  return Buffer.from(JSON.stringify([at.getTime(), ...keys])).toString('base64url');
}

/** The time and keys of a cursor this API issued, in the shape given; throws InvalidQueryArgument otherwise. */
export function decodeCursor(cursor: string, shape: CursorKey[], argument = 'after'): { at: Date; keys: string[] } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  if (Array.isArray(parts) && parts.length === shape.length + 1) {
    const [ms, ...keys] = parts as unknown[];
    const keysOk = keys.every((k, i) =>
      typeof k === 'string' && (shape[i] === 'uuid' ? UUID.test(k) : k.length <= MAX_KEY_LENGTH && forbiddenCharacter(k) === null),
    );
    if (typeof ms === 'number' && Number.isInteger(ms) && isStorableTime(ms) && keysOk) {
      return { at: new Date(ms), keys: keys as string[] };
    }
  }
  throw new InvalidQueryArgument(argument, `${argument} is not a cursor from this API; pass an endCursor exactly as returned.`);
}
