// One entry of `rules:` -> zero or more CompiledRules (one per detector it lists).
//
// The common keys are checked by ruleCommonSchema; every other key must be an option of
// each detector the rule lists, checked by that detector's own strict schema. Detectors'
// `create()` runs here, once per policy version, never per request.
//
// A rule with `enabled: false` is still checked for structure (keys, detector ids, action),
// so a typo is caught before someone turns it on, but its option values, list file and
// environment variables are not required to be valid yet, and nothing is compiled.
import { z } from 'zod';
import { PHASES } from '../filters/types.js';
import type { CompiledRule, Detector, Phase } from '../filters/types.js';
import type { DocPath, IssueCollector } from './errors.js';
import { ListFileError, loadList } from './list-file.js';
import type { ListTerm, LoadedList } from './list-file.js';
import { COMMON_RULE_KEYS, LIST_DETECTOR, ruleCommonSchema } from './schema.js';
import type { PolicyLimits, PolicyMode } from './schema.js';
import type { RuleInfo } from './types.js';
import { reportZodIssues } from './zod-issues.js';

export interface RuleContext {
  readonly policy: string;
  readonly mode: PolicyMode;
  readonly detectors: ReadonlyMap<string, Detector>;
  /** POLICY_DIR; `null` when the text has no directory (list files then cannot be used). */
  readonly dir: string | null;
  readonly limits: PolicyLimits;
  readonly issues: IssueCollector;
  readonly onListFile: ((absPath: string) => void) | undefined;
  /** False while the document around the rules has problems: check, compile nothing. */
  readonly createScanners: boolean;
}

export interface RuleResult {
  readonly info: RuleInfo;
  readonly compiled: readonly CompiledRule[];
  readonly list: LoadedList | null;
}

const detectorField = z.union([z.string(), z.array(z.string())]);

export async function compileRule(raw: unknown, index: number, ctx: RuleContext): Promise<RuleResult | null> {
  const at: DocPath = ['rules', index];
  const { issues } = ctx;
  if (!isPlainObject(raw)) {
    issues.add(at, 'must be a mapping with at least id, detector and action');
    return null;
  }

  const common: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) setOwn(COMMON_RULE_KEYS.has(key) ? common : options, key, value);

  const before = issues.size;
  const parsed = ruleCommonSchema.safeParse(common);
  if (!parsed.success) reportZodIssues(issues, at, parsed.error.issues);

  // Even when a common key is wrong, the detector's option keys can still be checked, so
  // the author sees every problem of the rule at once.
  const ids = parsed.success ? toList(parsed.data.detector) : toListOrNull(detectorField.safeParse(common['detector']));
  if (ids === null) return null;
  const detectors = resolveDetectors(ids, Array.isArray(common['detector']), at, ctx);
  const enabled = parsed.success ? parsed.data.enabled : false;
  const structureOnly = !parsed.success || !enabled;

  const list = structureOnly ? null : await readList(parsed.data.file, detectors, at, ctx);
  if (parsed.success && parsed.data.file !== undefined) checkFileDetectors(ids, at, issues);

  reportUnknownKeys(options, detectors, ids.length > 1, at, issues);
  // Without its terms a keywords rule's own `keywords` check would only add noise.
  const listFailed = parsed.success && parsed.data.file !== undefined && list === null;
  const compiled: CompiledRule[] = [];
  for (const detector of detectors) {
    const value = validateOptions(detector, options, list, structureOnly || listFailed, at, ctx);
    if (value === undefined || !parsed.success || structureOnly || !ctx.createScanners || issues.size > before) continue;
    const scanner = create(detector, value.options, list, at, issues);
    if (scanner === undefined) continue;
    compiled.push(
      Object.freeze({
        id: parsed.data.id,
        policy: ctx.policy,
        mode: ctx.mode,
        detector: detector.id,
        phases: toPhases(parsed.data.phase),
        action: parsed.data.action,
        scanner,
      }),
    );
  }
  if (!parsed.success || issues.size > before) return null;

  const rule = parsed.data;
  return {
    info: Object.freeze({
      id: rule.id,
      detectors: Object.freeze([...new Set(ids)]),
      phases: toPhases(rule.phase),
      action: rule.action,
      enabled: rule.enabled,
      description: rule.description ?? null,
      file: rule.file ?? null,
    }),
    compiled,
    list,
  };
}

function resolveDetectors(ids: readonly string[], asList: boolean, at: DocPath, ctx: RuleContext): Detector[] {
  const found: Detector[] = [];
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) return;
    seen.add(id);
    const detector = ctx.detectors.get(id);
    if (detector === undefined) {
      const known = [...ctx.detectors.keys()].sort().join(', ');
      ctx.issues.add(asList ? [...at, 'detector', i] : [...at, 'detector'], `unknown detector "${id}" (known: ${known})`);
    } else {
      found.push(detector);
    }
  });
  return found;
}

function checkFileDetectors(ids: readonly string[], at: DocPath, issues: IssueCollector): void {
  if (ids.some((id) => id !== LIST_DETECTOR)) {
    issues.add([...at, 'file'], `only a rule whose detector is "${LIST_DETECTOR}" (alone) can read a list file`);
  }
}

