import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { createBusiness, TestBusiness } from '../helpers/fixtures';
import { captureLogger, dataOf, startTestGateway, TestGateway } from '../helpers/gateway';
import { orderInput, SEND, TEST_APP_SECRET } from '../helpers/stack';
import { rawSocket, wsOperation } from '../helpers/ws-raw';

// The abuse suite: what a careless or hostile client can send, over real HTTP and a real
// graphql-ws client (and raw WebSocket frames). Every case must get a clean refusal (a 4xx, a
// GraphQL error with the client's code, a userError, or a documented close code), GraphQL's own
// message where GraphQL has one, and nothing logged at error level: error is for faults only.

const log = captureLogger();
let t: TestGateway;
let shop: TestBusiness;

beforeAll(async () => {
  t = await startTestGateway(
    {
      SANDBOX: 'false',
      WHATSAPP_API_URL: 'http://127.0.0.1:9',
      SECRETS_KEY: 'ab'.repeat(32),
      ADMIN_API_KEY: 'abuse-admin-key-0123456789abcdef',
      WHATSAPP_APP_SECRET: TEST_APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'abuse-verify',
      NODE_ENV: 'production',
    },
    { logger: log.logger },
  );
  shop = await createBusiness(t);
});
afterAll(() => t?.stop());

interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

