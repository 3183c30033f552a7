// Helpers for the audit API tests: records with chosen values written through the real
// writer (so they are chained as live traffic is), JSON requests, paging, CSV parsing.
import type { AuditRecord } from '../../src/audit/record.js';
import { startHarness, type Backend, type Harness } from '../support/harness.js';

export { makeRecord } from '../unit/audit/support/records.js';
export { parseCsv } from '../unit/audit/support/csv-parse.js';

/** A harness whose auth throttle does not get in the way of tests that send bad tokens. */
export function startAuditHarness(backend: Backend, env: Record<string, string> = {}): Promise<Harness> {
  return startHarness({
    backend,
    env: { ADMIN_AUTH_FAILURES_PER_MINUTE: '100000', ...env },
    policies: { 'p.yaml': 'name: p\nrules:\n  - id: s\n    detector: secret\n    action: block\n' },
  });
}

/** Writes the records through the sidecar's own writer and waits until they are stored. */
export async function seed(h: Harness, records: readonly AuditRecord[]): Promise<void> {
  for (const r of records) h.sidecar.ctx.audit.write(r);
  await h.flush();
}

export async function getJson(h: Harness, path: string, token?: string | null): Promise<{ status: number; body: any }> {
  const res = await h.admin(path, token === undefined ? {} : { token });
  return { status: res.status, body: await res.json() };
}

/** Every item of a filtered list, walking all pages. */
export async function listAll(h: Harness, query: string, limit = 100): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? '&' : '';
    const r = await getJson(h, `/audit/requests?${query}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    if (r.status !== 200) throw new Error(`list ${query}: ${r.status} ${JSON.stringify(r.body)}`);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
  } while (cursor);
  return items;
}

