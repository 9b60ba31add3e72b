import { useEffect, useState } from 'preact/hooks';
import { can } from './roles';
import type { Role } from './types';

// Hash routes (#/orders, #/orders/A1001-1, #/queues, #/reconciliation, #/webhooks,
// #/webhooks/<endpoint id>): one page, served as is, with working back/forward and links. Only
// reference ids and the API's ids ever appear in them (never a key or a secret).

export type PageId = 'orders' | 'order' | 'queues' | 'reconciliation' | 'webhooks';

export interface Route {
  page: PageId;
  referenceId?: string;
  businessId?: string;
  /** the webhook endpoint open on the webhooks page */
  endpointId?: string;
}

/** The navigation: a new page is one more entry here and one in app.tsx. */
export const NAV: Array<{ page: PageId; label: string; allowed(role: Role): boolean }> = [
  { page: 'orders', label: 'Orders', allowed: () => true },
  { page: 'queues', label: 'Work queues', allowed: () => true },
  { page: 'reconciliation', label: 'Reconciliation', allowed: can.reconcile },
  { page: 'webhooks', label: 'Business webhooks', allowed: can.manageWebhooks },
];

export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const businessId = new URLSearchParams(query).get('business') ?? undefined;
  if (parts[0] === 'orders' && parts[1]) return { page: 'order', referenceId: parts[1], businessId };
  if (parts[0] === 'queues') return { page: 'queues' };
  if (parts[0] === 'reconciliation') return { page: 'reconciliation' };
  if (parts[0] === 'webhooks') return { page: 'webhooks', endpointId: parts[1] };
  return { page: 'orders' };
}

export function orderHref(referenceId: string, businessId?: string): string {
  return `#/orders/${encodeURIComponent(referenceId)}${businessId ? `?business=${encodeURIComponent(businessId)}` : ''}`;
}

export function webhookHref(endpointId?: string): string {
  return endpointId ? `#/webhooks/${encodeURIComponent(endpointId)}` : '#/webhooks';
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
