// Which policies govern a call, and what they add up to. Runs on every request, so the
// globs are compiled once per policy set and results are cached per (model, caller, key).
//
// Matching rules:
// - `models` and `callers` globs are case-insensitive (model ids and caller names are
//   written by people, `GPT-4o` and `gpt-4o` are the same model to a gateway);
//   `keys` are case-sensitive (fingerprints are exact strings; globs allowed for prefixes).
// - A field that is omitted or an empty list places no restriction; the fields that are
//   set must all fit (AND), any entry of a field may fit (OR).
// - A value the call does not have (no `x-caller` header) is matched as the empty string:
//   `*` fits it, `billing-*` does not.
import type { CompiledRule } from '../filters/types.js';
import { compileGlobList } from './glob.js';
import type { GlobMatcher } from './glob.js';
import { Lru } from './lru.js';
import { DEFAULT_STORAGE, STORAGE_LEVELS } from './schema.js';
import type { StorageLevel, StorageRule } from './schema.js';
import type { CompiledPolicy } from './types.js';

export interface MatchContext {
  /** The model the request asks for. */
  readonly model?: string | null;
  /** The `x-caller` header. */
  readonly caller?: string | null;
  /** The key fingerprint (short SHA-256 prefix of the bearer token). */
  readonly keyFingerprint?: string | null;
}

/** What governs one call. Shared between calls: never mutate it. */
export interface Selection {
  /** The matching policies, by name. */
  readonly policies: readonly CompiledPolicy[];
  /** Their enabled rules, policy by policy, each in file order. */
  readonly rules: readonly CompiledRule[];
  /** The strictest storage rule among them (none > redacted > full); default when none match. */
  readonly storage: StorageRule;
}

export type PolicySelector = (ctx: MatchContext) => Selection;

/** Cached selections per policy set; distinct callers are client-controlled, hence bounded. */
const CACHE_SIZE = 1024;
/** Longer keys are not cached: a huge header must not pin memory. */
const MAX_CACHED_KEY = 512;

interface CompiledMatch {
  readonly policy: CompiledPolicy;
  readonly model: GlobMatcher;
  readonly caller: GlobMatcher;
  readonly key: GlobMatcher;
}

export function createSelector(policies: readonly CompiledPolicy[], cacheSize: number = CACHE_SIZE): PolicySelector {
  const compiled: CompiledMatch[] = policies.map((policy) => ({
    policy,
    model: compileGlobList(policy.match.models, true),
    caller: compileGlobList(policy.match.callers, true),
    key: compileGlobList(policy.match.keys, false),
  }));
  const cache = new Lru<string, Selection>(cacheSize);
  // The usual case, every policy matching everything, needs no matching at all.
  const everything = compiled.every((c) => isUnrestricted(c.policy)) ? merge(policies) : null;

  return (ctx) => {
    if (everything !== null) return everything;
    const model = ctx.model ?? '';
    const caller = ctx.caller ?? '';
    const key = ctx.keyFingerprint ?? '';
    const cacheKey = `${model}\u0000${caller}\u0000${key}`;
    const cacheable = cacheKey.length <= MAX_CACHED_KEY;
    const hit = cacheable ? cache.get(cacheKey) : undefined;
    if (hit !== undefined) return hit;
    const selection = merge(compiled.filter((c) => c.model(model) && c.caller(caller) && c.key(key)).map((c) => c.policy));
    if (cacheable) cache.set(cacheKey, selection);
    return selection;
  };
}

/** The policies of `set` that govern a call, merged. */
export function selectPolicies(set: { readonly select: PolicySelector } | readonly CompiledPolicy[], ctx: MatchContext): Selection {
  return isPolicyList(set) ? createSelector(set, 1)(ctx) : set.select(ctx);
}

/** Per field, the most protective level: `none` over `redacted` over `full`. */
export function strictestStorage(rules: readonly StorageRule[]): StorageRule {
  if (rules.length === 0) return DEFAULT_STORAGE;
  return Object.freeze({
    prompt: strictest(rules.map((r) => r.prompt)),
    response: strictest(rules.map((r) => r.response)),
  });
}

function strictest(levels: readonly StorageLevel[]): StorageLevel {
  let best = 0;
  for (const level of levels) best = Math.max(best, STORAGE_LEVELS.indexOf(level));
  return STORAGE_LEVELS[best] ?? 'none';
}

function merge(policies: readonly CompiledPolicy[]): Selection {
  return Object.freeze({
    policies: Object.freeze([...policies]),
    rules: Object.freeze(policies.flatMap((p) => p.rules)),
    storage: strictestStorage(policies.map((p) => p.storage)),
  });
}

function isUnrestricted(policy: CompiledPolicy): boolean {
  const { models, callers, keys } = policy.match;
  return models.length === 0 && callers.length === 0 && keys.length === 0;
}

function isPolicyList(set: { readonly select: PolicySelector } | readonly CompiledPolicy[]): set is readonly CompiledPolicy[] {
  return Array.isArray(set);
}
