import RE2 from 're2';

// The prefix closure of a regular expression, for a stream filter that must know where a
// match could still be in progress: a pattern that matches every text which more text could
// turn into a match (every prefix of a match). Anchored at the end of the text seen and
// searched leftmost, it finds the earliest position from which the rest of the text could
// still be the start of a match: the undecided tail (see SyncScanner.pendingFrom).
//
// Why that is enough: a match that more text creates, extends, shortens or cancels reaches
// the end of the text seen (or looks at the character after it, which is not there yet), and
// so does a match displaced by a better one at an earlier or the same start (leftmost-first):
// the better one reaches past the end. Each of these matches is, up to the end of the text,
// a prefix of a match, so it starts no earlier than the closure's leftmost match.
//
// The closure is built on a superset of the pattern, which keeps it safe and simple:
// assertions (`^ $ \b \B \A \z`) are dropped (they only remove matches), laziness is
// ignored (it chooses among matches, it does not change which texts match), capture groups
// become plain ones. Counted repetitions keep their bounds (`x{3}` must not hold every word
// as a possible start); if that makes the program too large for RE2, they become `*`. Flags
// are kept exactly: each atom carries the case folding and dot-all mode in force where it
// stood.
//
// The parser knows RE2 syntax as the `re2` package compiles it (which rewrites a few
// JavaScript escapes lexically). Anything it does not know (`\Q…\E`, octal and back
// references, lookaround, `\C`, unbalanced parts) makes it give up: the caller then falls
// back to its fixed bound. Giving up is always safe; guessing is not.

interface Flags {
  fold: boolean;
  dotAll: boolean;
}

interface Atom {
  readonly kind: 'atom';
  /** Source of one character's worth of pattern: a literal, an escape, a class, `.`. */
  readonly src: string;
  readonly fold: boolean;
  readonly dotAll: boolean;
}

type Node =
  | Atom
  | { readonly kind: 'empty' }
  | { readonly kind: 'seq'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly branches: readonly Node[] }
  | { readonly kind: 'repeat'; readonly node: Node; readonly min: number; readonly max: number };

const EMPTY: Node = { kind: 'empty' };

class Unsupported extends Error {}

const FLAG_GROUP = /^\?([imsU]*)(?:-([imsU]+))?([:)])/;
const NAMED_GROUP = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/;
const COUNTED = /^\{(\d+)(?:(,)(\d*))?\}/;

function isAsciiPunctuation(c: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(c);
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9A-Fa-f]$/.test(c);
}

class Parser {
  readonly #src: string;
  #pos = 0;

  constructor(src: string) {
    this.#src = src;
  }

