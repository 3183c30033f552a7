// Zod's issues, reworded for someone editing a YAML file by hand and placed at the path of
// the document they came from.
import type { z } from 'zod';
import type { DocPath, IssueCollector } from './errors.js';

export type ZodIssue = z.core.$ZodIssue;

export interface ReportOptions {
  /** Skip `unrecognized_keys` (the caller already reported unknown keys with a better hint). */
  readonly skipUnknownKeys?: boolean;
  /** Rewrites an issue's path and message (e.g. to point at a list file's line instead). */
  readonly rewrite?: (path: DocPath, message: string) => { path: DocPath; message: string };
}

export function reportZodIssues(
  issues: IssueCollector,
  prefix: DocPath,
  zodIssues: readonly ZodIssue[],
  options: ReportOptions = {},
): void {
  for (const issue of zodIssues) {
    const path = [...prefix, ...issue.path.map(toPathPart)];
    if (issue.code === 'unrecognized_keys') {
      if (options.skipUnknownKeys === true) continue;
      for (const key of issue.keys) issues.add([...path, key], 'unknown key');
      continue;
    }
    const message = reword(issue);
    const final = options.rewrite === undefined ? { path, message } : options.rewrite(path, message);
    issues.add(final.path, final.message);
  }
}

function reword(issue: ZodIssue): string {
  // "Invalid input: expected string, received undefined" is zod's way of saying "missing".
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) {
    return `required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`;
  }
  return issue.message;
}

function toPathPart(part: PropertyKey): string | number {
  return typeof part === 'number' ? part : String(part);
}
