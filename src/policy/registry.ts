// The active policy set. Readers call `snapshot()` once per request and keep that
// reference; every change (a reload, a PUT) builds a new immutable snapshot and swaps the
// reference in one assignment.
//
// Each file in POLICY_DIR is compiled on its own. A file that fails keeps the previous
// version of its policy active and its error is listed in `errors`; a deleted file takes
// its policy out of the active set. Reloads and writes run one at a time.
import { dirname, join, resolve } from 'node:path';
import type { Detector } from '../filters/types.js';
import { compilePolicy, sha256 } from './compile.js';
import { loadDefaultDetectors } from './default-detectors.js';
import type { Env } from './env.js';
import { PolicyError } from './errors.js';
import type { PolicyEvent, PolicyFileError, PolicyListener } from './events.js';
import { collectErrors, nextStates } from './file-states.js';
import type { Attempt, FileState } from './file-states.js';
import { fileStamp, fileStampSync, listPolicyFiles, readSettled, writeFileAtomic } from './policy-files.js';
import { POLICY_NAME_RE } from './schema.js';
import type { PolicyLimits } from './schema.js';
import { createSnapshot } from './snapshot.js';
import type { PolicySnapshot } from './snapshot.js';
import type { CompiledPolicy } from './types.js';

export interface PolicyRegistryProps {
  /** POLICY_DIR. */
  readonly dir: string;
  /** Values for `${VAR}` in policy files (from config; not read from process.env here). */
  readonly env: Env;
  /** Default: the registry in src/filters/detectors/. */
  readonly detectors?: readonly Detector[];
  readonly limits?: Partial<PolicyLimits>;
  /** Clock for error times and snapshots (tests). */
  readonly now?: () => Date;
}

export interface LoadResult {
  readonly snapshot: PolicySnapshot;
  /** True when the active set changed. */
  readonly changed: boolean;
  readonly errors: readonly PolicyFileError[];
}

