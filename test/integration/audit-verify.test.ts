// GET /audit/verify: the hash chains of stored records, recomputed. Editing a stored field,
// deleting a record or re-hashing an edited one are each reported; records that retention
// removed, records received outside the range and records of other writers are not breaks.
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HashChain, recordHash } from '../../src/audit/chain.js';
import { toRow } from '../../src/audit/record.js';
import { applyRetention } from '../../src/audit/retention.js';
import type { AuditRow } from '../../src/db/schema.js';
import { AUDITOR_TOKEN, backends, type Harness } from '../support/harness.js';
import { getJson, makeRecord, seed, startAuditHarness } from './audit-support.js';

const DAY = 86_400_000;

describe.each(backends())('audit verify on %s Postgres', (backend) => {
  let h: Harness;
  const db = () => h.sidecar.ctx.database.db;
  const verify = async (q = '') => {
    const r = await getJson(h, `/audit/verify${q}`, AUDITOR_TOKEN);
    expect(r.status).toBe(200);
    return r.body;
  };
  /** The chained rows, in chain order. */
  const chain = () => db().selectFrom('audit_records').selectAll().where('chain_id', 'is not', null).orderBy('chain_id').orderBy('chain_seq').execute();

  beforeAll(async () => {
    h = await startAuditHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
  });
  beforeEach(async () => {
    await sql`truncate audit_records`.execute(db());
    const t0 = Date.now() - 60_000;
    await seed(
      h,
      Array.from({ length: 30 }, (_, i) =>
        makeRecord({ receivedAt: new Date(t0 + i * 1_000), prompt: `prompt ${i}`, params: { temperature: i / 10, stop: ['a', 'b'] } }),
      ),
    );
  });

  it('reports an intact log as ok', async () => {
    const before = (await chain()).length;
    // Real traffic through the proxy joins the same chain.
    await h.client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hello, chain' }] });
    await h.flush();
    const r = await verify();
    expect(r).toEqual({ ok: true, checked: before + 1, chains: 1, unchained: 0, firstBreak: null, from: null, to: null });
  });

  it('finds a prompt altered in the database', async () => {
    const victim = (await chain())[12]!;
    await sql`update audit_records set prompt = 'nothing to see here' where id = ${victim.id}`.execute(db());
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.firstBreak).toEqual({ id: victim.id, chainId: victim.chain_id, seq: victim.chain_seq, reason: 'hash mismatch' });
    // Put back exactly as it was: the canonical form makes it verify again.
    await sql`update audit_records set prompt = ${victim.prompt} where id = ${victim.id}`.execute(db());
    expect((await verify()).ok).toBe(true);
  });

  it('finds other altered fields: a status, a time, a jsonb value', async () => {
    const rows = await chain();
    for (const [i, change] of [
      [3, sql`status = 200 + 1`],
      [4, sql`received_at = received_at + interval '1 millisecond'`],
      [5, sql`params = jsonb_set(params, '{temperature}', '9')`],
      [6, sql`decision = 'allow', findings = '[]'::jsonb, response = response`],
    ] as const) {
      const victim = rows[i]!;
      const snapshot = await db().selectFrom('audit_records').selectAll().where('id', '=', victim.id).executeTakeFirstOrThrow();
      await sql`update audit_records set ${change} where id = ${victim.id}`.execute(db());
      const r = await verify();
      if (i === 6) {
        // Setting fields to the values they already had changes nothing.
        expect(r.ok, String(i)).toBe(true);
      } else {
        expect(r.firstBreak, String(i)).toMatchObject({ id: victim.id, reason: 'hash mismatch' });
      }
      await db().deleteFrom('audit_records').where('id', '=', victim.id).execute();
      await db().insertInto('audit_records').values(restore(snapshot)).execute();
      expect((await verify()).ok, `${i} restored`).toBe(true);
    }
  });

  it('finds a deleted record as a gap', async () => {
    const rows = await chain();
    await db().deleteFrom('audit_records').where('id', '=', rows[20]!.id).execute();
    const r = await verify();
    expect(r.firstBreak).toEqual({ id: rows[21]!.id, chainId: rows[21]!.chain_id, seq: rows[21]!.chain_seq, reason: 'missing record (gap in seq)' });
  });

  it('finds an edited record whose hash was recomputed, at the next record', async () => {
    const rows = await chain();
    const victim = rows[8]!;
    const forged = { ...victim, prompt: 'forged' } as AuditRow;
    await sql`update audit_records set prompt = 'forged', hash = ${recordHash(forged, 'stored')} where id = ${victim.id}`.execute(db());
    const r = await verify();
    expect(r.firstBreak).toEqual({ id: rows[9]!.id, chainId: victim.chain_id, seq: rows[9]!.chain_seq, reason: 'prev_hash mismatch' });
  });

  it('anchors each chain at its first record in the range', async () => {
    const rows = await chain();
    const from = new Date(rows[10]!.received_at).toISOString();
    // A record before the range is gone: it does not concern this range.
    await db().deleteFrom('audit_records').where('id', '=', rows[2]!.id).execute();
    const r = await verify(`?from=${from}`);
    expect(r).toMatchObject({ ok: true, chains: 1, from });
    expect(r.checked).toBe(rows.filter((x) => new Date(x.received_at).toISOString() >= from).length);
    expect((await verify()).firstBreak).toMatchObject({ id: rows[3]!.id, reason: 'missing record (gap in seq)' });
  });

  it('links records of the range through one received outside it', async () => {
    const t0 = Date.now() + 60_000;
    // Written in this order, so chained in this order; the second call began an hour early.
    await seed(h, [
      makeRecord({ receivedAt: new Date(t0 + 1_000), caller: 'span' }),
      makeRecord({ receivedAt: new Date(t0 - 3_600_000), caller: 'span' }),
      makeRecord({ receivedAt: new Date(t0 + 2_000), caller: 'span' }),
    ]);
    const r = await verify(`?from=${new Date(t0).toISOString()}`);
    expect(r).toMatchObject({ ok: true, chains: 1, checked: 3 });
    const outside = await db().selectFrom('audit_records').select('id').where('received_at', '=', new Date(t0 - 3_600_000)).executeTakeFirstOrThrow();
    await db().deleteFrom('audit_records').where('id', '=', outside.id).execute();
    expect((await verify(`?from=${new Date(t0).toISOString()}`)).firstBreak).toMatchObject({ reason: 'missing record (gap in seq)' });
  });

  it('verifies each writer’s chain on its own, and counts unchained records', async () => {
    // Another replica's writer: its own chain, interleaved in time with this one's.
    const other = new HashChain('0190a7a0-0000-7000-8000-0000000000ff');
    await db()
      .insertInto('audit_records')
      .values(Array.from({ length: 5 }, () => other.next(toRow(makeRecord({ caller: 'other-writer' }), 1_000_000))))
      .execute();
    await seed(h, [makeRecord()]);
    const { id: _id, chain_id: _c, chain_seq: _s, prev_hash: _p, hash: _hsh, ...legacy } = restore((await chain())[0]!);
    await db().insertInto('audit_records').values({ ...legacy, id: '0190a7a0-0000-7000-8000-000000000001' }).execute();
    expect(await verify()).toMatchObject({ ok: true, chains: 2, checked: 36, unchained: 1 });
  });

  it('accepts the gaps retention leaves, even where calls finished out of order', async () => {
    const now = Date.now();
    const old = new Date(now - 40 * DAY);
    // Chain order: recent, old, recent, old, recent: retention takes the old ones.
    await seed(h, [0, 1, 2, 3, 4].map((i) => makeRecord({ receivedAt: i % 2 ? old : new Date(now - i), caller: 'ret' })));
    const removed = await applyRetention(db(), { days: 30 });
    expect(removed.deletedRows).toBe(2);
    const mark = await db().selectFrom('audit_retention_marks').selectAll().executeTakeFirstOrThrow();
    expect(Number(mark.removed_through)).toBe(Math.max(...(await chain()).map((r) => Number(r.chain_seq))) - 1);
    expect(await verify()).toMatchObject({ ok: true });
    // A record deleted by hand past what retention removed is still a break.
    await seed(h, [makeRecord({ caller: 'after' }), makeRecord({ caller: 'after' })]);
    const rows = await chain();
    await db().deleteFrom('audit_records').where('id', '=', rows[rows.length - 2]!.id).execute();
    expect((await verify()).firstBreak).toMatchObject({ id: rows[rows.length - 1]!.id, reason: 'missing record (gap in seq)' });
  });

  it('refuses bad parameters, naming them', async () => {
    for (const [q, param] of [
      ['?from=yesterday', 'from'],
      ['?to=x', 'to'],
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['?model=gpt', 'model'],
    ] as const) {
      const r = await getJson(h, `/audit/verify${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.param, q).toBe(param);
    }
  });
});

/** A selected row back into insertable form (jsonb columns as JSON text). */
function restore(row: AuditRow) {
  return {
    ...row,
    upstream_error: JSON.stringify(row.upstream_error),
    params: JSON.stringify(row.params),
    findings: JSON.stringify(row.findings),
    request_bytes: Number(row.request_bytes),
    response_bytes: Number(row.response_bytes),
  };
}
