// The contract between the request path (openai/, http/), the policy layer (policy/) and
// the filters. filters/ is pure: it imports nothing of ours but these types.
import type { z } from 'zod';

export const PHASES = ['input', 'output'] as const;
export type Phase = (typeof PHASES)[number];

/** Rule actions in ascending strictness: the strictest action among findings wins. */
export const ACTIONS = ['flag', 'redact', 'block'] as const;
export type Action = (typeof ACTIONS)[number];
export type Decision = 'allow' | Action;

export const SEGMENT_KINDS = ['text', 'tool_arguments', 'tool_result', 'prompt', 'input'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

/**
 * One piece of text pulled out of a request or a response. `path` is where it lives in the
 * JSON body, so a redaction can be written back into the same structure.
 */
export interface Segment {
  readonly path: readonly (string | number)[];
  readonly kind: SegmentKind;
  /** system | developer | user | assistant | tool | function, when the format says. */
  readonly role: string | null;
  readonly text: string;
}

/** A span of a scanned string: UTF-16 code unit offsets, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A synchronous detector compiled for one rule: built once per policy version. */
export interface SyncScanner {
  readonly kind: 'sync';
  /** Every match in `text`, in order, non-overlapping. Linear in the text's length. */
  scan(text: string): Span[];
  /**
   * Upper bound on a match's length in the original text (UTF-16 units). A stream filter
   * holds back this much text at most; `Infinity` when the detector cannot bound it. It is
   * also the whole hold-back of a scanner without `pendingFrom`.
   */
  readonly maxMatchLength: number;
  /**
   * Where the undecided tail of a text begins, for a stream filter that has seen `text` so
   * far and will see more. Returns the smallest offset `p` at which a match could begin
   * that more text could still create, extend, shorten or cancel: for every continuation
   * `more`, the spans of `scan(text + more)` that start before `p` are exactly the spans of
   * `scan(text)` that start before `p`. Text before `p` is decided for this scanner.
   *
   * - `from <= p <= text.length`. `p` must never be later than the start of a span that
   *   more text can still change (too late lets part of a match out); earlier is always
   *   safe, and `from` is the answer that claims nothing.
   * - Nothing before `from` needs rechecking: the caller has already decided that text
   *   (every match there is at most `maxMatchLength` long and started before
   *   `text.length - maxMatchLength`), so an implementation looks only at the tail from
   *   `from` (and at what precedes it for context) and costs O(text.length - from). It may
   *   assume that no match is longer than `maxMatchLength`.
   * - `text` may begin anywhere in a longer stream (the caller cuts its window); an
   *   implementation must not conclude from that edge that a match cannot begin after it.
   * - `text` never ends in the first half of a surrogate pair (the caller keeps that unit
   *   back and passes what precedes it).
   *
   * Optional: without it, a stream filter holds back `maxMatchLength` (capped) for the
   * scanner, whatever the text. User-written patterns and detectors that cannot tell a
   * match in progress from prose leave it out.
   */
  pendingFrom?(text: string, from: number): number;
  /**
   * For a detector whose matches can be longer than `maxMatchLength` (text padded with
   * characters it ignores, which no bound covers): how far back a stream filter trusts
   * `pendingFrom`, capped by the filter's hold-back cap. The filter then passes
   * `pendingFrom` a `from` up to this far back, the "no longer match" assumption above
   * does not hold for that tail, and it holds what the answer says while rescanning only
   * `maxMatchLength` before the first undecided character. Default: `maxMatchLength`.
   */
  readonly pendingReach?: number;
}

export interface AsyncVerdict {
  readonly flagged: boolean;
  /** The categories that triggered, e.g. `hate`, `violence`. */
  readonly categories: readonly string[];
}

/** A detector that asks a service (moderation): judges a whole text, no spans. */
export interface AsyncScanner {
  readonly kind: 'async';
  check(text: string, signal: AbortSignal): Promise<AsyncVerdict>;
  /** What a failure of the service means for the call. */
  readonly onError: 'allow' | 'block';
}

export type Scanner = SyncScanner | AsyncScanner;

export interface DetectorExample {
  readonly text: string;
  /** Rule options for this example; the detector's defaults when omitted. */
  readonly options?: unknown;
  /** For positive examples: the exact substrings that must be matched, in order. */
  readonly matches?: readonly string[];
}

/**
 * One detector, one file (secretlint/eslint style): its option schema, a factory that
 * compiles the options once, and the examples that the generic detector test runs.
 */
export interface Detector<O = unknown> {
  /** The name used in policy files, e.g. `email`. */
  readonly id: string;
  readonly description: string;
  /** The rule keys this detector adds, as a strict object (unknown keys are errors). */
  readonly options: z.ZodType<O>;
  create(options: O): Scanner;
  readonly examples: {
    readonly positive: readonly DetectorExample[];
    readonly negative: readonly DetectorExample[];
  };
}

/** A policy rule ready to run: what policy/ hands to the engine. */
export interface CompiledRule {
  /** The rule's id in its policy file, e.g. `no-secrets`. */
  readonly id: string;
  /** The policy the rule belongs to. */
  readonly policy: string;
  /** `monitor` policies record findings and change nothing. */
  readonly mode: 'enforce' | 'monitor';
  /** The detector's id (one rule with `detector: [email, phone]` compiles to two rules). */
  readonly detector: string;
  readonly phases: readonly Phase[];
  readonly action: Action;
  readonly scanner: Scanner;
}

/** Where one match was; never the matched text itself. */
export interface FindingLocation {
  /** Index into the segments that were scanned. */
  readonly segment: number;
  readonly start: number;
  readonly end: number;
  /** Keyed hash of the matched text (lets an auditor correlate, never recover). */
  readonly hash: string;
}

export interface Finding {
  readonly rule: string;
  readonly policy: string;
  readonly detector: string;
  readonly phase: Phase;
  readonly action: Action;
  /** False for findings of `monitor` policies: recorded, not acted on. */
  readonly enforced: boolean;
  readonly count: number;
  readonly locations: readonly FindingLocation[];
  /** For async detectors: the categories flagged. */
  readonly categories?: readonly string[];
  /** Set when the detector failed (service down, timeout): what happened instead. */
  readonly error?: string;
}
