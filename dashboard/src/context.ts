import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { LiveFeed } from './live';
import type { Session } from './session';
import type { OrderEvent } from './types';

export interface AppContextValue {
  session: Session;
  /** the business-wide live feed; null for keys that may only follow one order (MOBILE) */
  feed: LiveFeed | null;
  /** set when the route changed: the next page heading to appear takes the focus */
  focus: { pending: boolean };
}

export const AppContext = createContext<AppContextValue>(null as unknown as AppContextValue);

export function useApp(): AppContextValue {
  return useContext(AppContext);
}

/** Calls `handler` for every live event while the component is mounted (the newest handler). */
export function useLiveEvents(feed: LiveFeed | null, handler: (e: OrderEvent) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => feed?.listen((e) => latest.current(e)), [feed]);
}

/** Re-renders every `ms` (ages in tables stay true). */
export function useNow(ms = 30_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/**
 * Runs `fn` at most once per `ms` however many times it is asked to, and at least once after the
 * last ask: bursts of events become one refresh.
 */
export function useCoalesced(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, ms);
  };
}
