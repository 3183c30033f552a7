// Output filtering for text that arrives in pieces (one StreamFilter per choice of a streamed
// completion). Each push releases what can no longer be part of a match, with redactions
// applied, and holds back the tail that still could. A match split over several chunks is
// therefore seen whole before any of it is sent.
//
// What is held back: for each enforced block or redact rule, its undecided point is where a
// match that more text could still create, extend or cancel may begin. A scanner with
// `pendingFrom` says where that is (the start of a word that could still become a term, of a
// token that could still become a key); its answer is trusted up to the rule's bound H
// (`maxMatchLength`, capped): a match is at most H long and a detector may look one character
// past it (whole-word checks), so a match starting before `end - H` is final whatever the
// scanner says. A scanner without `pendingFrom` holds H. The text before the earliest
// undecided point over these rules is decided, except that a final match reaching past that
// point is released only whole (held from its start), and a match running to the very end
// of the text seen (a detector under-declaring H) waits, up to the cap, since the next
// character may still grow or cancel it. Rules that only record (flag, or monitor policies)
// hold nothing back and keep their own, separate frontier for findings.
//
// Why each push costs the delta plus the hold-back, not the whole text: each rule rescans
// only from its own H before the first undecided character (context for look-behind such
// as word boundaries; a match seen only because that context is cut off ends before the
// undecided point and is skipped), or from the start of a recorded match that crosses that
// point, so the rescan keeps step with a scan of the whole text.
// `pendingFrom` is given the same window and told to look only at its last H characters.
//
// The cap (maxHoldBack) bounds H for detectors that report `Infinity` or more than it.
// A match longer than the cap can then slip out in part: its start may be released before
// the match is recognisable, or, if it keeps growing, its label is sent and what follows
// may no longer be recognised. Either way its finding carries an `error` saying so: when
// the output is complete, each enforced rule scans all of it once and records any match
// that passed the window in pieces it never recognised.
//
// Not done here: async (moderation) rules. They judge a whole text, so the caller runs them
// on the complete output at the end (engine `evaluate`), and can then only record: the text
// has already been sent.
import { isNonEmpty, locate, matchFinding, syncFailure } from './checks.js';
import type { HashFn } from './checks.js';
import { applyRedactions, mergeSpans, redactionLabel } from './redact.js';
import type { RedactionSpan } from './redact.js';
import type { CompiledRule, Finding, FindingLocation, Span, SyncScanner } from './types.js';

/** Hold-back used for detectors that cannot bound their matches (`Infinity`). */
export const DEFAULT_MAX_HOLD_BACK = 4096;

export interface StreamFilterOptions {
  readonly hash: HashFn;
  /**
   * Cap on the text held back, in UTF-16 units. A match longer than this (possible only
   * for detectors whose maxMatchLength exceeds it) may slip out in part when it is split
   * across chunks; its finding then carries an `error` saying so.
   */
  readonly maxHoldBack?: number;
}

export interface StreamStep {
  /** Text safe to send now, redactions already applied. */
  readonly release: string;
  /**
   * True once an enforced block rule matched: the caller ends the stream with
   * `finish_reason: "content_filter"`. `release` then holds only text before the match.
   */
  readonly blocked: boolean;
}

/** What a rule does to the stream: stop it, rewrite it, or only leave a record. */
type Role = 'block' | 'redact' | 'record';

interface RuleState {
  readonly rule: CompiledRule;
  readonly scanner: SyncScanner;
  readonly role: Role;
  readonly hold: number;
  readonly label: string;
  readonly locations: FindingLocation[];
  /**
   * A match outgrew the hold-back: it began in text already released, or it was still
   * growing when its label had to be sent, so text after it may have gone out unredacted.
   */
  overlong: boolean;
  /** The scanner threw; the rule is not run again. */
  failure: unknown;
}

/** One scan of the window: each rule's matches, in absolute offsets. */
type Scan = (readonly Span[] | undefined)[];

