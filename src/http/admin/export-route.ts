// GET /audit/export: every matching record, whole (prompt and response as stored), as
// NDJSON or CSV, streamed. Memory stays flat whatever the size: records come from the
// database one bounded page at a time (src/audit/export.ts), the next page is fetched only
// when the client has taken the last one (pipeline() honours backpressure), and a client
// that goes away stops the walk.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { csvLine } from '../../audit/csv.js';
import { EXPORT_COLUMNS, exportPages, type ExportedRow } from '../../audit/export.js';
import type { AppContext } from '../../context.js';
import { exportQuerySchema, parseQuery, toFilter } from './params.js';
import { present } from './present.js';

type Format = 'ndjson' | 'csv';

const CONTENT_TYPE: Record<Format, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

const CSV_HEADER = EXPORT_COLUMNS.map((c) => c.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase()));

async function* ndjson(pages: AsyncIterable<ExportedRow[]>): AsyncGenerator<string> {
  for await (const page of pages) {
    for (const row of page) yield `${JSON.stringify(present(row))}\n`;
  }
}

// The header goes out with the first page, so that a failing first query is still an
// ordinary error response rather than a broken download.
async function* csv(pages: AsyncIterable<ExportedRow[]>): AsyncGenerator<string> {
  let started = false;
  for await (const page of pages) {
    if (!started) yield csvLine(CSV_HEADER);
    started = true;
    for (const row of page) yield csvLine(EXPORT_COLUMNS.map((c) => row[c]));
  }
  if (!started) yield csvLine(CSV_HEADER);
}

/** `first` (already read), then the rest; ending early ends the source too. */
async function* resume(first: IteratorResult<string>, rest: AsyncIterator<string>): AsyncGenerator<string> {
  try {
    if (first.done) return;
    yield first.value;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

function clientWentAway(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}

export function exportHandler(ctx: AppContext) {
  return async function exportAudit(req: Request, res: Response): Promise<void> {
    const q = parseQuery(exportQuerySchema, req.query as Record<string, unknown>);
    const pages = exportPages(ctx.database.db, toFilter(q));
    const chunks = (q.format === 'csv' ? csv(pages) : ndjson(pages))[Symbol.asyncIterator]();
    const first = await chunks.next();
    const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
    res.status(200);
    res.setHeader('content-type', CONTENT_TYPE[q.format]);
    res.setHeader('content-disposition', `attachment; filename="audit-${stamp}.${q.format}"`);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    // Byte-sized buffering: one long record is one chunk, and little more is held.
    const body = Readable.from(resume(first, chunks), { objectMode: false, highWaterMark: 64 * 1024 });
    try {
      await pipeline(body, res);
    } catch (err) {
      // Headers are gone: all that is left is to cut the response short, which pipeline
      // did; the client sees a truncated transfer, never a complete-looking file.
      if (clientWentAway(err)) ctx.logger.debug({ format: q.format }, 'audit export: client went away');
      else ctx.logger.warn({ err: (err as Error).message, format: q.format }, 'audit export failed mid-stream');
    }
  };
}
