// The registry's bookkeeping per policy file, and how one reload turns the previous state
// plus what changed on disk into the next state and the events to announce. Pure: the
// file system work is done by the registry before, the swap after.
import { assignNames } from './assign-names.js';
import { defaultPolicyName } from './compile.js';
import { PolicyError } from './errors.js';
import type { PolicyEvent, PolicyFileError } from './events.js';
import type { CompiledPolicy } from './types.js';

export interface FileState {
  /** Stamp of the text last compiled (see fileStamp). */
  readonly stamp: string;
  readonly sourceHash: string | null;
  /** List files read (or tried) by the last compile -> their stamps just before. */
  readonly deps: ReadonlyMap<string, string>;
  /** What this file contributes to the active set. */
  readonly active: CompiledPolicy | null;
  /** A valid text refused because another file holds its name: retried on every reload. */
  readonly refused: CompiledPolicy | null;
  readonly error: PolicyFileError | null;
}

/** What a reload found for one file that changed. */
export type Attempt =
  /** Compiled, to a policy or to an error. */
  | {
      readonly kind: 'compiled';
      readonly state: Pick<FileState, 'stamp' | 'sourceHash' | 'deps'>;
      readonly candidate: CompiledPolicy | null;
      readonly error: PolicyError | null;
    }
  /** Touched (new stamp) but the same text and list files: nothing to compile. */
  | { readonly kind: 'touched'; readonly stamp: string };

/**
 * @param names the policy files now in the directory
 * @param attempts what changed among them (absent: unchanged, or unreadable for now)
 * @param at the time to record on new errors
 */
export function nextStates(
  previous: ReadonlyMap<string, FileState>,
  names: readonly string[],
  attempts: ReadonlyMap<string, Attempt>,
  at: string,
): { next: Map<string, FileState>; events: PolicyEvent[] } {
  const present = new Set(names);
  const events: PolicyEvent[] = [];
  for (const [file, state] of previous) {
    if (!present.has(file) && state.active !== null) events.push({ type: 'removed', file, name: state.active.name });
  }

  const compiled = (file: string) => {
    const attempt = attempts.get(file);
    return attempt?.kind === 'compiled' ? attempt : undefined;
  };
  // A file not seen before that could not be read yet (being written) waits for next time.
  const files = names.filter((file) => previous.has(file) || compiled(file) !== undefined);
  const candidateOf = (file: string) => {
    const attempt = compiled(file);
    return attempt !== undefined ? attempt.candidate : (previous.get(file)?.refused ?? null);
  };
  const outcome = assignNames(files.map((file) => ({ file, candidate: candidateOf(file), previous: previous.get(file)?.active ?? null })));

  const next = new Map<string, FileState>();
  for (const file of files) {
    const before = previous.get(file);
    const attempt = compiled(file);
    const touched = attempts.get(file);
    const candidate = candidateOf(file);
    const { active, conflict } = outcome.get(file) ?? { active: null, conflict: null };

    let error: PolicyFileError | null;
    if (conflict !== null) error = attempt !== undefined ? { file, at, error: conflictError(file, conflict) } : (before?.error ?? null);
    else if (attempt !== undefined) error = attempt.error === null ? null : { file, at, error: attempt.error };
    else error = candidate !== null && active === candidate ? null : (before?.error ?? null);

    const base = attempt?.state ?? {
      stamp: touched?.kind === 'touched' ? touched.stamp : (before as FileState).stamp,
      sourceHash: before?.sourceHash ?? null,
      deps: before?.deps ?? new Map<string, string>(),
    };
    next.set(file, { ...base, active, refused: conflict !== null ? candidate : null, error });

    // Announced once per change: an unchanged refused file is not re-announced every rescan.
    if (attempt !== undefined && error !== null) {
      events.push({ type: 'rejected', source: 'file', file, error: error.error, kept: active?.name ?? null });
    } else if (candidate !== null && active === candidate && before?.active !== active) {
      events.push({ type: 'applied', source: 'file', file, policy: active });
    }
  }
  return { next, events };
}

export function collectErrors(files: ReadonlyMap<string, FileState>): PolicyFileError[] {
  const errors: PolicyFileError[] = [];
  for (const state of files.values()) if (state.error !== null) errors.push(state.error);
  return errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function conflictError(file: string, conflict: { name: string; owner: string }): PolicyError {
  const hint = conflict.name === defaultPolicyName(file) ? '' : ' (set a different "name:")';
  return new PolicyError(file, [{ file, path: 'name', message: `policy "${conflict.name}" is already defined by ${conflict.owner}${hint}` }]);
}
