// Unified diff between two policy texts, for the policy history ("who changed what").
// Line-based Myers (O((N+M)·D) time, O(D²) memory for the trace) after trimming the common
// head and tail, which is most of a typical policy edit. Past `maxEdits` differing lines
// the diff stops searching for the shortest script and reports the differing middle as
// removed and re-added: still a correct diff, just not the smallest one.

export interface DiffOptions {
  /** Label of the `---` line. */
  readonly fromFile?: string;
  /** Label of the `+++` line. */
  readonly toFile?: string;
  /** Unchanged lines shown around each change. */
  readonly context?: number;
  /** Bound on the edit distance searched (time and memory). */
  readonly maxEdits?: number;
}

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

const DEFAULT_CONTEXT = 3;
const DEFAULT_MAX_EDITS = 1000;

/** `''` when the texts are equal; otherwise `---`/`+++` headers and `@@` hunks. */
export function unifiedDiff(before: string, after: string, options: DiffOptions = {}): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = editScript(a, b, options.maxEdits ?? DEFAULT_MAX_EDITS);
  const hunks = formatHunks(ops, Math.max(0, options.context ?? DEFAULT_CONTEXT));
  return `--- ${options.fromFile ?? 'a'}\n+++ ${options.toFile ?? 'b'}\n${hunks}`;
}

/** Lines with their `\n`, so a missing final newline is a difference too. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function editScript(a: readonly string[], b: readonly string[], maxEdits: number): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;

  const ops: Op[] = [];
  for (let i = 0; i < head; i += 1) ops.push({ kind: ' ', line: a[i] as string });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const middle = myers(midA, midB, maxEdits);
  if (middle !== null) ops.push(...middle);
  else {
    for (const line of midA) ops.push({ kind: '-', line });
    for (const line of midB) ops.push({ kind: '+', line });
  }
  for (let i = a.length - tail; i < a.length; i += 1) ops.push({ kind: ' ', line: a[i] as string });
  return ops;
}

/** The shortest edit script, or `null` when it needs more than `maxEdits` edits. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) {
    return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  }
  // Compare small integers, not strings, in the inner loop.
  const ids = new Map<string, number>();
  const intern = (line: string): number => {
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    return id;
  };
  const ai = Int32Array.from(a, intern);
  const bi = Int32Array.from(b, intern);

  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: the furthest x reached on diagonals -d..d before step d (k at index k + d + 1).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && ai[x] === bi[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, n, m);
    }
  }
  return null;
}

function backtrack(a: readonly string[], b: readonly string[], trace: readonly Int32Array[], n: number, m: number): Op[] {
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const v = trace[d] as Int32Array;
    const at = (k: number): number => v[k + d + 1] as number;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[x - 1] as string });
      x -= 1;
      y -= 1;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[prevY] as string });
      else ops.push({ kind: '-', line: a[prevX] as string });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

function formatHunks(ops: readonly Op[], context: number): string {
  // 1-based line numbers in the old and new text of each op.
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 1;
  let n = 1;
  for (const op of ops) {
    oldNo.push(o);
    newNo.push(n);
    if (op.kind !== '+') o += 1;
    if (op.kind !== '-') n += 1;
  }

  let out = '';
  let i = 0;
  while (i < ops.length) {
    while (i < ops.length && (ops[i] as Op).kind === ' ') i += 1;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    // Extend while the next change is close enough to share the context.
    let end = i;
    let last = i;
    while (end < ops.length) {
      if ((ops[end] as Op).kind !== ' ') last = end;
      else if (end - last > 2 * context) break;
      end += 1;
    }
    const stop = Math.min(ops.length, last + context + 1);
    const slice = ops.slice(start, stop);
    const oldLen = slice.filter((op) => op.kind !== '+').length;
    const newLen = slice.filter((op) => op.kind !== '-').length;
    const oldStart = (oldNo[start] as number) - (oldLen === 0 ? 1 : 0);
    const newStart = (newNo[start] as number) - (newLen === 0 ? 1 : 0);
    out += `@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@\n`;
    for (const op of slice) out += renderLine(op);
    i = stop;
  }
  return out;
}

function range(start: number, length: number): string {
  return length === 1 ? `${start}` : `${start},${length}`;
}

function renderLine(op: Op): string {
  return op.line.endsWith('\n') ? `${op.kind}${op.line}` : `${op.kind}${op.line}\n\\ No newline at end of file\n`;
}
