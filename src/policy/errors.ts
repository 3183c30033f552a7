// What a policy author sees when a file is refused: every problem found, each naming the
// file, where in the document it is, and what is wrong. Messages are built from what the
// author wrote (keys, paths, variable names), never from list-file terms or scanned text.

/** A path inside a policy document, e.g. `['rules', 2, 'pattern']`. */
export type DocPath = readonly (string | number)[];

export interface PolicyIssue {
  /** The policy file's name, e.g. `default.yaml`. */
  readonly file: string;
  /** Where in the document, e.g. `rules[2].pattern`; `''` for the document as a whole. */
  readonly path: string;
  readonly message: string;
  /** 1-based position of the offending node in the file, when it could be located. */
  readonly line?: number;
  readonly column?: number;
}

/** A policy text that cannot be applied. `issues` is never empty. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly file: string;
  readonly issues: readonly PolicyIssue[];

  constructor(file: string, issues: readonly PolicyIssue[]) {
    const list = issues.length > 0 ? issues : [{ file, path: '', message: 'invalid policy' }];
    super(list.map(formatIssue).join('\n'));
    this.file = file;
    this.issues = Object.freeze([...list]);
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['rules', 2, 'pattern']` -> `rules[2].pattern` (odd keys quoted, as the author wrote them). */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** One line per issue: `default.yaml:12:5 rules[2].pattern: message`. */
export function formatIssue(issue: PolicyIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where} ${issue.path}: ${issue.message}`;
}

/** Finds a document path's position in the source; `undefined` when it is not there. */
export type Locator = (path: DocPath) => { line: number; column: number } | undefined;

/**
 * Gathers the issues of one file. Bounded: a list file with 100,000 bad lines must not turn
 * into 100,000 messages; past `max`, issues are counted and summarised in one last line.
 */
export class IssueCollector {
  readonly #file: string;
  readonly #max: number;
  readonly #issues: PolicyIssue[] = [];
  readonly #seen = new Set<string>();
  #dropped = 0;
  locate: Locator = () => undefined;

  constructor(file: string, max: number) {
    this.#file = file;
    this.#max = max;
  }

  get size(): number {
    return this.#issues.length + this.#dropped;
  }

  add(path: DocPath, message: string): void {
    const formatted = formatPath(path);
    const key = `${formatted}\u0000${message}`;
    // One rule listing several detectors can trip the same check once per detector.
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.#issues.length >= this.#max) {
      this.#dropped += 1;
      return;
    }
    const at = this.locate(path);
    this.#issues.push(
      at === undefined
        ? { file: this.#file, path: formatted, message }
        : { file: this.#file, path: formatted, message, line: at.line, column: at.column },
    );
  }

  /** Adds an issue at an already known position (YAML syntax errors). */
  addAt(line: number, column: number, message: string): void {
    if (this.#issues.length >= this.#max) {
      this.#dropped += 1;
      return;
    }
    this.#issues.push({ file: this.#file, path: '', message, line, column });
  }

  /** Throws a PolicyError when anything was collected. */
  throwIfAny(): void {
    if (this.size === 0) return;
    const issues = [...this.#issues];
    if (this.#dropped > 0) {
      issues.push({ file: this.#file, path: '', message: `and ${this.#dropped} more problem(s) not shown` });
    }
    throw new PolicyError(this.#file, issues);
  }
}
