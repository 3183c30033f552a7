// The engine: runs the rules of one phase over the segments of one request or response and
// turns their findings into a decision and the redactions to apply. Pure: no I/O of its own
// beyond what async scanners (moderation) do, and what a RuleSharer given to it does (run
// some of the rules on another thread).
import { locate, matchFinding, runAsyncCheck, runSyncCheck } from './checks.js';
import type { CheckTiming, HashFn, SyncCheck } from './checks.js';
import { blockingRules, decide } from './decision.js';
import { mergeSpans, redactionLabel } from './redact.js';
import type { RedactionSpan } from './redact.js';
import type { CompiledRule, Decision, Finding, Phase, Segment, Span, SyncScanner } from './types.js';

export type { CheckTiming, HashFn } from './checks.js';

/** The redactions of one segment: sorted, non-overlapping, labelled. */
export interface Redaction {
  readonly segment: number;
  readonly spans: readonly RedactionSpan[];
}

export interface Evaluation {
  readonly decision: Decision;
  /** One per rule that matched or failed, in rule order. */
  readonly findings: Finding[];
  /** Only segments that have something to redact, by ascending segment index. */
  readonly redactions: Redaction[];
  /** Rule ids of enforced block findings, once each. */
  readonly blockedBy: string[];
  /** Wall time of the whole evaluation. */
  readonly ms: number;
  /** Wall time of each rule that ran (all segments), in rule order. */
  readonly timings: CheckTiming[];
}

export interface EvaluateOptions {
  readonly hash: HashFn;
  /** Aborts the async checks (e.g. the client went away); they then fail as `aborted`. */
  readonly signal?: AbortSignal;
  /** Time allowed to each async check; none when omitted. */
  readonly timeoutMs?: number;
  /** Another thread that can run some of the sync rules while this one runs the rest. */
  readonly share?: RuleSharer;
}

/**
 * Another thread with the same compiled rules. Both threads take the sync rules of an
 * evaluation one at a time, in the order given, from a shared counter (`claim[0]`, the
 * next position to take), so whichever thread is free takes the next rule: no rule runs
 * twice, and neither thread waits while rules are left.
 */
export interface RuleSharer {
  /** Below this many characters (all segments together) sharing costs more than it saves. */
  readonly minChars: number;
  /**
   * Starts the other thread on `order` (indexes into the evaluation's rules), taking
   * positions from `claim` as this thread does. Resolves with the checks it ran, by rule
   * index. Rejects when it cannot run them: this thread then runs every rule it has no
   * check for, so a failed helper costs time, never a rule.
   */
  run(order: readonly number[], texts: readonly string[], phase: Phase, claim: Int32Array): Promise<ReadonlyMap<number, SyncCheck>>;
}

/**
 * Whether two segments are consecutive text parts of one message's content
 * (`messages.3.content.0.text`, `messages.3.content.1.text`), which the model reads as
 * one text. Separate messages, prompts and embedding inputs are not.
 */
function partsOfOneText(a: Segment['path'], b: Segment['path']): boolean {
  if (a.length !== b.length || a.length < 3) return false;
  let at = -1;
  for (let k = 0; k < a.length; k++) {
    if (a[k] === b[k]) continue;
    if (at >= 0) return false;
    at = k;
  }
  const x = a[at];
  const y = b[at];
  // Empty parts are not segments: the next part's index may be further on.
  return at > 0 && a[at - 1] === 'content' && typeof x === 'number' && typeof y === 'number' && y > x;
}

/** Segments are joined with this before an async (whole-text) check. */
export const SEGMENT_JOINER = '\n';

/** True when some rule of this phase needs the async path (a service call). */
export function hasAsyncRules(rules: readonly CompiledRule[], phase: Phase): boolean {
  for (const rule of rules) if (rule.scanner.kind === 'async' && rule.phases.includes(phase)) return true;
  return false;
}

