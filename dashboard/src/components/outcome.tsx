import { explainUserError } from '../format';
import type { UserError } from '../types';

/** What became of an action: done, refused by the API (its userErrors in words), or failed. */
export type Outcome = { kind: 'done'; text: string } | { kind: 'refused'; errors: UserError[] } | { kind: 'failed'; text: string };

export function OutcomeNote({ outcome }: { outcome: Outcome | null }) {
  if (!outcome) return null;
  if (outcome.kind === 'done')
    return (
      <p class="done" role="status">
        {outcome.text}
      </p>
    );
  return (
    <div class="error" role="alert">
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
