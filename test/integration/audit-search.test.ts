// Audit list filters through the real API: every combination of every filter (q included)
// against a reference filter in JS, text search semantics, and injection attempts that
// must come back as ordinary results.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/record.js';
import { backends, type Harness } from '../support/harness.js';
import { getJson, listAll, makeRecord, seed, startAuditHarness } from './audit-support.js';

const MIN = 60_000;
const NOW = Date.now();
const KEY_A = 'aaaa00001111';
const KEY_B = 'bbbb00002222';

const PROMPTS = [
  'Summarise the Project Nightingale roadmap',
  'Pay invoice 100% now, ref A_1',
  'what is the weather',
  'Draft an email to the nightingale team about 50% off',
  "it's a 'quoted' prompt; select * from x",
];
const RESPONSES = ['Deploy with Kubernetes.', 'Sure.', null, 'NIGHTINGALE is on track', 'ras and r_s'];

function dataset(): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < 60; i++) {
    out.push(
      makeRecord({
        receivedAt: new Date(NOW - (i * 97_000) % (90 * MIN) - 5 * MIN),
        model: ['gpt-a', 'gpt-b', 'gpt-c'][i % 3]!,
        returnedModel: `${['gpt-a', 'gpt-b', 'gpt-c'][i % 3]}-2026`,
        status: [200, 200, 429, 500, 503, 400, 200][i % 7]!,
        caller: [null, 'svc-a', 'svc-b', 'svc-a'][i % 4]!,
        keyFingerprint: i % 5 < 3 ? KEY_A : KEY_B,
        decision: ['allow', 'flag', 'redact', 'block', 'allow'][i % 5]!,
        prompt: PROMPTS[i % PROMPTS.length]!,
        response: RESPONSES[(i * 3) % RESPONSES.length]!,
      }),
    );
  }
  return out;
}

/** The filters under test, each with its query text and its meaning. */
const FILTERS: { name: string; query: string; test: (r: AuditRecord) => boolean }[] = [
  { name: 'from', query: `from=${new Date(NOW - 60 * MIN).toISOString()}`, test: (r) => r.receivedAt.getTime() >= NOW - 60 * MIN },
  { name: 'to', query: `to=${NOW - 20 * MIN}`, test: (r) => r.receivedAt.getTime() < NOW - 20 * MIN },
  { name: 'model', query: 'model=gpt-a,gpt-c-2026', test: (r) => r.model === 'gpt-a' || r.returnedModel === 'gpt-c-2026' },
  { name: 'status', query: 'status=429,5xx', test: (r) => r.status === 429 || r.status >= 500 },
  { name: 'decision', query: 'decision=allow,block', test: (r) => r.decision === 'allow' || r.decision === 'block' },
  { name: 'key', query: `key=${KEY_A}`, test: (r) => r.keyFingerprint === KEY_A },
  { name: 'caller', query: 'caller=svc-a', test: (r) => r.caller === 'svc-a' },
  { name: 'q', query: 'q=nightingale', test: (r) => /nightingale/i.test(r.prompt ?? '') || /nightingale/i.test(r.response ?? '') },
];

