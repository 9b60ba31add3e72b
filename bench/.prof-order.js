'use strict';
process.chdir('/work/main');
const { SEED } = require('/work/main/bench/lib/common');
const { closedLoop } = require('/work/main/bench/lib/load');
const { startGateway } = require('/work/main/bench/lib/gateway');
const { GATEWAY } = require('/work/main/bench/peer/documents');
const pg = require('/work/main/node_modules/pg');
(async () => {
  const url = 'postgres://postgres@127.0.0.1:5432/wpg_bench_peer_5k';
  const c = new pg.Client(url); await c.connect();
  const refs = (await c.query(`SELECT "referenceId" FROM orders WHERE "businessId" = $1 LIMIT 64`, [SEED.businessA.id])).rows.map((r) => r.referenceId);
  await c.end();
  const which = process.argv[2] || 'order';
  const profileDir = process.argv[3] || null;
  const gw = await startGateway({ databaseUrl: url, redisUrl: 'redis://127.0.0.1:6379', upstreamUrl: 'http://127.0.0.1:9', dataDir: '/tmp/prof-data', cpu: 0, profileDir, env: JSON.parse(process.env.GW_ENV || '{}') });
  let i = 0;
  const makeBody = which === 'order' ? () => JSON.stringify({ query: GATEWAY.order, variables: { referenceId: refs[i++ % refs.length] } }) : () => JSON.stringify({ query: GATEWAY.typename });
  await closedLoop({ url: gw.url, key: SEED.businessA.keys.STOREFRONT.secret, makeBody, connections: 8, seconds: 3, check: () => true, label: 'warm' });
  for (let r = 0; r < 3; r++) {
    const x = await closedLoop({ url: gw.url, key: SEED.businessA.keys.STOREFRONT.secret, makeBody, connections: 8, seconds: 4, check: (t) => !t.includes('"errors"'), label: which });
    console.log(which, 'round', r, Math.round(x.rps), 'req/s');
  }
  await gw.stop();
})().catch((e) => { console.error(e); process.exit(1); });
