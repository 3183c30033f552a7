// GET /openapi.json: the admin API described in OpenAPI 3.1, built from the very zod
// schemas that validate each route's parameters and bodies (z.toJSONSchema), so the
// document says what the API accepts. It carries no data and needs no token: a console,
// a client generator or an auditor's tool can read it before it has one.
import { z } from 'zod';
import { testBody } from './policy-routes.js';
import { auditQuerySchema, exportQuerySchema, statsQuerySchema, verifyQuerySchema } from './params.js';
import { auditRecord, errorResponse, listedRecord, listResponse, statsResponse, verifyResponse } from './response-schemas.js';

type JsonSchema = Record<string, unknown>;
type Role = 'auditor' | 'admin' | 'none';

/** Component schemas (their `.meta({ id })`) are collected here and referenced by $ref. */
const registry = z.registry<{ id: string }>();
for (const s of [errorResponse, listedRecord, listResponse, auditRecord, statsResponse, verifyResponse]) {
  const id = (s.meta() as { id?: string } | undefined)?.id;
  if (id) registry.add(s, { id });
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const id = (schema.meta() as { id?: string } | undefined)?.id;
  if (id && registry.has(schema)) return { $ref: `#/components/schemas/${id}` };
  const js = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete js.$schema;
  return js;
}

/** One OpenAPI query parameter per property of a (strict) zod object schema. */
function queryParameters(schema: z.ZodType): JsonSchema[] {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: 'query', required: js.required?.includes(name) ?? false, description, schema: rest };
  });
}

const pathParam = (name: string, description: string, schema: JsonSchema = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });

const json = (schema: JsonSchema, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json({ $ref: '#/components/schemas/Error' }, description);

function operation(role: Role, summary: string, extra: Record<string, unknown>, responses: Record<string, unknown>) {
  const secured = role !== 'none';
  return {
    summary,
    ...(secured ? { security: [{ bearer: [] }], 'x-required-role': role } : { security: [] }),
    ...extra,
    responses: {
      ...responses,
      ...(secured ? { '401': error('Missing or unknown token'), '403': error(`Needs the ${role} role`) } : {}),
    },
  };
}

const anyJson = (description: string) => json({ type: 'object', additionalProperties: true }, description);

function buildDocument(): JsonSchema {
  const badParams = { '400': error('A bad parameter; `error.param` names it') };
  const componentSchemas = z.toJSONSchema(registry, { io: 'output', uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }).schemas;
  for (const s of Object.values(componentSchemas)) {
    delete (s as JsonSchema).$schema;
    delete (s as JsonSchema).$id;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Compliance Sidecar admin API',
      version: '1',
      description:
        'The audit log, policies, metrics and health of a Compliance Sidecar (admin port). ' +
        'Bearer tokens: ADMIN_TOKENS may do everything, AUDITOR_TOKENS may read. Errors use the OpenAI error shape.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: componentSchemas,
    },
    paths: {
      '/audit/requests': {
        get: operation(
          'auditor',
          'List audit records, newest first, in keyset pages; filters combine (AND).',
          { parameters: queryParameters(auditQuerySchema) },
          { '200': json(schemaOf(listResponse, 'output'), 'A page of records (long texts left out; promptPreview instead)'), ...badParams },
        ),
      },
      '/audit/requests/{id}': {
        get: operation(
          'auditor',
          'One whole record.',
          { parameters: [pathParam('id', 'The record id', { type: 'string', format: 'uuid' })] },
          { '200': json(schemaOf(auditRecord, 'output'), 'The record'), ...badParams, '404': error('No such record') },
        ),
      },
      '/audit/stats': {
        get: operation(
          'auditor',
          'Aggregates per group: calls, errors by class, tokens, latency p50/p95/p99, decisions. ' +
            'Range: `to` defaults to now, `from` to 24 hours before `to`; at most 31 days (24 hours with groupBy=minute). ' +
            'Time buckets ascending, starting at whole UTC minutes or hours, empty ones left out; other groups busiest first, at most 100.',
          { parameters: queryParameters(statsQuerySchema) },
          { '200': json(schemaOf(statsResponse, 'output'), 'The buckets'), ...badParams },
        ),
      },
      '/audit/export': {
        get: operation(
          'auditor',
          'Every matching record, whole, newest first, streamed as NDJSON or CSV (attachment). ' +
            'CSV: RFC 4180; text fields that start with = + - @, tab or CR get a leading apostrophe against formula injection. NDJSON is exact.',
          { parameters: queryParameters(exportQuerySchema) },
          {
            '200': {
              description: 'The records; a transfer cut short means the export failed midway',
              content: {
                'application/x-ndjson': { schema: { type: 'string', description: 'One AuditRecord JSON object per line' } },
                'text/csv': { schema: { type: 'string', description: 'A header row of field names, then one row per record' } },
              },
            },
            ...badParams,
          },
        ),
      },
      '/audit/verify': {
        get: operation(
          'auditor',
          'Recomputes the hash chains of the records received in the range and reports the first break (checking stops there). ' +
            'The first record of each chain in the range is its anchor (records before it may be gone to retention); gaps that retention left are not breaks. No range: the whole log.',
          { parameters: queryParameters(verifyQuerySchema) },
          { '200': json(schemaOf(verifyResponse, 'output'), 'The verification'), ...badParams },
        ),
      },
      '/policies': {
        get: operation('auditor', 'The active policies, with the set version and refused files.', {}, { '200': anyJson('The active policy set') }),
      },
      '/policies/{name}': {
        get: operation(
          'auditor',
          'One active policy, with its text.',
          { parameters: [pathParam('name', 'The policy name')] },
          { '200': anyJson('The policy'), '404': error('No such policy') },
        ),
        put: operation(
          'admin',
          'Replaces (or adds) a policy: validated, stored as a new version, applied to live traffic.',
          {
            parameters: [pathParam('name', 'The policy name: lower-case letters, digits, ".", "_" and "-"')],
            requestBody: {
              required: true,
              content: {
                'application/yaml': { schema: { type: 'string', description: 'The policy file text' } },
                'application/json': { schema: { type: 'object', description: 'The same policy as JSON' } },
              },
            },
          },
          { '200': anyJson('The policy as applied'), ...badParams, '422': anyJson('The policy is invalid: message and issues') },
        ),
      },
      '/policies/{name}/history': {
        get: operation(
          'auditor',
          'Stored versions of a policy, newest first: who, when, diff.',
          { parameters: [pathParam('name', 'The policy name')] },
          { '200': anyJson('The versions') },
        ),
      },
      '/policies/test': {
        post: operation(
          'auditor',
          'Dry run: findings and decision for a text or a whole request; nothing forwarded or stored.',
          { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(testBody, 'input') } } } },
          { '200': anyJson('Findings, decision and the redacted text'), ...badParams, '404': error('No such policy'), '422': anyJson('The policy text given is invalid') },
        ),
      },
      '/metrics': {
        get: operation('none', 'Prometheus metrics.', {}, { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } }),
      },
      '/healthz': {
        get: operation('none', 'The process is up.', {}, { '200': json({ type: 'object', properties: { status: { const: 'ok' } } }, 'Up') }),
      },
      '/openapi.json': {
        get: operation('none', 'This document.', {}, { '200': anyJson('OpenAPI 3.1') }),
      },
    },
  };
}

let cached: string | null = null;

/** The document as JSON text, built once (the schemas never change at run time). */
export function openApiDocument(): string {
  cached ??= JSON.stringify(buildDocument());
  return cached;
}
