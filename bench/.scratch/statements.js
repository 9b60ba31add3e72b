// list the SQL statements of one request kind: node statements.js <send|update|webhook>
const B = '/work/main/bench/lib/';
const { SEED, SECRETS, SEND, UPDATE, orderInput, requireDist, gql, sleep } = require(B + 'common');
const { prepareRunDatabase } = require(B + 'seed');
(async () => {
  const db = await prepareRunDatabase({ dialect: process.argv[3] || 'sqlite', orders: 5000, postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres', log: () => {} });
  const { loadConfig } = requireDist('src/config.js');
  const { startGateway } = requireDist('src/gateway.js');
  const { createLogger } = requireDist('src/logger.js');
  const { WhatsAppSimulator } = requireDist('src/sandbox/simulator.js');
  const sim = new WhatsAppSimulator({ webhookDelayMs: 5 }); await sim.start(0, '127.0.0.1');
  const log = []; let on = false;
  const counter = { logQuery(q, p) { if (on) log.push(q.replace(/\s+/g, ' ').slice(0, 400)); }, logQueryError() {}, logQuerySlow() {}, logSchemaBuild() {}, logMigration() {}, log() {} };
  const config = loadConfig({ NODE_ENV: 'production', SANDBOX: 'false', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, MIGRATE_ON_START: 'false', WHATSAPP_API_URL: sim.url,
    SECRETS_KEY: SECRETS.secretsKey, ADMIN_API_KEY: SECRETS.adminKey, WHATSAPP_APP_SECRET: SECRETS.appSecret, WHATSAPP_VERIFY_TOKEN: SECRETS.verifyToken, DATA_DIR: db.dataDir, LOG_LEVEL: 'silent', RELAY_POLL_MS: '600000' });
  const gw = await startGateway(config, createLogger('silent'), { database: { logger: counter } });
  sim.configureWebhooks({ url: `${gw.url}/webhooks/whatsapp`, appSecret: SECRETS.appSecret });
  const key = SEED.businessB.keys.STOREFRONT.secret;
  await gql(gw.url, key, SEND, { input: orderInput('W-1') });
  await sleep(300);
  const kind = process.argv[2];
  on = true;
  if (kind === 'send') await gql(gw.url, key, SEND, { input: orderInput('W-2') });
  if (kind === 'update') await gql(gw.url, key, UPDATE, { input: { referenceId: 'W-1', status: 'PROCESSING' } });
  if (kind === 'webhook') { await sim.pay('W-1', 'captured'); await sleep(1500); }
  on = false;
  console.log(log.length, 'statements');
  for (const q of log) console.log(' ', q.slice(0, 200));
  await gw.stop(); await sim.stop();
})().catch((e) => { console.error(e); process.exit(1); });
