import { DataSource, EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { createDataSource, DataSourceExtras, Dialect, dialectOf } from './data-source';
import { WriteQueue } from './write-queue';

interface TransactionHooks {
  beforeCommit: Array<() => Promise<void>>;
  afterCommit: Array<() => void>;
}

/**
 * The gateway's handle on its database. Every write goes through `transaction`, which on sqlite
 * runs the transactions one after another (see WriteQueue) and on Postgres lets them run in
 * parallel on the pool. Reads use `manager`.
 *
 * On a sqlite file, reads have a connection of their own: TypeORM's sqlite driver has one
 * connection per DataSource, and a read on the writers' connection would see the rows of a
 * transaction still in progress (which may yet roll back). In WAL mode the read connection sees
 * exactly what is committed.
 */
export class Database {
  readonly dialect: Dialect;
  private readonly writes = new WriteQueue();
  /** work registered by code running inside a transaction, for its end (see beforeCommit, afterCommit) */
  private readonly hooks = new WeakMap<EntityManager, TransactionHooks>();

  constructor(
    readonly dataSource: DataSource,
    private readonly readSource: DataSource = dataSource,
  ) {
    this.dialect = dataSource.options.type === 'sqlite' ? 'sqlite' : 'postgres';
  }

  static async connect(databaseUrl: string, extras: DataSourceExtras = {}): Promise<Database> {
    dialectOf(databaseUrl);
    const dataSource = createDataSource(databaseUrl, extras);
    await dataSource.initialize();
    if (dataSource.options.type !== 'sqlite') return new Database(dataSource);
    await dataSource.query('PRAGMA foreign_keys = ON');
    await dataSource.query('PRAGMA synchronous = NORMAL');
    if (databaseUrl === 'sqlite::memory:') return new Database(dataSource);
    const readSource = createDataSource(databaseUrl, extras);
    await readSource.initialize();
    // a write through the read connection is a bug: make sqlite refuse it
    await readSource.query('PRAGMA query_only = ON');
    return new Database(dataSource, readSource);
  }

  /** For reads: committed data only. Writes go through `transaction`. */
  get manager(): EntityManager {
    return this.readSource.manager;
  }

  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    let hooks: TransactionHooks | null = null;
    const run = async (m: EntityManager): Promise<T> => {
      hooks = { beforeCommit: [], afterCommit: [] };
      this.hooks.set(m, hooks);
      const result = await work(m);
      // a before-commit step may itself register more (in order)
      for (let i = 0; i < hooks.beforeCommit.length; i++) await hooks.beforeCommit[i]();
      return result;
    };
    const result = await (this.dialect === 'sqlite' ? this.writes.run(() => this.dataSource.transaction(run)) : this.dataSource.transaction(run));
    for (const after of (hooks as TransactionHooks | null)?.afterCommit ?? []) after();
    return result;
  }

  /**
   * Runs `step` at the end of the transaction `m` belongs to, inside it, after the work the
   * transaction was opened for: e.g. work derived from everything the transaction changed. False
   * when `m` is not a transaction of this Database (the caller then does the work at once).
   */
  beforeCommit(m: EntityManager, step: () => Promise<void>): boolean {
    const hooks = this.hooks.get(m);
    if (!hooks) return false;
    hooks.beforeCommit.push(step);
    return true;
  }

  /** Runs `notify` once the transaction `m` belongs to has committed (never when it rolled back). */
  afterCommit(m: EntityManager, notify: () => void): boolean {
    const hooks = this.hooks.get(m);
    if (!hooks) return false;
    hooks.afterCommit.push(notify);
    return true;
  }

  /** Row lock for a read inside a write transaction (sqlite's single writer needs none). */
  forUpdate(): { lock?: { mode: 'pessimistic_write' } } {
    return this.dialect === 'postgres' ? { lock: { mode: 'pessimistic_write' } } : {};
  }

  /** A Date as a query parameter that compares correctly with stored timestamps in this dialect. */
  param(date: Date): Date | string {
    return this.dialect === 'sqlite' ? DateUtils.mixedDateToUtcDatetimeString(date) : date;
  }

  /**
   * Runs `work` while no other process runs work of the same name on this database: a PostgreSQL
   * advisory lock on a connection of its own, released when the work ends or the process dies. A
   * sqlite file has one gateway process, so there it just runs.
   */
  async exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.dialect === 'sqlite') return work();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      }
    } finally {
      await runner.release();
    }
  }

  async runMigrations(): Promise<string[]> {
    const ran = await this.dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  }

  async pendingMigrations(): Promise<boolean> {
    return this.dataSource.showMigrations();
  }

  async ping(): Promise<void> {
    await this.readSource.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.readSource !== this.dataSource && this.readSource.isInitialized) await this.readSource.destroy();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
