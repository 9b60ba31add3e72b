// The dashboard talks to the gateway as any client does: GraphQL over HTTP with the key in the
// Authorization header (never in a URL), and graphql-ws for live events (live.ts).

/** A request that did not produce data: the gateway's own error code and words where it gave them. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, ... or NETWORK / HTTP when there was no GraphQL answer */
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Listener = (err: ApiError) => void;
const unauthenticatedListeners = new Set<Listener>();

/** Called when the gateway refuses the key (wrong, or revoked while signed in). */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

export async function gql<T>(key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new ApiError('The gateway cannot be reached. Check that it is running and that this computer can reach it, then retry.', 'NETWORK', 0);
  }
  let body: { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`The gateway answered HTTP ${res.status} without a GraphQL answer. Retry in a moment.`, 'HTTP', res.status);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    const err = new ApiError(first.message, first.extensions?.code ?? 'ERROR', res.status);
    if (err.code === 'UNAUTHENTICATED') for (const l of unauthenticatedListeners) l(err);
    throw err;
  }
  if (!body.data) throw new ApiError(`The gateway answered HTTP ${res.status} without data. Retry in a moment.`, 'HTTP', res.status);
  return body.data;
}

/** A key for one attempt of a state-changing action, so a repeated request cannot act twice. */
export function idempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return `dashboard-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `dashboard-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
