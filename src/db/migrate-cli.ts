import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { Database } from './database';

// `npm run migrate`: applies pending migrations once per deploy, before the instances start.
async function main(): Promise<void> {
  const config = loadConfig();
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
