// The policy versions a worker thread has compiled, by file and content hash. Compiled
// rules cannot cross threads, so each thread that judges compiles the versions itself from
// the same text, environment and list files as the main thread, and uses a version only if
// its content hash is the one the main thread chose (a list file may have changed between
// the two compiles).
import type { CompiledRule } from '../filters/types.js';
import { compilePolicy } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import type { PolicyText, RuleRef, WorkerInit } from './messages.js';

export class PolicyCache {
  readonly #init: WorkerInit;
  /** Compiled versions by `file \0 contentHash`; null when the compile did not give that version. */
  readonly #compiled = new Map<string, Promise<CompiledPolicy | null>>();

  constructor(init: WorkerInit) {
    this.#init = init;
  }

  compile(p: PolicyText): Promise<CompiledPolicy | null> {
    const key = keyOf(p);
    let pending = this.#compiled.get(key);
    if (!pending) {
      pending = compilePolicy(p.text, { fileName: p.file, env: this.#init.env, dir: this.#init.policyDir }).then(
        (c) => (c.name === p.name && c.contentHash === p.contentHash ? c : null),
        () => null,
      );
      this.#compiled.set(key, pending);
      // A version that could not be built here is not cached: the next call tries again.
      void pending.then((c) => c === null && this.#compiled.get(key) === pending && this.#compiled.delete(key));
    }
    return pending;
  }

  /** Compiles `policies` and forgets every other version (they are no longer active). */
  warm(policies: readonly PolicyText[]): Promise<unknown> {
    const keep = new Set(policies.map(keyOf));
    for (const key of this.#compiled.keys()) if (!keep.has(key)) this.#compiled.delete(key);
    return Promise.all(policies.map((p) => this.compile(p)));
  }

  /** The rules `refs` points at in `policies`; null when some version is not available here. */
  async rules(policies: readonly PolicyText[], refs: readonly RuleRef[]): Promise<CompiledRule[] | null> {
    const versions = await Promise.all(policies.map((p) => this.compile(p)));
    const rules: CompiledRule[] = [];
    for (const [p, r] of refs) {
      const rule = versions[p]?.rules[r];
      if (!rule) return null;
      rules.push(rule);
    }
    return rules;
  }
}

function keyOf(p: PolicyText): string {
  return `${p.file}\u0000${p.contentHash}`;
}