  parse(flags: Flags): Node {
    const node = this.#alternation(flags);
    if (this.#pos !== this.#src.length) throw new Unsupported('unbalanced )');
    return node;
  }

  /** Branches share `flags`: `(?i)` in one branch holds for the rest of the group. */
  #alternation(flags: Flags): Node {
    const branches = [this.#sequence(flags)];
    while (this.#src[this.#pos] === '|') {
      this.#pos++;
      branches.push(this.#sequence(flags));
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  #sequence(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.#src[this.#pos];
      if (c === undefined || c === '|' || c === ')') break;
      const term = this.#term(flags);
      if (term !== null) items.push(this.#quantified(term));
    }
    return { kind: 'seq', items };
  }

  /** One quantifiable piece, or null for a flag directive such as `(?i)`. */
  #term(flags: Flags): Node | null {
    const src = this.#src;
    const c = src[this.#pos]!;
    switch (c) {
      case '(':
        return this.#group(flags);
      case '[':
        return atom(this.#classSource(), flags);
      case '\\':
        return this.#escape(flags);
      case '^':
      case '$':
        this.#pos++;
        return EMPTY;
      case '.':
        this.#pos++;
        return atom('.', flags);
      case '*':
      case '+':
      case '?':
        throw new Unsupported('repetition without an argument');
      case '{':
        if (COUNTED.test(src.slice(this.#pos))) throw new Unsupported('repetition without an argument');
        this.#pos++;
        return atom('\\{', flags);
      default: {
        const cp = src.codePointAt(this.#pos)!;
        const ch = String.fromCodePoint(cp);
        this.#pos += ch.length;
        return atom(isAsciiPunctuation(ch) ? `\\${ch}` : ch, flags);
      }
    }
  }

  #group(outer: Flags): Node | null {
    const src = this.#src;
    this.#pos++; // (
    const flags = { ...outer };
    if (src[this.#pos] === '?') {
      const rest = src.slice(this.#pos);
      const named = NAMED_GROUP.exec(rest);
      const flagged = FLAG_GROUP.exec(rest);
      if (rest.startsWith('?:')) {
        this.#pos += 2;
      } else if (named !== null) {
        this.#pos += named[0].length;
      } else if (flagged !== null && (flagged[1] !== '' || flagged[2] !== undefined)) {
        const directive = flagged[3] === ')';
        const target = directive ? outer : flags;
        for (const f of flagged[1]!) setFlag(target, f, true);
        for (const f of flagged[2] ?? '') setFlag(target, f, false);
        this.#pos += flagged[0].length;
        if (directive) return null;
      } else {
        throw new Unsupported('unknown group');
      }
    }
    const inner = this.#alternation(flags);
    if (src[this.#pos] !== ')') throw new Unsupported('missing )');
    this.#pos++;
    return inner;
  }

  /** A bracket expression, by RE2's rules (a `]` first is literal), as written. */
  #classSource(): string {
    const src = this.#src;
    const start = this.#pos;
    let i = start + 1;
    if (src[i] === '^') i++;
    if (src[i] === ']') i++;
    for (;;) {
      const c = src[i];
      if (c === undefined) throw new Unsupported('missing ]');
      if (c === ']') break;
      if (c === '\\') {
        const e = src[i + 1];
        if (e === undefined || e === 'Q' || e === 'E') throw new Unsupported('escape in class');
        if ('pPxu'.includes(e) && src[i + 2] === '{') {
          const close = src.indexOf('}', i + 3);
          if (close < 0) throw new Unsupported('missing }');
          i = close + 1;
        } else {
          i += 1 + String.fromCodePoint(src.codePointAt(i + 1)!).length;
        }
        continue;
      }
      if (c === '[' && src[i + 1] === ':') {
        const close = src.indexOf(':]', i + 2);
        if (close < 0) throw new Unsupported('bad POSIX class');
        i = close + 2;
        continue;
      }
      i++;
    }
    this.#pos = i + 1;
    return src.slice(start, i + 1);
  }

  #escape(flags: Flags): Node {
    const src = this.#src;
    const at = this.#pos;
    const c = src[at + 1];
    if (c === undefined) throw new Unsupported('trailing backslash');
    const take = (length: number): Node => {
      this.#pos = at + length;
      return atom(src.slice(at, at + length), flags);
    };
    const upToBrace = (): Node => {
      const close = src.indexOf('}', at + 3);
      if (close < 0) throw new Unsupported('missing }');
      return take(close + 1 - at);
    };
    if ('bBAz'.includes(c)) {
      this.#pos = at + 2;
      return EMPTY;
    }
    if ('dDsSwWaftnrv'.includes(c)) return take(2);
    if (c === 'p' || c === 'P') {
      if (src[at + 2] === '{') return upToBrace();
      if (/^[A-Za-z]$/.test(src[at + 2] ?? '')) return take(3);
      throw new Unsupported('bad \\p');
    }
    if (c === 'x') {
      if (src[at + 2] === '{') return upToBrace();
      if (isHex(src[at + 2]) && isHex(src[at + 3])) return take(4);
      throw new Unsupported('bad \\x');
    }
    if (c === 'u') {
      // As the re2 package rewrites it (`\u{…}`, or `\u` and one to four hex digits), but
      // written back as `\x{…}`: `\u41` followed by a hex digit would read differently.
      let hex: string;
      if (src[at + 2] === '{') {
        const close = src.indexOf('}', at + 3);
        if (close < 0) throw new Unsupported('missing }');
        hex = src.slice(at + 3, close);
        this.#pos = close + 1;
      } else {
        let length = 2;
        while (length < 6 && isHex(src[at + length])) length++;
        hex = src.slice(at + 2, at + length);
        this.#pos = at + length;
      }
      if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) throw new Unsupported('bad \\u');
      return atom(`\\x{${hex}}`, flags);
    }
    if (c === 'c' && /^[A-Z]$/.test(src[at + 2] ?? '')) return take(3);
    if (isAsciiPunctuation(c)) return take(2);
    throw new Unsupported(`unknown escape \\${c}`);
  }

  #quantified(node: Node): Node {
    const src = this.#src;
    const bounds = this.#quantifier();
    if (bounds === null) return node;
    if (src[this.#pos] === '?') this.#pos++; // lazy: the same texts match
    const c = src[this.#pos];
    if (c === '*' || c === '+' || c === '?' || (c === '{' && COUNTED.test(src.slice(this.#pos)))) {
      throw new Unsupported('repetition of a repetition');
    }
    return { kind: 'repeat', node, min: bounds[0], max: bounds[1] };
  }

  /** The bounds of a repetition operator at the cursor (consumed), or null. */
  #quantifier(): [min: number, max: number] | null {
    const c = this.#src[this.#pos];
    if (c === '*' || c === '+' || c === '?') {
      this.#pos++;
      return c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    }
    if (c !== '{') return null;
    const counted = COUNTED.exec(this.#src.slice(this.#pos));
    if (counted === null) return null;
    this.#pos += counted[0].length;
    const min = Number(counted[1]);
    if (counted[2] === undefined) return [min, min];
    return [min, counted[3] === '' ? Infinity : Number(counted[3])];
  }
}

function setFlag(flags: Flags, flag: string, on: boolean): void {
  if (flag === 'i') flags.fold = on;
  if (flag === 's') flags.dotAll = on;
  // m only moves ^ and $, which are dropped; U only swaps laziness.
}

function atom(src: string, flags: Flags): Atom {
  return { kind: 'atom', src, fold: flags.fold, dotAll: flags.dotAll };
}

function emitAtom(a: Atom): string {
  const flags = (a.fold ? 'i' : '') + (a.dotAll && a.src === '.' ? 's' : '');
  return flags === '' ? a.src : `(?${flags}:${a.src})`;
}

/**
 * Counted repetitions up to this stay exact (`\d{3}` does not make every digit run a
 * possible start); longer ones become `*` or `+`: kept exact, `{0,255}` and the like make
 * RE2's automaton so large that it gives up its DFA and the search is 100 times slower.
 */
const EXACT_REPEAT = 8;

/** `{min,max}` in RE2 syntax, widened to `*` when long or `relaxed`. */
function bounds(min: number, max: number, relaxed: boolean): string {
  if (max === 1) return min === 1 ? '' : '?';
  if (relaxed || max > EXACT_REPEAT) return min > 0 && !relaxed ? '+' : '*';
  if (max === Infinity) return min === 1 ? '+' : `{${min},}`;
  return min === max ? `{${min}}` : `{${min},${max}}`;
}

/** Writes a parsed pattern back as RE2 source, or its prefix closure. */
class Emitter {
  readonly #relaxed: boolean;

  constructor(relaxed: boolean) {
    this.#relaxed = relaxed;
  }

  /** The node itself, less its assertions (widened further when relaxed). */
  plain(node: Node): string {
    switch (node.kind) {
      case 'atom':
        return emitAtom(node);
      case 'empty':
        return '';
      case 'seq':
        return node.items.map((n) => this.plain(n)).join('');
      case 'alt':
        return `(?:${node.branches.map((n) => this.plain(n)).join('|')})`;
      case 'repeat':
        if (node.max === 0) return '';
        return `(?:${this.plain(node.node)})${bounds(this.#relaxed ? 0 : node.min, node.max, this.#relaxed)}`;
    }
  }

  /** Every prefix of every text the node matches (the empty text included). */
  closure(node: Node): string {
    switch (node.kind) {
      case 'atom':
        return `${emitAtom(node)}?`;
      case 'empty':
        return '';
      case 'seq':
        return this.#sequence(node.items.filter((n) => n.kind !== 'empty'), 0);
      case 'alt':
        return `(?:${node.branches.map((n) => this.closure(n)).join('|')})`;
      case 'repeat': {
        // A prefix of up to `max` repetitions: fewer than `max` whole ones, then a prefix of
        // one more.
        if (node.max === 0) return '';
        const whole = node.max === 1 ? '' : `(?:${this.plain(node.node)})${bounds(0, node.max - 1, this.#relaxed)}`;
        return `${whole}${this.closure(node.node)}`;
      }
    }
  }

  /** Prefixes of `a b c…`: all of `a` and a prefix of `b c…`, or a prefix of `a`. */
  #sequence(items: readonly Node[], i: number): string {
    if (i >= items.length) return '';
    if (i === items.length - 1) return this.closure(items[i]!);
    return `(?:${this.plain(items[i]!)}${this.#sequence(items, i + 1)}|${this.closure(items[i]!)})`;
  }
}

const MAX_CLOSURE_LENGTH = 200_000;

export interface PatternSource {
  readonly pattern: string;
  readonly ignoreCase?: boolean;
  readonly dotAll?: boolean;
}

/**
 * The prefix closure of `pattern` as RE2 source (flags inline, to be compiled with `u` only),
 * or null when the pattern uses syntax this module does not know. `relaxed` turns counted
 * repetitions into `*`: a larger language, a smaller program.
 */
export function prefixClosureSource(source: PatternSource, relaxed = false): string | null {
  try {
    const node = new Parser(source.pattern).parse({ fold: source.ignoreCase === true, dotAll: source.dotAll === true });
    const out = new Emitter(relaxed).closure(node);
    // Deeply nested groups make the closure grow with the square of the depth: past this,
    // holding the fixed bound is the better deal.
    return out.length <= MAX_CLOSURE_LENGTH ? out : null;
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/**
 * Finds the undecided tail for a set of patterns: where, at the earliest, the end of a text
 * could still be the beginning of a match of one of them.
 */
export class PrefixMatcher {
  readonly #re: RE2;

  private constructor(re: RE2) {
    this.#re = re;
  }

  /** Null when a pattern cannot be analysed or the closure does not compile. */
  static of(sources: readonly PatternSource[]): PrefixMatcher | null {
    for (const relaxed of [false, true]) {
      const parts: string[] = [];
      for (const source of sources) {
        const part = prefixClosureSource(source, relaxed);
        if (part === null) return null;
        parts.push(part);
      }
      try {
        return new PrefixMatcher(new RE2(`(?:${parts.join('|')})$`, 'u'));
      } catch {
        // Too large with exact bounds (RE2 limits program size): try with `*`.
      }
    }
    return null;
  }

  /**
   * The smallest `p >= from` such that `text.slice(p)` is a prefix of a match; `text.length`
   * when only the empty suffix is. Linear in `text.length - from`.
   */
  pendingStart(text: string, from: number): number {
    const tail = from === 0 ? text : text.slice(from);
    const found = this.#re.exec(tail);
    return found === null ? text.length : from + found.index;
  }
}
