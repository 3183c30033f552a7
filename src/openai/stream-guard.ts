// Filters a streamed completion event by event. Each piece of generated text (a choice's
// content or refusal, a tool call's or the legacy function_call's arguments, a Responses
// output part) has its own StreamFilter that holds back only what could still become a
// match, so a blocked term split over any number of chunks never reaches the client.
// Events nobody changed go out byte for byte.
//
// On block: chat and completions streams end with a chunk whose finish_reason is
// "content_filter", then `data: [DONE]`; a Responses stream ends with
// `response.incomplete` (reason content_filter). Text before the match still arrives.
import type { HashFn } from '../filters/checks.js';
import { StreamFilter } from '../filters/stream.js';
import type { CompiledRule, Finding, Segment } from '../filters/types.js';
import { formatEvent, type SseEvent } from './sse.js';
import type { FilteredRoute } from './routes.js';
import { readUsage, type Usage } from './usage.js';

type Json = Record<string, unknown>;

/** The field of a Responses `.done` event that repeats the piece's whole text. */
const DONE_FIELD: Readonly<Record<string, string>> = {
  'response.output_text.done': 'text',
  'response.refusal.done': 'refusal',
  'response.function_call_arguments.done': 'arguments',
  'response.custom_tool_call_input.done': 'input',
  'response.reasoning_summary_text.done': 'text',
  'response.reasoning_text.done': 'text',
  'response.code_interpreter_call_code.done': 'code',
  'response.mcp_call_arguments.done': 'arguments',
};
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Piece {
  readonly key: string;
  readonly kind: Segment['kind'];
  readonly filter: StreamFilter | null;
  raw: string;
  /** Text already sent for this piece (after redaction). */
  sent: string;
  blocked: boolean;
  /** Its filter has been ended: the piece is complete. */
  ended: boolean;
}

export interface StreamGuardOptions {
  readonly route: FilteredRoute;
  /** Output rules that run on the stream (sync scanners, output phase, this call's policies). */
  readonly rules: readonly CompiledRule[];
  readonly hash: HashFn;
  /** The sidecar asked for usage the client did not: drop the usage-only chunk. */
  readonly stripUsageChunk: boolean;
}

export class StreamGuard {
  readonly #o: StreamGuardOptions;
  readonly #pieces = new Map<string, Piece>();
  usage: Usage | null = null;
  model: string | null = null;
  /** The stream was ended by a block: stop reading the upstream. */
  ended = false;
  blocked = false;
  #sawDone = false;
  #lastChunk: Json | null = null;

  constructor(o: StreamGuardOptions) {
    this.#o = o;
  }

  /** Returns the text to send for one upstream event ('' to send nothing). */
  onEvent(ev: SseEvent): string {
    try {
      return this.#onEvent(ev);
    } catch (err) {
      return this.#failClosed(err);
    }
  }

  /** A filter error (a stream shaped as no API sends it) ends the stream as blocked, never unfiltered. */
  error: unknown = undefined;

  #failClosed(err: unknown): string {
    this.error = err;
    this.blocked = true;
    this.ended = true;
    if (this.#o.route === 'responses') return this.#incomplete('response.incomplete');
    const indexes = [...this.#pieces.keys()].flatMap((k) => (/^c(\d+)$/.exec(k) ? [Number(k.slice(1))] : []));
    const choices = (indexes.length > 0 ? indexes : [0]).map((index) =>
      this.#o.route === 'completions' ? { index, text: '', finish_reason: 'content_filter' } : { index, delta: {}, finish_reason: 'content_filter' },
    );
    // Only the envelope's plain fields: the chunk that failed may be what cannot be written.
    const last = this.#lastChunk ?? {};
    const chunk: Json = {};
    for (const key of ['id', 'object', 'created', 'model', 'system_fingerprint']) {
      const v = last[key];
      if (typeof v === 'string' || typeof v === 'number') chunk[key] = v;
    }
    chunk.choices = choices;
    return formatEvent(null, JSON.stringify(chunk)) + 'data: [DONE]\n\n';
  }

  #onEvent(ev: SseEvent): string {
    if (this.ended) return '';
    if (ev.data === null) return ev.raw;
    if (ev.data === '[DONE]') {
      this.#sawDone = true;
      return this.#flushAll() + ev.raw;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(ev.data);
    } catch {
      return this.#o.rules.length > 0 ? '' : ev.raw; // unparseable text cannot be judged: never let it through a filter
    }
    if (!isObject(obj)) return ev.raw;
    return this.#o.route === 'responses' ? this.#responsesEvent(ev, obj) : this.#chatEvent(ev, obj);
  }

