// The audit API: the filtered, keyset-paged list, single records, stats, the streamed
// export and hash-chain verification.
import { Router } from 'express';
import { listRecords } from '../../audit/list.js';
import { getRecord } from '../../audit/queries.js';
import { auditStats } from '../../audit/stats.js';
import { verifyChains } from '../../audit/verify.js';
import type { AppContext } from '../../context.js';
import { SidecarError } from '../../errors.js';
import { UUID_RE } from '../../ids.js';
import { exportHandler } from './export-route.js';
import { auditQuerySchema, parseQuery, statsQuerySchema, statsRange, toFilter, verifyQuerySchema } from './params.js';
import { present } from './present.js';

export function auditRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/audit/requests', async (req, res) => {
    const q = parseQuery(auditQuerySchema, req.query as Record<string, unknown>);
    const page = await listRecords(ctx.database.db, toFilter(q), { limit: q.limit, cursor: q.cursor ?? null });
    res.json({ items: page.items.map(present), nextCursor: page.nextCursor });
  });

  router.get('/audit/requests/:id', async (req, res) => {
    const id = req.params.id;
    if (!UUID_RE.test(id)) throw new SidecarError('invalid_parameter', 'Invalid parameter "id": must be a record id (UUID).', 'id');
    const row = await getRecord(ctx.database.db, id.toLowerCase());
    if (!row) throw new SidecarError('not_found', `No record with id ${id}.`, 'id');
    res.json(present(row));
  });

  router.get('/audit/stats', async (req, res) => {
    const q = parseQuery(statsQuerySchema, req.query as Record<string, unknown>);
    const filter = toFilter(q);
    res.json(await auditStats(ctx.database.db, { ...filter, ...statsRange(q) }, q.groupBy));
  });

  router.get('/audit/export', exportHandler(ctx));

  router.get('/audit/verify', async (req, res) => {
    const q = parseQuery(verifyQuerySchema, req.query as Record<string, unknown>);
    const { from, to } = toFilter(q);
    res.json(await verifyChains(ctx.database.db, { from, to }));
  });

  return router;
}
