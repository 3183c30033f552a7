// Policy names are unique across POLICY_DIR. When two files claim one name, the file that
// held it first keeps it and the later claim is refused: a new or edited file can never
// push an active policy out. Among new claims in one reload, the file name sorting first wins.
import type { CompiledPolicy } from './types.js';

export interface NameClaim {
  readonly file: string;
  /** What the file holds now, when it compiled; `null` when it did not change or failed. */
  readonly candidate: CompiledPolicy | null;
  /** What the file contributes to the active set before this reload. */
  readonly previous: CompiledPolicy | null;
}

export interface NameOutcome {
  /** What the file contributes after this reload. */
  readonly active: CompiledPolicy | null;
  /** Set when `candidate` was refused because another file holds its name. */
  readonly conflict: { readonly name: string; readonly owner: string } | null;
}

export function assignNames(claims: readonly NameClaim[]): Map<string, NameOutcome> {
  const owner = new Map<string, string>();
  const outcome = new Map<string, NameOutcome>();
  const later: NameClaim[] = [];

  // First the files that keep the name they already had: previous names were unique.
  for (const claim of claims) {
    const wanted = claim.candidate ?? claim.previous;
    if (wanted !== null && claim.previous !== null && wanted.name === claim.previous.name) {
      owner.set(wanted.name, claim.file);
      outcome.set(claim.file, { active: wanted, conflict: null });
    } else {
      later.push(claim);
    }
  }
  // Then new names (new files, renamed policies), in file name order.
  for (const claim of [...later].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const wanted = claim.candidate ?? claim.previous;
    if (wanted === null) {
      outcome.set(claim.file, { active: null, conflict: null });
      continue;
    }
    const holder = owner.get(wanted.name);
    if (holder === undefined) {
      owner.set(wanted.name, claim.file);
      outcome.set(claim.file, { active: wanted, conflict: null });
      continue;
    }
    // Refused: fall back to what the file had before, if its name is still free.
    const fallback = claim.previous !== null && !owner.has(claim.previous.name) ? claim.previous : null;
    if (fallback !== null) owner.set(fallback.name, claim.file);
    outcome.set(claim.file, { active: fallback, conflict: { name: wanted.name, owner: holder } });
  }
  return outcome;
}
