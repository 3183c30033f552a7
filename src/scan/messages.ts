// What the main thread and a scan worker say to each other. Plain data only: compiled
// rules cannot cross threads, so policies travel as their text and are compiled again in
// the worker, which checks it got the same version (content hash) before judging with it.
import type { StorageMode } from '../audit/record.js';
import type { SyncCheck } from '../filters/checks.js';
import type { Phase } from '../filters/types.js';
import type { Env } from '../policy/index.js';
import type { FilteredRoute } from '../openai/routes.js';
import type { Judgement, RequestHead } from './judge-request.js';

/** Given to each worker at start. */
export interface WorkerInit {
  /** POLICY_DIR: list files are read from it. */
  readonly policyDir: string;
  /** Values for `${VAR}` in policy files. */
  readonly env: Env;
  /** HMAC key for the hashes of matched text (the same as the main thread's). */
  readonly hashKey: string;
  /**
   * Most characters of prompt a record keeps (AUDIT_MAX_TEXT_CHARS): the record's prompt
   * comes back cut to it, with its whole length. Unset: the whole prompt comes back.
   */
  readonly maxTextChars?: number;
  /**
   * The worker shares the rules of a big body with a helper thread of its own (see
   * rule-helper.ts): on an idle machine the scan takes about half the time.
   */
  readonly shareRules?: boolean;
}

/** One policy version, enough to compile it again and to check that it is the same. */
export interface PolicyText {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly contentHash: string;
}

/** A rule of the call's set: which of the job's policies, and which of its compiled rules. */
export type RuleRef = readonly [policy: number, rule: number];

export type ToWorker =
  | { readonly type: 'warm'; readonly policies: readonly PolicyText[] }
  | { readonly type: 'parse'; readonly id: number; readonly route: FilteredRoute; readonly body: Uint8Array }
  | {
      readonly type: 'judge';
      readonly id: number;
      readonly policies: readonly PolicyText[];
      readonly rules: readonly RuleRef[];
      /** The call's storage rule for the prompt: the worker builds the record's prompt too. */
      readonly promptStorage: StorageMode;
    }
  /** Do not judge: hand the body back (the main thread judges it itself). */
  | { readonly type: 'release'; readonly id: number };

/**
 * A Judgement as it crosses the thread boundary: the bytes to forward arrive as a
 * Uint8Array, moved rather than copied; the segments stay in the worker. The prompt text
 * (for a usage estimate, rarely needed) is made again from the request body if it is
 * asked for: `body` is that body, moved back, unless it is `forward` itself. What the
 * record keeps of the prompt follows in a `stored` message.
 */
export type WorkerJudgement = Omit<Judgement, 'forward' | 'segments' | 'inputText' | 'storedPrompt' | 'findingsJson'> & {
  /** The findings, as one string (cheaper to copy than thousands of objects); `verdict.findings` is empty. */
  readonly findingsJson: string | null;
  readonly forward: Uint8Array | null;
  /** The request body as received; null when `forward` is those very bytes. */
  readonly body: Uint8Array | null;
  /** How many of its rules the worker's rule helper ran. */
  readonly sharedRules: number;
};

export type FromWorker =
  /** Every policy of a `warm` message is compiled (or failed to): the worker can take calls. */
  | { readonly type: 'warmed' }
  | { readonly type: 'head'; readonly id: number; readonly head: RequestHead }
  /** The body is not a JSON object (SidecarError `invalid_json` with this message). */
  | { readonly type: 'invalid'; readonly id: number; readonly message: string }
  /** The call is judged: the main thread can forward it (or refuse it) now. */
  | { readonly type: 'judged'; readonly id: number; readonly judgement: WorkerJudgement }
  /**
   * Then what the record keeps of the prompt: at most `maxTextChars` characters of it, with
   * the whole length in `chars` when it was cut. The worker's job ends here.
   */
  | { readonly type: 'stored'; readonly id: number; readonly text: string | null; readonly chars?: number }
  /** The body, handed back: released, or the worker could not build the same policy version. */
  | { readonly type: 'returned'; readonly id: number; readonly body: Uint8Array; readonly reason: string }
  | { readonly type: 'failed'; readonly id: number; readonly message: string }
  /** The worker's rule helper failed (never with scanned text); the worker ran its rules. */
  | { readonly type: 'helper'; readonly message: string };

/** What a scan worker says to its rule helper. */
export type ToHelper =
  | { readonly type: 'warm'; readonly policies: readonly PolicyText[] }
  | {
      readonly type: 'run';
      readonly id: number;
      readonly policies: readonly PolicyText[];
      /** The evaluation's rules, in its order: `order` indexes into these. */
      readonly rules: readonly RuleRef[];
      /** The sync rules to share, in the order they are taken. */
      readonly order: readonly number[];
      /**
       * The segments' texts, one after the other as UTF-16 code units (lone surrogates
       * included): written once by the scan worker and read by the helper, with no copy
       * in between as a posted string would need.
       */
      readonly texts: SharedArrayBuffer;
      /** Each text's length in code units. */
      readonly lengths: readonly number[];
      readonly phase: Phase;
      /** `claim[0]`: the next position of `order` to take, shared by both threads. */
      readonly claim: Int32Array;
    };

export type FromHelper =
  /** The checks of the rules the helper took, by rule index (none if the worker took them all). */
  | { readonly type: 'ran'; readonly id: number; readonly checks: ReadonlyMap<number, SyncCheck> }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };
