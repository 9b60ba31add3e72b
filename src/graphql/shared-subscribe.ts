import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GraphQLContext } from './context';

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * graphql-js `subscribe`, except that one event is executed once for every subscription that asks
 * the same thing: same document, operation and variables, and a caller of the same role and
 * business. A dashboard fleet of 1,000 identical subscriptions then costs one execution per
 * event plus 1,000 sends, instead of 1,000 executions (the difference between a fan-out that
 * grows with the number of subscribers and one that barely notices them).
 *
 * What is shared is the answer to one event object: live events are published as one object
 * that every subscriber's stream yields, so they share; events replayed from the database
 * (afterEventId) are new objects per subscriber, so they never do. The answer is computed with
 * the first subscriber's context (fresh loaders for that event), which sees the same data the
 * others would have read at that moment. Answers are held in a WeakMap keyed by the event, so
 * they go when the event does.
 */
export function createSharedSubscribe(): (args: ExecutionArgs) => Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const answers = new WeakMap<object, Map<string, Result>>();

  return async (args) => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const key = shareKey(args);
    const run = (event: unknown): Result => execute({ ...args, rootValue: event });
    if (key === null) return mapAsyncIterator(stream, run);
    return mapAsyncIterator(stream, (event) => {
      if (typeof event !== 'object' || event === null) return run(event);
      let byKey = answers.get(event);
      if (!byKey) answers.set(event, (byKey = new Map()));
      let answer = byKey.get(key);
      if (!answer) byKey.set(key, (answer = run(event)));
      return answer;
    });
  };
}

/** What makes two subscriptions' answers to the same event identical; null: do not share. */
function shareKey(args: ExecutionArgs): string | null {
  const context = args.contextValue as GraphQLContext | undefined;
  const principal = context?.principal;
  if (!principal) return null;
  const source = args.document.loc?.source.body ?? print(args.document);
  return [principal.role, principal.businessId ?? '*', args.operationName ?? '', JSON.stringify(args.variableValues ?? {}), source].join('\u0000');
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** graphql-js's own mapAsyncIterator (not exported by graphql 16): return() reaches the source at once. */
function mapAsyncIterator<T, U>(iterable: AsyncIterable<T>, fn: (value: T) => U | Promise<U>): AsyncGenerator<U> {
  const iterator = iterable[Symbol.asyncIterator]();
  async function mapResult(result: IteratorResult<T>): Promise<IteratorResult<U>> {
    if (result.done) return result;
    try {
      return { value: await fn(result.value), done: false };
    } catch (error) {
      if (typeof iterator.return === 'function') {
        try {
          await iterator.return();
        } catch {
          // the mapping error is the one to report
        }
      }
      throw error;
    }
  }
  return {
    async next() {
      return mapResult(await iterator.next());
    },
    async return(): Promise<IteratorResult<U>> {
      return typeof iterator.return === 'function' ? mapResult(await iterator.return()) : { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      if (typeof iterator.throw === 'function') return mapResult(await iterator.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    async [Symbol.asyncDispose]() {
      await this.return(undefined);
    },
  } as AsyncGenerator<U>;
}
