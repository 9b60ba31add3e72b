import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseUrl } from 'node:url';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import type { Logger } from '../logger';

/** The largest GraphQL request body (HTTP and graphql-ws) and the answers shared with the Express app. */
export const MAX_GRAPHQL_BODY_BYTES = 1024 * 1024;
export const TOO_LARGE = { error: 'The body is larger than this endpoint accepts.' };
export const INTERNAL_ERROR = { error: 'Internal error; it has been logged.' };

/**
 * POST /graphql straight from node:http to Apollo Server, without Express: the router walk, the
 * body parser's content-type and charset parsing and Express' response helpers cost more than the
 * gateway's own work for a small read (BENCHMARKS.md). It does what express.json() and Apollo's
 * Express integration do for the requests it takes, with the same answers (the same 413 and 400
 * JSON bodies as the Express app's error handler), and takes only the requests whose body it reads
 * exactly as express.json() would: a POST to /graphql with a body, `application/json` in UTF-8 and
 * no content encoding. Everything else (GET, other types and charsets, compressed bodies, other
 * paths) goes on to the Express app, which answers it as before.
 *
 * Returns false when the request is not one it takes.
 */
export function directGraphQL<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: (args: { req: IncomingMessage; res: ServerResponse }) => Promise<TContext>,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (!takes(req)) return false;
    readBody(req, (fault, body) => {
      if (fault) {
        sendJson(res, fault.status, fault.answer);
        return;
      }
      execute(apollo, context, req, res, body).catch((err: unknown) => {
        logger.error({ err }, 'unexpected error while answering an HTTP request');
        if (!res.headersSent) sendJson(res, 500, INTERNAL_ERROR);
        else res.destroy();
      });
    });
    return true;
  };
}

function takes(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (url !== '/graphql' && !url.startsWith('/graphql?')) return false;
  const headers = req.headers;
  // type-is' hasBody: without either header express.json() leaves the body unset
  if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) return false;
  const type = headers['content-type'];
  if (type === undefined || !JSON_UTF8.test(type)) return false;
  const encoding = headers['content-encoding'];
  return encoding === undefined || encoding.toLowerCase() === 'identity';
}

/**
 * `application/json`, alone or with charset utf-8 (express.json() refuses other charsets with 415,
 * and leaves other types unparsed: the Express app keeps answering those).
 */
const JSON_UTF8 = /^application\/json[ \t]*(?:;[ \t]*charset=(?:utf-8|"utf-8")[ \t]*)?$/i;

interface BodyFault {
  status: number;
  answer: { error: string };
}

/**
 * The body as express.json() (strict) reads it: at most MAX_GRAPHQL_BODY_BYTES (413 otherwise, once
 * the whole request has arrived, as body-parser answers it), a UTF-8 byte order mark dropped, an
 * empty body is {}, and anything but an object or array is a 400 with JSON.parse's message.
 */
function readBody(req: IncomingMessage, done: (fault: BodyFault | null, body?: unknown) => void): void {
  const declared = req.headers['content-length'];
  let tooLarge = declared !== undefined && parseInt(declared, 10) > MAX_GRAPHQL_BODY_BYTES;
  let chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (fault: BodyFault | null, body?: unknown) => {
    if (finished) return;
    finished = true;
    done(fault, body);
  };
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return; // read off the rest, then answer
    received += chunk.length;
    if (received > MAX_GRAPHQL_BODY_BYTES) {
      tooLarge = true;
      chunks = [];
    } else {
      chunks.push(chunk);
    }
  });
  req.on('end', () => {
    if (tooLarge) {
      finish({ status: 413, answer: TOO_LARGE });
      return;
    }
    const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
    try {
      finish(null, parseStrictJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
    } catch (err) {
      finish({ status: 400, answer: { error: (err as Error).message } });
    }
  });
  // the client went away before the whole body arrived: there is no one to answer
  req.on('error', () => {
    finished = true;
  });
}

const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/** body-parser's strict JSON: {} for an empty body, only an object or an array at the top, its messages. */
export function parseStrictJson(text: string): unknown {
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1] || undefined;
    if (first !== '{' && first !== '[') throw strictViolation(text, first);
  }
  return JSON.parse(text);
}

/** The SyntaxError JSON.parse would give at the first character that is not `{` or `[` (as body-parser words it). */
function strictViolation(text: string, first: string | undefined): SyntaxError {
  const index = first === undefined ? -1 : text.indexOf(first);
  const partial = index === -1 ? '' : text.substring(0, index) + '#'.repeat(text.length - index);
  try {
    JSON.parse(partial);
    return new SyntaxError('strict violation');
  } catch (e) {
    const err = e as SyntaxError;
    return new SyntaxError(err.message.replace(/#+/g, (placeholder) => text.substring(index, index + placeholder.length)));
  }
}

async function execute<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: (args: { req: IncomingMessage; res: ServerResponse }) => Promise<TContext>,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const headers = new HeaderMap();
  const raw = req.headers;
  for (const key in raw) {
    const value = raw[key];
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url!;
  const httpGraphQLRequest: HTTPGraphQLRequest = {
    method: 'POST',
    headers,
    search: url.length === '/graphql'.length ? '' : (parseUrl(url).search ?? ''),
    body,
  };
  const answer = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => context({ req, res }) });
  res.statusCode = answer.status ?? 200;
  for (const [key, value] of answer.headers) res.setHeader(key, value);
  if (answer.body.kind === 'complete') {
    res.setHeader('content-length', Buffer.byteLength(answer.body.string));
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/** A JSON answer with the headers Express' res.json() gives it (apart from an ETag, which means nothing on a POST). */
export function sendJson(res: ServerResponse, status: number, answer: unknown): void {
  const text = JSON.stringify(answer);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
