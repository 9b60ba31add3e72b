import { QueryFailedError } from 'typeorm';
import { Database } from '../../src/db/database';
import { createTestDatabase, TestDatabase } from '../helpers/database';

// TypeORM turns on sqlite3's verbose mode, which captures a stack trace and inspects the arguments
// of every statement; the gateway opts out of it (src/db/data-source.ts). Verbose mode shows in
// the errors it augments: "--> in Database#all(...)".
describe('the sqlite driver (always sqlite, whatever TEST_DATABASE says)', () => {
  let database: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    db = await Database.connect(database.url);
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('runs statements without verbose mode: no stack capture, no inspection of parameters', async () => {
    const failure = await db.manager.query('SELECT * FROM no_such_table WHERE id = ?', ['x']).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(QueryFailedError);
    const driverError = (failure as QueryFailedError).driverError as Error;
    expect(driverError.message).toContain('no such table: no_such_table');
    expect(driverError.stack).not.toContain('--> in Database#');
  });

  it('still reports constraint violations with their sqlite code', async () => {
    await db.runMigrations();
    const insert = (name: string) => db.transaction((m) => m.query(`INSERT INTO businesses (id, name, "createdAt") VALUES ('b1', ?, 0)`, [name]));
    await insert('one');
    const failure = await insert('again').catch((e: unknown) => e);
    expect(((failure as QueryFailedError).driverError as { code?: string }).code).toBe('SQLITE_CONSTRAINT');
  });
});
