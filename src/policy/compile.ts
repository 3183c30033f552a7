// One policy text -> one CompiledPolicy, or a PolicyError listing every problem found.
// Parse (YAML) -> substitute `${VAR}` -> validate (document, then each rule against its
// detectors) -> compile (each detector's create(), once). Nothing here is per request.
import { createHash } from 'node:crypto';
import type { CompiledRule, Detector } from '../filters/types.js';
import { loadDefaultDetectors } from './default-detectors.js';
import { substituteTree } from './env.js';
import type { Env } from './env.js';
import { IssueCollector, PolicyError } from './errors.js';
import type { LoadedList } from './list-file.js';
import { compileRule, isPlainObject } from './rule.js';
import { DEFAULT_LIMITS, POLICY_NAME_RE, REGEX_DETECTOR, policyDocumentSchema } from './schema.js';
import type { PolicyLimits } from './schema.js';
import type { CompiledPolicy, ListDependency, RuleInfo } from './types.js';
import { parseYaml } from './yaml-source.js';
import { reportZodIssues } from './zod-issues.js';

export interface CompileOptions {
  /** The file's base name (`default.yaml`): names it in messages and gives the default name. */
  readonly fileName: string;
  /** Values for `${VAR}`. Passed in (from config), never read from process.env here. */
  readonly env: Env;
  /** POLICY_DIR, which `file:` paths are relative to; omitted: list files are refused. */
  readonly dir?: string;
  /** The detectors rules may use; default: the registry in src/filters/detectors/. */
  readonly detectors?: readonly Detector[];
  readonly limits?: Partial<PolicyLimits>;
  /** Told every list file the policy reads or tries to read (the watcher watches them). */
  readonly onListFile?: (absPath: string) => void;
}

const YAML_EXT = /\.ya?ml$/i;

/** The name a policy gets when it has no `name:`: its file name without `.yaml`/`.yml`. */
export function defaultPolicyName(fileName: string): string {
  return fileName.replace(YAML_EXT, '');
}

export async function compilePolicy(text: string, options: CompileOptions): Promise<CompiledPolicy> {
  const limits: PolicyLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const file = options.fileName;
  const issues = new IssueCollector(file, limits.maxIssues);

  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > limits.maxTextBytes) {
    issues.add([], `the policy is ${bytes} bytes; at most ${limits.maxTextBytes} are allowed`);
    issues.throwIfAny();
  }

  const source = parseYaml(text, issues);
  issues.locate = source.locate;
  issues.throwIfAny();
  if (source.data === null || source.data === undefined) issues.add([], 'the document is empty');
  else if (!isPlainObject(source.data)) issues.add([], 'must be a mapping (name, mode, match, storage, rules)');
  issues.throwIfAny();

  const data = resolveEnv(source.data, options.env, issues);
  const parsed = policyDocumentSchema.safeParse(data);
  if (!parsed.success) reportZodIssues(issues, [], parsed.error.issues);

  const doc = parsed.success ? parsed.data : null;
  const name = doc?.name ?? defaultPolicyName(file);
  if (doc?.name === undefined && !POLICY_NAME_RE.test(name)) {
    issues.add([], `the file name "${name}" is not a valid policy name (a lower-case slug): rename the file or set "name:"`);
  }
  // The rules are checked even when the document around them is not valid, so the author
  // sees every problem in one go; they are only compiled when everything else is right.
  const rawRules = doc?.rules ?? (isPlainObject(data) && Array.isArray(data['rules']) ? (data['rules'] as unknown[]) : []);
  const beforeLimits = issues.size;
  if (rawRules.length > limits.maxRules) {
    issues.add(['rules'], `${rawRules.length} rules; at most ${limits.maxRules} are allowed in one policy`);
  }
  // Counted before anything is compiled: each regex rule costs a compiled pattern.
  const regexRules = rawRules.filter(isEnabledRegexRule).length;
  if (regexRules > limits.maxRegexRules) {
    issues.add(['rules'], `${regexRules} enabled regex rules; at most ${limits.maxRegexRules} are allowed in one policy`);
  }
  if (issues.size > beforeLimits) issues.throwIfAny();

  const detectors = options.detectors ?? (await loadDefaultDetectors());
  const ctx = {
    policy: name,
    mode: doc?.mode ?? 'enforce',
    detectors: new Map(detectors.map((d) => [d.id, d] as const)),
    dir: options.dir ?? null,
    limits,
    issues,
    onListFile: options.onListFile,
    createScanners: doc !== null,
  };

  const rules: CompiledRule[] = [];
  const ruleInfo: RuleInfo[] = [];
  const lists: LoadedList[] = [];
  const firstIndex = new Map<string, number>();
  for (let i = 0; i < rawRules.length; i += 1) {
    const raw = rawRules[i];
    const id = isPlainObject(raw) && typeof raw['id'] === 'string' ? raw['id'] : undefined;
    if (id !== undefined) {
      const first = firstIndex.get(id);
      if (first === undefined) firstIndex.set(id, i);
      else issues.add(['rules', i, 'id'], `duplicate rule id "${id}" (first used by rules[${first}])`);
    }
    const result = await compileRule(raw, i, ctx);
    if (result === null) continue;
    ruleInfo.push(result.info);
    rules.push(...result.compiled);
    if (result.list !== null) lists.push(result.list);
  }

  issues.throwIfAny();
  if (doc === null) throw new PolicyError(file, []);

  const dependencies: ListDependency[] = lists.map((l) => ({ path: l.path, absPath: l.absPath, sha256: l.sha256, terms: l.terms.length }));
  return Object.freeze({
    name,
    file,
    mode: doc.mode,
    description: doc.description ?? null,
    match: Object.freeze({
      models: Object.freeze([...(doc.match?.models ?? [])]),
      callers: Object.freeze([...(doc.match?.callers ?? [])]),
      keys: Object.freeze([...(doc.match?.keys ?? [])]),
    }),
    storage: Object.freeze({ ...doc.storage }),
    rules: Object.freeze(rules),
    ruleInfo: Object.freeze(ruleInfo),
    lists: Object.freeze(dependencies.map((d) => Object.freeze(d))),
    sourceHash: sha256(text),
    contentHash: sha256([text, ...dependencies.map((d) => `${d.path}\u0000${d.sha256}`)].join('\u0000')),
    text,
  });
}

/**
 * Substitutes `${VAR}` everywhere. A variable missing inside a disabled rule is no error:
 * disabling a rule is how a team ships one whose service (and its variable) is not set up.
 */
function resolveEnv(data: unknown, env: Env, issues: IssueCollector): unknown {
  const problems: { path: readonly (string | number)[]; message: string }[] = [];
  const out = substituteTree(data, env, problems);
  const rules = isPlainObject(data) && Array.isArray(data['rules']) ? (data['rules'] as unknown[]) : [];
  for (const problem of problems) {
    const [top, index] = problem.path;
    const rule = top === 'rules' && typeof index === 'number' ? rules[index] : undefined;
    if (isPlainObject(rule) && rule['enabled'] === false) continue;
    issues.add(problem.path, problem.message);
  }
  return out;
}

function isEnabledRegexRule(raw: unknown): boolean {
  if (!isPlainObject(raw) || raw['enabled'] === false) return false;
  const detector = raw['detector'];
  return detector === REGEX_DETECTOR || (Array.isArray(detector) && detector.includes(REGEX_DETECTOR));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
