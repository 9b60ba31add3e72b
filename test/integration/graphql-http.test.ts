import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { startTestGateway, TestGateway } from '../helpers/gateway';

// POST /graphql is served without Express (src/http/graphql-http.ts). /graphql/ still goes through
// the Express app (express.json() and Apollo's Express integration), so the same request sent to
// both must get the same answer: that is what keeps the two paths from drifting apart.

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(() => t?.stop());

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
}

function post(path: string, body: Buffer | string | string[], headers: Record<string, string> = {}, agent?: http.Agent): Promise<Answer> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        agent: agent ?? false,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}`, ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // several parts: sent with Transfer-Encoding: chunked and no Content-Length
    if (Array.isArray(body)) {
      for (const part of body) req.write(part);
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** The answer's data or error, without the cost report (its bucket moves between two requests). */
function comparable(a: Answer): unknown {
  let body: unknown = a.body;
  try {
    const parsed = JSON.parse(a.body);
    if (parsed?.extensions?.cost) delete parsed.extensions.cost;
    if (parsed?.extensions && Object.keys(parsed.extensions).length === 0) delete parsed.extensions;
    body = parsed;
  } catch {
    // not JSON: compared as text
  }
  return { status: a.status, type: a.type, body };
}

const QUERY = JSON.stringify({ query: '{ viewer { role } }' });
const OVER_LIMIT = JSON.stringify({ query: '{ viewer { role } }', variables: { pad: 'x'.repeat(1024 * 1024) } });

const sameAsExpress: Array<[string, Buffer | string | string[], Record<string, string>]> = [
  ['a query', QUERY, {}],
  ['a query, charset utf-8', QUERY, { 'content-type': 'application/json; charset=utf-8' }],
  ['a query after a byte order mark', '\uFEFF' + QUERY, {}],
  ['a query in chunks', [QUERY.slice(0, 7), QUERY.slice(7)], {}],
  ['an empty body', '', {}],
  ['only whitespace', '  \n', {}],
  ['malformed JSON', '{"query": "{ viewer { role } }"', {}],
  ['a string at the top', '  "{ viewer { role } }"', {}],
  ['a number at the top', '42', {}],
  ['null at the top', 'null', {}],
  ['trailing characters', QUERY + 'x', {}],
  ['an array (a batch)', `[${QUERY}]`, {}],
  ['a body over 1 MiB', OVER_LIMIT, {}],
  ['a body over 1 MiB in chunks', [OVER_LIMIT.slice(0, 600_000), OVER_LIMIT.slice(600_000)], {}],
  ['a body of exactly 1 MiB', QUERY.padEnd(1024 * 1024, ' '), {}],
  ['a body one byte over 1 MiB', QUERY.padEnd(1024 * 1024 + 1, ' '), {}],
];

describe('POST /graphql without Express', () => {
  it.each(sameAsExpress)('answers %s as the Express path does', async (_name, body, headers) => {
    const direct = await post('/graphql', body, headers);
    const express = await post('/graphql/', body, headers);
    expect(comparable(direct)).toEqual(comparable(express));
  });

  it('answers a query, a body over the limit and malformed JSON as before', async () => {
    const ok = await post('/graphql', QUERY);
    expect(ok.status).toBe(200);
    expect(ok.type).toBe('application/json; charset=utf-8');
    expect(JSON.parse(ok.body).data).toEqual({ viewer: { role: 'ADMIN' } });
    expect(await post('/graphql', OVER_LIMIT)).toEqual({ status: 413, type: 'application/json; charset=utf-8', body: JSON.stringify({ error: 'The body is larger than this endpoint accepts.' }) });
    const bad = await post('/graphql', '{"query"');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/JSON/);
  });

  it('keeps a keep-alive connection usable after refusing a body', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [await post('/graphql', OVER_LIMIT, {}, agent), await post('/graphql', '{bad', {}, agent), await post('/graphql', QUERY, {}, agent)];
      expect(answers.map((a) => a.status)).toEqual([413, 400, 200]);
      expect(JSON.parse(answers[2].body).data).toEqual({ viewer: { role: 'ADMIN' } });
    } finally {
      agent.destroy();
    }
  });

  it('leaves what it does not read as express.json() would to the Express app: compressed bodies, other charsets, no body', async () => {
    const gzipped = await post('/graphql', gzipSync(QUERY), { 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
    expect(JSON.parse(gzipped.body).data).toEqual({ viewer: { role: 'ADMIN' } });
    const latin1 = await post('/graphql', QUERY, { 'content-type': 'application/json; charset=latin1' });
    expect({ status: latin1.status, body: JSON.parse(latin1.body) }).toEqual({ status: 415, body: { error: 'unsupported charset "LATIN1"' } });
    const textPlain = await post('/graphql', QUERY, { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(400);
    expect(JSON.parse(textPlain.body).errors[0].message).toMatch(/Cross-Site Request Forgery/);
  });
});
