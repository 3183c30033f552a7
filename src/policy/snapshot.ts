// One immutable view of the active policies. The registry swaps a whole snapshot at once;
// a request takes the reference once and uses it throughout, so it never sees half of one
// version and half of another.
import { createHash } from 'node:crypto';
import { createSelector } from './match.js';
import type { PolicySelector } from './match.js';
import type { CompiledPolicy } from './types.js';

export interface PolicySnapshot {
  /** Short hash over the active policies (names, texts, list files): the audit record's policy version. */
  readonly version: string;
  /** Active policies, sorted by name. */
  readonly policies: readonly CompiledPolicy[];
  /** When this snapshot became active (ISO 8601). */
  readonly activatedAt: string;
  get(name: string): CompiledPolicy | undefined;
  /** Matching policies and their merged rules and storage for one call (cached). */
  readonly select: PolicySelector;
}

/** Hex digits of the version: 48 bits, plenty to tell versions of one deployment apart. */
const VERSION_LENGTH = 12;

export function createSnapshot(policies: readonly CompiledPolicy[], now: Date = new Date()): PolicySnapshot {
  const sorted = Object.freeze([...policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
  const byName = new Map(sorted.map((p) => [p.name, p] as const));
  return Object.freeze({
    version: policySetVersion(sorted),
    policies: sorted,
    activatedAt: now.toISOString(),
    get: (name: string) => byName.get(name),
    select: createSelector(sorted),
  });
}

/** Depends only on what is active, not on when or in what order it was loaded. */
export function policySetVersion(policies: readonly CompiledPolicy[]): string {
  const hash = createHash('sha256');
  for (const p of [...policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${p.name}\u0000${p.contentHash}\n`);
  }
  return hash.digest('hex').slice(0, VERSION_LENGTH);
}
