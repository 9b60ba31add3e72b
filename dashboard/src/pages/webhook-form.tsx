import { useEffect, useRef, useState } from 'preact/hooks';
import { label } from '../format';
import type { Business, UserError } from '../types';
import { type EventType } from '../webhooks';
import { OutcomeNote, type Problem } from '../components/outcome';

// The parts the webhooks page's actions share: the endpoint form (add and edit) and a signing secret
// shown once. Running an action and saying why it was not done is components/outcome.tsx's.

/** Whether the problem names this input field (['input', 'url'] names 'url'). */
function names(problem: Problem | null, field: string): boolean {
  return problem?.kind === 'refused' && problem.errors.some((e) => e.field?.[e.field.length - 1] === field);
}

export interface EndpointValues {
  url: string;
  eventTypes: string[];
  description: string;
  enabled: boolean;
  businessId: string;
}

interface FormProps {
  /** prefix of the controls' ids: one form of each kind is on the page at a time */
  id: string;
  mode: 'create' | 'edit';
  initial: EndpointValues;
  eventTypes: EventType[];
  /** the businesses to choose from (the operator's key, when adding) */
  businesses?: Business[];
  busy: boolean;
  problem: Problem | null;
  onSubmit(values: EndpointValues): void;
  onCancel(): void;
}

export function EndpointForm({ id, mode, initial, eventTypes, businesses, busy, problem, onSubmit, onCancel }: FormProps) {
  const [values, setValues] = useState(initial);
  const set = (change: Partial<EndpointValues>) => setValues((v) => ({ ...v, ...change }));
  const urlField = useRef<HTMLInputElement>(null);
  useEffect(() => urlField.current?.focus(), []);
  const problemId = `${id}-problem`;
  const invalid = (field: string) => (names(problem, field) ? { 'aria-invalid': true, 'aria-describedby': problemId } : {});
  const toggle = (type: string, on: boolean) =>
    set({ eventTypes: on ? eventTypes.map((t) => t.name).filter((t) => t === type || values.eventTypes.includes(t)) : values.eventTypes.filter((t) => t !== type) });

  return (
    <form
      class="endpoint-form"
      aria-label={mode === 'create' ? 'New endpoint' : 'Edit endpoint'}
      novalidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(values);
      }}
    >
      {businesses && (
        <div class="field">
          <label for={`${id}-business`}>Business</label>
          <select id={`${id}-business`} value={values.businessId} onChange={(e) => set({ businessId: (e.target as HTMLSelectElement).value })} {...invalid('businessId')}>
            <option value="">Choose…</option>
            {businesses.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for={`${id}-url`}>Endpoint URL</label>
        <input
          id={`${id}-url`}
          ref={urlField}
          type="url"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          maxLength={2048}
          placeholder="https://shop.example.com/webhooks/payments"
          value={values.url}
          onInput={(e) => set({ url: (e.target as HTMLInputElement).value })}
          {...invalid('url')}
        />
        <p class="help">Where the gateway POSTs the events, signed: https on a public address (http and local addresses only where the operator allows them, as the sandbox does).</p>
      </div>
      <fieldset class="event-types">
        <legend>Event types</legend>
        <p class="help">None checked: every type, including types added later.</p>
        {eventTypes.map((t) => (
          <div class="check" key={t.name}>
            <input
              type="checkbox"
              id={`${id}-type-${t.name}`}
              checked={values.eventTypes.includes(t.name)}
              onChange={(e) => toggle(t.name, (e.target as HTMLInputElement).checked)}
            />
            <label for={`${id}-type-${t.name}`} title={t.description ?? undefined}>
              {label(t.name)}
            </label>
          </div>
        ))}
      </fieldset>
      <div class="field">
        <label for={`${id}-description`}>Description (optional)</label>
        <input
          id={`${id}-description`}
          maxLength={500}
          value={values.description}
          onInput={(e) => set({ description: (e.target as HTMLInputElement).value })}
          {...invalid('description')}
        />
      </div>
      {mode === 'edit' && (
        <div class="check">
          <input type="checkbox" id={`${id}-enabled`} checked={values.enabled} onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })} />
          <label for={`${id}-enabled`}>Enabled (a disabled endpoint gets no new deliveries, and its pending ones end failed)</label>
        </div>
      )}
      <OutcomeNote id={problemId} outcome={problem} />
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : mode === 'create' ? 'Add endpoint' : 'Save changes'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/**
 * A signing secret, shown once: it is in this component's state only (never stored, never in a
 * URL), and gone when it is dismissed or the page is left.
 */
export function SecretOnce({ id, title, note, secret, onDone }: { id: string; title: string; note?: string; secret: string; onDone(): void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, [secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied to the clipboard.');
    } catch {
      // no clipboard access (permission, an http page): the secret is selected for Ctrl+C instead
      field.current?.focus();
      field.current?.select();
      setCopied('The browser did not allow copying: the secret is selected, press Ctrl+C (⌘C on a Mac).');
    }
  };
  return (
    <section class="secret" aria-labelledby={`${id}-title`} data-testid="secret">
      <h2 id={`${id}-title`}>{title}</h2>
      <p class="warning">
        <strong>Copy it now: it will not be shown again.</strong> Your receiver verifies every webhook with it (for example with the standardwebhooks
        package's <code>Webhook.verify</code>); the gateway keeps it encrypted and never shows it again.
        {note ? ` ${note}` : ''}
      </p>
      <label for={`${id}-value`}>Signing secret</label>
      <div class="secret-row">
        <input id={`${id}-value`} ref={field} class="mono" readOnly autocomplete="off" spellcheck={false} value={secret} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p role="status" class="done">
        {copied ?? ''}
      </p>
      <button type="button" class="secondary" onClick={onDone}>
        I have copied it
      </button>
    </section>
  );
}
