// Query parameters of the audit API, validated with zod: a bad one is a 400 that names it.
import { z } from 'zod';
import type { AuditFilter, Cursor, StatusFilter } from '../../audit/queries.js';
import { decodeCursor } from '../../audit/queries.js';
import { SidecarError } from '../../errors.js';

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

const short = z.string().min(1).max(256);

export const auditQuerySchema = z
  .object({
    from: time.optional(),
    to: time.optional(),
    model: list(short).optional(),
    status: status.optional(),
    decision: list(z.enum(['allow', 'flag', 'redact', 'block'])).optional(),
    key: list(z.string().regex(/^[0-9a-f]{4,64}$/, 'must be a key fingerprint (hex)')).optional(),
    caller: list(short).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
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
      .optional(),
  })
  .strict();

export type AuditQuery = z.output<typeof auditQuerySchema>;

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

export function toFilter(q: AuditQuery): AuditFilter {
  if (q.from && q.to && q.from > q.to) {
    throw new SidecarError('invalid_parameter', 'Invalid parameter "from": must not be after "to".', 'from');
  }
  return { from: q.from, to: q.to, model: q.model, status: q.status, decision: q.decision, key: q.key, caller: q.caller };
}
