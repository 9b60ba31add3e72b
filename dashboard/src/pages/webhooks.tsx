import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api';
import { PageHeading } from '../components/heading';
import { useApp } from '../context';
import { dateTime } from '../format';
import { can } from '../roles';
import { webhookHref } from '../router';
import type { Business, UserError } from '../types';
import { CREATE_ENDPOINT, ENDPOINTS, type EventType, type WebhookEndpoint } from '../webhooks';
import { EnabledBadge, EndpointPanel, eventTypesText } from './webhook-endpoint';
import { attempt, type Problem } from '../components/outcome';
import { EndpointForm, type EndpointValues, SecretOnce } from './webhook-form';
import './webhooks.css';

interface Loaded {
  endpoints: WebhookEndpoint[];
  eventTypes: EventType[];
  /** the operator's: the businesses an endpoint may be added to */
  businesses: Business[] | null;
}

const NEW_ENDPOINT: EndpointValues = { url: '', eventTypes: [], description: '', enabled: true, businessId: '' };

/**
 * Business webhooks (OPS for its business, ADMIN for any): the endpoints, adding one (its secret
 * shown once), and the open endpoint (#/webhooks/<id>) with its actions and deliveries.
 */
export function WebhooksPage({ endpointId }: { endpointId?: string }) {
  const { session } = useApp();
  const admin = can.seeAllBusinesses(session.viewer.role);
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async () => {
    try {
      const d = await gql<{ webhookEndpoints: WebhookEndpoint[]; eventTypes: { enumValues: EventType[] } | null; businesses?: Business[] }>(session.key, ENDPOINTS, {
        admin,
      });
      setData({ endpoints: d.webhookEndpoints, eventTypes: d.eventTypes?.enumValues ?? [], businesses: d.businesses ?? null });
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => void load(), []);

  // an endpoint opened by a link or back/forward takes the focus (not the one open at page load)
  const opened = useRef(endpointId);
  const takeFocus = opened.current !== endpointId;
  useEffect(() => {
    opened.current = endpointId;
  }, [endpointId]);

  const replace = (endpoint: WebhookEndpoint) =>
    setData((d) => d && { ...d, endpoints: d.endpoints.map((e) => (e.id === endpoint.id ? endpoint : e)) });

  const create = async (v: EndpointValues) => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    const input = { url: v.url, eventTypes: v.eventTypes, description: v.description.trim() || null, ...(admin ? { businessId: v.businessId || null } : {}) };
    const result = await attempt(
      async () =>
        (await gql<{ createWebhookEndpoint: { secret: string; webhookEndpoint: WebhookEndpoint; userErrors: UserError[] } }>(session.key, CREATE_ENDPOINT, { input }))
          .createWebhookEndpoint,
    );
    setBusy(false);
    if ('problem' in result) return setProblem(result.problem);
    const { webhookEndpoint, secret } = result.ok;
    setData((d) => d && { ...d, endpoints: [...d.endpoints, webhookEndpoint] });
    setAdding(false);
    setCreated({ url: webhookEndpoint.url, secret });
  };

  const open = data?.endpoints.find((e) => e.id === endpointId);
  return (
    <section aria-labelledby="webhooks-title">
      <PageHeading id="webhooks-title">Business webhooks</PageHeading>
      <p class="lead">
        Every order event, POSTed signed (Standard Webhooks) to your backend's endpoints and retried for 72 hours: a storefront learns of a verified payment without
        holding a connection open.
      </p>
      {created && (
        <SecretOnce
          id="new-secret"
          title="Endpoint added: its signing secret"
          note={`It signs every webhook sent to ${created.url}.`}
          secret={created.secret}
          onDone={() => setCreated(null)}
        />
      )}
      {notice && (
        <p class="done" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data === null && !error && <p role="status">Loading endpoints…</p>}
      {data !== null &&
        (adding ? (
          <section class="add-endpoint" aria-labelledby="add-endpoint-title">
            <h2 id="add-endpoint-title">New endpoint</h2>
            <EndpointForm
              id="new-endpoint"
              mode="create"
              initial={NEW_ENDPOINT}
              eventTypes={data.eventTypes}
              businesses={data.businesses ?? undefined}
              busy={busy}
              problem={problem}
              onSubmit={create}
              onCancel={() => {
                setAdding(false);
                setProblem(null);
              }}
            />
          </section>
        ) : (
          <button type="button" class="add" onClick={() => (setAdding(true), setNotice(null))}>
            Add an endpoint
          </button>
        ))}
      {data !== null && data.endpoints.length === 0 && <p class="empty">No endpoints yet. Add one, and every order event is POSTed to it.</p>}
      {data !== null && data.endpoints.length > 0 && (
        <div class="table-wrap" role="region" aria-label="Endpoints" tabIndex={0}>
          <table class="endpoints cards">
            <caption class="visually-hidden">Webhook endpoints, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                {admin && <th scope="col">Business</th>}
                <th scope="col">Event types</th>
                <th scope="col">Status</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {data.endpoints.map((e) => (
                <tr key={e.id} data-endpoint-id={e.id} class={e.id === endpointId ? 'open' : undefined}>
                  <td data-label="URL" class="endpoint-url">
                    <a href={webhookHref(e.id)} aria-current={e.id === endpointId ? 'true' : undefined}>
                      {e.url}
                    </a>
                  </td>
                  {admin && <td data-label="Business">{e.business.name}</td>}
                  <td data-label="Event types">{eventTypesText(e.eventTypes)}</td>
                  <td data-label="Status">
                    <EnabledBadge enabled={e.enabled} />
                  </td>
                  <td data-label="Description" class="description">
                    {e.description ?? '–'}
                  </td>
                  <td data-label="Created">{dateTime(e.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data !== null && endpointId && !open && (
        <p class="empty" role="status">
          No webhook endpoint with this id is visible to this key (it may have been deleted). <a href={webhookHref()}>Back to the endpoints</a>
        </p>
      )}
      {data !== null && open && (
        <EndpointPanel
          key={open.id}
          endpoint={open}
          eventTypes={data.eventTypes}
          takeFocus={takeFocus}
          onSaved={replace}
          onDeleted={(gone) => {
            setData((d) => d && { ...d, endpoints: d.endpoints.filter((e) => e.id !== gone.id) });
            setNotice(`Endpoint ${gone.url} deleted, with its delivery log.`);
            location.hash = webhookHref();
            // the panel that had the focus is gone: the page's heading takes it
            document.getElementById('webhooks-title')?.focus();
          }}
          onGone={() => void load()}
        />
      )}
    </section>
  );
}
