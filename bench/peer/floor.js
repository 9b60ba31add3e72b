'use strict';
// The floor of the PostGraphile comparison: a tiny HTTP server answering the gateway's peer reads
// (bench/peer/documents.js) with one prepared statement each (bench/peer/floor-sql.js) and
// JSON.stringify, no GraphQL, the same bytes as the gateway. What a read costs when the database
// builds each order's JSON and Node only passes it on. Run pinned to the server's core:
//   node floor.js '{"databaseUrl":"...","businessId":"..."}'
// prints {"url":"http://127.0.0.1:<port>"} on stdout once listening.

const http = require('node:http');
const { GATEWAY } = require('./documents');
const { floorStatements } = require('./floor-sql');

const o = JSON.parse(process.argv[2]);
const TYPENAME_ANSWER = JSON.stringify({ data: { __typename: 'Query' } });

/** base64url of a cursor [ms, id] or a global id "Type:id", as src/services/cursors.ts and src/domain/global-id.ts make them */
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');
const cursorOf = (ms, id) => b64(`[${ms},${JSON.stringify(id)}]`);
// sqlite leaves ids and cursors as markers (it has no base64): "@@Gtype:id" or "@@Cms:id"
const MARKER = /"@@([GC])([^"]*)"/g;
const unmark = (text) =>
  text.replace(MARKER, (_, kind, rest) => {
    if (kind === 'G') return `"${b64(rest)}"`;
    const colon = rest.indexOf(':');
    return `"${cursorOf(Number(rest.slice(0, colon)), rest.slice(colon + 1))}"`;
  });
const decodeCursor = (cursor) => {
  const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  return { at: new Date(ms).toISOString().replace('T', ' ').slice(0, 23), id };
};

async function openDatabase() {
  const sql = floorStatements(o.databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgres');
  if (o.databaseUrl.startsWith('sqlite:')) {
    const sqlite3 = require('sqlite3');
    const db = new sqlite3.Database(o.databaseUrl.slice('sqlite:'.length), sqlite3.OPEN_READONLY);
    await new Promise((res, rej) => db.exec('PRAGMA busy_timeout = 10000', (e) => (e ? rej(e) : res())));
    const prepared = {};
    for (const [name, text] of Object.entries(sql)) {
      prepared[name] = await new Promise((res, rej) => {
        const stmt = db.prepare(text, (e) => (e ? rej(e) : res(stmt)));
      });
    }
    const all = (name, params) => new Promise((res, rej) => prepared[name].all(params, (e, rows) => (e ? rej(e) : res(rows))));
    return {
      async page(first, after) {
        const rows = after ? await all('pageAfter', [o.businessId, after.at, after.id, first + 1]) : await all('pageFirst', [o.businessId, first + 1]);
        const edges = rows.slice(0, first).map((r) => r.edge);
        const last = edges.length ? `"${rows[edges.length - 1].cursor}"` : 'null';
        return unmark(`{"data":{"orders":{"edges":[${edges.join(',')}],"pageInfo":{"hasNextPage":${rows.length > first},"endCursor":${last}}}}}`);
      },
      async order(referenceId) {
        const rows = await all('order', [o.businessId, referenceId]);
        return unmark(`{"data":{"order":${rows.length ? rows[0].node : 'null'}}}`);
      },
    };
  }
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: o.databaseUrl, max: 8 });
  // named statements: prepared once per connection
  const query = (name, values) => pool.query({ name: `floor-${name}`, text: sql[name], values });
  return {
    async page(first, after) {
      const { rows } = after ? await query('pageAfter', [o.businessId, after.at, after.id, first + 1]) : await query('pageFirst', [o.businessId, first + 1]);
      const edges = rows.slice(0, first).map((r) => r.edge);
      const pageInfo = { hasNextPage: rows.length > first, endCursor: edges.length ? edges[edges.length - 1].cursor : null };
      return JSON.stringify({ data: { orders: { edges, pageInfo } } });
    },
    async order(referenceId) {
      const { rows } = await query('order', [o.businessId, referenceId]);
      return JSON.stringify({ data: { order: rows.length ? rows[0].node : null } });
    },
  };
}

async function main() {
  const db = await openDatabase();
  const answer = async (body) => {
    const { query, variables = {} } = JSON.parse(body);
    if (query === GATEWAY.typename) return TYPENAME_ANSWER;
    if (query === GATEWAY.page) return db.page(variables.first, variables.after ? decodeCursor(variables.after) : null);
    if (query === GATEWAY.order) return db.order(variables.referenceId);
    return null;
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      answer(Buffer.concat(chunks).toString('utf8')).then(
        (text) => {
          res.writeHead(text === null ? 400 : 200, { 'content-type': 'application/json; charset=utf-8' });
          res.end(text === null ? '{"errors":[{"message":"the floor answers only the peer documents"}]}' : `${text}\n`);
        },
        (err) => {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ errors: [{ message: String(err.message ?? err) }] }));
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }) + '\n'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