async function http(
  body: string | Record<string, unknown> | undefined,
  opts: { key?: string | null; method?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<HttpAnswer> {
  const key = opts.key === undefined ? shop.keys.STOREFRONT : opts.key;
  const res = await fetch(`${t.url}${opts.path ?? '/graphql'}`, {
    method: opts.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...opts.headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A refused GraphQL request: this status, this code, and (where given) this message. */
function refusedHttp(answer: HttpAnswer, status: number, code: string | null, message?: RegExp): void {
  expect({ status: answer.status, body: answer.body }).toEqual(expect.objectContaining({ status }));
  if (code !== null) expect(answer.body.errors?.[0]?.extensions?.code).toBe(code);
  if (message) expect(answer.body.errors?.[0]?.message ?? answer.body.error).toMatch(message);
  expect(JSON.stringify(answer.body)).not.toMatch(/stacktrace|node_modules|\/src\/|at .*\.js:\d+/);
}

function userErrorOf(answer: HttpAnswer, mutation: string, code: string): void {
  expect(answer.status).toBe(200);
  expect(answer.body.errors).toBeUndefined();
  expect(answer.body.data[mutation].userErrors).toEqual(expect.arrayContaining([expect.objectContaining({ code })]));
}

/** Refused over graphql-ws: an `error` message (refused before running) or a result with errors only. */
function refusedWs(answer: Awaited<ReturnType<typeof wsOperation>>, code: string, message?: RegExp): void {
  expect(answer.closed).toBeNull();
  const errors = answer.errors ?? answer.results[0]?.errors;
  if (!answer.errors) expect(answer.results).toEqual([expect.not.objectContaining({ data: expect.anything() })]);
  expect(errors?.[0]?.extensions?.code).toBe(code);
  if (message) expect(errors[0].message).toMatch(message);
}

const ORDERS = `query($n: Int, $after: String, $filter: OrderFilter) { orders(first: $n, after: $after, filter: $filter) { edges { node { referenceId } } } }`;
const SUBSCRIBE_MINE = `subscription($ref: String) { orderStatusChanged(referenceId: $ref) { referenceId to } }`;
const INT_OVERFLOW = /Int cannot represent non 32-bit signed integer value/;

/** A valid input with one thing changed (a path into it, and the value there; undefined removes it). */
function inputWith(path: (string | number)[], value: unknown): Record<string, unknown> {
  const input = JSON.parse(JSON.stringify(orderInput(shop)));
  let node: any = input;
  for (const part of path.slice(0, -1)) node = node[part];
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return input;
}

/** A document whose fragments expand to 2^depth copies of a field (a "fragment bomb"). */
function fragmentBomb(depth: number): string {
  const fragments = Array.from({ length: depth }, (_, i) =>
    i < depth - 1 ? `fragment F${i} on Query { viewer { role } ...F${i + 1} a${i}: viewer { role } ...F${i + 1} }` : `fragment F${i} on Query { viewer { role } }`,
  );
  return `query { ...F0 } ${fragments.join(' ')}`;
}

interface Case {
  name: string;
  run(): Promise<void>;
}

// variable errors (issue 10, point 8): each one over HTTP must be 400 BAD_USER_INPUT with GraphQL's
// message, and over WebSocket the same error
const variableErrors: Array<[string, string, () => Record<string, unknown> | undefined, RegExp]> = [
  ['missing required variable', SEND, () => undefined, /Variable "\$input" of required type "SendOrderDetailsInput!" was not provided/],
  ['null required variable', SEND, () => ({ input: null }), /Variable "\$input" of non-null type "SendOrderDetailsInput!" must not be null/],
  ['wrong type (a string for an input object)', SEND, () => ({ input: 'an order' }), /Expected type "SendOrderDetailsInput" to be an object/],
  ['Int overflow 2^31 (quantity)', SEND, () => ({ input: inputWith(['items', 0, 'quantity'], 2 ** 31) }), INT_OVERFLOW],
  ['Int overflow 1e30 (amount)', SEND, () => ({ input: inputWith(['items', 0, 'amount', 'value'], 1e30) }), INT_OVERFLOW],
  ['float money', SEND, () => ({ input: inputWith(['items', 0, 'amount', 'value'], 225.5) }), /Int cannot represent non-integer value: 225.5/],
  ['unknown enum value', SEND, () => ({ input: inputWith(['type'], 'SERVICES') }), /Value "SERVICES" does not exist in "GoodsType" enum/],
  ['unknown input field', SEND, () => ({ input: inputWith(['bogus'], 1) }), /Field "bogus" is not defined by type "SendOrderDetailsInput"/],
  ['missing input field', SEND, () => ({ input: inputWith(['body'], undefined) }), /Field "body" of required type "String!" was not provided/],
  ['null list item', SEND, () => ({ input: inputWith(['items', 0], null) }), /Expected non-nullable type "OrderItemInput!" not to be null/],
  ['invalid DateTime', SEND, () => ({ input: inputWith(['expiresAt'], 'tomorrow at noon') }), /DateTime cannot represent an invalid date-time-string/],
  ['DateTime out of any range', SEND, () => ({ input: inputWith(['expiresAt'], '275760-09-13T00:00:00.001Z') }), /DateTime/],
  ['a number for a String', SEND, () => ({ input: inputWith(['referenceId'], 12345) }), /String cannot represent a non string value: 12345/],
  ['an object for an Int', ORDERS, () => ({ n: { $gt: 1 } }), /Int cannot represent non-integer value/],
  ['a string for an Int', ORDERS, () => ({ n: 'ten' }), /Int cannot represent non-integer value: "ten"/],
  ['page size 2^31', ORDERS, () => ({ n: 2 ** 31 }), INT_OVERFLOW],
  ['unknown enum in a filter list', ORDERS, () => ({ n: 5, filter: { status: ['LOST'] } }), /Value "LOST" does not exist in "OrderStatus" enum/],
  ['null item in a filter list', ORDERS, () => ({ n: 5, filter: { status: [null] } }), /Expected non-nullable type "OrderStatus!" not to be null/],
  ['invalid DateTime in a filter', ORDERS, () => ({ n: 5, filter: { createdAfter: 'yesterday' } }), /DateTime cannot represent an invalid date-time-string/],
];

const oneOrderPage = (alias: string) => `${alias}: orders(first: 100) { edges { node { items { name amount { formatted } } } } }`;
const TOO_COMPLEX = `{ ${oneOrderPage('a')} }`;
const HUGE_DOCUMENT = `{ ${Array.from({ length: 700 }, (_, i) => `f${i}: viewer { role }`).join(' ')} }`;
const EXPENSIVE_SUBSCRIPTION = `subscription { orderStatusChanged { order { ${Array.from({ length: 8 }, (_, i) => `i${i}: items { name amount { value offset formatted } total { formatted } }`).join(' ')} } } }`;

const cases: Case[] = [
  // ------------------------------------------------------------------ HTTP: the request itself
  { name: 'HTTP: malformed JSON body', run: async () => refusedHttp(await http('{"query": "{ viewer { role } }"'), 400, null, /JSON|Unexpected|Expected/) },
  {
    name: 'HTTP: text/plain body (CSRF guard)',
    run: async () => refusedHttp(await http('{"query":"{ viewer { role } }"}', { headers: { 'content-type': 'text/plain' } }), 400, null, /Cross-Site Request Forgery|content-type/i),
  },
  {
    name: 'HTTP: form-encoded body',
    run: async () => refusedHttp(await http('query=%7Bviewer%7Brole%7D%7D', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, null),
  },
  { name: 'HTTP: empty JSON object', run: async () => refusedHttp(await http({}), 400, 'BAD_REQUEST', /JSON object has no keys/) },
  { name: 'HTTP: query is not a string', run: async () => refusedHttp(await http({ query: 42 }), 400, 'BAD_REQUEST') },
  { name: 'HTTP: variables are not an object', run: async () => refusedHttp(await http({ query: '{ viewer { role } }', variables: 'x' }), 400, 'BAD_REQUEST') },
  { name: 'HTTP: a batch (array body)', run: async () => refusedHttp(await http([{ query: '{ viewer { role } }' }] as unknown as Record<string, unknown>), 400, 'BAD_REQUEST') },
  { name: 'HTTP: operationName that is not a string', run: async () => refusedHttp(await http({ query: '{ viewer { role } }', operationName: 5 }), 400, 'BAD_REQUEST') },
  { name: 'HTTP: extensions that are not an object', run: async () => refusedHttp(await http({ query: '{ viewer { role } }', extensions: 'x' }), 400, 'BAD_REQUEST') },
  {
    name: 'HTTP: an unknown persisted query',
    run: async () => refusedHttp(await http({ extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } }), 200, 'PERSISTED_QUERY_NOT_FOUND'),
  },
  { name: 'HTTP: a document with no operation', run: async () => refusedHttp(await http({ query: 'fragment F on Query { viewer { role } }' }), 400, null) },
  {
    name: 'HTTP: JSON nested 100,000 deep',
    run: async () => refusedHttp(await http(`{"query":"{ viewer { role } }","variables":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`), 200, null),
  },
  {
    name: 'HTTP: GET with variables that are not JSON',
    run: async () =>
      refusedHttp(await http(undefined, { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ viewer { role } }')}&variables=%7Bnope`, headers: { 'apollo-require-preflight': '1' } }), 400, 'BAD_REQUEST'),
  },
  { name: 'HTTP: body over 1 MB', run: async () => refusedHttp(await http({ query: '{ viewer { role } }', variables: { pad: 'x'.repeat(1_100_000) } }), 413, null, /larger/) },
  { name: 'HTTP: PUT /graphql', run: async () => refusedHttp(await http({ query: '{ viewer { role } }' }, { method: 'PUT' }), 405, 'BAD_REQUEST') },
  {
    name: 'HTTP: mutation over GET',
    run: async () =>
      refusedHttp(
        await http(undefined, { method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { revokeApiKey(id: "x") { userErrors { code } } }')}`, headers: { 'apollo-require-preflight': '1' } }),
        405,
        'BAD_REQUEST',
      ),
  },
  { name: 'HTTP: syntax error', run: async () => refusedHttp(await http({ query: '{ viewer { role }' }), 400, 'GRAPHQL_PARSE_FAILED', /Syntax Error/) },
  { name: 'HTTP: document over 2,000 tokens', run: async () => refusedHttp(await http({ query: HUGE_DOCUMENT }), 400, 'GRAPHQL_PARSE_FAILED', /more that 2000 tokens/) },
  { name: 'HTTP: unknown field', run: async () => refusedHttp(await http({ query: '{ viewer { password } }' }), 400, 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "password"/) },
  {
    name: 'HTTP: unknown operationName',
    run: async () => refusedHttp(await http({ query: 'query A { viewer { role } }', operationName: 'B' }), 400, 'OPERATION_RESOLUTION_FAILURE', /Unknown operation named "B"/),
  },
  {
    name: 'HTTP: two operations without operationName',
    run: async () => refusedHttp(await http({ query: 'query A { viewer { role } } query B { viewer { role } }' }), 400, 'OPERATION_RESOLUTION_FAILURE', /Must provide operation name/),
  },
  {
    name: 'HTTP: subscription sent by POST',
    run: async () => refusedHttp(await http({ query: SUBSCRIBE_MINE, variables: { ref: 'A1' } }), 400, 'BAD_REQUEST', /Subscriptions need the WebSocket transport/),
  },
  { name: 'HTTP: query over the cost limit', run: async () => refusedHttp(await http({ query: TOO_COMPLEX }, { key: shop.keys.MOBILE }), 400, 'QUERY_TOO_COMPLEX', /over the limit of 50000/) },
  { name: 'HTTP: fragment bomb', run: async () => refusedHttp(await http({ query: fragmentBomb(16) }), 400, 'QUERY_TOO_COMPLEX', /fragments are expanded/) },
  {
    name: 'HTTP: introspection nested without end',
    run: async () =>
      refusedHttp(
        await http({ query: '{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }' }),
        400,
        'GRAPHQL_VALIDATION_FAILED',
        /Maximum introspection depth exceeded/,
      ),
  },
  // ------------------------------------------------------------------ HTTP: keys and roles
  { name: 'HTTP: no key', run: async () => refusedHttp(await http({ query: '{ viewer { role } }' }, { key: null }), 401, 'UNAUTHENTICATED', /Authorization: Bearer/) },
  { name: 'HTTP: unknown key', run: async () => refusedHttp(await http({ query: '{ viewer { role } }' }, { key: 'wpg_nope_0000' }), 401, 'UNAUTHENTICATED', /not valid/) },
  {
    name: 'HTTP: Basic instead of Bearer',
    run: async () => refusedHttp(await http({ query: '{ viewer { role } }' }, { key: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'UNAUTHENTICATED', /Bearer/),
  },
  { name: 'HTTP: a MOBILE key sending an order', run: async () => refusedHttp(await http({ query: SEND, variables: { input: orderInput(shop) } }, { key: shop.keys.MOBILE }), 403, 'FORBIDDEN', /MOBILE key cannot/) },
  { name: 'HTTP: page over the cap', run: async () => refusedHttp(await http({ query: ORDERS, variables: { n: 500 } }), 400, 'BAD_USER_INPUT', /first must be from 1 to 100/) },
  // ------------------------------------------------------------------ HTTP: expected outcomes are userErrors
  { name: 'HTTP: order that breaks a rule', run: async () => userErrorOf(await http({ query: SEND, variables: { input: inputWith(['items', 0, 'quantity'], 0) } }), 'sendOrderDetails', 'INVALID_INPUT') },
  {
    name: 'HTTP: expiry too close on a new order',
    run: async () => userErrorOf(await http({ query: SEND, variables: { input: inputWith(['expiresAt'], new Date(Date.now() + 60_000).toISOString()) } }), 'sendOrderDetails', 'INVALID_INPUT'),
  },
  {
    name: 'HTTP: idempotency key over 255 characters (header)',
    run: async () => userErrorOf(await http({ query: SEND, variables: { input: orderInput(shop) } }, { headers: { 'idempotency-key': 'k'.repeat(300) } }), 'sendOrderDetails', 'INVALID_INPUT'),
  },
  {
    name: 'HTTP: status change of an unknown order',
    run: async () =>
      userErrorOf(
        await http({ query: `mutation { updateOrderStatus(input: { referenceId: "NOPE-1", status: SHIPPED }) { userErrors { code } } }` }),
        'updateOrderStatus',
        'ORDER_NOT_FOUND',
      ),
  },
  // ------------------------------------------------------------------ other HTTP endpoints
  { name: 'webhook without a signature', run: async () => refusedHttp(await http('{"object":"whatsapp_business_account"}', { key: null, path: '/webhooks/whatsapp' }), 401, null, /not authenticated/) },
  {
    name: 'webhook with a wrong signature',
    run: async () => {
      const body = '{"object":"whatsapp_business_account","entry":[]}';
      const signature = 'sha256=' + createHmac('sha256', 'not-the-secret').update(body).digest('hex');
      refusedHttp(await http(body, { key: null, path: '/webhooks/whatsapp', headers: { 'x-hub-signature-256': signature } }), 401, null, /not authenticated/);
    },
  },
  {
    name: 'webhook verification with a wrong token',
    run: async () => refusedHttp(await http(undefined, { key: null, method: 'GET', path: '/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1' }), 403, null),
  },
  { name: 'CSV without dates', run: async () => refusedHttp(await http(undefined, { method: 'GET', key: shop.keys.OPS, path: '/reconciliation.csv' }), 400, null, /from and to are required/) },
  {
    name: 'CSV with an unknown payment status',
    run: async () =>
      refusedHttp(
        await http(undefined, { method: 'GET', key: shop.keys.OPS, path: '/reconciliation.csv?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&paymentStatus=PAID' }),
        400,
        null,
        /paymentStatus must be/,
      ),
  },
  { name: 'CSV with a MOBILE key', run: async () => refusedHttp(await http(undefined, { method: 'GET', key: shop.keys.MOBILE, path: '/reconciliation.csv' }), 403, null) },
  // ------------------------------------------------------------------ WebSocket: operations
  { name: 'WS: syntax error', run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: '{ viewer { role }' }), 'GRAPHQL_PARSE_FAILED', /Syntax Error/) },
  { name: 'WS: document over 2,000 tokens', run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: HUGE_DOCUMENT }), 'GRAPHQL_PARSE_FAILED', /more that 2000 tokens/) },
  { name: 'WS: unknown field', run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: 'subscription { orderStatusChanged { nope } }' }), 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "nope"/) },
  {
    name: 'WS: unknown operationName',
    run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: 'query A { viewer { role } }', operationName: 'B' }), 'OPERATION_RESOLUTION_FAILURE', /Unknown operation named "B"/),
  },
  { name: 'WS: query over the cost limit', run: async () => refusedWs(await wsOperation(t.url, shop.keys.MOBILE, { query: TOO_COMPLEX }), 'QUERY_TOO_COMPLEX', /over the limit of 50000/) },
  { name: 'WS: subscription selection over the cost limit', run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: EXPENSIVE_SUBSCRIPTION }), 'QUERY_TOO_COMPLEX', /over the limit/) },
  { name: 'WS: fragment bomb', run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: fragmentBomb(16) }), 'QUERY_TOO_COMPLEX') },
  { name: 'WS: MOBILE subscribing to every order', run: async () => refusedWs(await wsOperation(t.url, shop.keys.MOBILE, { query: 'subscription { orderStatusChanged { to } }' }), 'FORBIDDEN', /one order at a time/) },
  {
    name: 'WS: afterEventId that is no event id',
    run: async () => refusedWs(await wsOperation(t.url, shop.keys.OPS, { query: 'subscription { orderEvents(afterEventId: "9007199254740991") { id } }' }), 'BAD_USER_INPUT', /afterEventId/),
  },
  { name: 'WS: mutation by a MOBILE key', run: async () => refusedWs(await wsOperation(t.url, shop.keys.MOBILE, { query: SEND, variables: { input: orderInput(shop) } }), 'FORBIDDEN') },
  // ------------------------------------------------------------------ WebSocket: the connection
  { name: 'WS: no key', run: async () => expect((await wsOperation(t.url, null, { query: '{ viewer { role } }' })).closed?.code).toBe(4401) },
  { name: 'WS: unknown key', run: async () => expect((await wsOperation(t.url, 'wpg_nope', { query: '{ viewer { role } }' })).closed?.code).toBe(4401) },
  { name: 'WS: no graphql-ws subprotocol', run: async () => expect((await rawSocket(t.url, () => undefined, { protocol: null })).code).toBe(4406) },
  { name: 'WS: a message that is not JSON', run: async () => expect((await rawSocket(t.url, (s) => s.send('hello'))).code).toBe(4400) },
  { name: 'WS: a message of no known type', run: async () => expect((await rawSocket(t.url, (s) => s.send('{"type":"gimme"}'))).code).toBe(4400) },
  {
    name: 'WS: a socket that never sends connection_init',
    run: async () => {
      const closed = await rawSocket(t.url, () => undefined, { timeoutMs: 30_000 });
      expect(closed).toMatchObject({ code: 4408, reason: 'Connection initialisation timeout' });
    },
  },
  { name: 'WS: subscribe before connection_init', run: async () => expect((await rawSocket(t.url, (s) => s.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ viewer { role } }' } })))).code).toBe(4401) },
  {
    name: 'WS: connection_init twice',
    run: async () => {
      const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shop.keys.OPS}` } });
      expect((await rawSocket(t.url, (s) => (s.send(init), s.send(init)))).code).toBe(4429);
    },
  },
  {
    name: 'WS: a message only a server may send',
    run: async () => {
      const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shop.keys.OPS}` } });
      const next = JSON.stringify({ id: '1', type: 'next', payload: { data: {} } });
      const closed = await rawSocket(t.url, async (s) => {
        s.send(init);
        await new Promise((r) => s.once('message', r));
        s.send(next);
      });
      expect(closed.code).toBe(4400);
    },
  },
  {
    name: 'WS: two operations with one id',
    run: async () => {
      const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shop.keys.OPS}` } });
      const sub = JSON.stringify({ id: 'same', type: 'subscribe', payload: { query: 'subscription { orderEvents { id } }' } });
      const closed = await rawSocket(t.url, async (s) => {
        s.send(init);
        await new Promise((r) => s.once('message', r));
        s.send(sub);
        s.send(sub);
      });
      expect(closed.code).toBe(4409);
    },
  },
  {
    name: 'WS: a subscribe whose query is not a string',
    run: async () => {
      const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shop.keys.OPS}` } });
      const closed = await rawSocket(t.url, async (s) => {
        s.send(init);
        await new Promise((r) => s.once('message', r));
        s.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 42 } }));
      });
      expect(closed.code).toBe(4400);
    },
  },
  {
    name: 'WS: connectionParams authorization that is not a string',
    run: async () => {
      const closed = await rawSocket(t.url, (s) => s.send(JSON.stringify({ type: 'connection_init', payload: { authorization: { bearer: shop.keys.OPS } } })));
      expect(closed.code).toBe(4401);
    },
  },
  { name: 'WS: a message over 1 MB', run: async () => expect((await rawSocket(t.url, (s) => s.send('x'.repeat(1_100_000)))).code).toBe(1009) },
  { name: 'WS: a text frame that is not UTF-8', run: async () => expect((await rawSocket(t.url, (s) => s.send(Buffer.from([0xff, 0xfe, 0xfd]), { binary: false }))).code).toBe(1007) },
  {
    name: 'WS: more than 100 operations on one connection',
    run: async () => {
      const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shop.keys.OPS}` } });
      const closed = await rawSocket(
        t.url,
        async (s) => {
          s.send(init);
          await new Promise((r) => s.once('message', r));
          const errors: any[] = [];
          s.on('message', (data) => {
            const message = JSON.parse(String(data));
            if (message.type === 'error') errors.push(message.payload[0]);
          });
          for (let i = 0; i < 101; i++) s.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: 'subscription { orderEvents { id } }' } }));
          while (errors.length === 0) await new Promise((r) => setTimeout(r, 10));
          expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/At most 100 operations/), extensions: { code: 'BAD_REQUEST' } })]);
          s.close(1000);
        },
        { timeoutMs: 5000 },
      );
      expect(closed.code).toBe(1000);
    },
  },
  ...variableErrors.flatMap(([name, query, variables, message]): Case[] => [
    { name: `HTTP variables: ${name}`, run: async () => refusedHttp(await http({ query, variables: variables() }), 400, 'BAD_USER_INPUT', message) },
    { name: `WS variables: ${name}`, run: async () => refusedWs(await wsOperation(t.url, shop.keys.STOREFRONT, { query, variables: variables() }), 'BAD_USER_INPUT', message) },
  ]),
];

const unclean: string[] = [];

describe('hostile and malformed requests get clean refusals, and no error is logged', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    log.clear();
    try {
      await c.run();
      // what a client does wrong is never an error of the gateway's
      expect(log.errors().map((l) => `${l.msg}: ${l.err?.message ?? ''}`)).toEqual([]);
    } catch (err) {
      unclean.push(name);
      throw err;
    }
  });

  afterAll(() => {
    // the figure the hardening work is measured by: bad inputs tried, and how many got anything
    // but a clean refusal (target 0)
    process.stdout.write(`abuse suite: ${cases.length} bad inputs tried, ${unclean.length} without a clean refusal${unclean.length ? `: ${unclean.join('; ')}` : ''}\n`);
  });
});

describe('a fault is masked on both transports alike', () => {
  it('answers INTERNAL_SERVER_ERROR without the database text over HTTP and WebSocket, and logs it once each', async () => {
    const ref = dataOf(await t.gql(SEND, { input: orderInput(shop) }, shop.keys.STOREFRONT)).sendOrderDetails.order?.referenceId ?? 'X';
    const queries = t.gateway.services.orderQueries;
    const original = queries.order;
    queries.order = async () => {
      throw new Error(`value "9007199254740991" is out of range for type integer (SELECT * FROM "orders" WHERE "referenceId" = '${ref}')`);
    };
    try {
      log.clear();
      const query = `query($ref: String!) { order(referenceId: $ref) { status } }`;
      const overHttp = await http({ query, variables: { ref } });
      const overWs = await wsOperation(t.url, shop.keys.STOREFRONT, { query, variables: { ref } });
      for (const errors of [overHttp.body.errors, overWs.results[0]?.errors]) {
        expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Internal error; it has been logged/), extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
        expect(JSON.stringify(errors)).not.toMatch(/out of range|SELECT|orders/);
      }
      const faults = log.errors();
      expect(faults.map((l) => [l.transport, l.err?.message])).toEqual([
        ['http', expect.stringMatching(/out of range for type integer/)],
        ['ws', expect.stringMatching(/out of range for type integer/)],
      ]);
    } finally {
      queries.order = original;
    }
  });
});

// keep the import of ws in the bundle of this file (rawSocket's sockets are ws sockets)
void WebSocket;
