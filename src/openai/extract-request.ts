// Pulls every text segment out of a request body: all messages of every role, content
// parts, tool-call arguments, tool results, `prompt`, `input`, `instructions`, and the
// other text that reaches the model (tool definitions, a predicted output, a completion's
// suffix, reasoning summaries sent back, prompt template variables). Filters
// judge the whole conversation, not the last turn (a last-message-only scan is a bypass).
// Parts that are not text (images, audio, files, token ids) are listed as unscanned so
// the record never claims that a filter passed them.
import type { Segment, SegmentKind } from '../filters/types.js';
import type { FilteredRoute } from './routes.js';

export interface ExtractedRequest {
  readonly segments: Segment[];
  /** Kinds of content present but not scannable as text, e.g. `image_url`, `token_ids`. */
  readonly unscanned: string[];
}

type Path = (string | number)[];

class Collector {
  readonly segments: Segment[] = [];
  readonly unscanned = new Set<string>();

  text(path: Path, kind: SegmentKind, role: string | null, value: unknown): void {
    if (typeof value === 'string') {
      if (value.length > 0) this.segments.push({ path, kind, role, text: value });
    } else if (value !== undefined && value !== null) {
      this.unscanned.add(`${kind}:${typeof value}`);
    }
  }

  result(): ExtractedRequest {
    return { segments: this.segments, unscanned: [...this.unscanned].sort() };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text parts in the chat and responses formats: `text`, `input_text`, `output_text`, `refusal`. */
function contentParts(c: Collector, base: Path, kind: SegmentKind, role: string | null, content: unknown): void {
  if (typeof content === 'string') return c.text(base, kind, role, content);
  if (!Array.isArray(content)) {
    if (content !== undefined && content !== null) c.unscanned.add(`${kind}:${typeof content}`);
    return;
  }
  content.forEach((part, j) => {
    if (typeof part === 'string') return c.text([...base, j], kind, role, part);
    if (!isObject(part)) return;
    if (typeof part.text === 'string') return c.text([...base, j, 'text'], kind, role, part.text);
    if (typeof part.refusal === 'string') return c.text([...base, j, 'refusal'], kind, role, part.refusal);
    c.unscanned.add(String(part.type ?? 'unknown_part'));
  });
}

function toolCalls(c: Collector, base: Path, role: string | null, calls: unknown): void {
  if (!Array.isArray(calls)) return;
  calls.forEach((call, k) => {
    if (!isObject(call)) return;
    if (isObject(call.function)) {
      c.text([...base, k, 'function', 'arguments'], 'tool_arguments', role, call.function.arguments);
    } else if (isObject(call.custom)) {
      c.text([...base, k, 'custom', 'input'], 'tool_arguments', role, call.custom.input);
    }
  });
}

/**
 * Every string in a tool definition or an output schema (names, descriptions, parameter
 * schemas, enums): the model reads them all, so a secret or a banned instruction there is
 * as much in the prompt. Depth is bounded; anything deeper is listed as unscanned.
 */
function definitionTexts(c: Collector, value: unknown, path: Path, role: string): void {
  const walk = (v: unknown, at: Path, depth: number): void => {
    if (typeof v === 'string') return c.text(at, 'text', role, v);
    if (depth > 32) return void c.unscanned.add(`${role}:too_deep`);
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...at, i], depth + 1));
    else if (isObject(v)) {
      for (const [k, item] of Object.entries(v)) {
        // A string under `type` names a JSON Schema type or the tool's kind ("object",
        // "function"): no text. (A property called `type` holds an object, and is read.)
        if (k === 'type' && typeof item === 'string') continue;
        walk(item, [...at, k], depth + 1);
      }
    }
  };
  if (value !== undefined && value !== null) walk(value, path, 0);
}

function toolDefinitions(c: Collector, tools: unknown): void {
  if (Array.isArray(tools)) definitionTexts(c, tools, ['tools'], 'tools');
}

