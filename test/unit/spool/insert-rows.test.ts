// The shipper's insert: rows land field by field as a plain Kysely insert writes them, a
// batch shipped twice adds nothing, and Postgres refusing a row's data is told apart.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HashChain } from '../../../src/audit/chain.js';
import { toRow, type AuditRecord } from '../../../src/audit/record.js';
import { insertRows, isDataError } from '../../../src/audit/spool/insert-rows.js';
import { splitRows } from '../../../src/audit/spool/shipper.js';
import type { NewAuditRow } from '../../../src/db/schema.js';
import { uuidv7 } from '../../../src/ids.js';
import { backends, makeRecord, openTestDb, type TestDb } from './support.js';

/** Rows as the shipper has them: through the spool's JSON and back. */
function spooled(records: AuditRecord[]): NewAuditRow[] {
  const chain = new HashChain(uuidv7());
  return records.map((r) => JSON.parse(JSON.stringify(chain.next(toRow(r, 10_000)))) as NewAuditRow);
}

const AWKWARD = [
  makeRecord(),
  makeRecord({
    prompt: 'quotes " and \' , commas, {braces}, (parens), back\\slash \\" NULL null\ttab\nnewline naïve café — 東京 ✓ 😀',
    response: '',
    params: { temperature: 0.1 + 0.2, stop: ['\n', '"', '\\', '{}'], nested: { a: [1, null, true] } },
    findings: [{ rule: '_unscanned', phase: 'output', kinds: ['image'] }],
    upstreamError: { type: 'server_error', code: null, message: 'upstream said "no" {x}' },
    durationMs: 1 / 3,
    ttfbMs: null,
    filterMs: 1e-7,
    stream: true,
    status: 502,
    upstreamStatus: null,
    route: null,
    model: 'NULL',
    caller: '',
    clientIp: null,
    promptTokens: null,
    reasoningTokens: 2_147_483_647,
    requestBytes: 2 ** 40,
    clientAborted: true,
    retries: 3,
  }),
  makeRecord({ prompt: null, response: null, promptStorage: 'none', responseStorage: 'none', params: null, receivedAt: new Date('2026-11-25T23:59:59.999Z') }),
];

describe.each(backends())('insertRows on the %s database', (backend) => {
  let tdb: TestDb;

  beforeAll(async () => {
    tdb = await openTestDb(backend);
  });
  afterAll(async () => {
    await tdb.close();
  });
  afterEach(async () => {
    await tdb.truncate();
  });

  it('lands every field as a plain insert of the same row does', async () => {
    const rows = spooled(AWKWARD);
    await insertRows(tdb.db, rows);
    // The same rows, with other ids, through Kysely's multi-row VALUES insert.
    const twins = rows.map((r) => ({ ...r, id: uuidv7() }));
    await tdb.db.insertInto('audit_records').values(twins).execute();
    const all = await tdb.db.selectFrom('audit_records').selectAll().execute();
    const byId = new Map(all.map((r) => [r.id, r]));
    expect(all).toHaveLength(rows.length * 2);
    rows.forEach((row, i) => {
      const { id: _a, ...mine } = byId.get(row.id)!;
      const { id: _b, ...theirs } = byId.get(twins[i]!.id)!;
      expect(mine).toEqual(theirs);
    });
    const awkward = byId.get(rows[1]!.id)!;
    expect(awkward.prompt).toBe(AWKWARD[1]!.prompt);
    expect(awkward.params).toEqual(AWKWARD[1]!.params);
    expect(awkward.duration_ms).toBe(1 / 3);
    expect(awkward.request_bytes).toBe(2 ** 40);
  });

  it('is idempotent: the batch again adds nothing, a duplicate within it too', async () => {
    const rows = spooled(Array.from({ length: 5 }, () => makeRecord()));
    await insertRows(tdb.db, rows);
    await insertRows(tdb.db, [...rows, rows[0]!]);
    expect(await tdb.count()).toBe(5);
  });

  it('gives a column the row leaves out its default', async () => {
    const [row] = spooled([makeRecord({ retries: 2, clientAborted: true })]);
    const { retries: _r, client_aborted: _c, findings: _f, ...partial } = row!;
    await insertRows(tdb.db, [partial as NewAuditRow]);
    const back = await tdb.db.selectFrom('audit_records').select(['retries', 'client_aborted', 'findings']).executeTakeFirstOrThrow();
    expect(back).toEqual({ retries: 0, client_aborted: false, findings: [] });
  });

  it('fails the statement with a data error for a value Postgres refuses', async () => {
    const rows = spooled([makeRecord(), makeRecord({ status: 2 ** 40 })]);
    const err = await insertRows(tdb.db, rows).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataError(err)).toBe(true);
    expect(await tdb.count()).toBe(0);
  });
});

describe('splitRows', () => {
  it('splits into contiguous parts of about equal size, never tiny ones', () => {
    const rows = Array.from({ length: 500 }, (_, i) => i);
    const parts = splitRows(rows, 2);
    expect(parts.map((p) => p.length)).toEqual([250, 250]);
    expect(parts.flat()).toEqual(rows);
    expect(splitRows(rows.slice(0, 100), 2)).toEqual([rows.slice(0, 100)]);
    expect(splitRows(rows.slice(0, 1), 4)).toEqual([[0]]);
    expect(splitRows(rows.slice(0, 301), 3).map((p) => p.length)).toEqual([101, 101, 99]);
    expect(splitRows([], 2)).toEqual([]);
  });
});
