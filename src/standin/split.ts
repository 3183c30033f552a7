// Cutting a reply into stream deltas. Tests choose the boundaries (to put a secret across
// two chunks, say), so every mode counts code points: a boundary never halves an emoji.
import type { SplitSpec } from './controls.js';

/** Word-sized deltas (` world`), the way a tokenizer streams prose. */
const WORDS = /\s*\S+|\s+/g;
/** Tool-call arguments stream in small fixed pieces, as the real API's do. */
const DEFAULT_ARGUMENT_PIECE = 8;

function bySize(points: readonly string[], size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size).join(''));
  return out;
}

function byOffsets(points: readonly string[], offsets: readonly number[]): string[] {
  const out: string[] = [];
  let start = 0;
  for (const offset of offsets) {
    if (offset >= points.length) break;
    out.push(points.slice(start, offset).join(''));
    start = offset;
  }
  out.push(points.slice(start).join(''));
  return out;
}

function byCount(points: readonly string[], count: number): string[] {
  const n = Math.min(count, points.length);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(points.slice(Math.floor((i * points.length) / n), Math.floor(((i + 1) * points.length) / n)).join(''));
  }
  return out;
}

/** The deltas for `text`; empty text gives no deltas. `kind` picks the default mode. */
export function splitText(text: string, spec: SplitSpec, kind: 'prose' | 'arguments'): string[] {
  if (text.length === 0) return [];
  switch (spec.kind) {
    case 'default':
      return kind === 'prose' ? (text.match(WORDS) ?? [text]) : bySize(Array.from(text), DEFAULT_ARGUMENT_PIECE);
    case 'size':
      return bySize(Array.from(text), spec.size);
    case 'count':
      return byCount(Array.from(text), spec.count);
    case 'at':
      return byOffsets(Array.from(text), spec.offsets);
  }
}
