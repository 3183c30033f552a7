// Turns a policy text into plain data, reporting YAML syntax problems with line and column,
// and keeps the parsed document so later problems (schema, detector options) can be given a
// position too.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { DocPath, IssueCollector, Locator } from './errors.js';

/** YAML anchors and aliases are allowed, but not as an expansion bomb. */
const MAX_ALIAS_COUNT = 100;

export interface ParsedSource {
  /** The document as plain data; `undefined` when it could not be read. */
  readonly data: unknown;
  readonly locate: Locator;
}

export function parseYaml(text: string, issues: IssueCollector): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    // Core schema only: `!!binary`, `!!set` and friends become warnings (and so errors here),
    // not Buffers and Sets that no policy key expects.
    resolveKnownTags: false,
  });
  const position = (offset: number): { line: number; column: number } => {
    const at = lines.linePos(offset);
    return { line: at.line, column: at.col };
  };
  const locate: Locator = (path) => {
    const offset = findOffset(doc.contents, path);
    return offset === undefined ? undefined : position(offset);
  };

  // Warnings too: an unresolved tag means the value is not what the author meant.
  const problems = [...doc.errors, ...doc.warnings];
  for (const problem of problems) {
    const at = position(problem.pos[0]);
    issues.addAt(at.line, at.column, `YAML: ${firstLine(problem.message)}`);
  }
  if (problems.length > 0) return { data: undefined, locate };

  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), locate };
  } catch (err) {
    // Unresolved aliases and alias bombs only show up when the document is expanded.
    issues.add([], `YAML: ${firstLine(err instanceof Error ? err.message : String(err))}`);
    return { data: undefined, locate };
  }
}

function firstLine(message: string): string {
  const end = message.indexOf('\n');
  return (end === -1 ? message : message.slice(0, end)).replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * The source offset of the node at `path`: for a map entry, its key (the line the author
 * looks for); for a missing key, the deepest existing parent.
 */
function findOffset(root: unknown, path: DocPath): number | undefined {
  let node: unknown = root;
  let offset = rangeStart(node);
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part));
      if (pair === undefined) return offset;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part];
      if (item === undefined) return offset;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Partial<Node> | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
