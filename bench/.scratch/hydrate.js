require('reflect-metadata');
const { Database } = require('/work/main/dist/src/db/database');
const E = require('/work/main/dist/src/db/entities');
const { In } = require('typeorm');
(async () => {
  const db = await Database.connect(process.argv[2] || 'sqlite:/work/main/bench/.data/run-100k.sqlite');
  const m = db.manager;
  const B = '0b0b0b0b-aaaa-4aaa-8aaa-000000000001';
  const pages = [];
  for (let i = 0; i < 20; i++) {
    const rows = await m.query(`SELECT id FROM orders WHERE "businessId" = '${B}' ORDER BY "createdAt", id LIMIT 50 OFFSET ${i * 4000}`);
    pages.push(rows.map((r) => r.id));
  }
  const sqlite = db.dialect === 'sqlite';
  const ph = (n, start = 1) => Array.from({ length: n }, (_, i) => (sqlite ? '?' : `$${i + start}`)).join(', ');
  const cols = (entity) => db.dataSource.getMetadata(entity).columns.map((c) => `"${c.databaseName}"`).join(', ');
  const t = {};
  const time = async (name, fn) => { const s = process.hrtime.bigint(); await fn(); t[name] = (t[name] || 0) + Number(process.hrtime.bigint() - s) / 1e6; };
  for (let rep = 0; rep < 10; rep++) for (const ids of pages) {
    await time('typeorm items', () => m.find(E.OrderItemEntity, { where: { orderId: In(ids) }, order: { position: 'ASC' } }));
    const drv = db.dataSource.driver.databaseConnection;
    const direct = (sql, p) => new Promise((res, rej) => drv.all(sql, p, (e, r) => (e ? rej(e) : res(r))));
    if (sqlite) await time('direct items', () => direct(`SELECT ${cols(E.OrderItemEntity)} FROM "order_items" WHERE "orderId" IN (${ph(ids.length)}) ORDER BY "position"`, ids));
    await time('raw items', () => m.query(`SELECT ${cols(E.OrderItemEntity)} FROM "order_items" WHERE "orderId" IN (${ph(ids.length)}) ORDER BY "position"`, ids));
    await time('typeorm events', () => m.find(E.OrderEventEntity, { where: { orderId: In(ids) }, order: { id: 'ASC' } }));
    await time('raw events', () => m.query(`SELECT ${cols(E.OrderEventEntity)} FROM "order_events" WHERE "orderId" IN (${ph(ids.length)}) ORDER BY "id"`, ids));
    await time('typeorm messages', () => m.find(E.OutboundMessageEntity, { where: { orderId: In(ids) }, order: { createdAt: 'ASC', id: 'ASC' } }));
    await time('typeorm orders', () => m.find(E.OrderEntity, { where: { id: In(ids) } }));
    await time('raw orders', () => m.query(`SELECT ${cols(E.OrderEntity)} FROM "orders" WHERE "id" IN (${ph(ids.length)})`, ids));
  }
  for (const [k, v] of Object.entries(t)) console.log(k.padEnd(20), (v / 200).toFixed(3), 'ms');
  await db.close();
})();
