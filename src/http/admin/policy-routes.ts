// The policy API: list, read, replace (admin), history, and dry-run on sample text or a
// whole request (nothing forwarded or stored).
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { policyHistory, recordPolicyVersion } from '../../audit/policy-versions.js';
import type { AppContext } from '../../context.js';
import { SidecarError } from '../../errors.js';
import { evaluate } from '../../filters/engine.js';
import { applyRedactions } from '../../filters/redact.js';
import type { CompiledRule, Segment } from '../../filters/types.js';
import { keyFingerprint } from '../../ids.js';
import { extractRequest } from '../../openai/extract-request.js';
import { setAt } from '../../openai/json-path.js';
import { FILTERED_ROUTES, type FilteredRoute } from '../../openai/routes.js';
import { PolicyError, POLICY_NAME_RE, unifiedDiff, type CompiledPolicy } from '../../policy/index.js';
import type { Role } from './auth.js';
import { announcePolicy } from '../../policy-sync.js';

const MAX_POLICY_BYTES = 1024 * 1024;

export const testBody = z
  .object({
    text: z.string().max(16 * 1024 * 1024).optional(),
    phase: z.enum(['input', 'output']).default('input'),
    request: z.record(z.string(), z.unknown()).optional(),
    route: z.enum(FILTERED_ROUTES).optional(),
    policy: z.string().min(1).max(MAX_POLICY_BYTES).optional(),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.request === undefined), { message: 'give exactly one of "text" or "request"', path: ['text'] });

function describePolicy(p: CompiledPolicy) {
  return {
    name: p.name,
    file: p.file,
    mode: p.mode,
    description: p.description,
    match: p.match,
    storage: p.storage,
    rules: p.ruleInfo,
    contentHash: p.contentHash,
  };
}

function policyErrorBody(err: PolicyError) {
  return {
    error: {
      message: err.message,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_policy',
      issues: err.issues,
    },
  };
}

function author(req: Request, role: Role): string {
  const fp = keyFingerprint(req.headers.authorization) ?? 'unknown';
  const named = typeof req.headers['x-author'] === 'string' ? req.headers['x-author'].replace(/[^\w .@:-]/g, '').slice(0, 64) : '';
  return named ? `${named} (${role}:${fp})` : `${role}:${fp}`;
}

function guessRoute(body: Record<string, unknown>): FilteredRoute {
  if (Array.isArray(body.messages)) return 'chat.completions';
  if (body.prompt !== undefined) return 'completions';
  return 'responses';
}