async function readList(
  file: string | undefined,
  detectors: readonly Detector[],
  at: DocPath,
  ctx: RuleContext,
): Promise<LoadedList | null> {
  if (file === undefined || detectors.some((d) => d.id !== LIST_DETECTOR)) return null;
  if (ctx.dir === null) {
    ctx.issues.add([...at, 'file'], 'list files can only be used by a policy in the policy directory');
    return null;
  }
  try {
    const list = await loadList(ctx.dir, file, ctx.limits, ctx.onListFile);
    if (list.terms.length > 0) return list;
    ctx.issues.add([...at, 'file'], `${file} has no terms (only blank and # comment lines)`);
    return null;
  } catch (err) {
    if (!(err instanceof ListFileError)) throw err;
    ctx.issues.add([...at, 'file'], err.message);
    return null;
  }
}

/** The option keys a detector accepts, when its schema is a plain object schema. */
function optionKeys(detector: Detector): readonly string[] | null {
  const shape = (detector.options as { shape?: unknown }).shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : null;
}

function validateOptions(
  detector: Detector,
  options: Record<string, unknown>,
  list: LoadedList | null,
  structureOnly: boolean,
  at: DocPath,
  ctx: RuleContext,
): { options: unknown } | undefined {
  const { issues } = ctx;
  const inline = options['keywords'];
  const merged =
    list !== null && (inline === undefined || Array.isArray(inline))
      ? { ...options, keywords: [...((inline as unknown[] | undefined) ?? []), ...list.terms.map((t) => t.term)] }
      : options;
  const inlineCount = Array.isArray(inline) ? inline.length : 0;

  const result = detector.options.safeParse(merged);
  if (result.success) return { options: result.data };
  const zodIssues = structureOnly ? result.error.issues.filter((i) => i.code === 'unrecognized_keys') : result.error.issues;
  reportZodIssues(issues, at, zodIssues, {
    skipUnknownKeys: optionKeys(detector) !== null,
    rewrite: (path, message) => rewriteListIssue(path, message, at, inlineCount, list),
  });
  return undefined;
}

/**
 * Checked here and not only by each detector's schema: a detector schema that forgot to be
 * strict must still not let a misspelt key through, and the message can list the keys that
 * exist. A key is reported once, naming every listed detector that does not take it.
 */
function reportUnknownKeys(
  options: Record<string, unknown>,
  detectors: readonly Detector[],
  several: boolean,
  at: DocPath,
  issues: IssueCollector,
): void {
  for (const key of Object.keys(options)) {
    const refusing = detectors.filter((d) => {
      const accepted = optionKeys(d);
      return accepted !== null && !accepted.includes(key);
    });
    const first = refusing[0];
    if (first === undefined) continue;
    if (several) {
      const ids = refusing.map((d) => d.id).join(', ');
      issues.add([...at, key], `unknown key "${key}": not an option of ${ids} (a rule listing several detectors can only use options all of them take)`);
      continue;
    }
    const accepted = optionKeys(first) ?? [];
    const own = accepted.length === 0 ? `detector ${first.id} takes no options` : `${first.id} options: ${accepted.join(', ')}`;
    issues.add([...at, key], `unknown key "${key}"; rule keys: ${[...COMMON_RULE_KEYS].join(', ')}; ${own}`);
  }
}

/**
 * An issue about a term that came from the list file points at the file and its line, and
 * its message never quotes the term (list files may hold sensitive terms).
 */
function rewriteListIssue(
  path: DocPath,
  message: string,
  at: DocPath,
  inlineCount: number,
  list: LoadedList | null,
): { path: DocPath; message: string } {
  const index = path[at.length + 1];
  if (list === null || path[at.length] !== 'keywords' || typeof index !== 'number' || index < inlineCount) {
    return { path, message };
  }
  const term = list.terms[index - inlineCount];
  return {
    path: [...at, 'file'],
    message: `${list.path} line ${term?.line ?? '?'}: ${hideTerms(message, term === undefined ? [] : [term])}`,
  };
}

function create(
  detector: Detector,
  options: unknown,
  list: LoadedList | null,
  at: DocPath,
  issues: IssueCollector,
): CompiledRule['scanner'] | undefined {
  try {
    return detector.create(options);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    issues.add(at, `detector ${detector.id} refused the rule: ${hideTerms(message, list?.terms ?? [])}`);
    return undefined;
  }
}

/** Removes any list term from a message (a detector's own error text might quote one). */
function hideTerms(message: string, terms: readonly ListTerm[]): string {
  let out = message;
  for (const { term } of terms) if (term.length > 0 && out.includes(term)) out = out.split(term).join('[term]');
  return out;
}

function toList(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

function toListOrNull(result: { success: boolean; data?: string | string[] | undefined }): readonly string[] | null {
  return result.success && result.data !== undefined ? toList(result.data) : null;
}

function toPhases(value: Phase | readonly Phase[] | undefined): readonly Phase[] {
  if (value === undefined) return PHASES;
  const wanted = new Set(typeof value === 'string' ? [value] : value);
  return Object.freeze(PHASES.filter((p) => wanted.has(p)));
}

/** Plain assignment would turn a `__proto__` key into a prototype instead of an (unknown) key. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