describe.each(backends())('audit search on %s Postgres', (backend) => {
  let h: Harness;
  let records: AuditRecord[];
  beforeAll(async () => {
    h = await startAuditHarness(backend);
    records = dataset();
    await seed(h, records);
  });
  afterAll(async () => {
    await h?.close();
  });

  const ids = (items: any[]) => items.map((i) => i.id).sort();
  const expected = (test: (r: AuditRecord) => boolean) => records.filter(test).map((r) => r.id).sort();

  it('applies every combination of filters together (AND), across pages', async () => {
    let nonEmpty = 0;
    for (let mask = 0; mask < 1 << FILTERS.length; mask++) {
      const on = FILTERS.filter((_, i) => mask & (1 << i));
      const got = await listAll(h, on.map((f) => f.query).join('&'), 7);
      const want = expected((r) => on.every((f) => f.test(r)));
      expect(ids(got), on.map((f) => f.name).join('+') || 'no filter').toEqual(want);
      if (want.length > 0) nonEmpty++;
    }
    // The dataset must make the combinations meaningful, not mostly empty.
    expect(nonEmpty).toBeGreaterThan(100);
  });

  it('searches prompt and response as case-insensitive substrings', async () => {
    expect(ids(await listAll(h, 'q=KUBERNETES'))).toEqual(expected((r) => /kubernetes/i.test(r.response ?? '')));
    expect(ids(await listAll(h, 'q=ghtinga'))).toEqual(expected((r) => /ghtinga/i.test(`${r.prompt}\n${r.response}`)));
    expect(await listAll(h, 'q=nothing-like-this')).toEqual([]);
  });

  it('takes % and _ in q literally', async () => {
    expect(ids(await listAll(h, `q=${encodeURIComponent('100%')}`))).toEqual(expected((r) => (r.prompt ?? '').includes('100%')));
    const both = expected((r) => `${r.prompt}\n${r.response}`.includes('0% '));
    expect(both.length).toBeGreaterThan(records.filter((r) => (r.prompt ?? '').includes('100%')).length);
    expect(ids(await listAll(h, `q=${encodeURIComponent('0% ')}`))).toEqual(both);
    expect(ids(await listAll(h, 'q=r_s'))).toEqual(expected((r) => (r.response ?? '').includes('r_s')));
    expect(await listAll(h, `q=${encodeURIComponent('%%%')}`)).toEqual([]);
    expect(await listAll(h, `q=${encodeURIComponent('\\%_')}`)).toEqual([]);
  });

  it('treats injection attempts as plain values', async () => {
    const attempts = [
      "' or 1=1 --",
      "'); drop table audit_records; --",
      "x' or 'a'='a",
      'nightingale%\' or \'1\'=\'1',
      "1; select pg_sleep(5)",
    ];
    for (const a of attempts) {
      const v = encodeURIComponent(a);
      for (const param of ['q', 'caller', 'model']) {
        const r = await getJson(h, `/audit/requests?${param}=${v}`);
        expect(r.status, `${param}=${a}`).toBe(200);
        expect(r.body.items, `${param}=${a}`).toEqual([]);
      }
      const s = await getJson(h, `/audit/stats?groupBy=model&q=${v}&from=${NOW - 120 * MIN}`);
      expect(s.status).toBe(200);
      expect(s.body.buckets).toEqual([]);
    }
    // Quotes in real text are found, not treated as syntax.
    expect(ids(await listAll(h, `q=${encodeURIComponent("'quoted'")}`))).toEqual(expected((r) => (r.prompt ?? '').includes("'quoted'")));
    expect(ids(await listAll(h, ''))).toHaveLength(records.length);
  });

  it('pages a search through records spread over months, in order, each once', async () => {
    const ages = [0.01, 0.5, 0.9, 1.5, 2.5, 6, 6, 6, 13, 40, 90, 200];
    const spread = ages.map((d, i) => makeRecord({ receivedAt: new Date(NOW - d * 86_400_000 - i), prompt: `an old windowed-term ${i}`, caller: 'spread' }));
    await seed(h, [...spread, makeRecord({ receivedAt: new Date(NOW - 3 * 86_400_000), prompt: 'not this one', caller: 'spread' })]);
    const want = [...spread].sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime()).map((r) => r.id);
    for (const limit of [1, 2, 5, 50]) {
      expect((await listAll(h, 'q=windowed-term', limit)).map((r) => r.id), `limit ${limit}`).toEqual(want);
    }
    const sinceTwoDays = want.filter((id) => spread.find((r) => r.id === id)!.receivedAt.getTime() >= NOW - 2 * 86_400_000);
    expect((await listAll(h, `q=windowed-term&from=${new Date(NOW - 2 * 86_400_000).toISOString()}`, 2)).map((r) => r.id)).toEqual(sinceTwoDays);
    const beforeAWeek = want.filter((id) => spread.find((r) => r.id === id)!.receivedAt.getTime() < NOW - 7 * 86_400_000);
    expect((await listAll(h, `q=windowed-term&to=${new Date(NOW - 7 * 86_400_000).toISOString()}`, 3)).map((r) => r.id)).toEqual(beforeAWeek);
  });

  it('finds text anywhere in long prompts and responses, in list, stats and export', async () => {
    const LONG = 100_000;
    const at = (i: number) => new Date(NOW - 3 * 86_400_000 - i * 1000);
    const pad = (n: number) => 'lorem ipsum '.repeat(Math.ceil(n / 12)).slice(0, n);
    const long = [
      makeRecord({ receivedAt: at(1), caller: 'long', prompt: `${pad(LONG)} deep-needle here` }),
      makeRecord({ receivedAt: at(2), caller: 'long', prompt: `${pad(LONG * 2)}deep-needle` }),
      makeRecord({ receivedAt: at(3), caller: 'long', prompt: 'short prompt', response: `${pad(LONG)}DEEP-NEEDLE` }),
      makeRecord({ receivedAt: at(4), caller: 'long', prompt: `deep-needle first ${pad(LONG)}` }),
      makeRecord({ receivedAt: at(5), caller: 'long', prompt: 'a short deep-needle prompt' }),
    ];
    const without = [
      makeRecord({ receivedAt: at(6), caller: 'long', prompt: pad(LONG * 2), response: pad(LONG) }),
      makeRecord({ receivedAt: at(7), caller: 'long', prompt: `${pad(LONG)} deep-noodle` }),
    ];
    await seed(h, [...long, ...without]);
    const want = long.map((r) => r.id); // newest first, as seeded
    for (const limit of [1, 2, 50]) {
      expect((await listAll(h, 'q=deep-needle', limit)).map((r) => r.id), `limit ${limit}`).toEqual(want);
    }
    const stats = await getJson(h, `/audit/stats?groupBy=caller&q=deep-needle&from=${new Date(NOW - 4 * 86_400_000).toISOString()}`);
    expect(stats.status).toBe(200);
    expect(stats.body.buckets.find((b: any) => b.key === 'long')?.count).toBe(long.length);
    const exported = await h.admin('/audit/export?format=ndjson&q=deep-needle');
    const ids = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l).id);
    expect(ids.sort()).toEqual([...want].sort());
  });

  it('refuses a q that is too short, too long or holds NUL, naming q', async () => {
    for (const q of ['ab', 'x'.repeat(201), 'ab%00c']) {
      const r = await getJson(h, `/audit/requests?q=${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.param).toBe('q');
    }
  });
});
