// Token usage in both of OpenAI's shapes. Counts are estimates (characters / 4) so they are
// realistic in size and exactly predictable in tests; cached and reasoning tokens come from
// control headers because only a real model would know them.
import type { Controls } from './controls.js';
import { estimateTokens } from './text.js';

export interface TokenCounts {
  readonly prompt: number;
  readonly completion: number;
  readonly cached: number;
  readonly reasoning: number;
}

export function countTokens(controls: Controls, promptChars: number, completionChars: number): TokenCounts {
  const prompt = estimateTokens(promptChars);
  return {
    prompt,
    // Reasoning tokens are billed as completion tokens, as OpenAI reports them.
    completion: estimateTokens(completionChars) + controls.reasoningTokens,
    cached: Math.min(controls.cachedTokens, prompt),
    reasoning: controls.reasoningTokens,
  };
}

/** Chat Completions / Completions `usage`. */
export function completionUsage(t: TokenCounts): Record<string, unknown> {
  return {
    prompt_tokens: t.prompt,
    completion_tokens: t.completion,
    total_tokens: t.prompt + t.completion,
    prompt_tokens_details: { cached_tokens: t.cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: t.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Responses API `usage`. */
export function responseUsage(t: TokenCounts): Record<string, unknown> {
  return {
    input_tokens: t.prompt,
    input_tokens_details: { cached_tokens: t.cached },
    output_tokens: t.completion,
    output_tokens_details: { reasoning_tokens: t.reasoning },
    total_tokens: t.prompt + t.completion,
  };
}