  /** At the end of the upstream stream: whatever is still held back, judged as final. */
  finish(): string {
    if (this.ended || this.#sawDone) return '';
    try {
      return this.#flushAll();
    } catch (err) {
      return this.#failClosed(err);
    }
  }

  /** Generated text per piece, for the record, and the findings with segment indexes. */
  output(): { segments: Pick<Segment, 'text' | 'role' | 'kind'>[]; findings: Finding[] } {
    const segments: Pick<Segment, 'text' | 'role' | 'kind'>[] = [];
    const findings: Finding[] = [];
    for (const p of this.#pieces.values()) {
      const index = segments.length;
      segments.push({ text: p.raw, role: 'assistant', kind: p.kind });
      for (const f of p.filter?.findings() ?? []) {
        findings.push({ ...f, locations: f.locations.map((l) => ({ ...l, segment: index })) });
      }
    }
    return { segments, findings };
  }

  #piece(key: string, kind: Segment['kind']): Piece {
    let p = this.#pieces.get(key);
    if (!p) {
      p = {
        key,
        kind,
        filter: this.#o.rules.length ? new StreamFilter(this.#o.rules, { hash: this.#o.hash }) : null,
        raw: '',
        sent: '',
        blocked: false,
        ended: false,
      };
      this.#pieces.set(key, p);
    }
    return p;
  }

