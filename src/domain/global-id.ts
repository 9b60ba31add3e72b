import { forbiddenCharacter } from './limits';

/**
 * Relay global ids: base64url("Type:localId"). Opaque to clients, and they tell `node(id)` which
 * table to read without a lookup per type.
 */
export function toGlobalId(type: string, localId: string | number): string {
  return Buffer.from(`${type}:${localId}`, 'utf8').toString('base64url');
}

export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]+$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  // decoded bytes are the caller's: an id this API issued never holds control characters
  if (forbiddenCharacter(decoded) !== null || decoded.includes('\ufffd')) return null;
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { type: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/**
 * The local id inside a global id of the expected type; '' when it is not one, which no row has,
 * so services answer "not found" the same way as for an unknown id.
 */
export function localId(globalId: string, expectedType: string): string {
  const decoded = fromGlobalId(globalId);
  return decoded && decoded.type === expectedType ? decoded.id : '';
}
