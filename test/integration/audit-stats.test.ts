// GET /audit/stats against traffic whose numbers are known: counts, errors by class,
// token sums, interpolated latency percentiles and decisions, per every groupBy, with
// filters, plus the range rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/record.js';
import { backends, type Harness } from '../support/harness.js';
import { getJson, makeRecord, seed, startAuditHarness } from './audit-support.js';

const HOUR = 3_600_000;
// Three whole UTC hours well inside today's partitions' reach.
const START = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
const FROM = new Date(START).toISOString();
const TO = new Date(START + 3 * HOUR).toISOString();

/** percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function dataset(): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < 90; i++) {
    out.push(
      makeRecord({
        // 0..2 hours in, several per minute in the first minutes of each hour.
        receivedAt: new Date(START + (i % 3) * HOUR + Math.floor(i / 3) * 20_000 + 123),
        durationMs: 10 + ((i * 37) % 101) + i / 7,
        model: ['m-one', 'm-two', 'm-three'][i % 3 === 0 ? 0 : i % 5 === 0 ? 2 : 1]!,
        status: [200, 200, 200, 429, 500, 503, 404, 200, 200][i % 9]!,
        caller: i % 4 === 0 ? null : `caller-${i % 4}`,
        keyFingerprint: i % 2 ? 'aaaa1111' : 'bbbb2222',
        decision: ['allow', 'allow', 'flag', 'redact', 'block'][i % 5]!,
        promptTokens: i,
        completionTokens: i % 2 ? 2 * i : null,
        totalTokens: i + (i % 2 ? 2 * i : 0),
        prompt: i % 6 === 0 ? 'about the harbour project' : 'something else',
      }),
    );
  }
  // Outside the range: must not count.
  out.push(makeRecord({ receivedAt: new Date(START - 1), model: 'm-one' }), makeRecord({ receivedAt: new Date(START + 3 * HOUR), model: 'm-one' }));
  return out;
}

function expectedBucket(rs: AuditRecord[]) {
  const lat = rs.map((r) => r.durationMs);
  return {
    count: rs.length,
    errors: { '4xx': rs.filter((r) => r.status >= 400 && r.status < 500).length, '5xx': rs.filter((r) => r.status >= 500).length },
    tokens: {
      prompt: rs.reduce((a, r) => a + (r.promptTokens ?? 0), 0),
      completion: rs.reduce((a, r) => a + (r.completionTokens ?? 0), 0),
      total: rs.reduce((a, r) => a + (r.totalTokens ?? 0), 0),
    },
    latencyMs: { p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), p99: percentile(lat, 0.99) },
    decisions: {
      allow: rs.filter((r) => r.decision === 'allow').length,
      flag: rs.filter((r) => r.decision === 'flag').length,
      redact: rs.filter((r) => r.decision === 'redact').length,
      block: rs.filter((r) => r.decision === 'block').length,
    },
  };
}

function groups(rs: AuditRecord[], keyOf: (r: AuditRecord) => string): Map<string, AuditRecord[]> {
  const m = new Map<string, AuditRecord[]>();
  for (const r of rs) m.set(keyOf(r), [...(m.get(keyOf(r)) ?? []), r]);
  return m;
}

function expectBuckets(actual: any[], want: Map<string, AuditRecord[]>) {
  expect(actual.map((b) => b.key).sort()).toEqual([...want.keys()].sort());
  for (const b of actual) {
    const e = expectedBucket(want.get(b.key)!);
    expect({ ...b, latencyMs: undefined }, b.key).toEqual({ key: b.key, ...e, latencyMs: undefined });
    for (const p of ['p50', 'p95', 'p99'] as const) expect(b.latencyMs[p], `${b.key} ${p}`).toBeCloseTo(e.latencyMs[p], 2);
  }
}

describe.each(backends())('audit stats on %s Postgres', (backend) => {
  let h: Harness;
  let inRange: AuditRecord[];
  beforeAll(async () => {
    h = await startAuditHarness(backend);
    const all = dataset();
    await seed(h, all);
    inRange = all.filter((r) => r.receivedAt.getTime() >= START && r.receivedAt.getTime() < START + 3 * HOUR);
  });
  afterAll(async () => {
    await h?.close();
  });

  const stats = (q: string) => getJson(h, `/audit/stats?from=${FROM}&to=${TO}&${q}`);

  it('buckets by hour, ascending, with every figure right', async () => {
    const r = await stats('groupBy=hour');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ groupBy: 'hour', from: FROM, to: TO });
    expect(r.body.buckets.map((b: any) => b.key)).toEqual([0, 1, 2].map((i) => new Date(START + i * HOUR).toISOString()));
    expectBuckets(r.body.buckets, groups(inRange, (x) => new Date(Math.floor(x.receivedAt.getTime() / HOUR) * HOUR).toISOString()));
  });

  it('defaults groupBy to hour', async () => {
    const r = await stats('');
    expect(r.body.groupBy).toBe('hour');
    expect(r.body.buckets).toHaveLength(3);
  });

  it('buckets by minute, ascending, leaving empty minutes out', async () => {
    const r = await stats('groupBy=minute');
    const want = groups(inRange, (x) => new Date(Math.floor(x.receivedAt.getTime() / 60_000) * 60_000).toISOString());
    expectBuckets(r.body.buckets, want);
    const keys = r.body.buckets.map((b: any) => b.key);
    expect(keys).toEqual([...keys].sort());
  });

  it.each([
    ['model', (r: AuditRecord) => r.model ?? ''],
    ['status', (r: AuditRecord) => String(r.status)],
    ['decision', (r: AuditRecord) => r.decision],
    ['key', (r: AuditRecord) => r.keyFingerprint ?? ''],
    ['caller', (r: AuditRecord) => r.caller ?? ''],
  ] as const)('groups by %s, busiest first', async (groupBy, keyOf) => {
    const r = await stats(`groupBy=${groupBy}`);
    expect(r.status).toBe(200);
    expectBuckets(r.body.buckets, groups(inRange, keyOf));
    const counts = r.body.buckets.map((b: any) => b.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('applies the list filters, q included', async () => {
    const r = await stats('groupBy=model&status=5xx,429&caller=caller-2,caller-3&q=HARBOUR');
    const want = inRange.filter(
      (x) => (x.status >= 500 || x.status === 429) && (x.caller === 'caller-2' || x.caller === 'caller-3') && /harbour/i.test(x.prompt ?? ''),
    );
    expect(want.length).toBeGreaterThan(0);
    expectBuckets(r.body.buckets, groups(want, (x) => x.model ?? ''));
  });

  it('returns at most 100 groups, the busiest', async () => {
    const at = new Date(START + 2 * HOUR + 30 * 60_000);
    await seed(h, Array.from({ length: 105 }, (_, i) => makeRecord({ receivedAt: at, caller: `many-${String(i).padStart(3, '0')}`, model: 'm-many' })));
    await seed(h, [makeRecord({ receivedAt: at, caller: 'many-104', model: 'm-many' })]);
    const r = await stats('groupBy=caller&model=m-many');
    expect(r.body.buckets).toHaveLength(100);
    expect(r.body.buckets[0]).toMatchObject({ key: 'many-104', count: 2 });
  });

  it('refuses bad groupBy and ranges, naming the parameter', async () => {
    for (const [q, param] of [
      ['groupBy=day', 'groupBy'],
      ['groupBy=', 'groupBy'],
      [`from=${TO}&to=${FROM}`, 'from'],
      [`from=2020-01-01T00:00:00Z&to=${TO}`, 'from'],
      [`from=${FROM}&to=${new Date(START + 25 * HOUR).toISOString()}&groupBy=minute`, 'from'],
      ['to=soon', 'to'],
      ['limit=5', 'limit'],
      ['q=a', 'q'],
      ['status=abc', 'status'],
    ] as const) {
      const r = await getJson(h, `/audit/stats?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.param, q).toBe(param);
      expect(r.body.error.message, q).toContain(param);
    }
  });
});
