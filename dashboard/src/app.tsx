import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { onUnauthenticated } from './api';
import { KEY_NOT_VALID, signIn } from './auth';
import { AppContext } from './context';
import { label } from './format';
import { LiveFeed, type LiveState } from './live';
import { OrderPage } from './pages/order';
import { OrdersPage } from './pages/orders';
import { QueuesPage } from './pages/queues';
import { ReconciliationPage } from './pages/reconciliation';
import { SignIn } from './pages/sign-in';
import { WebhooksPage } from './pages/webhooks';
import { can } from './roles';
import { NAV, type Route, useRoute } from './router';
import { forgetKey, type Session, storedKey, storeKey } from './session';

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  const end = (message: string | null) => {
    forgetKey();
    setSession(null);
    setNotice(message);
  };

  // a key kept in this tab's session storage signs in again after a reload
  useEffect(() => {
    const key = storedKey();
    if (!key) return;
    signIn(key)
      .then(setSession, (err: Error) => end(err.message))
      .finally(() => setRestoring(false));
  }, []);

  useEffect(() => onUnauthenticated(() => end(KEY_NOT_VALID)), []);

  if (restoring) return <p class="loading" role="status">Signing in…</p>;
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          storeKey(s.key);
          setNotice(null);
          setSession(s);
        }}
      />
    );
  }
  return <Shell key={session.key} session={session} onSignOut={(message) => end(message)} />;
}

const STATE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Not live',
};

function Shell({ session, onSignOut }: { session: Session; onSignOut(message: string | null): void }) {
  const route = useRoute();
  const role = session.viewer.role;
  const [live, setLive] = useState<{ state: LiveState; detail?: string }>({ state: can.watchAll(role) ? 'connecting' : 'stopped' });

  const feed = useMemo(() => {
    if (!can.watchAll(role)) return null;
    return new LiveFeed({
      key: session.key,
      afterEventId: session.viewer.lastEventId,
      onState: (state, detail) => setLive({ state, detail }),
      onKeyRefused: () => onSignOut(KEY_NOT_VALID),
    });
  }, [session]);
  useEffect(() => {
    feed?.start();
    return () => feed?.stop();
  }, [feed]);

  // after a route change the new page's heading takes the focus (PageHeading)
  // (decided while rendering, before the new page's heading mounts)
  const focus = useMemo(() => ({ pending: false }), []);
  const shown = useRef(`${route.page}/${route.referenceId ?? ''}`);
  if (shown.current !== `${route.page}/${route.referenceId ?? ''}`) {
    shown.current = `${route.page}/${route.referenceId ?? ''}`;
    focus.pending = true;
  }

  const current = route.page === 'order' ? 'orders' : route.page;
  const allowed = NAV.find((n) => n.page === current)?.allowed(role) ?? true;
  const business = session.viewer.business?.name ?? 'All businesses';

  return (
    <AppContext.Provider value={{ session, feed, focus }}>
      <header class="top">
        <div class="brand">
          <span class="title">Ops dashboard</span>
          <span class="who">
            {business} · <span class="role">{label(role)}</span>
          </span>
        </div>
        <nav aria-label="Pages">
          <ul>
            {NAV.filter((n) => n.allowed(role)).map((n) => (
              <li key={n.page}>
                <a href={`#/${n.page}`} aria-current={current === n.page ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="session">
          <span class={`live live-${live.state}`} role="status" title={live.detail ?? undefined} data-testid="connection">
            {feed ? STATE_TEXT[live.state] : 'Live for one order at a time'}
          </span>
          <button type="button" class="link" onClick={() => onSignOut(null)}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        {allowed ? <Page route={route} /> : <p role="alert">A {label(role)} key cannot open this page.</p>}
      </main>
    </AppContext.Provider>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'order':
      return <OrderPage key={`${route.businessId ?? ''}/${route.referenceId}`} referenceId={route.referenceId!} businessId={route.businessId} />;
    case 'queues':
      return <QueuesPage />;
    case 'reconciliation':
      return <ReconciliationPage />;
    case 'webhooks':
      return <WebhooksPage endpointId={route.endpointId} />;
    default:
      return <OrdersPage />;
  }
}