/**
 * Evaluates every rule of `phase` (rules of other phases are skipped).
 *
 * - Sync scanners run over each segment; async ones (moderation) once over the segments
 *   joined by newlines. Async checks start first and run concurrently while the sync
 *   scanners run. When no async rule applies this is {@link evaluateSync} behind one
 *   resolved promise.
 * - One finding per rule that matched or failed, with its locations (segment, span, hash
 *   of the matched text by `opts.hash`; never the text).
 * - The decision is the strictest action among enforced findings (block > redact > flag),
 *   `allow` without any. Monitor-mode findings are `enforced: false` and never count.
 * - A failing check becomes a finding with `error` and count 0. Fail-closed failures (an
 *   async rule with `onError: 'block'`; a sync `block` or `redact` rule) are enforced
 *   `block` findings; fail-open ones (`onError: 'allow'`; a sync `flag` rule) keep the
 *   rule's action with `enforced: false`: recorded, not acted on.
 * - An async rule with action `redact` acts as `flag` (a verdict has no spans to cut), and
 *   its finding says `flag`.
 * - Redactions come from enforced redact rules only; overlapping spans of different rules
 *   merge under the label of the outermost one (see mergeSpans).
 */
export function evaluate(
  rules: readonly CompiledRule[],
  segments: readonly Segment[],
  phase: Phase,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const share = opts.share && worthSharing(rules, segments, phase, opts.share) ? opts.share : null;
  if (!share && !hasAsyncRules(rules, phase)) return Promise.resolve(evaluateSync(rules, segments, phase, opts));
  return evaluateWithAsync(rules, segments, phase, opts, share);
}

function worthSharing(rules: readonly CompiledRule[], segments: readonly Segment[], phase: Phase, share: RuleSharer): boolean {
  let sync = 0;
  for (const rule of rules) if (rule.scanner.kind === 'sync' && rule.phases.includes(phase)) sync++;
  if (sync < 2) return false;
  let chars = 0;
  for (const segment of segments) chars += segment.text.length;
  return chars >= share.minChars;
}

/**
 * The sync-only path: no promises, no timers. Throws if an async rule applies to `phase`,
 * since skipping it would record a call as passed by a filter that never looked at it.
 */
export function evaluateSync(
  rules: readonly CompiledRule[],
  segments: readonly Segment[],
  phase: Phase,
  opts: Pick<EvaluateOptions, 'hash'>,
): Evaluation {
  const started = performance.now();
  const collector = new Collector(segments.length);
  const hash = memoizeHash(opts.hash);
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index] as CompiledRule;
    if (!rule.phases.includes(phase)) continue;
    if (rule.scanner.kind === 'async') {
      throw new TypeError(`evaluateSync: rule ${rule.id} (${rule.detector}) is async; use evaluate`);
    }
    collector.runSync(index, rule, rule.scanner, segments, phase, hash);
  }
  collector.addSeams(rules, segments, phase, hash);
  return collector.finish(performance.now() - started);
}

async function evaluateWithAsync(
  rules: readonly CompiledRule[],
  segments: readonly Segment[],
  phase: Phase,
  opts: EvaluateOptions,
  share: RuleSharer | null,
): Promise<Evaluation> {
  const started = performance.now();
  // Joined only for async checks: a shared evaluation of sync rules comes this way too.
  const text = hasAsyncRules(rules, phase) ? joinSegments(segments) : '';
  // Start every service call before the sync scanners occupy the thread. With no text at
  // all there is nothing to judge, so no call is made.
  const pending: Promise<void>[] = [];
  const collector = new Collector(segments.length);
  rules.forEach((rule, index) => {
    if (rule.scanner.kind !== 'async' || !rule.phases.includes(phase) || text.length === 0) return;
    pending.push(runAsyncCheck(rule, rule.scanner, text, phase, opts).then((check) => collector.record(index, rule, check)));
  });
  const hash = memoizeHash(opts.hash);
  if (share) {
    await runShared(collector, rules, segments, phase, hash, share);
  } else {
    rules.forEach((rule, index) => {
      if (rule.scanner.kind === 'sync' && rule.phases.includes(phase)) {
        collector.runSync(index, rule, rule.scanner, segments, phase, hash);
      }
    });
  }
  collector.addSeams(rules, segments, phase, hash);
  // runAsyncCheck never rejects: failures are findings.
  await Promise.all(pending);
  return collector.finish(performance.now() - started);
}

/**
 * Relative cost of a detector's scan per character, measured on a mixed 4 MB document
 * (bench/engine-loop.ts). Shared rules are taken costliest first, so the last ones taken
 * are short and the two threads finish close together. A detector missing here only
 * changes the order rules are taken in, never what they find.
 */
const SCAN_COST: Readonly<Record<string, number>> = {
  phone: 25,
  keywords: 21,
  regex: 12,
  secret: 10,
  credit_card: 8,
  ip_address: 5,
  ssn: 4,
  cn_resident_id: 4,
  iban: 3,
  email: 2,
};
const DEFAULT_SCAN_COST = 10;

