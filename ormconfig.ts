// The DataSource the TypeORM CLI uses (e.g. `npx typeorm migration:show -d dist/ormconfig.js`).
// The gateway itself goes through the same factory.
import 'reflect-metadata';
import { createDataSource } from './src/db/data-source';

export default createDataSource(process.env.DATABASE_URL ?? 'sqlite:./data/gateway.sqlite');
