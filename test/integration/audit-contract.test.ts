// The admin API as described by GET /openapi.json: the document lists every route with
// the parameters the validators accept, and each route enforces the role it states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditQuerySchema, exportQuerySchema, statsQuerySchema, verifyQuerySchema } from '../../src/http/admin/params.js';
import { ADMIN_TOKEN, AUDITOR_TOKEN, backends, type Harness } from '../support/harness.js';
import { getJson, makeRecord, seed, startAuditHarness } from './audit-support.js';

const ROUTES = [
  'get /audit/requests',
  'get /audit/requests/{id}',
  'get /audit/stats',
  'get /audit/export',
  'get /audit/verify',
  'get /policies',
  'get /policies/{name}',
  'put /policies/{name}',
  'get /policies/{name}/history',
  'post /policies/test',
  'get /metrics',
  'get /healthz',
  'get /openapi.json',
];

describe.each(backends())('admin API contract on %s Postgres', (backend) => {
  let h: Harness;
  let doc: any;
  let recordId: string;
  beforeAll(async () => {
    h = await startAuditHarness(backend);
    const rec = makeRecord();
    recordId = rec.id;
    await seed(h, [rec]);
    const res = await h.admin('/openapi.json', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = await res.json();
  });
  afterAll(async () => {
    await h?.close();
  });

  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));

  it('describes every admin route, without needing a token', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(operations().map((o) => `${o.method} ${o.path}`).sort()).toEqual([...ROUTES].sort());
  });

  it('lists the parameters each audit route validates, from the same schemas', () => {
    const params = (method: string, path: string) => doc.paths[path][method].parameters.map((p: any) => p.name).sort();
    expect(params('get', '/audit/requests')).toEqual(Object.keys(auditQuerySchema.shape).sort());
    expect(params('get', '/audit/stats')).toEqual(Object.keys(statsQuerySchema.shape).sort());
    expect(params('get', '/audit/export')).toEqual(Object.keys(exportQuerySchema.shape).sort());
    expect(params('get', '/audit/verify')).toEqual(Object.keys(verifyQuerySchema.shape).sort());
    const groupBy = doc.paths['/audit/stats'].get.parameters.find((p: any) => p.name === 'groupBy');
    expect(groupBy.schema).toMatchObject({ enum: ['model', 'status', 'decision', 'key', 'caller', 'minute', 'hour'], default: 'hour' });
    expect(doc.components.schemas.AuditStats).toBeDefined();
    expect(JSON.stringify(doc)).not.toContain('__shared');
  });

  /** Calls an operation of the document with a token; path parameters filled in. */
  const call = (method: string, path: string, token: string | null) => {
    const url = path.replace('{id}', recordId).replace('{name}', 'p');
    const body = method === 'post' ? JSON.stringify({ text: 'hello' }) : method === 'put' ? 'not: [a valid policy' : undefined;
    const type = method === 'post' ? 'application/json' : 'application/yaml';
    return h.admin(url, { method: method.toUpperCase(), token, body, headers: body ? { 'content-type': type } : {} });
  };

  it('enforces the role each route states: 401 without a valid token, 403 for a missing role', async () => {
    let checked = 0;
    for (const { method, path, op } of operations()) {
      const role = op['x-required-role'];
      const name = `${method} ${path}`;
      if (!role) {
        expect((await call(method, path, null)).status, name).toBe(200);
        continue;
      }
      expect((await call(method, path, null)).status, name).toBe(401);
      expect((await call(method, path, 'not-a-real-token-0000000000')).status, name).toBe(401);
      const asAuditor = await call(method, path, AUDITOR_TOKEN);
      if (role === 'admin') expect(asAuditor.status, name).toBe(403);
      else expect([200, 404], name).toContain(asAuditor.status);
      expect([401, 403], name).not.toContain((await call(method, path, ADMIN_TOKEN)).status);
      checked++;
    }
    expect(checked).toBe(10);
  });

  it('answers a malformed record id with 400 naming id', async () => {
    const r = await getJson(h, '/audit/requests/not-a-uuid');
    expect(r.status).toBe(400);
    expect(r.body.error.param).toBe('id');
  });
});
