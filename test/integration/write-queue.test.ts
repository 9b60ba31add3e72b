import { randomUUID } from 'node:crypto';
import { Database } from '../../src/db/database';
import { BusinessEntity } from '../../src/db/entities';
import { createTestDatabase, TestDatabase, useMigratedDatabase } from '../helpers/database';

describe('write transactions under concurrency (real database file)', () => {
  const migrated = useMigratedDatabase();
  let db: Database;
  beforeAll(() => (db = migrated.db));

  it('a failing transaction never rolls back the writes of the ones running beside it', async () => {
    const kept: string[] = [];
    const doomed: string[] = [];
    const work = Array.from({ length: 40 }, (_, i) => {
      const id = randomUUID();
      const fails = i % 3 === 0;
      (fails ? doomed : kept).push(id);
      return db.transaction(async (m) => {
        await m.insert(BusinessEntity, { id, name: `b${i}`, wabaId: null, createdAt: new Date() });
        // yield to the event loop mid-transaction, where interleaving would happen
        await new Promise((r) => setTimeout(r, i % 5));
        await m.findOne(BusinessEntity, { where: { id } });
        if (fails) throw new Error(`planned failure ${i}`);
        return id;
      });
    });
    const results = await Promise.allSettled(work);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(kept.length);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(doomed.length);
    const stored = (await db.manager.find(BusinessEntity)).map((b) => b.id);
    expect(stored.sort()).toEqual([...kept].sort());
  });

  it('keeps millisecond precision of timestamps', async () => {
    const at = new Date('2026-11-26T10:20:30.456Z');
    const id = randomUUID();
    await db.transaction((m) => m.insert(BusinessEntity, { id, name: 'ms', wabaId: null, createdAt: at }));
    const row = await db.manager.findOneByOrFail(BusinessEntity, { id });
    expect(row.createdAt.toISOString()).toBe('2026-11-26T10:20:30.456Z');
  });

  it('compares Date parameters with stored timestamps correctly in this dialect', async () => {
    const id = randomUUID();
    await db.transaction((m) => m.insert(BusinessEntity, { id, name: 'cmp', wabaId: null, createdAt: new Date('2030-01-01T00:00:00.500Z') }));
    const count = async (op: '>' | '<', at: string) =>
      db.manager
        .createQueryBuilder(BusinessEntity, 'b')
        .where('b.id = :id', { id })
        .andWhere(`b.createdAt ${op} :at`, { at: db.param(new Date(at)) })
        .getCount();
    expect(await count('>', '2030-01-01T00:00:00.499Z')).toBe(1);
    expect(await count('>', '2030-01-01T00:00:00.500Z')).toBe(0);
    expect(await count('<', '2030-01-01T00:00:00.501Z')).toBe(1);
  });
});

describe('reads during a write transaction', () => {
  let database: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = await Database.connect(database.url);
    await db.runMigrations();
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it('never see rows of a transaction that has not committed (and later rolls back)', async () => {
    const id = randomUUID();
    let release!: () => void;
    const inside = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const tx = db.transaction(async (m) => {
      await m.insert(BusinessEntity, { id, name: 'uncommitted', wabaId: null, createdAt: new Date() });
      written();
      await inside;
      throw new Error('roll back');
    });
    await wrote;
    expect(await db.manager.findOneBy(BusinessEntity, { id })).toBeNull();
    release();
    await expect(tx).rejects.toThrow('roll back');
    expect(await db.manager.findOneBy(BusinessEntity, { id })).toBeNull();
  });

  it('see a transaction as soon as it committed', async () => {
    const id = randomUUID();
    await db.transaction((m) => m.insert(BusinessEntity, { id, name: 'committed', wabaId: null, createdAt: new Date() }));
    expect(await db.manager.findOneBy(BusinessEntity, { id })).toMatchObject({ name: 'committed' });
  });
});