function scanCost(rule: CompiledRule): number {
  return SCAN_COST[rule.detector] ?? DEFAULT_SCAN_COST;
}

/**
 * Runs the sync rules of `phase` on this thread and on `share`'s, each taking the next
 * rule from a shared counter. Checks are pure functions of rule and text, so a check run
 * on either thread is the same; the collector keeps them in rule order whatever thread
 * ran them.
 */
async function runShared(
  collector: Collector,
  rules: readonly CompiledRule[],
  segments: readonly Segment[],
  phase: Phase,
  hash: HashFn,
  share: RuleSharer,
): Promise<void> {
  const order: number[] = [];
  rules.forEach((rule, index) => {
    if (rule.scanner.kind === 'sync' && rule.phases.includes(phase)) order.push(index);
  });
  order.sort((a, b) => scanCost(rules[b] as CompiledRule) - scanCost(rules[a] as CompiledRule) || a - b);
  const claim = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  // A helper that fails, at once or later, is one that took nothing: its rules run here.
  let theirs: Promise<ReadonlyMap<number, SyncCheck> | null>;
  try {
    theirs = share.run(order, segments.map((s) => s.text), phase, claim).catch(() => null);
  } catch {
    theirs = Promise.resolve(null);
  }
  const ran = new Set<number>();
  for (let at = Atomics.add(claim, 0, 1); at < order.length; at = Atomics.add(claim, 0, 1)) {
    const index = order[at] as number;
    const rule = rules[index] as CompiledRule;
    collector.runSync(index, rule, rule.scanner as SyncScanner, segments, phase, hash);
    ran.add(index);
  }
  // Every rule ran here (the helper was busy starting, say): its answer is not awaited.
  const checks = ran.size === order.length ? null : await theirs;
  for (const index of order) {
    if (ran.has(index)) continue;
    const rule = rules[index] as CompiledRule;
    const check = checks?.get(index);
    if (check) collector.addSync(index, rule, check);
    else collector.runSync(index, rule, rule.scanner as SyncScanner, segments, phase, hash);
  }
}

/**
 * The hash of each distinct matched text once per evaluation: a keyed hash is a function of
 * its input, and the same address or host name often recurs in a long text and is found by
 * several rules.
 */
export function memoizeHash(hash: HashFn): HashFn {
  // Made on the first match: most evaluations of short texts find nothing to hash.
  let known: Map<string, string> | undefined;
  return (matched) => {
    known ??= new Map<string, string>();
    let digest = known.get(matched);
    if (digest === undefined) {
      digest = hash(matched);
      known.set(matched, digest);
    }
    return digest;
  };
}

export function joinSegments(segments: readonly Segment[]): string {
  return segments.length === 1 ? (segments[0] as Segment).text : segments.map((s) => s.text).join(SEGMENT_JOINER);
}

/**
 * Accumulates findings, timings and redaction spans, each finding in its rule's slot so the
 * order is the rules' order whatever order async checks finish in.
 */
class Collector {
  readonly #segmentCount: number;
  readonly #findings: (Finding | undefined)[] = [];
  readonly #timings: (CheckTiming | undefined)[] = [];
  /**
   * Per rule index: the matches of an enforced redact rule, by segment. They become labelled
   * spans in rule order at the end, whatever order the rules ran in, so that of two equal
   * spans the earlier rule's label wins (see mergeSpans).
   */
  readonly #redacting: (readonly [label: string, spans: ReadonlyMap<number, readonly Span[]>] | undefined)[] = [];

  constructor(segmentCount: number) {
    this.#segmentCount = segmentCount;
  }

  record(index: number, rule: CompiledRule, check: { readonly finding: Finding | undefined; readonly ms: number }): void {
    this.#findings[index] = check.finding;
    this.#timings[index] = { rule: rule.id, policy: rule.policy, detector: rule.detector, ms: check.ms };
  }

  /** Runs a sync check, records it, and keeps its spans when the rule redacts for real. */
  runSync(index: number, rule: CompiledRule, scanner: SyncScanner, segments: readonly Segment[], phase: Phase, hash: HashFn): void {
    this.addSync(index, rule, runSyncCheck(rule, scanner, segments, phase, hash));
  }

