// Redaction spans: how matches of several rules become one set of labelled, non-overlapping
// spans, and how those spans are written into a text. Shared by the one-shot engine and the
// stream filter so both produce byte-identical output for the same matches.
import type { Span } from './types.js';

/** A span to replace, with the label that replaces it. */
export interface RedactionSpan extends Span {
  readonly label: string;
}

/** The text that replaces a redacted match: names the detector, never the matched text. */
export function redactionLabel(detector: string): string {
  return `[REDACTED:${detector}]`;
}

/**
 * Sorts and merges spans so that no two overlap. Overlapping spans (from different rules)
 * become one span covering both, labelled by the outermost one: the span that starts first,
 * and of those the longest, then the earliest in the input (rule order). The outermost span
 * is the one a reader would name for the whole region, and the choice depends only on the
 * spans, not on the order rules happened to run in. Spans that merely touch (one ends where
 * the next starts) stay separate: each match keeps its own label. Empty spans are dropped.
 */
export function mergeSpans(spans: readonly RedactionSpan[]): RedactionSpan[] {
  const live = spans.filter((s) => s.end > s.start);
  if (live.length === 0) return [];
  if (live.length === 1) return [live[0] as RedactionSpan];
  // Array.prototype.sort is stable, so equal spans keep their input (rule) order.
  live.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: RedactionSpan[] = [];
  let current = live[0] as RedactionSpan;
  for (let i = 1; i < live.length; i++) {
    const next = live[i] as RedactionSpan;
    if (next.start < current.end) {
      if (next.end > current.end) current = { start: current.start, end: next.end, label: current.label };
    } else {
      merged.push(current);
      current = next;
    }
  }
  merged.push(current);
  return merged;
}

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * Replaces each span of `text` with its label. Spans may be unsorted, overlapping or out of
 * range: they are clamped, widened so that no surrogate pair is cut in half (half an emoji
 * left in the output is invalid UTF-16 and half of what was to be hidden), then merged as
 * {@link mergeSpans} does.
 */
export function applyRedactions(text: string, spans: readonly RedactionSpan[]): string {
  if (spans.length === 0) return text;
  const merged = fitSpans(text, spans);
  let out = '';
  let at = 0;
  for (const span of merged) {
    out += text.slice(at, span.start) + span.label;
    at = span.end;
  }
  return out + text.slice(at);
}

/** The spans applyRedactions replaces in `text`: clamped, off the middle of surrogate pairs, merged. */
export function fitSpans(text: string, spans: readonly RedactionSpan[]): RedactionSpan[] {
  return mergeSpans(spans.map((s) => fitSpan(text, s)));
}

/** Clamps a span into the text and moves its ends off the middle of a surrogate pair. */
function fitSpan(text: string, span: RedactionSpan): RedactionSpan {
  let start = Math.max(0, Math.min(text.length, Math.trunc(span.start)));
  let end = Math.max(start, Math.min(text.length, Math.trunc(span.end)));
  if (end === start) return { start, end, label: span.label };
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start -= 1;
  if (end < text.length && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end += 1;
  return start === span.start && end === span.end ? span : { start, end, label: span.label };
}
