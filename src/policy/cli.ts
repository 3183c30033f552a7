// `npm run policy -- check [dir]` and `npm run policy -- test "text" [--phase input|output]
// [--dir dir] [--model m] [--caller c] [--key fingerprint]`: the policy files as the sidecar
// would load them, without starting it.
//
// Like main.ts this is a composition root, so it reads process.env itself: POLICY_DIR for
// the default directory and every variable for `${VAR}` in policy files.
import { createHmac, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluate } from '../filters/engine.js';
import { applyRedactions } from '../filters/redact.js';
import { PHASES } from '../filters/types.js';
import type { CompiledRule, Detector, Phase, Segment } from '../filters/types.js';
import type { Env } from './env.js';
import { formatIssue } from './errors.js';
import { listPolicyFiles } from './policy-files.js';
import { PolicyRegistry } from './registry.js';

const USAGE = `usage:
  policy check [dir]
  policy test "text" [--phase input|output] [--dir dir] [--model m] [--caller c] [--key fingerprint]`;

export interface CliIo {
  readonly env: Env;
  /** Default: the detector registry. */
  readonly detectors?: readonly Detector[];
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs one command; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'check') return await check(rest, io);
    if (command === 'test') return await test(rest, io);
  } catch (err) {
    io.err(err instanceof Error ? err.message : String(err));
    return 1;
  }
  io.err(USAGE);
  return 2;
}

async function check(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length > 1) {
    io.err(USAGE);
    return 2;
  }
  const dir = resolve(args[0] ?? io.env['POLICY_DIR'] ?? './policies');
  const files = await listPolicyFiles(dir);
  if (files.length === 0) {
    io.err(`${dir}: no *.yaml or *.yml policy files`);
    return 1;
  }
  const registry = new PolicyRegistry({ dir, env: io.env, detectors: io.detectors });
  const { snapshot, errors } = await registry.loadDir();
  const failed = new Map(errors.map((e) => [e.file, e.error] as const));
  for (const file of files) {
    const error = failed.get(file);
    if (error !== undefined) {
      io.out(`FAIL ${file}`);
      for (const issue of error.issues) io.out(`  ${formatIssue(issue)}`);
      continue;
    }
    const policy = snapshot.policies.find((p) => p.file === file);
    const rules = policy?.ruleInfo.length ?? 0;
    io.out(`OK   ${file} (policy ${policy?.name ?? '?'}, ${policy?.mode ?? '?'}, ${rules} rule${rules === 1 ? '' : 's'})`);
  }
  io.out(errors.length === 0 ? `all ${files.length} file(s) valid; version ${snapshot.version}` : `${errors.length} of ${files.length} file(s) refused`);
  return errors.length === 0 ? 0 : 1;
}

async function test(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      phase: { type: 'string', default: 'input' },
      dir: { type: 'string' },
      model: { type: 'string' },
      caller: { type: 'string' },
      key: { type: 'string' },
    },
  });
  const phase = values.phase as Phase;
  if (positionals.length !== 1 || !PHASES.includes(phase)) {
    io.err(USAGE);
    return 2;
  }
  const text = positionals[0] as string;
  const dir = resolve(values.dir ?? io.env['POLICY_DIR'] ?? './policies');
  const registry = new PolicyRegistry({ dir, env: io.env, detectors: io.detectors });
  const { snapshot, errors } = await registry.loadDir();
  if (errors.length > 0) {
    // Testing against a partial set would answer a question nobody asked.
    for (const e of errors) for (const issue of e.error.issues) io.err(formatIssue(issue));
    return 1;
  }

  // Without --model/--caller/--key every policy applies, whatever its `match`.
  const targeted = values.model !== undefined || values.caller !== undefined || values.key !== undefined;
  const selection = targeted
    ? snapshot.select({ model: values.model ?? null, caller: values.caller ?? null, keyFingerprint: values.key ?? null })
    : { policies: snapshot.policies, rules: snapshot.policies.flatMap((p): readonly CompiledRule[] => p.rules) };

  const segments: Segment[] = [{ path: ['text'], kind: 'text', role: phase === 'input' ? 'user' : 'assistant', text }];
  // A throwaway key: the hashes only show which findings matched the same text.
  const key = randomBytes(32);
  const hash = (matched: string): string => createHmac('sha256', key).update(matched).digest('hex').slice(0, 16);
  const result = await evaluate(selection.rules, segments, phase, { hash });
  const spans = result.redactions.find((r) => r.segment === 0)?.spans ?? [];

  io.out(
    JSON.stringify(
      {
        version: snapshot.version,
        policies: selection.policies.map((p) => p.name),
        phase,
        decision: result.decision,
        blockedBy: result.blockedBy,
        findings: result.findings,
        redacted: spans.length > 0 ? applyRedactions(text, spans) : null,
        ms: Math.round(result.ms * 1000) / 1000,
      },
      null,
      2,
    ),
  );
  return 0;
}

// Run only when executed, not when imported (tests import runCli).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
