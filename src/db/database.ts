import { DataSource, EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { createDataSource, DataSourceExtras, Dialect, dialectOf } from './data-source';
import { WriteQueue } from './write-queue';

/**
 * The gateway's handle on its database. Every write goes through `transaction`, which on sqlite
 * runs the transactions one after another (see WriteQueue) and on Postgres lets them run in
 * parallel on the pool. Reads use `manager` directly.
 */
export class Database {
  readonly dialect: Dialect;
  private readonly writes = new WriteQueue();

  constructor(readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'sqlite' ? 'sqlite' : 'postgres';
  }

  static async connect(databaseUrl: string, extras: DataSourceExtras = {}): Promise<Database> {
    dialectOf(databaseUrl);
    const dataSource = createDataSource(databaseUrl, extras);
    await dataSource.initialize();
    const db = new Database(dataSource);
    if (db.dialect === 'sqlite') {
      // one connection serves everything, so referential checks and lock waits are set once here
      await dataSource.query('PRAGMA foreign_keys = ON');
      await dataSource.query('PRAGMA synchronous = NORMAL');
    }
    return db;
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') {
      return this.writes.run(() => this.dataSource.transaction(work));
    }
    return this.dataSource.transaction(work);
  }

  /** Row lock for a read inside a write transaction (sqlite's single writer needs none). */
  forUpdate(): { lock?: { mode: 'pessimistic_write' } } {
    return this.dialect === 'postgres' ? { lock: { mode: 'pessimistic_write' } } : {};
  }

  /** A Date as a query parameter that compares correctly with stored timestamps in this dialect. */
  param(date: Date): Date | string {
    return this.dialect === 'sqlite' ? DateUtils.mixedDateToUtcDatetimeString(date) : date;
  }

  async runMigrations(): Promise<string[]> {
    const ran = await this.dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  }

  async pendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
