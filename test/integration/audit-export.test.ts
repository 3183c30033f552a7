// GET /audit/export: every matching record, whole, as NDJSON or CSV, across many pages;
// CSV that a strict RFC 4180 parser reads back (commas, quotes, line breaks) with the
// formula guard; a client that goes away stops the export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/record.js';
import { backends, type Harness } from '../support/harness.js';
import { getJson, makeRecord, parseCsv, seed, startAuditHarness } from './audit-support.js';

const TRICKY: (string | null)[] = [
  'a,b,c',
  'say "hi", then "bye"',
  'line one\r\nline two\nline three\rend',
  '=HYPERLINK("http://evil.example","x")',
  '+1+2',
  '-cmd',
  '@SUM(A1:A2)',
  'ünïcödé ✓ 中文',
  '',
  null,
  '"',
];

async function exportText(h: Harness, query: string): Promise<{ res: Response; text: string }> {
  const res = await h.admin(`/audit/export?${query}`);
  return { res, text: await res.text() };
}

describe.each(backends())('audit export on %s Postgres', (backend) => {
  let h: Harness;
  let total: number;
  beforeAll(async () => {
    h = await startAuditHarness(backend);
    const base = Date.now() - 3_600_000;
    const bulk: AuditRecord[] = Array.from({ length: 2_300 }, (_, i) =>
      makeRecord({ receivedAt: new Date(base + i * 1_000), model: i % 23 === 0 ? 'm-x' : 'm-y', caller: 'bulk', prompt: `prompt ${i}`, response: `response ${i}` }),
    );
    const tricky = TRICKY.map((prompt, i) =>
      makeRecord({ receivedAt: new Date(base + 3_000_000 + i), caller: 'tricky', prompt, response: prompt === null ? null : `re: ${prompt}`, params: { note: 'a,"b"\n', n: i } }),
    );
    await seed(h, [...bulk, ...tricky]);
    total = bulk.length + tricky.length;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('streams every record as NDJSON, newest first, whole', async () => {
    const { res, text } = await exportText(h, 'format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-\d{8}T\d{6}Z\.ndjson"$/);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(total);
    expect(new Set(lines.map((l) => l.id)).size).toBe(total);
    const times = lines.map((l) => l.receivedAt);
    expect(times).toEqual([...times].sort().reverse());
    const one = lines.find((l) => l.prompt === 'prompt 7');
    expect(one).toMatchObject({ response: 'response 7', caller: 'bulk', params: { temperature: 0.7, top_p: 1 }, chainSeq: expect.any(Number) });
    expect(one.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('defaults to NDJSON and applies the filters', async () => {
    const { text } = await exportText(h, 'model=m-x');
    expect(text.trimEnd().split('\n')).toHaveLength(100);
    const { text: none } = await exportText(h, 'caller=nobody');
    expect(none).toBe('');
  });

  it('streams every record as CSV with one header row', async () => {
    const { res, text } = await exportText(h, 'format=csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/\.csv"$/);
    const rows = parseCsv(text);
    expect(rows).toHaveLength(total + 1);
    expect(rows[0]).toContain('receivedAt');
    expect(rows[0]).toContain('prompt');
    expect(rows[0]).toContain('hash');
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    const { text: filtered } = await exportText(h, 'format=csv&model=m-x&q=prompt%201');
    expect(parseCsv(filtered).slice(1).map((r) => r[rows[0]!.indexOf('prompt')]).sort()).toEqual(
      Array.from({ length: 2_300 }, (_, i) => i).filter((i) => i % 23 === 0 && `prompt ${i}`.includes('prompt 1')).map((i) => `prompt ${i}`).sort(),
    );
    const { text: empty } = await exportText(h, 'format=csv&caller=nobody');
    expect(parseCsv(empty)).toEqual([rows[0]]);
  });

  it('writes commas, quotes and line breaks so they parse back, and guards formulas', async () => {
    const rows = parseCsv((await exportText(h, 'format=csv&caller=tricky')).text);
    const [header, ...body] = rows;
    const col = (name: string) => header!.indexOf(name);
    const prompts = body.map((r) => r[col('prompt')]);
    const guarded = (s: string | null) => (s === null ? '' : /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
    expect(prompts.sort()).toEqual(TRICKY.map(guarded).sort());
    for (const r of body) {
      expect(JSON.parse(r[col('params')]!)).toMatchObject({ note: 'a,"b"\n' });
      expect(r[col('stream')]).toBe('false');
    }
  });

  it('refuses bad parameters, naming them', async () => {
    for (const [q, param] of [
      ['format=xml', 'format'],
      ['limit=10', 'limit'],
      ['cursor=abc', 'cursor'],
      ['from=never', 'from'],
      ['q=xy', 'q'],
    ] as const) {
      const r = await getJson(h, `/audit/export?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.param, q).toBe(param);
    }
  });

  it('stops when the client goes away', async () => {
    const big = 'x'.repeat(50_000);
    await seed(h, Array.from({ length: 400 }, (_, i) => makeRecord({ caller: 'big', prompt: `${i} ${big}`, response: big })));
    const ac = new AbortController();
    const res = await h.admin('/audit/export?caller=big', { signal: ac.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    ac.abort();
    await reader.cancel().catch(() => undefined);
    await expect.poll(() => h.logs.some((l) => l.includes('audit export: client went away')), { timeout: 5_000 }).toBe(true);
    expect((await getJson(h, '/audit/requests?limit=1')).status).toBe(200);
  });
});