const OVERLONG_ERROR = 'a match was longer than the hold-back: part of it may have been sent';

export class StreamFilter {
  readonly #rules: readonly RuleState[];
  readonly #hash: HashFn;
  /** The most text held back for one undecided match (opts.maxHoldBack). */
  readonly #cap: number;
  /** Hold-back for findings of rules that only record (flag, or monitor policies). */
  readonly #recordHold: number;
  /** Everything pushed, for text(). */
  #pieces: string[] = [];
  /** The scan window: the raw text from #base to the end. */
  #window = '';
  #base = 0;
  /** Output before this offset has been released. */
  #released = 0;
  /** Record-only rules: findings starting before this offset are recorded. */
  #recorded = 0;
  #blocked = false;
  #ended = false;

  constructor(rules: readonly CompiledRule[], opts: StreamFilterOptions) {
    const cap = opts.maxHoldBack ?? DEFAULT_MAX_HOLD_BACK;
    if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`maxHoldBack must be a non-negative integer, got ${cap}`);
    this.#hash = opts.hash;
    this.#cap = cap;
    this.#rules = rules.flatMap((rule) => {
      if (rule.scanner.kind !== 'sync' || !rule.phases.includes('output')) return [];
      const length = rule.scanner.maxMatchLength;
      const hold = Number.isFinite(length) && length >= 0 ? Math.min(Math.ceil(length), cap) : cap;
      const role: Role = rule.mode === 'enforce' && rule.action !== 'flag' ? rule.action : 'record';
      const state: RuleState = { rule, scanner: rule.scanner, role, hold, label: redactionLabel(rule.detector), locations: [], overlong: false, failure: undefined };
      return [state];
    });
    this.#recordHold = Math.max(0, ...this.#rules.filter((r) => r.role === 'record').map((r) => r.hold));
  }

  /** Takes the next piece of output text and returns what may be sent now. */
  push(delta: string): StreamStep {
    if (this.#ended) throw new Error('StreamFilter: push after end');
    // After a block the caller stops reading; anything still pushed is neither scanned nor
    // kept, so the record cannot claim text that no filter looked at.
    if (this.#blocked) return { release: '', blocked: true };
    if (delta.length === 0) return { release: '', blocked: false };
    this.#pieces.push(delta);
    if (this.#rules.length === 0) {
      this.#released += delta.length;
      return { release: delta, blocked: false };
    }
    this.#window += delta;
    return this.#advance(false);
  }

  /**
   * The output is complete: everything not blocked is released, and the findings cover
   * all of text(). Call it also when the stream is cut short (client gone, upstream error)
   * to complete the findings, and ignore its release then.
   */
  end(): StreamStep {
    if (this.#ended || this.#blocked) {
      this.#ended = true;
      return { release: '', blocked: this.#blocked };
    }
    this.#ended = true;
    if (this.#rules.length === 0) return { release: '', blocked: false };
    const step = this.#advance(true);
    if (!step.blocked) this.#recordUnseen();
    return step;
  }

  /** The findings so far, one per rule that matched or failed; offsets into text(). */
  findings(): Finding[] {
    const findings: Finding[] = [];
    for (const state of this.#rules) {
      const { rule, locations } = state;
      if (state.failure !== undefined) {
        findings.push({ ...syncFailure(rule, 'output', state.failure), count: locations.length, locations: [...locations] });
      } else if (locations.length > 0) {
        const finding = matchFinding(rule, 'output', rule.action, [...locations]);
        findings.push(state.overlong ? { ...finding, error: OVERLONG_ERROR } : finding);
      }
    }
    return findings;
  }

  /** Some text pushed has not been released yet (held back, or stopped by a block). */
  get holding(): boolean {
    return this.#blocked || this.#released < this.#base + this.#window.length;
  }

  /** All raw text pushed (up to the block, if one happened). */
  text(): string {
    if (this.#pieces.length > 1) this.#pieces = [this.#pieces.join('')];
    return this.#pieces[0] ?? '';
  }

  /** Scans the window and releases what is decided; `final` when no more text will come. */
  #advance(final: boolean): StreamStep {
    const end = this.#base + this.#window.length;
    const released = this.#released;
    const scan = this.#scan();
    const decided = final ? end : this.#undecided(end);
    const block = this.#blockPoint(scan, decided, end, final);
    if (block.at !== undefined) return this.#block(scan, block.at);

    const groups = mergeSpans(this.#redactSpans(scan, Infinity));
    let cut = Math.min(Math.max(decided, released), block.pending);
    let out = '';
    let at = released;
    for (const group of groups) {
      if (group.start >= cut) break;
      // A group reaching past the decided point, or to the end of the text seen (a match
      // longer than its detector declared), may still change: hold it from its start,
      // unless that would hold more than the cap. Then it is longer than any bound this
      // filter honours, and sending its label now and labelling the rest as it comes keeps
      // the window (and so each push's cost) bounded without letting its text out.
      if (group.end > decided || (!final && group.end === end)) {
        if (end - group.start <= this.#cap) {
          cut = group.start;
          break;
        }
        // Once the window no longer reaches back to its start, the rest of a match that
        // keeps growing cannot be recognised: say so in its finding.
        if (group.end === end) this.#markOverlong(scan, end);
      }
      out += this.#slice(at, group.start) + group.label;
      at = group.end;
    }
    cut = Math.max(cut, at);
    // Never send half of a surrogate pair: its other half may be what completes a match,
    // and a lone surrogate is invalid text for the client.
    if (cut > at && !(final && cut === end) && isHighSurrogate(this.#window.charCodeAt(cut - 1 - this.#base))) cut -= 1;
    out += this.#slice(at, cut);
    this.#released = cut;
    this.#recordEnforced(scan, released, cut);
    this.#recordOthers(scan, final ? end : end - this.#recordHold);
    this.#trim();
    return { release: out, blocked: false };
  }

  /** Runs every live rule over its part of the window; a rule that throws is marked failed. */
  #scan(): Scan {
    const scan: Scan = [];
    this.#rules.forEach((state, index) => {
      if (state.failure !== undefined) return;
      const from = Math.max(this.#base, this.#scanFrom(state));
      try {
        const found = state.scanner.scan(from === this.#base ? this.#window : this.#window.slice(from - this.#base));
        scan[index] = found.filter(isNonEmpty).map((s) => ({ start: s.start + from, end: s.end + from }));
      } catch (err) {
        state.failure = err ?? new Error('detector threw');
      }
    });
    return scan;
  }

  /**
   * The first undecided character over the enforced block and redact rules: the earliest of
   * their undecided points. A rule that failed is skipped (#blockPoint stops the stream).
   */
  #undecided(end: number): number {
    let point = end;
    for (const state of this.#rules) {
      if (state.role === 'record' || state.failure !== undefined) continue;
      point = Math.min(point, this.#pendingFrom(state, end));
    }
    return point;
  }

  /**
   * One rule's undecided point: `end - H`, or later where the scanner's `pendingFrom` says
   * so (for a scanner whose matches can outgrow H, earlier: as far back as its
   * `pendingReach`, capped). The scanner sees the window its scan saw, told to look from
   * that point on, without a trailing high surrogate (the character is not complete yet).
   * An answer out of range
   * claims nothing; a scanner that throws is marked failed, as a throwing scan is.
   */
  #pendingFrom(state: RuleState, end: number): number {
    const pendingFrom = state.scanner.pendingFrom;
    if (pendingFrom === undefined || state.hold === 0) return end - state.hold;
    const reach = state.scanner.pendingReach;
    const floor = end - (reach !== undefined && reach > state.hold ? Math.min(reach, this.#cap) : state.hold);
    const start = Math.max(this.#base, this.#scanFrom(state));
    const stop = isHighSurrogate(this.#window.charCodeAt(end - 1 - this.#base)) ? end - 1 : end;
    const text = this.#slice(start, stop);
    const from = Math.max(0, floor - start);
    let pending: number;
    try {
      pending = pendingFrom.call(state.scanner, text, Math.min(from, text.length));
    } catch (err) {
      state.failure = err ?? new Error('detector threw');
      return floor;
    }
    if (!Number.isInteger(pending) || pending < 0) return floor;
    return Math.max(floor, start + Math.min(pending, text.length));
  }

  /**
   * Where a rule's rescan starts: its hold-back before the first undecided character, so a
   * match seen only because the window cuts off what precedes it (a word boundary that is
   * not one) ends before that character and is skipped. If one of the rule's recorded
   * matches crosses that point (not only the last one: the last may lie wholly after it),
   * the rescan starts at that match instead: starting inside it would let the scanner find
   * different matches from there on (the tail of one token read as the start of another,
   * card numbers grouped differently) and lose step with what a scan of the whole text finds.
   */
  #scanFrom(state: RuleState): number {
    const frontier = state.role === 'record' ? this.#recorded : this.#released;
    const from = frontier - state.hold;
    // Recorded matches are in order and do not overlap: the one that may cross `from` is the
    // earliest that ends after it (walking back over those, usually none or one).
    const locations = state.locations;
    let i = locations.length;
    while (i > 0 && locations[i - 1]!.end > from) i--;
    const crossing = locations[i];
    // A match that started more than twice the cap back is one that outgrew the cap; its
    // start is let go so that the window stays bounded.
    if (crossing && crossing.start < from && crossing.start >= frontier - 2 * this.#cap) return crossing.start;
    return from;
  }

  /**
   * Where the stream must stop, if it must (`at`): the earliest final match of an enforced
   * block rule, or the release point at once if such a match began in released text or an
   * enforced block or redact rule failed (fail-closed, as in the engine). Otherwise
   * `pending`: the start of a block match that is not final yet, which nothing may pass.
   * A match that runs to the end of the text seen is not final even if it starts before
   * the decided point: only a detector that under-declares its maxMatchLength produces
   * one, and more text may still grow it or cancel it (`$`, a word boundary). It waits
   * until it is longer than the cap, then blocks: failing closed.
   */
  #blockPoint(scan: Scan, decided: number, end: number, final: boolean): { at?: number; pending: number } {
    const released = this.#released;
    let at: number | undefined;
    let pending = Infinity;
    this.#rules.forEach((state, index) => {
      if (state.role === 'record') return;
      if (state.failure !== undefined) {
        at = released;
        return;
      }
      if (state.role !== 'block') return;
      for (const span of scan[index] ?? []) {
        if (span.end <= released) continue;
        if (span.start >= decided) break;
        const start = Math.max(span.start, released);
        if (!final && span.end === end && end - span.start <= this.#cap) pending = Math.min(pending, start);
        else if (at === undefined || start < at) at = start;
        break;
      }
    });
    return at === undefined ? { pending } : { at, pending };
  }

  /**
   * Stops the stream at `at`: releases the text before it (redacted, spans cut at `at`) and
   * records every match in the text seen, as if it were complete, since no more will come.
   */
  #block(scan: Scan, at: number): StreamStep {
    const released = this.#released;
    const spans = this.#redactSpans(scan, at).map((s) => ({ start: s.start - released, end: s.end - released, label: s.label }));
    const out = applyRedactions(this.#slice(released, at), spans);
    this.#released = at;
    this.#blocked = true;
    const end = this.#base + this.#window.length;
    this.#recordEnforced(scan, released, end);
    this.#recordOthers(scan, end);
    this.#window = '';
    this.#base = end;
    return { release: out, blocked: true };
  }

  /** Spans of enforced redact rules not yet released, cut to [released, limit). */
  #redactSpans(scan: Scan, limit: number): RedactionSpan[] {
    const released = this.#released;
    const spans: RedactionSpan[] = [];
    this.#rules.forEach((state, index) => {
      if (state.role !== 'redact') return;
      for (const span of scan[index] ?? []) {
        if (span.end <= released) continue;
        if (span.start >= limit) break;
        spans.push({ start: Math.max(span.start, released), end: Math.min(span.end, limit), label: state.label });
      }
    });
    return spans;
  }

  /** Flags the redact rules whose match runs to the end of the text seen so far. */
  #markOverlong(scan: Scan, end: number): void {
    this.#rules.forEach((state, index) => {
      if (state.role === 'redact' && scan[index]?.at(-1)?.end === end) state.overlong = true;
    });
  }

  /** Records the matches of enforced block/redact rules that start before `until`. */
  #recordEnforced(scan: Scan, released: number, until: number): void {
    this.#rules.forEach((state, index) => {
      if (state.role === 'record') return;
      for (const span of scan[index] ?? []) {
        if (span.end <= released) continue;
        if (span.start >= until) break;
        if (span.start < released) state.overlong = true;
        state.locations.push(this.#locate(span));
      }
    });
  }

  /** Records the matches of record-only rules that start in [#recorded, until). */
  #recordOthers(scan: Scan, until: number): void {
    const from = this.#recorded;
    if (until <= from) return;
    this.#rules.forEach((state, index) => {
      if (state.role !== 'record') return;
      for (const span of scan[index] ?? []) {
        if (span.start < from) continue;
        if (span.start >= until) break;
        state.locations.push(this.#locate(span));
      }
    });
    this.#recorded = until;
  }

  /**
   * A match longer than the cap can pass the window in pieces none of which it recognises:
   * its text has gone out and nothing recorded it. Once the output is complete, each
   * enforced rule scans all of it; a match that no recorded one overlaps is recorded, and
   * its finding says that part of it may have been sent. (Output is scanned twice in all;
   * a stream long enough for this to cost much is also long enough to need it.)
   */
  #recordUnseen(): void {
    const text = this.text();
    for (const state of this.#rules) {
      if (state.role === 'record' || state.failure !== undefined) continue;
      let spans: Span[];
      try {
        spans = state.scanner.scan(text);
      } catch {
        continue; // a scanner that throws only now: what the stream saw stands
      }
      // Both lists are in order and without overlaps: one pass over each.
      const seen = [...state.locations].sort((a, b) => a.start - b.start);
      const unseen: FindingLocation[] = [];
      let j = 0;
      for (const span of spans) {
        if (!isNonEmpty(span)) continue;
        while (j < seen.length && seen[j]!.end <= span.start) j++;
        if (j < seen.length && seen[j]!.start < span.end) continue;
        unseen.push({ ...locate(0, text, span, this.#hash), start: span.start, end: span.end });
      }
      if (unseen.length > 0) {
        state.overlong = true;
        state.locations.push(...unseen);
        state.locations.sort((a, b) => a.start - b.start);
      }
    }
  }

  /** Drops window text that no rule's next rescan needs. */
  #trim(): void {
    let keepFrom = Infinity;
    for (const state of this.#rules) if (state.failure === undefined) keepFrom = Math.min(keepFrom, this.#scanFrom(state));
    const end = this.#base + this.#window.length;
    keepFrom = Math.min(Math.max(this.#base, keepFrom), end);
    if (keepFrom <= this.#base) return;
    this.#window = this.#window.slice(keepFrom - this.#base);
    this.#base = keepFrom;
  }

  #slice(from: number, to: number): string {
    return this.#window.slice(from - this.#base, to - this.#base);
  }

  #locate(span: Span): FindingLocation {
    const relative = { start: span.start - this.#base, end: span.end - this.#base };
    return { ...locate(0, this.#window, relative, this.#hash), start: span.start, end: span.end };
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
