import { explainUserError } from '../format';
import type { UserError } from '../types';

/** What became of an action: done, refused by the API (its userErrors in words), or failed. */
export type Outcome = { kind: 'done'; text: string } | Problem;

/** Why an action was not done: the API's userErrors, or a request that failed. */
export type Problem = { kind: 'refused'; errors: UserError[] } | { kind: 'failed'; text: string };

/** Runs a mutation; its userErrors and failures become a Problem. */
export async function attempt<T extends { userErrors: UserError[] }>(call: () => Promise<T>): Promise<{ ok: T } | { problem: Problem }> {
  try {
    const result = await call();
    return result.userErrors.length ? { problem: { kind: 'refused', errors: result.userErrors } } : { ok: result };
  } catch (err) {
    return { problem: { kind: 'failed', text: `Not done: ${(err as Error).message}` } };
  }
}

export function OutcomeNote({ outcome, id }: { outcome: Outcome | null; id?: string }) {
  if (!outcome) return null;
  if (outcome.kind === 'done')
    return (
      <p class="done" role="status">
        {outcome.text}
      </p>
    );
  return (
    <div class="error" role="alert" id={id}>
      {outcome.kind === 'failed' ? (
        <p>{outcome.text}</p>
      ) : (
        <>
          <p>Not done:</p>
          <ul>
            {outcome.errors.map((e, i) => (
              <li key={i} data-code={e.code}>
                {explainUserError(e)}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
