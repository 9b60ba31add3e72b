import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { ENTITIES } from './entities';
import { SQLITE_MIGRATIONS } from './migrations/sqlite';
import { POSTGRES_MIGRATIONS } from './migrations/postgres';

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(databaseUrl: string): Dialect {
  if (databaseUrl.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  throw new Error(`DATABASE_URL must be sqlite:<path> or postgres://..., got "${databaseUrl.split(':')[0]}:..."`);
}

// Timestamps are `timestamp` (no zone) on Postgres and must mean UTC whatever the process's TZ:
// write Dates as UTC and read them back as UTC.
pg.defaults.parseInputDatesAsUTC = true;
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (s) => new Date(s.replace(' ', 'T') + 'Z'));

// TypeORM calls the sqlite3 module's verbose(), which wraps every statement call to capture a stack
// trace and util.inspect() its arguments (the SQL, every parameter, a message's whole wire
// payload): a fifth of the CPU of a sendOrderDetails. Long stack traces are a debugging aid, so
// TypeORM gets the module with a verbose() that leaves it as it is.
const sqliteDriver = Object.assign(Object.create(sqlite3) as typeof sqlite3, { verbose: () => sqlite3 });

export interface DataSourceExtras {
  /** TypeORM logger for counting statements in tests */
  logger?: DataSourceOptions['logger'];
  poolSize?: number;
}

/** The one factory for both dialects; the TypeORM CLI (ormconfig.ts) and the gateway use it. */
export function createDataSource(databaseUrl: string, extras: DataSourceExtras = {}): DataSource {
  const common = {
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: false,
    logging: extras.logger ? (['query'] as const) : false,
    logger: extras.logger,
  };
  if (dialectOf(databaseUrl) === 'sqlite') {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
    return new DataSource({
      ...common,
      type: 'sqlite',
      driver: sqliteDriver,
      database: file,
      migrations: SQLITE_MIGRATIONS,
      enableWAL: file !== ':memory:',
      busyTimeout: 10000,
    } as DataSourceOptions);
  }
  return new DataSource({
    ...common,
    type: 'postgres',
    url: databaseUrl,
    migrations: POSTGRES_MIGRATIONS,
    extra: { max: extras.poolSize ?? 10 },
  } as DataSourceOptions);
}
