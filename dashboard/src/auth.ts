import { ApiError, gql } from './api';
import { VIEWER } from './queries';
import type { Session } from './session';
import type { Viewer } from './types';

export const KEY_NOT_VALID = 'This API key is not valid: it is wrong, mistyped or revoked. Check it and sign in again.';

/** Asks the gateway who the key belongs to; a refused key becomes the message the sign-in shows. */
export async function signIn(key: string): Promise<Session> {
  try {
    const { viewer } = await gql<{ viewer: Viewer }>(key, VIEWER);
    return { key, viewer };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') throw new Error(KEY_NOT_VALID);
    throw err;
  }
}
