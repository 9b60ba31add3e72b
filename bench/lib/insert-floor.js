'use strict';
// The floor of the send scenario: the rows one sendOrderDetails stores (order, item, payment,
// outbound message, event), inserted with the same driver the gateway uses (sqlite3 / pg), one
// transaction per order, nothing else. Run as a child process pinned to the server's core:
//   node insert-floor.js '{"databaseUrl":"...","seconds":5,"concurrency":8,"prefix":"F1"}'
// prints {"transactions":n,"seconds":s} on stdout.

const { randomUUID } = require('node:crypto');
const { SEED } = require('./common');
const { TABLES, ts } = require('./seed');

const o = JSON.parse(process.argv[2]);
const b = SEED.businessB;
const PAYLOAD = JSON.stringify({
  messaging_product: 'whatsapp', recipient_type: 'individual', to: '919876543210', type: 'interactive',
  interactive: {
    type: 'order_details', body: { text: 'Your order is ready. Tap Review and Pay.' }, footer: { text: 'Example Store' },
    action: {
      name: 'review_and_pay',
      parameters: {
        reference_id: 'R-00000000', type: 'physical-goods',
        payment_settings: [{ type: 'payment_gateway', payment_gateway: { type: 'razorpay', configuration_name: b.configuration } }],
        currency: 'INR', total_amount: { value: 52000, offset: 100 },
        order: {
          status: 'pending',
          items: [{
            retailer_id: 'SKU-1', name: 'Cotton T-shirt', amount: { value: 25000, offset: 100 }, sale_amount: { value: 22500, offset: 100 },
            quantity: 2, country_of_origin: 'India', importer_name: 'Example Store Pvt Ltd',
            importer_address: { address_line1: '12 MG Road', city: 'Bengaluru', zone_code: 'KA', postal_code: '560001', country_code: 'IN' },
          }],
          subtotal: { value: 45000, offset: 100 }, tax: { value: 8100, offset: 100, description: 'GST 18%' },
          shipping: { value: 4000, offset: 100, description: 'Standard' },
          discount: { value: 5100, offset: 100, description: 'WELCOME', discount_program_name: 'Welcome offer' },
        },
      },
    },
  },
});
const ADDRESS = JSON.stringify({ addressLine1: '12 MG Road', city: 'Bengaluru', zoneCode: 'KA', postalCode: '560001', countryCode: 'IN' });

let counter = 0;
function rowsOfOneOrder() {
  const id = randomUUID();
  const referenceId = `${o.prefix}-${(counter++).toString(36)}`;
  const now = ts(Date.now());
  return [
    ['orders', [id, b.id, referenceId, b.phoneNumberId, '919876543210', 'PHYSICAL_GOODS', b.configuration, 'RAZORPAY', 'PENDING', null, 'INR', 100,
      45000, 8100, 'GST 18%', 4000, 'Standard', 5100, 'WELCOME', 'Welcome offer', 52000, 'Your order is ready. Tap Review and Pay.',
      'Example Store', null, null, null, null, 'f'.repeat(64), now, now]],
    ['order_items', [randomUUID(), id, 0, 'SKU-1', 'Cotton T-shirt', 25000, 22500, 2, 'India', 'Example Store Pvt Ltd', ADDRESS]],
    ['payments', [randomUUID(), id, b.id, referenceId, 'NEW', false, null, null, null, null, null, 0, null, now, now]],
    ['outbound_messages', [randomUUID(), id, b.id, 'ORDER_DETAILS', PAYLOAD, 'QUEUED', null, 0, null, null, null, null, now, now]],
    ['order_events', [id, b.id, referenceId, 'ORDER_CREATED', 'API', null, 'PENDING', null, now]],
  ];
}

function insertSql(table, placeholder) {
  const cols = TABLES[table];
  return `INSERT INTO "${table}" (${cols.map(([c]) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => placeholder(i)).join(', ')})`;
}

async function main() {
  const until = Date.now() + o.seconds * 1000;
  let transactions = 0;
  const started = Date.now();
  if (o.databaseUrl.startsWith('sqlite:')) {
    const sqlite3 = require('sqlite3');
    const db = new sqlite3.Database(o.databaseUrl.slice('sqlite:'.length));
    const run = (sql, params = []) => new Promise((res, rej) => db.run(sql, params, (err) => (err ? rej(err) : res())));
    await run('PRAGMA journal_mode = WAL');
    await run('PRAGMA busy_timeout = 10000');
    await run('PRAGMA foreign_keys = ON');
    await run('PRAGMA synchronous = NORMAL');
    const sql = Object.fromEntries(Object.keys(TABLES).map((t) => [t, insertSql(t, () => '?')]));
    // one connection, as the gateway's writer: transactions one after another
    while (Date.now() < until) {
      await run('BEGIN');
      for (const [table, row] of rowsOfOneOrder()) await run(sql[table], row.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
      await run('COMMIT');
      transactions++;
    }
    await new Promise((res) => db.close(res));
  } else {
    const { Pool } = require('pg');
    const pool = new Pool({ connectionString: o.databaseUrl, max: 10 });
    const sql = Object.fromEntries(Object.keys(TABLES).map((t) => [t, insertSql(t, (i) => `$${i + 1}`)]));
    const worker = async () => {
      while (Date.now() < until) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          for (const [table, row] of rowsOfOneOrder()) await client.query(sql[table], row);
          await client.query('COMMIT');
          transactions++;
        } finally {
          client.release();
        }
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    await pool.end();
  }
  process.stdout.write(JSON.stringify({ transactions, seconds: (Date.now() - started) / 1000 }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
