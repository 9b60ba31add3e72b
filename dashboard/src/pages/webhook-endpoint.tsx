import { useEffect, useRef, useState } from 'preact/hooks';
import { gql } from '../api';
import { useApp } from '../context';
import { dateTime, label } from '../format';
import { can } from '../roles';
import type { UserError } from '../types';
import { DELETE_ENDPOINT, type EventType, ROTATE_SECRET, UPDATE_ENDPOINT, type WebhookEndpoint } from '../webhooks';
import { Deliveries } from './webhook-deliveries';
import { attempt, OutcomeNote, type Problem } from '../components/outcome';
import { EndpointForm, type EndpointValues, SecretOnce } from './webhook-form';

/** A rotated-out secret keeps signing for at most this long (the API's limit: 7 days). */
const MAX_OVERLAP_HOURS = 168;

type Action = 'save' | 'toggle' | 'rotate' | 'delete';

export function eventTypesText(types: string[]): string {
  return types.length ? types.map(label).join(', ') : 'All';
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <span class={`badge endpoint-${enabled ? 'enabled' : 'disabled'}`}>{enabled ? 'Enabled' : 'Disabled'}</span>;
}

interface Props {
  endpoint: WebhookEndpoint;
  eventTypes: EventType[];
  /** opened by the person (a link, back/forward): its heading takes the focus */
  takeFocus: boolean;
  onSaved(endpoint: WebhookEndpoint): void;
  onDeleted(endpoint: WebhookEndpoint): void;
  /** it no longer exists (deleted elsewhere) */
  onGone(): void;
}

