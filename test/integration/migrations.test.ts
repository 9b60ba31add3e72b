// Migrations that move existing data, run against rows written in the schema before them, on the
// suite's database (sqlite, or PostgreSQL with TEST_DATABASE=postgres).
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { POSTGRES_MIGRATIONS } from '../../src/db/migrations/postgres';
import { SQLITE_MIGRATIONS } from '../../src/db/migrations/sqlite';
import { createTestDatabase, TEST_DIALECT, type TestDatabase } from '../helpers/database';

const MIGRATIONS = (TEST_DIALECT === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS) as Array<new () => MigrationInterface>;

/** Runs the migrations before `name` (exclusive) or from it (inclusive) by hand, on one runner. */
async function run(runner: QueryRunner, part: 'before' | 'from', name: string): Promise<void> {
  const index = MIGRATIONS.findIndex((m) => m.name === name);
  if (index < 0) throw new Error(`no migration ${name}`);
  for (const M of part === 'before' ? MIGRATIONS.slice(0, index) : MIGRATIONS.slice(index)) await new M().up(runner);
}

describe('migrations over existing data', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database.drop());

  it('PaymentAttempts: the attempts of each payment get their positions in the order they were first seen', async () => {
    const ds = createDataSource(database.url);
    await ds.initialize();
    const runner = ds.createQueryRunner();
    try {
      await run(runner, 'before', 'PaymentAttempts1764630000000');
      const p = TEST_DIALECT === 'postgres' ? (i: number) => `$${i}` : () => '?';
      const insert = async (id: string, paymentId: string, transactionId: string, createdAt: string) =>
        runner.query(
          `INSERT INTO "transactions" ("id", "paymentId", "transactionId", "status", "createdAt", "updatedAt") VALUES (${p(1)}, ${p(2)}, ${p(3)}, 'FAILED', ${p(4)}, ${p(5)})`,
          [id, paymentId, transactionId, createdAt, createdAt],
        );
      // inserted out of order, two payments, and two attempts first seen in the same millisecond
      await insert('t-3', 'pay-A', 'order_3', '2026-01-01 10:00:03.000');
      await insert('t-1', 'pay-A', 'order_1', '2026-01-01 10:00:01.000');
      await insert('t-2b', 'pay-A', 'order_2b', '2026-01-01 10:00:02.000');
      await insert('t-2a', 'pay-A', 'order_2a', '2026-01-01 10:00:02.000');
      await insert('u-1', 'pay-B', 'order_9', '2026-01-01 09:00:00.000');

      await run(runner, 'from', 'PaymentAttempts1764630000000');
      const rows: Array<{ id: string; paymentId: string; position: number }> = await runner.query(
        `SELECT "id", "paymentId", "position" FROM "transactions" ORDER BY "paymentId", "position"`,
      );
      expect(rows.map((r) => `${r.paymentId} ${Number(r.position)} ${r.id}`)).toEqual([
        'pay-A 0 t-1',
        'pay-A 1 t-2a',
        'pay-A 2 t-2b',
        'pay-A 3 t-3',
        'pay-B 0 u-1',
      ]);
      // the same transaction id may now be stored twice for one payment (attempts of one PG order)
      await runner.query(
        `INSERT INTO "transactions" ("id", "paymentId", "position", "transactionId", "status", "createdAt", "updatedAt") VALUES (${p(1)}, 'pay-A', 4, 'order_1', 'SUCCESS', ${p(2)}, ${p(3)})`,
        ['t-5', '2026-01-01 10:00:05.000', '2026-01-01 10:00:05.000'],
      );
      // and one position is one attempt
      await expect(
        runner.query(
          `INSERT INTO "transactions" ("id", "paymentId", "position", "transactionId", "status", "createdAt", "updatedAt") VALUES (${p(1)}, 'pay-A', 4, 'order_1', 'SUCCESS', ${p(2)}, ${p(3)})`,
          ['t-6', '2026-01-01 10:00:06.000', '2026-01-01 10:00:06.000'],
        ),
      ).rejects.toThrow(/unique|UNIQUE/);
    } finally {
      await runner.release();
      await ds.destroy();
    }
  });
});
