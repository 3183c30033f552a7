// Query parameters of the audit API, validated with zod: a bad one is a 400 that names it.
// The same schemas describe the parameters in GET /openapi.json (openapi.ts), so the
// documentation cannot drift from what the API accepts.
import { z } from 'zod';
import type { AuditFilter, Cursor, StatusFilter } from '../../audit/queries.js';
import { decodeCursor } from '../../audit/queries.js';
import { GROUP_BYS, type GroupBy } from '../../audit/stats.js';
import { SidecarError } from '../../errors.js';

// Postgres text cannot hold NUL: refused here, it would otherwise be a 500 from the driver.
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000]*$/, 'must not contain NUL characters');

const list = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(item).min(1).max(50));

const time = z.string().transform((s, ctx) => {
  const d = /^\d+$/.test(s) ? new Date(Number(s)) : new Date(s);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or epoch milliseconds' });
    return z.NEVER;
  }
  return d;
});

const status = z.string().transform((s, ctx): StatusFilter => {
  const exact: number[] = [];
  const classes: number[] = [];
  for (const part of s.split(',').map((p) => p.trim().toLowerCase())) {
    if (/^[1-5]xx$/.test(part)) classes.push(Number(part[0]));
    else if (/^[1-5]\d\d$/.test(part)) exact.push(Number(part));
    else {
      ctx.addIssue({ code: 'custom', message: 'must be a status code like 429 or a class like 5xx (comma-separated)' });
      return z.NEVER;
    }
  }
  return { exact, classes };
});

const short = text(256);

/** The filters every audit read shares: list, stats and export. */
const filterShape = {
  from: time.optional().meta({ description: 'Received at or after this time (ISO 8601 or epoch ms).' }),
  to: time.optional().meta({ description: 'Received before this time (ISO 8601 or epoch ms).' }),
  model: list(short).optional().meta({ description: 'Requested or returned model; comma-separated for any of several.' }),
  status: status.optional().meta({ description: 'Status to the client: codes (429) or classes (5xx), comma-separated.' }),
  decision: list(z.enum(['allow', 'flag', 'redact', 'block'])).optional().meta({ description: 'allow, flag, redact or block; comma-separated.' }),
  key: list(z.string().regex(/^[0-9a-f]{4,64}$/, 'must be a key fingerprint (hex)')).optional().meta({ description: 'API key fingerprints (hex); comma-separated.' }),
  caller: list(short).optional().meta({ description: 'x-caller names; comma-separated.' }),
  q: text(200)
    .min(3, 'must be at least 3 characters (shorter text cannot use the search index)')
    .optional()
    .meta({ description: 'Text the prompt or the response contains (case-insensitive substring, 3 to 200 characters; % and _ are literal).' }),
};

export const auditQuerySchema = z
  .object({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(1000).default(50).meta({ description: 'Records per page (1 to 1000).' }),
    cursor: z
      .string()
      .transform((s, ctx): Cursor => {
        const c = decodeCursor(s);
        if (!c) {
          ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this API' });
          return z.NEVER;
        }
        return c;
      })
      .optional()
      .meta({ description: 'The nextCursor of the previous page.' }),
  })
  .strict();

export const statsQuerySchema = z
  .object({
    ...filterShape,
    groupBy: z
      .enum(GROUP_BYS)
      .default('hour')
      .meta({ description: 'What a bucket is: a column value (busiest 100 first) or a minute or hour of time (ascending).' }),
  })
  .strict();

export const exportQuerySchema = z
  .object({
    ...filterShape,
    format: z.enum(['ndjson', 'csv']).default('ndjson').meta({ description: 'ndjson (exact) or csv (RFC 4180, formula-guarded).' }),
  })
  .strict();

export const verifyQuerySchema = z
  .object({
    from: filterShape.from,
    to: filterShape.to,
  })
  .strict();

export type AuditQuery = z.output<typeof auditQuerySchema>;
type FilterQuery = Pick<AuditQuery, keyof typeof filterShape>;

/** Parses the query string; repeated parameters are refused rather than guessed at. */
export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, unknown>): z.output<S> {
  for (const [k, v] of Object.entries(query)) {
    if (typeof v !== 'string') throw new SidecarError('invalid_parameter', `Parameter "${k}" must be given once, as a plain value.`, k);
  }
  const r = schema.safeParse(query);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const param = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? '');
    const message = issue.code === 'unrecognized_keys' ? 'is not a known parameter' : issue.message;
    throw new SidecarError('invalid_parameter', `Invalid parameter "${param}": ${message}.`, param);
  }
  return r.data;
}

function badParam(param: string, message: string): SidecarError {
  return new SidecarError('invalid_parameter', `Invalid parameter "${param}": ${message}.`, param);
}

export function toFilter(q: FilterQuery): AuditFilter {
  if (q.from && q.to && q.from > q.to) throw badParam('from', 'must not be after "to"');
  return { from: q.from, to: q.to, model: q.model, status: q.status, decision: q.decision, key: q.key, caller: q.caller, q: q.q };
}

const HOUR_MS = 3_600_000;
/** Stats look at one day unless told otherwise, and at most a month (a day in minutes). */
export const STATS_DEFAULT_MS = 24 * HOUR_MS;
export const STATS_MAX_MS: Record<GroupBy, number> = {
  model: 31 * 24 * HOUR_MS,
  status: 31 * 24 * HOUR_MS,
  decision: 31 * 24 * HOUR_MS,
  key: 31 * 24 * HOUR_MS,
  caller: 31 * 24 * HOUR_MS,
  hour: 31 * 24 * HOUR_MS,
  minute: 24 * HOUR_MS,
};

/** The stats time range: `to` defaults to now, `from` to a day before `to`; bounded. */
export function statsRange(q: FilterQuery & { groupBy: GroupBy }, now: Date = new Date()): { from: Date; to: Date } {
  const to = q.to ?? now;
  const from = q.from ?? new Date(to.getTime() - STATS_DEFAULT_MS);
  if (from >= to) throw badParam('from', 'must be before "to"');
  const max = STATS_MAX_MS[q.groupBy];
  if (to.getTime() - from.getTime() > max) {
    const span = q.groupBy === 'minute' ? '24 hours with groupBy=minute' : '31 days';
    throw badParam('from', `the range from "from" to "to" must not exceed ${span}`);
  }
  return { from, to };
}