  /** Feeds a delta; returns the releasable text (null once the piece is blocked). */
  #push(p: Piece, delta: string): string | null {
    if (p.blocked) return null;
    if (p.ended) {
      // More text for a piece the stream already closed (a delta after its .done): it was
      // judged as complete, so this cannot be judged with it. Stop, rather than guess.
      p.blocked = true;
      this.blocked = true;
      return null;
    }
    p.raw += delta;
    if (!p.filter) {
      p.sent += delta;
      return delta;
    }
    const step = p.filter.push(delta);
    p.sent += step.release;
    if (step.blocked) {
      p.blocked = true;
      this.blocked = true;
      return step.release;
    }
    return step.release;
  }

  #end(p: Piece): string {
    if (p.ended) return '';
    p.ended = true;
    if (p.blocked || !p.filter) return '';
    const step = p.filter.end();
    p.sent += step.release;
    if (step.blocked) {
      p.blocked = true;
      this.blocked = true;
    }
    return step.release;
  }

  // --- chat.completions and completions -------------------------------------------------

  #chatEvent(ev: SseEvent, obj: Json): string {
    if (typeof obj.model === 'string') this.model = obj.model;
    const usage = readUsage(obj.usage);
    if (usage) this.usage = usage;
    const choices = Array.isArray(obj.choices) ? obj.choices : [];
    if (this.#o.stripUsageChunk) {
      if (choices.length === 0 && usage) return '';
      if ('usage' in obj && obj.usage === null) {
        delete obj.usage;
        return this.#chatRewrite(ev, obj, choices, true);
      }
    }
    return this.#chatRewrite(ev, obj, choices, false);
  }

  #chatRewrite(ev: SseEvent, obj: Json, choices: unknown[], changed: boolean): string {
    this.#lastChunk = obj;
    let blockedChoice = false;
    const kept: unknown[] = [];
    for (const choice of choices) {
      if (!isObject(choice)) {
        kept.push(choice);
        continue;
      }
      const index = typeof choice.index === 'number' ? choice.index : 0;
      const r = this.#chatChoice(choice, index);
      if (r === 'drop') {
        changed = true;
        continue;
      }
      if (r !== 'same') changed = true;
      if (r === 'blocked') blockedChoice = true;
      kept.push(choice);
    }
    if (changed) obj.choices = kept;
    const out = changed ? formatEvent(ev.event, JSON.stringify(obj)) : ev.raw;
    if (blockedChoice && this.#allBlocked()) return out + this.#endStream();
    return out;
  }

  /** Filters one choice of a chunk in place. */
  #chatChoice(choice: Json, index: number): 'same' | 'changed' | 'blocked' | 'drop' {
    const contentPiece = this.#piece(`c${index}`, 'text');
    if (contentPiece.blocked) return 'drop';
    let changed = false;
    const delta = isObject(choice.delta) ? choice.delta : null;
    const textKey = this.#o.route === 'completions' ? 'text' : 'content';
    const holder = this.#o.route === 'completions' ? choice : delta;
    /** Filters the text at holder[key] through piece p in place; true once the choice is blocked. */
    const filterField = (at: Json | null, key: string, p: Piece): boolean => {
      if (!at || typeof at[key] !== 'string') return false;
      const text = at[key] as string;
      const release = this.#push(p, text);
      if (release !== text) {
        at[key] = release ?? '';
        changed = true;
      }
      if (!p.blocked) return false;
      contentPiece.blocked = true;
      this.#blockChoice(choice);
      return true;
    };
    if (filterField(holder, textKey, contentPiece)) return 'blocked';
    // Generated text beside the content: a refusal, reasoning some OpenAI-compatible
    // gateways stream, the transcript of an audio reply.
    for (const field of DELTA_TEXT_FIELDS) {
      const at = field === 'audio.transcript' ? (delta && isObject(delta.audio) ? delta.audio : null) : delta;
      const key = field === 'audio.transcript' ? 'transcript' : field;
      if (at && typeof at[key] === 'string' && filterField(at, key, this.#piece(`c${index}x:${field}`, 'text'))) return 'blocked';
    }
    const calls: Json[] = [];
    if (delta && Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) if (isObject(call)) calls.push(call);
    }
    // The legacy single function call streams its arguments the same way.
    if (delta && isObject(delta.function_call)) calls.push({ legacy: true, function: delta.function_call });
    for (const call of calls) {
      const k = typeof call.index === 'number' ? call.index : 0;
      // A custom tool streams its free-form input the same way.
      if (isObject(call.custom) && typeof call.custom.input === 'string') {
        if (filterField(call.custom, 'input', this.#piece(`c${index}u${k}`, 'tool_arguments'))) return 'blocked';
      }
      if (!isObject(call.function) || typeof call.function.arguments !== 'string') continue;
      const p = this.#piece(call.legacy === true ? `c${index}f` : `c${index}t${k}`, 'tool_arguments');
      if (filterField(call.function, 'arguments', p)) return 'blocked';
    }
    // Log probabilities spell out this chunk's tokens: they go out only with text sent as
    // it came, while nothing of the choice is held back.
    if (choice.logprobs !== null && choice.logprobs !== undefined && (changed || this.#choiceHolding(index))) {
      choice.logprobs = null;
      changed = true;
    }
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      // The choice is complete: release what was held back, before its finish chunk.
      const rest = this.#endChoice(index);
      if (rest.blocked) {
        this.#blockChoice(choice);
        if (holder) holder[textKey] = ((holder[textKey] as string | undefined) ?? '') + rest.text;
        return 'blocked';
      }
      if (rest.text !== '' && holder) {
        holder[textKey] = ((holder[textKey] as string | undefined) ?? '') + rest.text;
        changed = true;
      }
      if (this.#o.route !== 'completions' && hasTails(rest)) {
        if (!isObject(choice.delta)) choice.delta = {};
        addTails(choice.delta as Json, rest);
        changed = true;
      }
    }
    return changed ? 'changed' : 'same';
  }

  #choiceHolding(index: number): boolean {
    const prefix = `c${index}`;
    for (const [key, p] of this.#pieces) {
      if (!key.startsWith(prefix) || !/^(|f|[tu]\d+|x:.*)$/.test(key.slice(prefix.length))) continue;
      if (p.blocked || p.filter?.holding) return true;
    }
    return false;
  }

  /** Ends every piece of choice `index`: what each still held, and whether one was blocked. */
  #endChoice(index: number): Tails & { blocked: boolean } {
    const out: Tails & { blocked: boolean } = { text: '', fields: new Map(), functionArgs: '', calls: new Map(), customCalls: new Map(), blocked: false };
    const prefix = `c${index}`;
    for (const [key, p] of this.#pieces) {
      if (!key.startsWith(prefix)) continue;
      const part = key.slice(prefix.length);
      if (part !== '' && part !== 'f' && !/^[tu]\d+$/.test(part) && !part.startsWith('x:')) continue; // another choice (c1 vs c12)
      const rest = this.#end(p);
      if (p.blocked) out.blocked = true;
      if (rest === '') continue;
      if (part === '') out.text += rest;
      else if (part.startsWith('x:')) out.fields.set(part.slice(2), rest);
      else if (part.startsWith('u')) out.customCalls.set(Number(part.slice(1)), rest);
      else if (part === 'f') out.functionArgs += rest;
      else out.calls.set(Number(part.slice(1)), rest);
    }
    if (out.blocked) this.#pieces.get(prefix)!.blocked = true;
    return out;
  }

  #blockChoice(choice: Json): void {
    choice.finish_reason = 'content_filter';
    if (choice.logprobs !== undefined) choice.logprobs = null;
    if (isObject(choice.delta)) {
      delete choice.delta.tool_calls;
      delete choice.delta.function_call;
      delete choice.delta.audio;
    }
  }

  #allBlocked(): boolean {
    for (const [key, p] of this.#pieces) if (/^c\d+$/.test(key) && !p.blocked) return false;
    return true;
  }

  #endStream(): string {
    this.ended = true;
    return this.#o.route === 'responses' ? '' : 'data: [DONE]\n\n';
  }

  /** End of stream: release held text of every piece as synthetic chunks. */
  #flushAll(): string {
    if (this.#o.route === 'responses') return this.#flushResponses();
    let out = '';
    for (const key of [...this.#pieces.keys()]) {
      const m = /^c(\d+)$/.exec(key);
      if (!m) continue;
      const index = Number(m[1]);
      const rest = this.#endChoice(index);
      if (rest.text === '' && !hasTails(rest) && !rest.blocked) continue;
      const base = this.#lastChunk ?? {};
      const finish = rest.blocked ? 'content_filter' : null;
      let choice: Json;
      if (this.#o.route === 'completions') {
        choice = { index, text: rest.text, finish_reason: finish };
      } else {
        const delta: Json = rest.text !== '' || !hasTails(rest) ? { content: rest.text } : {};
        if (!rest.blocked) addTails(delta, rest);
        choice = { index, delta, finish_reason: finish };
      }
      const chunk: Json = { ...base, choices: [choice] };
      delete chunk.usage;
      out += formatEvent(null, JSON.stringify(chunk));
    }
    return out;
  }

  // --- responses ------------------------------------------------------------------------

  #responsesEvent(ev: SseEvent, obj: Json): string {
    const type = typeof obj.type === 'string' ? obj.type : ev.event;
    const response = isObject(obj.response) ? obj.response : null;
    if (response) {
      if (typeof response.model === 'string') this.model = response.model;
      const usage = readUsage(response.usage);
      if (usage) this.usage = usage;
    }
    switch (type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
      case 'response.function_call_arguments.delta':
      case 'response.custom_tool_call_input.delta':
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
      case 'response.code_interpreter_call_code.delta':
      case 'response.mcp_call_arguments.delta': {
        if (typeof obj.delta !== 'string') return ev.raw;
        const p = this.#responsesPiece(obj, type);
        const release = this.#push(p, obj.delta);
        if (p.blocked) return this.#responsesBlock(ev, obj, release ?? '');
        // Log probabilities spell out the delta's tokens: they go out only with text sent
        // as it came, while nothing of the piece is held back.
        const logprobs = Array.isArray(obj.logprobs) && obj.logprobs.length > 0 && (release !== obj.delta || p.filter?.holding === true);
        if (release === obj.delta && !logprobs) return ev.raw;
        obj.delta = release ?? '';
        if (logprobs) obj.logprobs = [];
        return formatEvent(ev.event, JSON.stringify(obj));
      }
      case 'response.output_text.done':
      case 'response.refusal.done':
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.done':
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done':
      case 'response.code_interpreter_call_code.done':
      case 'response.mcp_call_arguments.done': {
        const p = this.#responsesPiece(obj, type);
        const field = DONE_FIELD[type]!;
        // No delta brought this text (or not all of it was pushed): judge the event's own.
        const whole = p.raw === '' && !p.ended && typeof obj[field] === 'string' && obj[field] !== '';
        if (whole) {
          this.#push(p, obj[field] as string);
          if (p.blocked) return this.#responsesBlock(ev, obj, '');
        }
        const rest = this.#end(p);
        if (p.blocked) return this.#responsesBlock(ev, obj, whole ? '' : rest);
        if (Array.isArray(obj.logprobs) && obj.logprobs.length > 0 && obj[field] !== p.sent) obj.logprobs = [];
        let out = '';
        if (rest !== '' && !whole) {
          const deltaType = type.replace(/\.done$/, '.delta');
          out += formatEvent(ev.event === null ? null : deltaType, JSON.stringify({ ...obj, type: deltaType, delta: rest, [field]: undefined }));
        }
        if (obj[field] === p.sent) return out + ev.raw;
        obj[field] = p.sent;
        return out + formatEvent(ev.event, JSON.stringify(obj));
      }
      default:
        // Events that repeat the full text (content_part.done, output_item.done, completed)
        // carry what was actually sent, so no filtered text returns through them.
        {
          const rewritten = this.#o.rules.length > 0 ? this.#rewriteFullTexts(obj) : false;
          if (rewritten === 'blocked') {
            this.blocked = true;
            return this.#responsesBlock(ev, { type: 'response.output_text.done' }, '');
          }
          if (rewritten) return formatEvent(ev.event, JSON.stringify(obj));
        }
        return ev.raw;
    }
  }

  #responsesPiece(obj: Json, type: string): Piece {
    const o = typeof obj.output_index === 'number' ? obj.output_index : 0;
    const c = typeof obj.content_index === 'number' ? obj.content_index : 0;
    if (type.startsWith('response.function_call_arguments')) return this.#piece(`o${o}a`, 'tool_arguments');
    if (type.startsWith('response.custom_tool_call_input')) return this.#piece(`o${o}i`, 'tool_arguments');
    if (type.startsWith('response.reasoning_text')) return this.#piece(`o${o}q${c}`, 'text');
    if (type.startsWith('response.code_interpreter_call_code')) return this.#piece(`o${o}k`, 'tool_arguments');
    if (type.startsWith('response.mcp_call_arguments')) return this.#piece(`o${o}a`, 'tool_arguments');
    if (type.startsWith('response.reasoning_summary_text')) {
      return this.#piece(`o${o}s${typeof obj.summary_index === 'number' ? obj.summary_index : 0}`, 'text');
    }
    return this.#piece(`o${o}:${c}`, 'text');
  }

  #responsesBlock(ev: SseEvent, obj: Json, release: string): string {
    this.ended = true;
    let out = '';
    if (release !== '') {
      const deltaType = String(obj.type).replace(/\.done$/, '.delta');
      out += formatEvent(ev.event === null ? null : deltaType, JSON.stringify({ ...obj, type: deltaType, delta: release }));
    }
    return out + this.#incomplete(ev.event === null ? null : 'response.incomplete');
  }

  /** The event that ends a Responses stream stopped by a filter. */
  #incomplete(event: string | null): string {
    const incomplete = {
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, model: this.model },
    };
    return formatEvent(event, JSON.stringify(incomplete));
  }

  /**
   * Rewrites the texts that events repeat whole (content_part.done, output_item.done,
   * response.completed) to what was sent. A text no delta brought (a stream that sends
   * only whole items) is judged here as a whole: redacted, or the stream ends blocked.
   * Returns whether the event changed, or 'blocked'.
   */
  #rewriteFullTexts(obj: Json): boolean | 'blocked' {
    let changed = false;
    let blocked = false;
    // Events that close an item or the response say what it finally holds; earlier ones
    // (`*.added`) may be followed by deltas to the same piece, so they are judged apart.
    const type = typeof obj.type === 'string' ? obj.type : '';
    const final = type.endsWith('.done') || type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed';
    /** Sets holder[key] (a text of piece `key`) to what was sent for it. */
    const fix = (holder: Json, field: string, key: string, kind: Segment['kind']): void => {
      const text = holder[field];
      if (typeof text !== 'string' || text === '') return;
      let sent: string;
      const known = this.#pieces.get(key);
      if (known && known.raw !== '') {
        sent = known.sent;
      } else {
        // The first text of this piece: judged as its beginning, which deltas may continue
        // (an opening event), or whole (one that closes the item).
        const p = known ?? this.#piece(key, kind);
        const release = this.#push(p, text) ?? '';
        const rest = p.blocked || !final ? '' : this.#end(p);
        if (p.blocked) blocked = true;
        sent = release + rest;
      }
      if (text !== sent) {
        holder[field] = sent;
        if (Array.isArray(holder.logprobs)) holder.logprobs = [];
        changed = true;
      }
    };
    const fixItem = (item: unknown, o: number) => {
      if (!isObject(item)) return;
      const reasoning = item.type === 'reasoning';
      if (Array.isArray(item.content)) {
        item.content.forEach((part, c) => {
          if (!isObject(part)) return;
          const key = reasoning ? `o${o}q${c}` : `o${o}:${c}`;
          fix(part, 'text', key, 'text');
          fix(part, 'refusal', key, 'text');
        });
      }
      if (Array.isArray(item.summary)) {
        item.summary.forEach((part, k) => {
          if (isObject(part)) fix(part, 'text', `o${o}s${k}`, 'text');
        });
      }
      fix(item, 'arguments', `o${o}a`, 'tool_arguments');
      fix(item, 'input', `o${o}i`, 'tool_arguments');
      fix(item, 'code', `o${o}k`, 'tool_arguments');
      if (item.type === 'mcp_call') fix(item, 'output', `o${o}m`, 'tool_result');
    };
    const o = typeof obj.output_index === 'number' ? obj.output_index : 0;
    if (isObject(obj.part) && typeof obj.summary_index === 'number') fix(obj.part, 'text', `o${o}s${obj.summary_index}`, 'text');
    else if (isObject(obj.part) && typeof obj.content_index === 'number') fix(obj.part, 'text', `o${o}:${obj.content_index}`, 'text');
    if (isObject(obj.item)) fixItem(obj.item, o);
    if (isObject(obj.response) && Array.isArray(obj.response.output)) obj.response.output.forEach(fixItem);
    return blocked ? 'blocked' : changed;
  }

  /**
   * A Responses stream that ended without its `.done` events: held text is judged but not
   * sent, since there is no event left to carry it (nothing unfiltered can slip out).
   */
  #flushResponses(): string {
    for (const p of this.#pieces.values()) this.#end(p);
    return '';
  }
}