export class PolicyRegistry {
  readonly #dir: string;
  readonly #env: Env;
  readonly #limits: Partial<PolicyLimits> | undefined;
  readonly #now: () => Date;
  readonly #listeners = new Set<PolicyListener>();
  #detectors: readonly Detector[] | undefined;
  #files = new Map<string, FileState>();
  #snapshot: PolicySnapshot;
  #loaded = false;
  /**
   * Files refused on the first read whose policy has never been active here: filtering
   * they would do is missing, so calls are refused until each compiles or is removed.
   */
  readonly #unavailable = new Set<string>();
  /** The same files as a list, rebuilt only when the set changes (read on every call). */
  #unavailableList: readonly string[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  constructor(props: PolicyRegistryProps) {
    this.#dir = resolve(props.dir);
    this.#env = props.env;
    this.#detectors = props.detectors;
    this.#limits = props.limits;
    this.#now = props.now ?? (() => new Date());
    this.#snapshot = createSnapshot([], this.#now());
  }

  get dir(): string {
    return this.#dir;
  }

  /** The active set. Take it once per request and use that reference throughout. */
  snapshot(): PolicySnapshot {
    return this.#snapshot;
  }

  /** True once the directory has been read (even if some files were refused). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * Policy files refused when the directory was first read (none of their versions ever
   * active in this process), until each one compiles or is deleted. While any is listed,
   * the sidecar refuses calls rather than serve them without that policy's rules.
   */
  get unavailable(): readonly string[] {
    return this.#unavailableList;
  }

  #listUnavailable(): void {
    if (this.#unavailable.size !== this.#unavailableList.length || this.#unavailableList.some((f) => !this.#unavailable.has(f))) {
      this.#unavailableList = Object.freeze([...this.#unavailable].sort());
    }
  }

  /** Files whose current text is refused, by file name. */
  get errors(): readonly PolicyFileError[] {
    return collectErrors(this.#files);
  }

  /** Directories worth watching: POLICY_DIR and those of the list files policies read. */
  watchedDirs(): string[] {
    const dirs = new Set<string>([this.#dir]);
    for (const state of this.#files.values()) for (const dep of state.deps.keys()) dirs.add(dirname(dep));
    return [...dirs];
  }

  /** Listens to applied / rejected / removed / swapped. Listeners must not throw. Returns the unsubscribe. */
  subscribe(listener: PolicyListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Reads POLICY_DIR and applies what changed since the last call: new and changed files
   * (or files whose list files changed) are compiled, deleted files are dropped. Unchanged
   * files are not re-read. Throws when the directory itself cannot be read.
   */
  loadDir(): Promise<LoadResult> {
    return this.#exclusive(() => this.#reload());
  }

  /**
   * Validates `text` as policy `name`, writes it to POLICY_DIR atomically and applies it.
   * Throws PolicyError (nothing written, nothing changed) when it is not valid.
   */
  putPolicy(name: string, text: string): Promise<CompiledPolicy> {
    return this.#exclusive(() => this.#put(name, text));
  }

  /** Compiles a policy text as it would be applied, without writing or activating it. */
  async dryRun(text: string, options: { readonly fileName?: string } = {}): Promise<CompiledPolicy> {
    return compilePolicy(text, { ...this.#compileOptions(), fileName: options.fileName ?? 'dry-run.yaml' });
  }

  async #reload(): Promise<LoadResult> {
    const names = await listPolicyFiles(this.#dir);
    const attempts = new Map<string, Attempt>();
    for (const file of names) {
      const attempt = await this.#attempt(file, this.#files.get(file));
      if (attempt !== null) attempts.set(file, attempt);
    }
    const { next, events } = nextStates(this.#files, names, attempts, this.#now().toISOString());
    this.#files = next;
    if (!this.#loaded) {
      // A name clash (refused) is not counted: that policy is active from the other file.
      for (const [file, state] of next) if (state.active === null && state.error !== null && state.refused === null) this.#unavailable.add(file);
    }
    for (const file of this.#unavailable) if (next.get(file)?.active !== null) this.#unavailable.delete(file);
    this.#listUnavailable();
    this.#loaded = true;
    const changed = this.#swap(events);
    return { snapshot: this.#snapshot, changed, errors: collectErrors(next) };
  }

  /** Compiles `file` when it (or a list file it reads) changed; `null` when there is nothing to do. */
  async #attempt(file: string, before: FileState | undefined): Promise<Attempt | null> {
    const path = join(this.#dir, file);
    const stamp = await fileStamp(path);
    const listsChanged = before !== undefined && (await depsChanged(before.deps));
    if (before !== undefined && before.stamp === stamp && !listsChanged) return null;
    const read = await readSettled(path);
    if (read === null) return null;
    if (before !== undefined && before.sourceHash === sha256(read.text) && !listsChanged) {
      return { kind: 'touched', stamp: read.stamp };
    }
    const deps = new Map<string, string>();
    try {
      const compiled = await compilePolicy(read.text, { ...this.#compileOptions(), fileName: file, onListFile: depRecorder(deps) });
      const candidate = sameAs(before?.active ?? null, compiled);
      const state = { stamp: read.stamp, sourceHash: candidate.sourceHash, deps };
      return { kind: 'compiled', state, candidate, error: null };
    } catch (err) {
      const state = { stamp: read.stamp, sourceHash: sha256(read.text), deps };
      return { kind: 'compiled', state, candidate: null, error: asPolicyError(file, err) };
    }
  }

  async #put(name: string, text: string): Promise<CompiledPolicy> {
    const file = this.#fileFor(name);
    let policy: CompiledPolicy;
    const deps = new Map<string, string>();
    try {
      policy = await compilePolicy(text, { ...this.#compileOptions(), fileName: file, onListFile: depRecorder(deps) });
      if (policy.name !== name) {
        throw new PolicyError(file, [{ file, path: 'name', message: `the text names the policy "${policy.name}" but it is saved as "${name}"` }]);
      }
    } catch (err) {
      const error = asPolicyError(file, err);
      this.#emit({ type: 'rejected', source: 'api', file, error, kept: this.#snapshot.get(name)?.name ?? null });
      throw error;
    }
    await writeFileAtomic(this.#dir, file, text);
    const before = this.#files.get(file);
    policy = sameAs(before?.active ?? null, policy);
    if (this.#unavailable.delete(file)) this.#listUnavailable();
    this.#files.set(file, {
      stamp: await fileStamp(join(this.#dir, file)),
      sourceHash: policy.sourceHash,
      deps,
      active: policy,
      refused: null,
      error: null,
    });
    this.#swap([...(before?.active === policy ? [] : [{ type: 'applied', source: 'api', file, policy } as const])]);
    return policy;
  }

  /** The file that holds (or will hold) policy `name`. */
  #fileFor(name: string): string {
    if (!POLICY_NAME_RE.test(name)) {
      throw new PolicyError(`${name}.yaml`, [{ file: `${name}.yaml`, path: '', message: 'the policy name must be a lower-case slug: a-z, 0-9, ".", "_", "-"' }]);
    }
    for (const [file, state] of this.#files) if (state.active?.name === name) return file;
    const file = `${name}.yaml`;
    const holder = this.#files.get(file)?.active;
    if (holder && holder.name !== name) {
      // `x.yaml` may say `name: y`; writing policy x there would silently replace policy y.
      throw new PolicyError(file, [{ file, path: '', message: `${file} holds policy "${holder.name}"; it cannot also hold "${name}"` }]);
    }
    return file;
  }

  /** Builds and installs a new snapshot if the active set changed; emits the events. */
  #swap(events: readonly PolicyEvent[]): boolean {
    const previous = this.#snapshot;
    const active = [...this.#files.values()].flatMap((s) => (s.active === null ? [] : [s.active]));
    const changed = active.length !== previous.policies.length || active.some((p) => previous.get(p.name) !== p);
    if (changed) this.#snapshot = createSnapshot(active, this.#now());
    for (const event of events) this.#emit(event);
    if (changed) {
      this.#emit({ type: 'swapped', version: this.#snapshot.version, previous: previous.version, policies: active.length });
    }
    return changed;
  }

  #emit(event: PolicyEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A failing log or metrics hook must not stop a policy from being applied.
      }
    }
  }

  #compileOptions(): { env: Env; dir: string; detectors: readonly Detector[] | undefined; limits: Partial<PolicyLimits> | undefined } {
    return { env: this.#env, dir: this.#dir, detectors: this.#detectors, limits: this.#limits };
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      this.#detectors ??= await loadDefaultDetectors();
      return task();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * The policy already active when a recompile produced the same thing (same name, text and
 * list contents): keeping the same object means the active set did not change, so no new
 * snapshot, no version bump and no `applied` event for a touched file.
 */
function sameAs(current: CompiledPolicy | null, compiled: CompiledPolicy): CompiledPolicy {
  return current !== null && current.name === compiled.name && current.contentHash === compiled.contentHash ? current : compiled;
}

/** Anything else thrown while compiling (a detector bug, an I/O error) still refuses the file. */
function asPolicyError(file: string, err: unknown): PolicyError {
  if (err instanceof PolicyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PolicyError(file, [{ file, path: '', message: `could not be compiled: ${message}` }]);
}

/**
 * Records each list file a compile reads with its stamp taken before the read, so a change
 * made while it is being read is still seen as a change by the next reload.
 */
function depRecorder(deps: Map<string, string>): (absPath: string) => void {
  return (absPath) => {
    if (!deps.has(absPath)) deps.set(absPath, fileStampSync(absPath));
  };
}

async function depsChanged(deps: ReadonlyMap<string, string>): Promise<boolean> {
  for (const [path, stamp] of deps) if ((await fileStamp(path)) !== stamp) return true;
  return false;
}
