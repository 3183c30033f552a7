// What of a prompt or response the record keeps, as the policy's storage rule says:
// `full` (the text, with matched secrets still masked: a secret is never stored),
// `redacted` (every finding masked), or `none`.
import { applyRedactions, mergeSpans, redactionLabel, type RedactionSpan } from '../filters/redact.js';
import type { Finding, Segment } from '../filters/types.js';
import type { StorageMode } from './record.js';

type TextSegment = Pick<Segment, 'text' | 'role' | 'kind'>;

export function storedText(
  segments: readonly TextSegment[],
  findings: readonly Finding[],
  mode: StorageMode,
  render: (segments: readonly TextSegment[]) => string,
): string | null {
  if (mode === 'none') return null;
  const masks = new Map<number, RedactionSpan[]>();
  for (const f of findings) {
    if (mode === 'full' && f.detector !== 'secret') continue;
    const label = redactionLabel(f.detector);
    for (const loc of f.locations) {
      let list = masks.get(loc.segment);
      if (!list) masks.set(loc.segment, (list = []));
      list.push({ start: loc.start, end: loc.end, label });
    }
  }
  if (masks.size === 0) return render(segments);
  return render(
    segments.map((s, i) => {
      const list = masks.get(i);
      return list ? { ...s, text: applyRedactions(s.text, mergeSpans(list)) } : s;
    }),
  );
}
