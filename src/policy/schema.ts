// The policy file format (CONTRACT.md, "Policy files"). Users write these by hand, so every
// object is strict: a misspelt key is an error, never a silently ignored rule.
//
// Only the keys common to every rule are here. The keys a detector adds (`pattern`,
// `keywords`, `endpoint`, ...) are validated by that detector's own strict option schema
// when the rule is compiled (rule.ts), since the set of detectors is a parameter.
import { z } from 'zod';
import { ACTIONS, PHASES } from '../filters/types.js';

/** Size limits of one policy file; all are checked before any detector runs. */
export interface PolicyLimits {
  /** UTF-8 bytes of the policy text. */
  readonly maxTextBytes: number;
  /** Entries of `rules`. */
  readonly maxRules: number;
  /** Enabled `regex` rules (each compiles a pattern and scans every segment). */
  readonly maxRegexRules: number;
  /** Terms of one keyword list file. */
  readonly maxListTerms: number;
  /** Bytes of one keyword list file. */
  readonly maxListBytes: number;
  /** Problems reported per file before the rest are only counted. */
  readonly maxIssues: number;
}

export const DEFAULT_LIMITS: PolicyLimits = Object.freeze({
  maxTextBytes: 1024 * 1024,
  maxRules: 500,
  maxRegexRules: 200,
  maxListTerms: 100_000,
  maxListBytes: 16 * 1024 * 1024,
  maxIssues: 50,
});

/** Policy names end up in file names, URLs and audit records: a safe slug only. */
export const POLICY_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Rule ids end up in error messages to callers and in audit records. */
export const RULE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const POLICY_MODES = ['enforce', 'monitor'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** Ordered from least to most protective: the strictest among matched policies wins. */
export const STORAGE_LEVELS = ['full', 'redacted', 'none'] as const;
export type StorageLevel = (typeof STORAGE_LEVELS)[number];

export interface StorageRule {
  readonly prompt: StorageLevel;
  readonly response: StorageLevel;
}

export const DEFAULT_STORAGE: StorageRule = Object.freeze({ prompt: 'redacted', response: 'redacted' });

/**
 * `key:` with nothing after it (YAML null) counts as the key left out: that is what an
 * author means after commenting out every entry under it.
 */
function orNull<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === null ? undefined : value), schema);
}

const text = z.string().max(4000);
const glob = z.string().min(1, 'must not be empty').max(256);
const globList = orNull(z.array(glob).max(100).optional());
const storageLevel = z.enum(STORAGE_LEVELS);
const phase = z.enum(PHASES);
const detectorId = z.string().min(1).max(64);

export const matchSchema = z.strictObject({
  /** Globs over the requested model; case-insensitive. */
  models: globList,
  /** Globs over the `x-caller` header; case-insensitive. */
  callers: globList,
  /** Key fingerprints (globs allowed); case-sensitive. */
  keys: globList,
});

export const storageSchema = z.strictObject({
  prompt: storageLevel.default(DEFAULT_STORAGE.prompt),
  response: storageLevel.default(DEFAULT_STORAGE.response),
});

/**
 * The document as a whole. `rules` entries are checked one by one by rule.ts, so that one
 * broken rule reports its own path and the others are still checked.
 */
export const policyDocumentSchema = z.strictObject({
  name: z
    .string()
    .regex(POLICY_NAME_RE, 'must be a lower-case slug: a-z, 0-9, ".", "_", "-", starting with a letter or digit, at most 64 characters')
    .optional(),
  mode: z.enum(POLICY_MODES).default('enforce'),
  description: text.optional(),
  match: orNull(matchSchema.optional()),
  storage: orNull(storageSchema.default(DEFAULT_STORAGE)),
  // A policy may carry no rules: e.g. one that only sets `storage: none` for some callers.
  rules: orNull(z.array(z.unknown()).default([])),
});

export type PolicyDocument = z.output<typeof policyDocumentSchema>;

/** Keys every rule may have; any other key belongs to the rule's detector(s). */
export const ruleCommonSchema = z.strictObject({
  id: z.string().regex(RULE_ID_RE, 'must be 1-64 characters: letters, digits, ".", "_", "-", starting with a letter or digit'),
  detector: z.union([detectorId, z.array(detectorId).min(1)], {
    error: 'must be a detector id or a non-empty list of detector ids',
  }),
  phase: z.union([phase, z.array(phase).min(1)], { error: 'must be input, output, or a non-empty list of them' }).optional(),
  action: z.enum(ACTIONS),
  description: text.optional(),
  /** Keyword list, relative to POLICY_DIR (keywords rules only). */
  file: z.string().min(1).max(1024).optional(),
  enabled: z.boolean().default(true),
});

export type RuleCommon = z.output<typeof ruleCommonSchema>;

export const COMMON_RULE_KEYS: ReadonlySet<string> = new Set(Object.keys(ruleCommonSchema.shape));

/** The detector whose terms a `file:` key feeds. */
export const LIST_DETECTOR = 'keywords';
/** The detector counted against `maxRegexRules`. */
export const REGEX_DETECTOR = 'regex';