  /** Records a sync check, run here or on another thread. */
  addSync(index: number, rule: CompiledRule, check: SyncCheck): void {
    this.record(index, rule, check);
    if (!check.spans || rule.action !== 'redact' || rule.mode !== 'enforce') return;
    this.#redacting[index] = [redactionLabel(rule.detector), check.spans];
  }

  /**
   * Matches across the seams of the text parts of one message, which the model reads as one
   * text (`"project"`, `" "`, `"nightingale"`): each sync rule of the phase scans the parts
   * joined, and a match that is not within one part is added to the rule's finding in every
   * part it covers (one location each, with the hash of the whole match) and, for a redact
   * rule, redacted in each of them.
   */
  addSeams(rules: readonly CompiledRule[], segments: readonly Segment[], phase: Phase, hash: HashFn): void {
    for (let first = 0; first < segments.length; ) {
      let last = first;
      while (last + 1 < segments.length && partsOfOneText((segments[last] as Segment).path, (segments[last + 1] as Segment).path)) last++;
      if (last > first) this.#joinedParts(rules, segments, first, last, phase, hash);
      first = last + 1;
    }
  }

  #joinedParts(rules: readonly CompiledRule[], segments: readonly Segment[], first: number, last: number, phase: Phase, hash: HashFn): void {
    /** Where each part starts in the joined text, and the end. */
    const starts: number[] = [];
    let text = '';
    for (let i = first; i <= last; i++) {
      starts.push(text.length);
      text += (segments[i] as Segment).text;
    }
    starts.push(text.length);
    /** The part holding joined offset `offset` (binary search: a message may have many parts). */
    const partAt = (offset: number): number => {
      let lo = 0;
      let hi = starts.length - 2;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    rules.forEach((rule, index) => {
      const scanner = rule.scanner;
      if (scanner.kind !== 'sync' || !rule.phases.includes(phase)) return;
      const finding = this.#findings[index];
      if (finding?.error !== undefined) return; // the rule failed: its finding says so
      let found: Span[];
      try {
        found = scanner.scan(text);
      } catch {
        return; // the same scanner ran on each part without failing: what it found there stands
      }
      const added: { segment: number; start: number; end: number; hash: string }[] = [];
      for (const s of found) {
        if (s.end <= s.start) continue;
        const from = partAt(s.start);
        const to = partAt(s.end - 1);
        if (from === to) continue; // within one part: found there already
        const { hash: digest } = locate(0, text, s, hash);
        for (let k = from; k <= to; k++) {
          const start = Math.max(s.start, starts[k]!) - starts[k]!;
          const end = Math.min(s.end, starts[k + 1]!) - starts[k]!;
          if (end > start) added.push({ segment: first + k, start, end, hash: digest });
        }
      }
      if (added.length === 0) return;
      const locations = [...(finding?.locations ?? []), ...added].sort((x, y) => x.segment - y.segment || x.start - y.start);
      this.#findings[index] = matchFinding(rule, phase, rule.action, locations);
      if (rule.action === 'redact' && rule.mode === 'enforce') {
        const previous = this.#redacting[index];
        const bySegment = new Map<number, Span[]>();
        for (const [segment, spans] of previous?.[1] ?? []) bySegment.set(segment, [...spans]);
        for (const l of added) (bySegment.get(l.segment) ?? bySegment.set(l.segment, []).get(l.segment)!).push({ start: l.start, end: l.end });
        this.#redacting[index] = [previous?.[0] ?? redactionLabel(rule.detector), bySegment];
      }
    });
  }

  finish(ms: number): Evaluation {
    const findings: Finding[] = [];
    for (const finding of this.#findings) if (finding) findings.push(finding);
    const timings: CheckTiming[] = [];
    for (const t of this.#timings) if (t) timings.push(t);
    const perSegment = new Array<RedactionSpan[] | undefined>(this.#segmentCount);
    // forEach skips the rules that redact nothing and goes in ascending rule order.
    this.#redacting.forEach((entry) => {
      if (!entry) return;
      const [label, bySegment] = entry;
      for (const [segment, spans] of bySegment) {
        const list = (perSegment[segment] ??= []);
        for (const span of spans) list.push({ start: span.start, end: span.end, label });
      }
    });
    const redactions: Redaction[] = [];
    perSegment.forEach((spans, segment) => {
      if (spans) redactions.push({ segment, spans: mergeSpans(spans) });
    });
    return { decision: decide(findings), findings, redactions, blockedBy: blockingRules(findings), ms, timings };
  }
}
