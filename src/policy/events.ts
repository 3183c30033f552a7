// What the registry tells its listeners (logs, metrics) and keeps about refused files.
import type { PolicyError } from './errors.js';
import type { CompiledPolicy } from './types.js';

/** Why a file's current text is not what is active. */
export interface PolicyFileError {
  readonly file: string;
  /** When the text was refused (ISO 8601). */
  readonly at: string;
  readonly error: PolicyError;
}

/** `file`: found in POLICY_DIR by a reload; `api`: sent to putPolicy. */
export type PolicyEventSource = 'file' | 'api';

export type PolicyEvent =
  | { readonly type: 'applied'; readonly source: PolicyEventSource; readonly file: string; readonly policy: CompiledPolicy }
  | {
      readonly type: 'rejected';
      readonly source: PolicyEventSource;
      readonly file: string;
      readonly error: PolicyError;
      /** The name of the earlier version that stays active, if any. */
      readonly kept: string | null;
    }
  | { readonly type: 'removed'; readonly file: string; readonly name: string }
  | { readonly type: 'swapped'; readonly version: string; readonly previous: string; readonly policies: number };

export type PolicyListener = (event: PolicyEvent) => void;