/** One endpoint: what it is, editing, enabling, rotating its secret, deleting it, and its deliveries. */
export function EndpointPanel({ endpoint, eventTypes, takeFocus, onSaved, onDeleted, onGone }: Props) {
  const { session } = useApp();
  const admin = can.seeAllBusinesses(session.viewer.role);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState<Action | null>(null);
  const [problem, setProblem] = useState<{ action: Action; problem: Problem } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [hours, setHours] = useState('24');
  const [secret, setSecret] = useState<{ value: string; note: string } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (takeFocus) heading.current?.focus();
  }, []);

  async function run<T extends { userErrors: UserError[] }>(action: Action, call: () => Promise<T>): Promise<T | null> {
    setBusy(action);
    setProblem(null);
    setDone(null);
    const result = await attempt(call);
    setBusy(null);
    if ('problem' in result) {
      setProblem({ action, problem: result.problem });
      return null;
    }
    return result.ok;
  }

  const update = async (action: Action, input: Record<string, unknown>, doneText: string) => {
    const result = await run(action, async () =>
      (await gql<{ updateWebhookEndpoint: { webhookEndpoint: WebhookEndpoint; userErrors: UserError[] } }>(session.key, UPDATE_ENDPOINT, { input: { id: endpoint.id, ...input } }))
        .updateWebhookEndpoint,
    );
    if (!result) return false;
    onSaved(result.webhookEndpoint);
    setDone(doneText);
    return true;
  };

  const save = async (v: EndpointValues) => {
    const saved = await update('save', { url: v.url, eventTypes: v.eventTypes, enabled: v.enabled, description: v.description.trim() || null }, 'Changes saved.');
    if (saved) setEditing(false);
  };

  const rotate = async (e: Event) => {
    e.preventDefault();
    const h = Number(hours);
    if (!/^\d{1,3}$/.test(hours.trim()) || h > MAX_OVERLAP_HOURS) {
      setProblem({ action: 'rotate', problem: { kind: 'failed', text: `Give the overlap in whole hours, from 0 to ${MAX_OVERLAP_HOURS} (7 days).` } });
      return;
    }
    const result = await run('rotate', async () =>
      (await gql<{ rotateWebhookEndpointSecret: { secret: string; userErrors: UserError[] } }>(session.key, ROTATE_SECRET, { id: endpoint.id, overlapSeconds: h * 3600 }))
        .rotateWebhookEndpointSecret,
    );
    if (!result) return;
    const until = new Date(Date.now() + h * 3_600_000);
    setSecret({
      value: result.secret,
      note: h > 0 ? `Until ${dateTime(until.toISOString())} the old secret signs every webhook too (a second signature), so the receiver can switch in that time.` : 'The old secret no longer signs.',
    });
  };

  const remove = async () => {
    setConfirmDelete(false);
    const result = await run('delete', async () => (await gql<{ deleteWebhookEndpoint: { userErrors: UserError[] } }>(session.key, DELETE_ENDPOINT, { id: endpoint.id })).deleteWebhookEndpoint);
    if (result) onDeleted(endpoint);
  };

  const problemOf = (action: Action) => (problem?.action === action ? problem.problem : null);

  return (
    <section class="endpoint" aria-labelledby="endpoint-title" data-endpoint-id={endpoint.id}>
      <h2 id="endpoint-title" tabIndex={-1} ref={heading}>
        Endpoint <span class="endpoint-url">{endpoint.url}</span>
      </h2>
      <dl class="facts summary">
        <dt>URL</dt>
        <dd class="endpoint-url">{endpoint.url}</dd>
        {admin && (
          <>
            <dt>Business</dt>
            <dd>{endpoint.business.name}</dd>
          </>
        )}
        <dt>Event types</dt>
        <dd>{eventTypesText(endpoint.eventTypes)}</dd>
        <dt>Status</dt>
        <dd>
          <EnabledBadge enabled={endpoint.enabled} />
        </dd>
        <dt>Description</dt>
        <dd class="description">{endpoint.description ?? '–'}</dd>
        <dt>Created</dt>
        <dd>{dateTime(endpoint.createdAt)}</dd>
        <dt>Id</dt>
        <dd class="mono">{endpoint.id}</dd>
      </dl>

      <section class="actions" aria-labelledby="endpoint-actions-title">
        <h3 id="endpoint-actions-title">Actions</h3>
        {editing ? (
          <EndpointForm
            id="edit-endpoint"
            mode="edit"
            initial={{ url: endpoint.url, eventTypes: endpoint.eventTypes, description: endpoint.description ?? '', enabled: endpoint.enabled, businessId: endpoint.business.id }}
            eventTypes={eventTypes}
            busy={busy === 'save'}
            problem={problemOf('save')}
            onSubmit={save}
            onCancel={() => {
              setEditing(false);
              setProblem(null);
            }}
          />
        ) : (
          <div class="buttons">
            <button type="button" onClick={() => (setEditing(true), setDone(null), setProblem(null))} disabled={busy !== null}>
              Edit
            </button>
            <button
              type="button"
              class="secondary"
              disabled={busy !== null}
              onClick={() =>
                update('toggle', { enabled: !endpoint.enabled }, endpoint.enabled ? 'Disabled: no new deliveries; pending ones end failed.' : 'Enabled: new events are delivered again.')
              }
            >
              {busy === 'toggle' ? 'Saving…' : endpoint.enabled ? 'Disable endpoint' : 'Enable endpoint'}
            </button>
            {confirmDelete ? (
              <span class="confirm" role="group" aria-label="Confirm delete">
                <span>Delete this endpoint? Its delivery log goes with it, and nothing more is sent to it.</span>
                <button type="button" class="danger" onClick={remove} disabled={busy !== null}>
                  Yes, delete the endpoint
                </button>
                <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
                  Keep it
                </button>
              </span>
            ) : (
              <button type="button" class="danger" onClick={() => setConfirmDelete(true)} disabled={busy !== null}>
                {busy === 'delete' ? 'Deleting…' : 'Delete endpoint'}
              </button>
            )}
          </div>
        )}
        <OutcomeNote outcome={problemOf('toggle') ?? problemOf('delete')} />
        {done && (
          <p class="done" role="status">
            {done}
          </p>
        )}

        <form class="rotate" aria-label="Rotate the signing secret" onSubmit={rotate} novalidate>
          <div class="field">
            <label for="rotate-hours">Old secret keeps signing for (hours)</label>
            <input
              id="rotate-hours"
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_OVERLAP_HOURS}
              step={1}
              value={hours}
              onInput={(e) => setHours((e.target as HTMLInputElement).value)}
              aria-describedby="rotate-help"
            />
          </div>
          <button type="submit" disabled={busy !== null}>
            {busy === 'rotate' ? 'Rotating…' : 'Rotate secret'}
          </button>
          <p id="rotate-help" class="help">
            A new secret signs from now on; during the overlap (0 to {MAX_OVERLAP_HOURS} hours) the old one signs too, so the receiver can switch without missing a webhook.
          </p>
        </form>
        <OutcomeNote outcome={problemOf('rotate')} />
        {secret && (
          <SecretOnce id="rotated-secret" title="New signing secret" note={secret.note} secret={secret.value} onDone={() => setSecret(null)} />
        )}
      </section>

      <Deliveries endpoint={endpoint} onGone={onGone} />
    </section>
  );
}
