import { Router } from 'express';
import type { Database } from '../db/database';

/** Liveness answers while the process runs; readiness only when the database is usable. */
export function healthRoutes(db: Database): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await db.ping();
      if (await db.pendingMigrations()) {
        res.status(503).json({ status: 'unavailable', reason: 'database migrations are pending: run `npm run migrate`' });
        return;
      }
      res.json({ status: 'ready' });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', reason: `database unreachable: ${(err as Error).message}` });
    }
  });
  return router;
}