export function policyRoutes(ctx: AppContext, requireAdmin: express.RequestHandler): Router {
  const router = Router();
  const { registry } = ctx;
  const yaml = express.text({ type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], limit: MAX_POLICY_BYTES });
  const json = express.json({ limit: '20mb' });

  router.get('/policies', (_req, res) => {
    const snap = registry.snapshot();
    res.json({
      version: snap.version,
      activatedAt: snap.activatedAt,
      policies: snap.policies.map(describePolicy),
      errors: registry.errors.map((e) => ({ file: e.file, at: e.at, message: e.error.message, issues: e.error.issues })),
    });
  });

  router.get('/policies/:name', (req, res) => {
    const p = registry.snapshot().get(req.params.name);
    if (!p) throw new SidecarError('not_found', `No active policy named ${req.params.name}.`, 'name');
    res.json({ ...describePolicy(p), text: p.text, version: registry.snapshot().version });
  });

  router.get('/policies/:name/history', async (req, res) => {
    const rows = await policyHistory(ctx.database.db, req.params.name);
    res.json({
      name: req.params.name,
      versions: rows.map((r) => ({ version: r.version, contentHash: r.content_hash, author: r.author, source: r.source, at: new Date(r.created_at).toISOString(), diff: r.diff })),
    });
  });

  router.put('/policies/:name', requireAdmin, yaml, json, async (req, res) => {
    const name = String(req.params.name);
    if (!POLICY_NAME_RE.test(name)) throw new SidecarError('invalid_parameter', 'Invalid parameter "name": use lower-case letters, digits, ".", "_" and "-".', 'name');
    let text: string;
    if (typeof req.body === 'string') text = req.body;
    else if (req.body && typeof req.body === 'object' && Object.keys(req.body).length > 0) text = JSON.stringify(req.body, null, 2);
    else throw new SidecarError('invalid_request', 'The body must be the policy file text (application/yaml) or the same as JSON.');
    let policy: CompiledPolicy;
    try {
      policy = await registry.putPolicy(name, text);
    } catch (err) {
      if (err instanceof PolicyError) {
        res.status(422).json(policyErrorBody(err));
        return;
      }
      throw err;
    }
    const version = await recordPolicyVersion(ctx.database.db, {
      name: policy.name,
      contentHash: policy.contentHash,
      text: policy.text,
      author: author(req, res.locals.role as Role),
      source: 'api',
      diff: (a, b) => unifiedDiff(a, b, { fromFile: `${name} (before)`, toFile: `${name} (after)` }),
    }).catch((err: Error) => {
      ctx.logger.error({ err: err.message, policy: name }, 'could not store the policy version');
      return null;
    });
    if (version !== null) {
      await announcePolicy(ctx.database.db, { name: policy.name, version, origin: ctx.replica.id, scope: ctx.replica.scope }).catch((err: Error) =>
        ctx.logger.warn({ err: err.message, policy: name }, 'could not announce the policy change to other replicas'),
      );
    }
    res.json({ ...describePolicy(policy), storedVersion: version, version: registry.snapshot().version });
  });

  router.post('/policies/test', json, async (req, res) => {
    const parsed = testBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const param = issue.code === 'unrecognized_keys' ? issue.keys[0]! : String(issue.path[0] ?? 'body');
      throw new SidecarError('invalid_parameter', `Invalid field "${param}": ${issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message}.`, param);
    }
    const b = parsed.data;
    let rules: readonly CompiledRule[];
    let source: string;
    const snap = registry.snapshot();
    if (b.policy === undefined) {
      rules = b.request ? snap.select({ model: typeof b.request.model === 'string' ? b.request.model : null }).rules : snap.policies.flatMap((p) => p.rules);
      source = `active set ${snap.version}`;
    } else if (snap.get(b.policy)) {
      rules = snap.get(b.policy)!.rules;
      source = `active policy ${b.policy}`;
    } else if (/\n|:/.test(b.policy)) {
      try {
        rules = (await registry.dryRun(b.policy)).rules;
      } catch (err) {
        if (err instanceof PolicyError) {
          res.status(422).json(policyErrorBody(err));
          return;
        }
        throw err;
      }
      source = 'policy text';
    } else {
      throw new SidecarError('not_found', `No active policy named ${b.policy}.`, 'policy');
    }
    let segments: Segment[];
    let route: FilteredRoute | null = null;
    if (b.request) {
      route = b.route ?? guessRoute(b.request);
      segments = extractRequest(route, b.request).segments;
    } else {
      segments = [{ path: ['text'], kind: 'text', role: null, text: b.text! }];
    }
    const ev = await evaluate(rules, segments, b.request ? 'input' : b.phase, { hash: ctx.hashMatch, timeoutMs: 10_000 });
    const target = b.request ? structuredClone(b.request) : { text: b.text! };
    for (const r of ev.redactions) setAt(target, segments[r.segment]!.path, applyRedactions(segments[r.segment]!.text, r.spans));
    res.json({
      decision: ev.decision,
      blockedBy: ev.blockedBy,
      // Without the hashes: with the records' key they would let a caller test guesses
      // against what a record hides (a redacted phone number, a hashed user id).
      findings: ev.findings.map((f) => ({ ...f, locations: f.locations.map(({ hash: _hash, ...l }) => l) })),
      redacted: b.request ? target : (target as { text: string }).text,
      route,
      policy: source,
      ms: ev.ms,
    });
  });

  return router;
}
