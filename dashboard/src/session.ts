import type { Viewer } from './types';

// The key lives in sessionStorage only: it is gone when the tab closes, it is never put in a URL,
// and it is never logged. Nothing else about the session is stored.
const STORAGE_KEY = 'wpg-dashboard-api-key';

export interface Session {
  key: string;
  viewer: Viewer;
}

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // storage refused (private mode limits): the session still works until the page is reloaded
  }
}

export function forgetKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
