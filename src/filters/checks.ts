// One check = one rule run over some text. Every check is wrapped the same way (as Portkey's
// gateway does): timed, and its failure turned into data (a finding with `error` set and
// count 0) instead of an exception, with the rule's failure mode deciding what that means.
import type { AsyncScanner, CompiledRule, Finding, FindingLocation, Phase, Segment, Span, SyncScanner } from './types.js';

/** Keyed hash of a matched text: all a finding ever keeps of it. */
export type HashFn = (matched: string) => string;

export interface CheckTiming {
  readonly rule: string;
  readonly policy: string;
  readonly detector: string;
  readonly ms: number;
}

export interface SyncCheck {
  /** Undefined when the rule matched nothing and did not fail. */
  readonly finding: Finding | undefined;
  /** The rule's matches per segment index (only segments with matches), for redaction. */
  readonly spans: ReadonlyMap<number, readonly Span[]> | undefined;
  readonly ms: number;
}

export interface AsyncCheck {
  readonly finding: Finding | undefined;
  readonly ms: number;
}

export interface AsyncCheckOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/** Longest error text kept: enough to tell "ECONNREFUSED" from "HTTP 500", no more. */
const MAX_ERROR_LENGTH = 200;

/**
 * Runs a sync rule over every segment. If the scanner throws, the rule fails as a whole:
 * partial matches are dropped and the failure finding stands for the rule.
 */
export function runSyncCheck(
  rule: CompiledRule,
  scanner: SyncScanner,
  segments: readonly Segment[],
  phase: Phase,
  hash: HashFn,
): SyncCheck {
  const started = performance.now();
  let locations: FindingLocation[] | undefined;
  let spans: Map<number, readonly Span[]> | undefined;
  try {
    for (let index = 0; index < segments.length; index++) {
      const text = (segments[index] as Segment).text;
      if (text.length === 0) continue;
      const matches = scanner.scan(text);
      if (matches.length === 0) continue; // the usual case: no copy to filter
      // An empty match (a regex that can match nothing) marks no text: not a finding.
      const found = matches.filter(isNonEmpty);
      if (found.length === 0) continue;
      locations ??= [];
      for (const span of found) locations.push(locate(index, text, span, hash));
      spans ??= new Map();
      spans.set(index, found);
    }
  } catch (err) {
    return { finding: syncFailure(rule, phase, err), spans: undefined, ms: performance.now() - started };
  }
  const finding = locations ? matchFinding(rule, phase, rule.action, locations) : undefined;
  return { finding, spans, ms: performance.now() - started };
}

/**
 * Runs an async rule once over `text`. The scanner gets a signal that aborts on the caller's
 * abort or the timeout; the result is also raced against both, so a scanner that ignores its
 * signal still cannot hold the call past the timeout.
 */
export async function runAsyncCheck(
  rule: CompiledRule,
  scanner: AsyncScanner,
  text: string,
  phase: Phase,
  opts: AsyncCheckOptions,
): Promise<AsyncCheck> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const stop = (why: string): void => {
      const reason = new CheckStopped(why);
      controller.abort(reason);
      reject(reason);
    };
    if (opts.signal?.aborted) return stop('aborted');
    if (opts.signal) {
      onAbort = () => stop('aborted');
      opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    if (opts.timeoutMs !== undefined) timer = setTimeout(() => stop(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
  });
  try {
    const checked = controller.signal.aborted
      ? stopped
      : Promise.resolve().then(() => scanner.check(text, controller.signal));
    const verdict = await Promise.race([checked, stopped]);
    if (typeof verdict?.flagged !== 'boolean' || !Array.isArray(verdict.categories)) {
      throw new TypeError('detector returned a malformed verdict');
    }
    if (!verdict.flagged) return { finding: undefined, ms: performance.now() - started };
    // An async verdict has no spans, so nothing can be cut out: `redact` acts as `flag`.
    const action = rule.action === 'redact' ? 'flag' : rule.action;
    const finding: Finding = { ...matchFinding(rule, phase, action, []), count: 1, categories: [...verdict.categories] };
    return { finding, ms: performance.now() - started };
  } catch (err) {
    return { finding: asyncFailure(rule, scanner, phase, err), ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** The reason a check was cut short by the caller's abort or the timeout. */
class CheckStopped extends Error {
  override readonly name = 'CheckStopped';
}

export function isNonEmpty(span: Span): boolean {
  return span.end > span.start;
}

export function locate(segment: number, text: string, span: Span, hash: HashFn): FindingLocation {
  return { segment, start: span.start, end: span.end, hash: hash(text.slice(span.start, span.end)) };
}

export function matchFinding(
  rule: CompiledRule,
  phase: Phase,
  action: CompiledRule['action'],
  locations: readonly FindingLocation[],
): Finding {
  return {
    rule: rule.id,
    policy: rule.policy,
    detector: rule.detector,
    phase,
    action,
    enforced: rule.mode === 'enforce',
    count: locations.length,
    locations,
  };
}

/**
 * A sync detector has no configured failure mode, so one is chosen here: an enforced
 * `block` or `redact` rule that cannot scan fails closed (blocks), because letting the text
 * through unscanned is exactly what the rule exists to prevent, and a detector that can be
 * made to throw by crafted input would otherwise be a bypass. A `flag` rule only records.
 */
export function syncFailure(rule: CompiledRule, phase: Phase, err: unknown): Finding {
  return failure(rule, phase, err, rule.action !== 'flag');
}

/** An async detector fails as its `onError` says: `block` blocks, `allow` only records. */
function asyncFailure(rule: CompiledRule, scanner: AsyncScanner, phase: Phase, err: unknown): Finding {
  return failure(rule, phase, err, scanner.onError === 'block');
}

/**
 * A failure acted on (fail-closed) is an enforced `block` finding, so the decision is always
 * the strictest action among enforced findings; a failure only recorded (fail-open) keeps
 * the rule's action but `enforced: false`: recorded, not acted on.
 */
function failure(rule: CompiledRule, phase: Phase, err: unknown, failClosed: boolean): Finding {
  return {
    rule: rule.id,
    policy: rule.policy,
    detector: rule.detector,
    phase,
    action: failClosed ? 'block' : rule.action,
    enforced: failClosed && rule.mode === 'enforce',
    count: 0,
    locations: [],
    error: describeError(err),
  };
}

/**
 * The error as one short line. Detectors must not put scanned text in their error messages;
 * the length cap limits the damage if one does.
 */
function describeError(err: unknown): string {
  const text = err instanceof CheckStopped ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : `thrown: ${typeof err}`;
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
