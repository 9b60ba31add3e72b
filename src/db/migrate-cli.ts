import 'reflect-metadata';
import { ConfigError, loadDatabaseConfig } from '../config';
import { Database } from './database';

// `npm run migrate`: applies pending migrations once per deploy, before the instances start. It
// reads DATABASE_URL only: migrating needs none of the runtime secrets.
async function main(): Promise<void> {
  const config = loadDatabaseConfig();
  const db = await Database.connect(config.databaseUrl);
  try {
    const ran = await db.runMigrations();
    console.log(ran.length ? `Applied migrations: ${ran.join(', ')}` : 'The database schema is up to date.');
  } finally {
    await db.close();
  }
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${err.stack ?? err}`);
  process.exit(1);
});
