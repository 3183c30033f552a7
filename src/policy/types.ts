// What a compiled policy looks like to the rest of the sidecar. Everything here is built
// once when a file is loaded and then only read: the request path never recompiles.
import type { Action, CompiledRule, Phase } from '../filters/types.js';
import type { PolicyMode, StorageRule } from './schema.js';

/** Which calls a policy governs. An empty list places no restriction (same as omitted). */
export interface PolicyMatch {
  readonly models: readonly string[];
  readonly callers: readonly string[];
  readonly keys: readonly string[];
}

/** A rule as written (after defaults), for listings and the console; no scanners. */
export interface RuleInfo {
  readonly id: string;
  readonly detectors: readonly string[];
  readonly phases: readonly Phase[];
  readonly action: Action;
  readonly enabled: boolean;
  readonly description: string | null;
  readonly file: string | null;
}

/** A keyword list file a policy read, so a change to it reloads the policy. */
export interface ListDependency {
  /** As written in the policy, relative to POLICY_DIR. */
  readonly path: string;
  readonly absPath: string;
  readonly sha256: string;
  readonly terms: number;
}

export interface CompiledPolicy {
  readonly name: string;
  /** The file it was read from (base name), e.g. `default.yaml`. */
  readonly file: string;
  readonly mode: PolicyMode;
  readonly description: string | null;
  readonly match: PolicyMatch;
  readonly storage: StorageRule;
  /** One per detector per enabled rule, in file order. */
  readonly rules: readonly CompiledRule[];
  /** Every rule of the file, disabled ones included. */
  readonly ruleInfo: readonly RuleInfo[];
  readonly lists: readonly ListDependency[];
  /** sha256 hex of `text`: what a stored policy version is keyed by. */
  readonly sourceHash: string;
  /** sha256 hex over the text and every list file it read: changes when a list changes. */
  readonly contentHash: string;
  /** The policy text exactly as written (`${VAR}` not substituted: no secrets in it). */
  readonly text: string;
}
