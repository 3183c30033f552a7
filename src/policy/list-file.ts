// Keyword list files (`file: lists/banned.txt`): one term per line, `#` comment lines and
// blank lines ignored. The path is relative to POLICY_DIR and may not leave it, not even
// through a symbolic link: a policy pushed over the admin API must not be able to read
// arbitrary files of the host into a rule.
import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export interface ListTerm {
  readonly term: string;
  /** 1-based line in the list file, for messages that must not quote the term. */
  readonly line: number;
}

export interface LoadedList {
  /** The path as written in the policy. */
  readonly path: string;
  /** The resolved absolute path (what the watcher watches). */
  readonly absPath: string;
  /** sha256 hex of the file's bytes: part of the policy's content hash. */
  readonly sha256: string;
  readonly terms: readonly ListTerm[];
}

/** A list file problem; the message is safe to show (it never quotes the file's content). */
export class ListFileError extends Error {
  override readonly name = 'ListFileError';
}

/** The absolute path `relPath` names inside `dir`, or a ListFileError when it leaves it. */
export function resolveListPath(dir: string, relPath: string): string {
  if (relPath.includes('\u0000')) throw new ListFileError('must not contain NUL characters');
  if (isAbsolute(relPath)) throw new ListFileError('must be relative to the policy directory');
  const root = resolve(dir);
  const abs = resolve(root, relPath);
  if (!isInside(root, abs)) throw new ListFileError('must stay inside the policy directory');
  return abs;
}

export async function loadList(
  dir: string,
  relPath: string,
  limits: { readonly maxListTerms: number; readonly maxListBytes: number },
  onPath?: (absPath: string) => void,
): Promise<LoadedList> {
  const absPath = resolveListPath(dir, relPath);
  // Reported before reading, so a missing file is still watched and a later fix is seen.
  onPath?.(absPath);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(absPath), realpath(resolve(dir))]);
  } catch (err) {
    throw new ListFileError(describeFsError(err, relPath));
  }
  if (!isInside(realRoot, real)) throw new ListFileError('must stay inside the policy directory (it is a link to a file outside)');
  const info = await stat(real).catch((err: unknown) => {
    throw new ListFileError(describeFsError(err, relPath));
  });
  if (!info.isFile()) throw new ListFileError(`${relPath} is not a regular file`);
  if (info.size > limits.maxListBytes) {
    throw new ListFileError(`${relPath} is ${info.size} bytes; at most ${limits.maxListBytes} are allowed`);
  }
  const bytes = await readFile(real).catch((err: unknown) => {
    throw new ListFileError(describeFsError(err, relPath));
  });
  const terms = parseTerms(bytes.toString('utf8'));
  if (terms.length > limits.maxListTerms) {
    throw new ListFileError(`${relPath} has ${terms.length} terms; at most ${limits.maxListTerms} are allowed`);
  }
  return { path: relPath, absPath, sha256: createHash('sha256').update(bytes).digest('hex'), terms };
}

/** One term per line, trimmed; lines that are blank or start with `#` are skipped. */
export function parseTerms(text: string): ListTerm[] {
  const terms: ListTerm[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i += 1) {
    const term = (lines[i] ?? '').trim();
    // A `#` later in a line is part of the term (`C#` is a fine keyword).
    if (term === '' || term.startsWith('#')) continue;
    terms.push({ term, line: i + 1 });
  }
  return terms;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function describeFsError(err: unknown, relPath: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return `${relPath} does not exist`;
  if (code === 'EACCES') return `${relPath} cannot be read (permission denied)`;
  return `${relPath} cannot be read (${code ?? 'error'})`;
}