function chat(c: Collector, body: Record<string, unknown>): void {
  toolDefinitions(c, body.tools);
  // Structured output: the schema's names and descriptions reach the model too.
  if (isObject(body.response_format) && isObject(body.response_format.json_schema)) {
    definitionTexts(c, body.response_format.json_schema, ['response_format', 'json_schema'], 'schema');
  }
  // The json_object form some OpenAI-compatible servers take with a schema beside it.
  if (isObject(body.response_format) && isObject(body.response_format.schema)) {
    definitionTexts(c, body.response_format.schema, ['response_format', 'schema'], 'schema');
  }
  if (isObject(body.prediction)) contentParts(c, ['prediction', 'content'], 'text', 'prediction', body.prediction.content);
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  messages.forEach((m, i) => {
    if (!isObject(m)) return;
    const role = typeof m.role === 'string' ? m.role : null;
    const kind: SegmentKind = role === 'tool' || role === 'function' ? 'tool_result' : 'text';
    contentParts(c, ['messages', i, 'content'], kind, role, m.content);
    if (typeof m.refusal === 'string') c.text(['messages', i, 'refusal'], 'text', role, m.refusal);
    toolCalls(c, ['messages', i, 'tool_calls'], role, m.tool_calls);
    if (isObject(m.function_call)) {
      c.text(['messages', i, 'function_call', 'arguments'], 'tool_arguments', role, m.function_call.arguments);
    }
  });
}

/** `prompt` (completions) and `input` (embeddings): a string, strings, or token ids. */
function stringsOrTokens(c: Collector, body: Record<string, unknown>, key: 'prompt' | 'input', kind: SegmentKind): void {
  const v = body[key];
  if (typeof v === 'string') return c.text([key], kind, null, v);
  if (!Array.isArray(v)) return;
  v.forEach((item, i) => {
    if (typeof item === 'string') c.text([key, i], kind, null, item);
    else c.unscanned.add('token_ids');
  });
}

/** Responses API: `instructions`, and `input` as a string or a list of items. */
function responses(c: Collector, body: Record<string, unknown>): void {
  c.text(['instructions'], 'text', 'system', body.instructions);
  toolDefinitions(c, body.tools);
  if (isObject(body.text) && isObject(body.text.format)) definitionTexts(c, body.text.format, ['text', 'format'], 'schema');
  if (isObject(body.prompt) && isObject(body.prompt.variables)) {
    // A stored prompt template's variables: strings, or input items such as input_text.
    for (const [name, v] of Object.entries(body.prompt.variables)) {
      if (typeof v === 'string') c.text(['prompt', 'variables', name], 'input', 'user', v);
      else if (isObject(v) && typeof v.text === 'string') c.text(['prompt', 'variables', name, 'text'], 'input', 'user', v.text);
      else if (v !== null && v !== undefined) c.unscanned.add(`prompt_variable:${isObject(v) ? String(v.type ?? 'object') : typeof v}`);
    }
  }
  const input = body.input;
  if (typeof input === 'string') return c.text(['input'], 'input', 'user', input);
  if (!Array.isArray(input)) return;
  input.forEach((item, i) => {
    if (!isObject(item)) return;
    const type = typeof item.type === 'string' ? item.type : 'message';
    const role = typeof item.role === 'string' ? item.role : null;
    switch (type) {
      case 'message':
        return contentParts(c, ['input', i, 'content'], 'input', role, item.content);
      case 'function_call':
        return c.text(['input', i, 'arguments'], 'tool_arguments', 'assistant', item.arguments);
      case 'custom_tool_call':
        return c.text(['input', i, 'input'], 'tool_arguments', 'assistant', item.input);
      case 'function_call_output':
      case 'custom_tool_call_output':
        if (typeof item.output === 'string') return c.text(['input', i, 'output'], 'tool_result', 'tool', item.output);
        return contentParts(c, ['input', i, 'output'], 'tool_result', 'tool', item.output);
      case 'reasoning':
        // The model's earlier reasoning, sent back: its summary is text; encrypted content
        // cannot be read here.
        if (Array.isArray(item.summary)) {
          item.summary.forEach((part, j) => {
            if (isObject(part) && typeof part.text === 'string') c.text(['input', i, 'summary', j, 'text'], 'input', 'assistant', part.text);
          });
        }
        if (Array.isArray(item.content)) {
          item.content.forEach((part, j) => {
            if (isObject(part) && typeof part.text === 'string') c.text(['input', i, 'content', j, 'text'], 'input', 'assistant', part.text);
            else if (part !== null && part !== undefined) c.unscanned.add(`reasoning:${isObject(part) ? String(part.type ?? 'part') : typeof part}`);
          });
        }
        if (item.encrypted_content !== undefined && item.encrypted_content !== null) c.unscanned.add('reasoning.encrypted_content');
        return;
      default:
        c.unscanned.add(type);
    }
  });
}

const EXTRACTORS: Readonly<Record<FilteredRoute, (c: Collector, body: Record<string, unknown>) => void>> = {
  'chat.completions': chat,
  completions: (c, b) => {
    stringsOrTokens(c, b, 'prompt', 'prompt');
    c.text(['suffix'], 'prompt', null, b.suffix);
  },
  responses,
  embeddings: (c, b) => stringsOrTokens(c, b, 'input', 'input'),
};

