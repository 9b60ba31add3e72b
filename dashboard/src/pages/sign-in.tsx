import { useEffect, useRef, useState } from 'preact/hooks';
import { signIn } from '../auth';
import type { Session } from '../session';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn(s: Session): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Enter an API key (an OPS key sees and does everything ops needs).');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(trimmed));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <h1>Ops dashboard</h1>
      <p>WhatsApp payments gateway: every order of the business, live.</p>
      <form onSubmit={submit} novalidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          ref={field}
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          aria-describedby={error ? 'sign-in-error' : 'sign-in-help'}
          aria-invalid={error ? true : undefined}
        />
        <p id="sign-in-help" class="help">
          The key stays in this tab only (session storage) and is sent to this gateway in the Authorization header.
        </p>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
