import { Router } from 'express';
import { forbiddenCharacter, isStorableTime, MAX_PAYMENT_CONFIGURATION } from '../domain/limits';
import { formatMoney } from '../domain/money';
import { PAYMENT_STATUSES, PaymentStatus } from '../domain/types';
import type { Logger } from '../logger';
import type { Services } from '../services';
import { InvalidQueryArgument } from '../services/order-queries';
import { csvHeader, csvLine, MAX_RECONCILIATION_PAGE } from '../services/reconciliation';

/**
 * GET /reconciliation.csv?from=&to=[&paymentConfiguration=][&paymentStatus=CAPTURED,FAILED]
 * The reconciliation rows as CSV for a finance team, with the same key and roles as the query.
 */
export function reconciliationCsvRoutes(services: Services, logger: Logger): Router {
  const router = Router();
  router.get('/reconciliation.csv', async (req, res) => {
    const auth = await services.auth.authenticate(req.headers.authorization);
    if (!auth.principal) {
      res.status(401).json({ error: auth.error ?? 'Send an API key: Authorization: Bearer <api key>.' });
      return;
    }
    if (auth.principal.role !== 'ADMIN' && auth.principal.role !== 'OPS') {
      res.status(403).json({ error: `A ${auth.principal.role} key cannot reconcile; use an OPS or ADMIN key.` });
      return;
    }
    const from = parseDate(req.query.from);
    const to = parseDate(req.query.to);
    if (!from || !to) {
      res.status(400).json({ error: 'from and to are required ISO 8601 times between the years 0001 and 9999, e.g. ?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z' });
      return;
    }
    const statuses = typeof req.query.paymentStatus === 'string' ? req.query.paymentStatus.split(',').filter(Boolean) : [];
    const unknown = statuses.filter((s) => !(PAYMENT_STATUSES as readonly string[]).includes(s));
    if (unknown.length) {
      res.status(400).json({ error: `paymentStatus must be a comma-separated list of ${PAYMENT_STATUSES.join(', ')}` });
      return;
    }
    const paymentConfiguration = typeof req.query.paymentConfiguration === 'string' ? req.query.paymentConfiguration : null;
    if (paymentConfiguration !== null && (paymentConfiguration.length > MAX_PAYMENT_CONFIGURATION || forbiddenCharacter(paymentConfiguration))) {
      res.status(400).json({ error: `paymentConfiguration must be a payment configuration name: at most ${MAX_PAYMENT_CONFIGURATION} characters, no control characters` });
      return;
    }
    const filter = {
      from,
      to,
      paymentConfiguration,
      paymentStatus: statuses as PaymentStatus[],
    };
    const ctx = { principal: auth.principal, requestId: 'reconciliation.csv' };
    try {
      let page = await services.reconciliation.rows(ctx, filter, MAX_RECONCILIATION_PAGE);
      res.status(200).type('text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="reconciliation-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv"`);
      res.write(csvHeader());
      for (;;) {
        for (const edge of page.edges) res.write(csvLine(edge.node, formatMoney));
        if (!page.pageInfo.hasNextPage) break;
        page = await services.reconciliation.rows(ctx, filter, MAX_RECONCILIATION_PAGE, page.pageInfo.endCursor);
      }
      res.end();
    } catch (err) {
      if (err instanceof InvalidQueryArgument) {
        res.status(400).json({ error: err.message });
        return;
      }
      logger.error({ err }, 'reconciliation export failed');
      if (!res.headersSent) res.status(500).json({ error: 'Internal error; it has been logged.' });
      else res.destroy(err as Error);
    }
  });
  return router;
}

function parseDate(v: unknown): Date | null {
  if (typeof v !== 'string' || v.length === 0 || v.length > 40) return null;
  const d = new Date(v);
  return isStorableTime(d.getTime()) ? d : null;
}