export function extractRequest(route: FilteredRoute, body: Record<string, unknown>): ExtractedRequest {
  const c = new Collector();
  EXTRACTORS[route](c, body);
  return c.result();
}

/** The prompt as one readable text for the record: `[role] text` per segment. */
export function renderSegments(segments: readonly Pick<Segment, 'text' | 'role' | 'kind'>[]): string {
  return segments.map((s) => (s.role ? `[${s.role}${s.kind === 'text' || s.kind === 'input' ? '' : ` ${s.kind}`}] ${s.text}` : s.text)).join('\n\n');
}

/** A setting as recorded: a number, a boolean or a short name; anything else only by its kind. */
function setting(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'string') return /^[\w.-]{1,40}$/.test(value) ? value : '(text)';
  if (Array.isArray(value)) return value.map(setting);
  return `(${typeof value})`;
}

/** The members of a settings object that are settings (see setting), undefined ones left out. */
function settings(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = setting(v);
  return out;
}

/** A tool choice object by its type and the tool it names. */
function toolChoice(value: unknown): unknown {
  if (!isObject(value)) return setting(value);
  const name = isObject(value.function) ? value.function.name : value.name;
  return settings({ type: value.type, name });
}

/** An output format without its schema: type, name and strictness only. */
function schemaSummary(holder: Record<string, unknown>, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...holder };
  const inner = holder[key];
  if (isObject(inner)) {
    const kept: Record<string, unknown> = {};
    for (const k of ['type', 'name', 'strict']) if (typeof inner[k] === 'string' || typeof inner[k] === 'boolean') kept[k] = setting(inner[k]);
    out[key] = kept;
  } else if (inner !== undefined && key !== 'format') {
    delete out[key];
  }
  return out;
}

const PARAM_KEYS = [
  'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'n', 'stop',
  'presence_penalty', 'frequency_penalty', 'seed', 'logprobs', 'top_logprobs', 'response_format',
  'tool_choice', 'parallel_tool_calls', 'reasoning_effort', 'reasoning', 'service_tier', 'user',
  'dimensions', 'encoding_format', 'store', 'truncation', 'text', 'modalities', 'verbosity',
] as const;

/**
 * The request parameters worth keeping (not the prompt). Tools are summarised by name;
 * parameters that carry free text are kept without it, since the storage rule governs
 * text and a record must not hold what a filter blocked or redacted: output schemas by
 * type and name, stop sequences by count. (`user` is replaced by a keyed hash where the
 * record is made: handler.ts.)
 */
export function requestParams(body: Record<string, unknown>): Record<string, unknown> | null {
  const params: Record<string, unknown> = {};
  for (const key of PARAM_KEYS) if (body[key] !== undefined) params[key] = body[key];
  // Settings are numbers, booleans and short names; anything else is kept by its kind.
  for (const key of ['temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'n', 'presence_penalty', 'frequency_penalty', 'seed', 'logprobs', 'top_logprobs', 'parallel_tool_calls', 'reasoning_effort', 'service_tier', 'dimensions', 'encoding_format', 'store', 'truncation', 'verbosity', 'modalities'] as const) {
    if (params[key] !== undefined) params[key] = setting(params[key]);
  }
  if (params.user !== undefined && typeof params.user !== 'string') params.user = `(${Array.isArray(params.user) ? 'array' : typeof params.user})`;
  if (params.tool_choice !== undefined) params.tool_choice = toolChoice(params.tool_choice);
  if (params.reasoning !== undefined) params.reasoning = isObject(params.reasoning) ? settings(params.reasoning) : setting(params.reasoning);
  if (params.stop !== undefined) {
    const n = Array.isArray(params.stop) ? params.stop.length : 1;
    params.stop = n === 1 ? '1 stop sequence' : `${n} stop sequences`;
  }
  if (params.response_format !== undefined) {
    const rf = params.response_format;
    params.response_format = isObject(rf) ? { ...settings({ type: rf.type }), ...(isObject(rf.json_schema) ? { json_schema: schemaSummary({ s: rf.json_schema }, 's').s } : {}) } : setting(rf);
  }
  if (params.text !== undefined) {
    const t = params.text;
    params.text = isObject(t) ? { ...settings({ verbosity: t.verbosity }), ...(isObject(t.format) ? { format: schemaSummary({ f: t.format }, 'f').f } : {}) } : setting(t);
  }
  if (Array.isArray(body.tools)) {
    params.tools = body.tools.map((t) => setting(isObject(t) ? (isObject(t.function) ? t.function.name : (t.name ?? t.type)) : null));
  }
  return Object.keys(params).length > 0 ? params : null;
}
