// The audit API: roles, filters, keyset pages without gaps or duplicates, bad parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_TOKEN, backends, startHarness, type Harness } from '../support/harness.js';

const POLICY = 'name: p\nrules:\n  - id: s\n    detector: secret\n    action: block\n';

describe.each(backends())('audit API on %s Postgres', (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ backend, policies: { 'p.yaml': POLICY } });
    const calls = [];
    for (let i = 0; i < 12; i++) {
      calls.push(
        h.client.chat.completions.create(
          { model: i % 3 === 0 ? 'gpt-a' : 'gpt-b', messages: [{ role: 'user', content: `call ${i}` }] },
          { headers: { 'x-caller': i % 2 ? 'billing-svc' : 'search-svc', ...(i === 5 ? { 'x-standin-status': '429' } : {}), ...(i === 7 ? { 'x-standin-status': '503' } : {}) } },
        ).catch(() => undefined),
      );
    }
    await Promise.all(calls);
    await h.flush();
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = async (q: string, token?: string | null) => {
    const res = await h.admin(`/audit/requests${q}`, token === undefined ? {} : { token });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('needs a token (401) and lets auditors read', async () => {
    expect((await get('', null)).status).toBe(401);
    expect((await get('', 'wrong-token-xxxxxxxxxxxxxxxx')).status).toBe(401);
    const r = await get('?limit=1', AUDITOR_TOKEN);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
  });

  it('pages newest first with no duplicates or gaps', async () => {
    const all = await get('?limit=100');
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { body: { items: { id: string }[]; nextCursor: string | null } } = await get(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...r.body.items.map((i) => i.id));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(ids).toEqual(all.body.items.map((i: any) => i.id));
    expect(new Set(ids).size).toBe(ids.length);
    const times = all.body.items.map((i: any) => Date.parse(i.receivedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('filters by model, status, caller, time and key, combined', async () => {
    expect((await get('?model=gpt-a')).body.items).toHaveLength(4);
    expect((await get('?status=429')).body.items).toHaveLength(1);
    expect((await get('?status=5xx')).body.items).toHaveLength(1);
    expect((await get('?status=4xx,5xx')).body.items).toHaveLength(2);
    expect((await get('?caller=billing-svc&model=gpt-b')).body.items.every((i: any) => i.caller === 'billing-svc' && i.model === 'gpt-b')).toBe(true);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await get(`?from=${future}`)).body.items).toHaveLength(0);
    const any = (await get('?limit=1')).body.items[0];
    expect((await get(`?key=${any.keyFingerprint}`)).body.items.length).toBeGreaterThanOrEqual(12);
    expect((await get('?decision=block')).body.items).toHaveLength(0);
  });

  it('refuses bad parameters with 400 naming the parameter', async () => {
    for (const [q, param] of [
      ['?limit=0', 'limit'],
      ['?limit=abc', 'limit'],
      ['?status=4x4', 'status'],
      ['?from=yesterday', 'from'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?decision=maybe', 'decision'],
      ['?colour=red', 'colour'],
      ['?model=a&model=b', 'model'],
      ["?caller=' or 1=1 --&key=zz", 'key'],
    ] as const) {
      const r = await get(q);
      expect(r.status, q).toBe(400);
      expect(r.body.error.param, q).toBe(param);
      expect(r.body.error.message, q).toContain(param);
    }
  });

  it('returns a whole record by id, 404 for an unknown one, 400 for a malformed one', async () => {
    const first = (await get('?limit=1')).body.items[0];
    const res = await h.admin(`/audit/requests/${first.id}`);
    const rec = (await res.json()) as any;
    expect(rec.id).toBe(first.id);
    expect(rec).toHaveProperty('prompt');
    expect(rec).toHaveProperty('findings');
    expect((await h.admin('/audit/requests/0190a7a0-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await h.admin('/audit/requests/nope')).status).toBe(400);
  });
});
