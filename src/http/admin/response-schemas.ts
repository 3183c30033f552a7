// The shapes the audit API answers with, as zod schemas, for GET /openapi.json. The
// type checks at the bottom tie them to the TypeScript types the handlers return, so a
// change on either side that the other does not follow fails to compile.
import { z } from 'zod';
import type { StatsResult } from '../../audit/stats.js';
import type { VerifyResult } from '../../audit/verify.js';
import { GROUP_BYS } from '../../audit/stats.js';

const iso = z.string().meta({ description: 'ISO 8601 time (UTC)' });
const count = z.number().int().min(0);

export const errorResponse = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable().meta({ description: 'The parameter at fault, if any.' }),
      code: z.string(),
    }),
  })
  .meta({ id: 'Error' });

const recordFields = {
  id: z.uuid(),
  receivedAt: iso,
  completedAt: iso,
  durationMs: z.number(),
  ttfbMs: z.number().nullable(),
  method: z.string(),
  path: z.string(),
  route: z.string().nullable(),
  model: z.string().nullable(),
  returnedModel: z.string().nullable(),
  stream: z.boolean(),
  status: z.number().int(),
  upstreamStatus: z.number().int().nullable(),
  errorCode: z.string().nullable(),
  keyFingerprint: z.string().nullable(),
  clientIp: z.string().nullable(),
  caller: z.string().nullable(),
  clientRequestId: z.string().nullable(),
  upstreamRequestId: z.string().nullable(),
  promptTokens: z.number().int().nullable(),
  completionTokens: z.number().int().nullable(),
  totalTokens: z.number().int().nullable(),
  cachedTokens: z.number().int().nullable(),
  reasoningTokens: z.number().int().nullable(),
  usageSource: z.enum(['upstream', 'estimated']).nullable(),
  decision: z.enum(['allow', 'flag', 'redact', 'block']),
  policyVersion: z.string().nullable(),
  filterMs: z.number().nullable(),
  retries: z.number().int(),
  clientAborted: z.boolean(),
};

export const listedRecord = z.object({ ...recordFields, promptPreview: z.string().nullable() }).meta({ id: 'ListedRecord' });

export const auditRecord = z
  .object({
    ...recordFields,
    upstreamError: z.object({ type: z.string().nullable(), code: z.string().nullable(), message: z.string().nullable() }).nullable(),
    params: z.record(z.string(), z.unknown()).nullable(),
    prompt: z.string().nullable().meta({ description: 'As the policy stores it: full, redacted or none (null).' }),
    promptStorage: z.enum(['full', 'redacted', 'none']),
    response: z.string().nullable(),
    responseStorage: z.enum(['full', 'redacted', 'none']),
    findings: z.array(z.record(z.string(), z.unknown())).meta({ description: 'Rule id, detector, phase, action, count; never the matched text.' }),
    requestBytes: z.number().int(),
    responseBytes: z.number().int(),
    chainId: z.string().nullable().meta({ description: 'The hash chain (one per writer start); null before chaining existed.' }),
    chainSeq: z.number().int().nullable(),
    prevHash: z.string().nullable(),
    hash: z.string().nullable().meta({ description: 'SHA-256 (hex) over the canonical record, prevHash included.' }),
  })
  .meta({ id: 'AuditRecord' });

export const listResponse = z
  .object({ items: z.array(listedRecord), nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last.' }) })
  .meta({ id: 'AuditPage' });

export const statsResponse = z
  .object({
    groupBy: z.enum(GROUP_BYS),
    from: iso,
    to: iso,
    buckets: z.array(
      z.object({
        key: z.string().meta({ description: "The group's value ('' for none), or the ISO start of a minute or hour." }),
        count,
        errors: z.object({ '4xx': count, '5xx': count }),
        tokens: z.object({ prompt: count, completion: count, total: count }),
        latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).meta({ description: 'Total duration percentiles (interpolated).' }),
        decisions: z.object({ allow: count, flag: count, redact: count, block: count }),
      }),
    ),
  })
  .meta({ id: 'AuditStats' });

export const verifyResponse = z
  .object({
    ok: z.boolean(),
    checked: count,
    chains: count,
    unchained: count.meta({ description: 'Records in the range written before chaining existed.' }),
    firstBreak: z
      .object({
        id: z.uuid(),
        chainId: z.string(),
        seq: z.number().int(),
        reason: z.enum(['hash mismatch', 'missing record (gap in seq)', 'prev_hash mismatch']),
      })
      .nullable(),
    from: iso.nullable(),
    to: iso.nullable(),
  })
  .meta({ id: 'AuditVerification' });

// Compile-time agreement between these schemas and the handlers' result types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statsAgree: Same<z.output<typeof statsResponse>, StatsResult> = true;
const verifyAgree: Same<z.output<typeof verifyResponse>, VerifyResult> = true;
void statsAgree;
void verifyAgree;