/** What a chat choice's pieces still held when it ended, besides its content. */
/** Text fields of a chat delta besides the content (`audio.transcript` is nested). */
const DELTA_TEXT_FIELDS = ['refusal', 'reasoning_content', 'reasoning', 'audio.transcript'] as const;

interface Tails {
  text: string;
  /** A DELTA_TEXT_FIELDS name -> what its piece still held. */
  fields: Map<string, string>;
  /** Of the legacy `function_call`. */
  functionArgs: string;
  /** Tool call index -> the end of its arguments. */
  calls: Map<number, string>;
  /** Custom tool call index -> the end of its input. */
  customCalls: Map<number, string>;
}

function hasTails(t: Tails): boolean {
  return t.fields.size > 0 || t.functionArgs !== '' || t.calls.size > 0 || t.customCalls.size > 0;
}

/**
 * Writes held-back refusal text and arguments into a chat delta, after what it already
 * carries: each tool call's end goes to the entry with its index (added when the delta has
 * none), so the client's accumulated arguments are whole.
 */
function addTails(delta: Json, t: Tails): void {
  for (const [field, tail] of t.fields) {
    const holder: Json = field === 'audio.transcript' ? (isObject(delta.audio) ? delta.audio : (delta.audio = {})) : delta;
    const key = field === 'audio.transcript' ? 'transcript' : field;
    holder[key] = (typeof holder[key] === 'string' ? holder[key] : '') + tail;
  }
  if (t.functionArgs !== '') {
    const fc: Json = isObject(delta.function_call) ? delta.function_call : (delta.function_call = {});
    fc.arguments = (typeof fc.arguments === 'string' ? fc.arguments : '') + t.functionArgs;
  }
  if (t.calls.size === 0 && t.customCalls.size === 0) return;
  const list: unknown[] = Array.isArray(delta.tool_calls) ? delta.tool_calls : (delta.tool_calls = []);
  for (const [kind, tails] of [['function', t.calls], ['custom', t.customCalls]] as const) {
    const field = kind === 'function' ? 'arguments' : 'input';
    for (const [index, tail] of tails) {
      const call = list.find((c): c is Json => isObject(c) && (typeof c.index === 'number' ? c.index : 0) === index && isObject(c[kind]));
      if (call) {
        const inner = call[kind] as Json;
        inner[field] = (typeof inner[field] === 'string' ? inner[field] : '') + tail;
      } else {
        list.push({ index, [kind]: { [field]: tail } });
      }
    }
  }
}
