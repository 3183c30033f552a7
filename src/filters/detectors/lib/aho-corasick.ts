import type { UnitAutomaton } from '../../fold-scan.js';

// Aho-Corasick over UTF-16 code units, for many keywords in one pass.
//
// Layout (all typed arrays, no objects per state):
// - the alphabet is the set of code units that occur in some term, numbered in code unit
//   order; every other unit is symbol 0 and sends the automaton back to the root;
// - states are numbered breadth-first, so the children of a state are consecutive ids and
//   a state's failure link always has a smaller id than the state;
// - the first `denseStates` states (the shallow ones, where a scan spends nearly all its
//   time) get a full DFA row; deeper states keep only their trie edges and fall back
//   through failure links, which still ends in O(1) amortised steps per character.
// A full DFA for every state would be fastest but costs states × alphabet × 4 bytes
// (100,000 terms: about 10^6 states × 60 symbols × 4 = 240 MB); the dense budget keeps the
// table at 16 MB at most.
const DENSE_BUDGET = 1 << 22;

/** Called for every term occurrence, `[start, end)` in the scanned text. */
export type MatchVisitor = (start: number, end: number, payload: number) => void;

export interface AhoCorasickOptions {
  /** A byte handed back with each match of the term (the caller's per-term flags). */
  readonly payloadOf?: (term: string) => number;
  /** Dense transitions allowed (tests lower it to exercise the sparse states). */
  readonly denseBudget?: number;
}

export class AhoCorasick {
  /** Code unit -> symbol; 0 for units in no term. */
  readonly #symbolOf: Int32Array;
  readonly #alphabet: number;
  readonly #denseStates: number;
  /** `dense[state * alphabet + symbol]` = next state, for `state < denseStates`. */
  readonly #dense: Int32Array;
  /** Children of `s` are the states `firstChild[s] .. firstChild[s + 1] - 1`. */
  readonly #firstChild: Int32Array;
  /** The symbol on the edge into each state (children are sorted by it). */
  readonly #symbol: Int32Array;
  readonly #fail: Int32Array;
  /** The longest state on the suffix chain (self included) where a term ends; 0 if none. */
  readonly #report: Int32Array;
  /** Depth of each state = length of the term ending there. */
  readonly #depth: Int32Array;
  readonly #payload: Uint8Array;
  readonly states: number;

  /** `terms` need not be unique or sorted; empty terms are ignored. */
  constructor(terms: readonly string[], options: AhoCorasickOptions = {}) {
    const { payloadOf = () => 0, denseBudget = DENSE_BUDGET } = options;
    const sorted = [...new Set(terms)].filter((t) => t.length > 0).sort();
    const symbolOf = new Int32Array(0x10000);
    for (const term of sorted) for (let i = 0; i < term.length; i++) symbolOf[term.charCodeAt(i)] = 1;
    let alphabet = 1;
    for (let unit = 0; unit < 0x10000; unit++) if (symbolOf[unit] !== 0) symbolOf[unit] = alphabet++;
    this.#symbolOf = symbolOf;
    this.#alphabet = alphabet;

    const trie = buildSortedTrie(sorted, symbolOf, payloadOf);
    const n = trie.count;
    this.states = n;
    const bfs = breadthFirst(trie);
    this.#firstChild = bfs.firstChild;
    this.#symbol = new Int32Array(n);
    this.#depth = new Int32Array(n);
    this.#payload = new Uint8Array(n);
    const terminal = new Uint8Array(n);
    for (let id = 0; id < n; id++) {
      const old = bfs.order[id]!;
      this.#symbol[id] = trie.symbol[old]!;
      this.#depth[id] = trie.depth[old]!;
      this.#payload[id] = trie.payload[old]!;
      terminal[id] = trie.terminal[old]!;
    }

    this.#denseStates = Math.max(1, Math.min(n, Math.floor(denseBudget / alphabet)));
    this.#dense = new Int32Array(this.#denseStates * alphabet);
    this.#fail = new Int32Array(n);
    this.#report = new Int32Array(n);
    this.#link(terminal);
    this.tables = {
      symbolOf: this.#symbolOf,
      alphabet: this.#alphabet,
      denseStates: this.#denseStates,
      dense: this.#dense,
      report: this.#report,
      sparseNext: (state, symbol) => this.#next(state, symbol),
    };
  }

  /** The transitions, for a scan that runs the automaton itself (foldScan). */
  readonly tables: UnitAutomaton;

  /**
   * The matches forEachMatch reports on reaching `state` after `end` units: running the
   * tables and calling this at every state whose `report` is set visits the same matches in
   * the same order.
   */
  forEachMatchAt(state: number, end: number, visit: MatchVisitor): void {
    const report = this.#report;
    const fail = this.#fail;
    const depth = this.#depth;
    const payload = this.#payload;
    for (let hit = report[state]!; hit !== 0; hit = report[fail[hit]!]!) {
      visit(end - depth[hit]!, end, payload[hit]!);
    }
  }

  /**
   * Failure links, dense rows and report links, breadth-first: everything a state needs
   * comes from states with smaller ids, which are done by then.
   */
  #link(terminal: Uint8Array): void {
    const alphabet = this.#alphabet;
    const dense = this.#dense;
    const firstChild = this.#firstChild;
    const symbol = this.#symbol;
    const fail = this.#fail;
    const report = this.#report;
    for (let s = 0; s < this.states; s++) {
      const childrenEnd = firstChild[s + 1]!;
      if (s < this.#denseStates) {
        const row = s * alphabet;
        // A missing edge goes where the failure state would go (the root's row is all 0).
        if (s !== 0) dense.copyWithin(row, fail[s]! * alphabet, fail[s]! * alphabet + alphabet);
        for (let c = firstChild[s]!; c < childrenEnd; c++) dense[row + symbol[c]!] = c;
      }
      for (let c = firstChild[s]!; c < childrenEnd; c++) {
        const f = s === 0 ? 0 : this.#next(fail[s]!, symbol[c]!);
        fail[c] = f;
        report[c] = terminal[c] === 1 ? c : report[f]!;
      }
    }
  }

  /** The transition from `state` on `symbol`, following failure links below the dense top. */
  #next(state: number, symbol: number): number {
    let s = state;
    while (s >= this.#denseStates) {
      const child = this.#child(s, symbol);
      if (child >= 0) return child;
      s = this.#fail[s]!;
    }
    return this.#dense[s * this.#alphabet + symbol]!;
  }

  #child(state: number, symbol: number): number {
    let lo = this.#firstChild[state]!;
    let hi = this.#firstChild[state + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.#symbol[mid]!;
      if (at === symbol) return mid;
      if (at < symbol) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * The length of the longest suffix of `text` that is a prefix of some term: the depth of
   * the state the automaton is in after reading `text`. Every term occurrence that more text
   * could complete, or that ends at the end of `text`, lies within that suffix.
   */
  suffixDepth(text: string): number {
    const symbolOf = this.#symbolOf;
    const dense = this.#dense;
    const alphabet = this.#alphabet;
    const denseStates = this.#denseStates;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const symbol = symbolOf[text.charCodeAt(i)]!;
      if (symbol === 0) s = 0;
      else s = s < denseStates ? dense[s * alphabet + symbol]! : this.#next(s, symbol);
    }
    return this.#depth[s]!;
  }

  /**
   * Every occurrence of every term, including overlapping ones, ordered by end (longest
   * first at the same end). Linear in the text plus the number of occurrences.
   */
  forEachMatch(text: string, visit: MatchVisitor): void {
    const symbolOf = this.#symbolOf;
    const dense = this.#dense;
    const alphabet = this.#alphabet;
    const denseStates = this.#denseStates;
    const report = this.#report;
    const fail = this.#fail;
    const depth = this.#depth;
    const payload = this.#payload;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const symbol = symbolOf[text.charCodeAt(i)]!;
      if (symbol === 0) {
        s = 0;
        continue;
      }
      s = s < denseStates ? dense[s * alphabet + symbol]! : this.#next(s, symbol);
      for (let hit = report[s]!; hit !== 0; hit = report[fail[hit]!]!) {
        visit(i + 1 - depth[hit]!, i + 1, payload[hit]!);
      }
    }
  }
}

interface SortedTrie {
  readonly count: number;
  /** Node ids in creation (pre-)order; 0 is the root. */
  readonly parent: Int32Array;
  readonly symbol: Int32Array;
  readonly depth: Int32Array;
  readonly terminal: Uint8Array;
  readonly payload: Uint8Array;
}

/**
 * Builds the trie from sorted, unique terms without any child lookup: each term shares its
 * longest common prefix with the one before it, and only the rest is new. Children of a
 * node are therefore created in increasing symbol order.
 */
function buildSortedTrie(
  sorted: readonly string[],
  symbolOf: Int32Array,
  payloadOf: (term: string) => number,
): SortedTrie {
  let capacity = 1;
  let longest = 0;
  for (const term of sorted) {
    capacity += term.length;
    longest = Math.max(longest, term.length);
  }
  const parent = new Int32Array(capacity);
  const symbol = new Int32Array(capacity);
  const depth = new Int32Array(capacity);
  const terminal = new Uint8Array(capacity);
  const payload = new Uint8Array(capacity);
  const path = new Int32Array(longest + 1); // path[d]: node at depth d on the previous term
  let count = 1;
  let previous = '';
  for (const term of sorted) {
    const limit = Math.min(previous.length, term.length);
    let shared = 0;
    while (shared < limit && previous.charCodeAt(shared) === term.charCodeAt(shared)) shared++;
    for (let d = shared; d < term.length; d++) {
      const node = count++;
      parent[node] = path[d]!;
      symbol[node] = symbolOf[term.charCodeAt(d)]!;
      depth[node] = d + 1;
      path[d + 1] = node;
    }
    const end = path[term.length]!;
    terminal[end] = 1;
    payload[end] = payloadOf(term);
    previous = term;
  }
  return { count, parent, symbol, depth, terminal, payload };
}

/** Breadth-first order of the trie; children of each node come out consecutive. */
function breadthFirst(trie: SortedTrie): { order: Int32Array; firstChild: Int32Array } {
  const n = trie.count;
  // Child lists in creation order, which is symbol order.
  const childStart = new Int32Array(n + 1);
  for (let node = 1; node < n; node++) childStart[trie.parent[node]! + 1]!++;
  for (let node = 0; node < n; node++) childStart[node + 1]! += childStart[node]!;
  const fill = childStart.slice(0, n);
  const children = new Int32Array(Math.max(0, n - 1));
  for (let node = 1; node < n; node++) children[fill[trie.parent[node]!]!++] = node;

  const order = new Int32Array(n);
  const firstChild = new Int32Array(n + 1);
  let tail = 1;
  for (let head = 0; head < n; head++) {
    const old = order[head]!;
    firstChild[head] = tail;
    for (let e = childStart[old]!; e < childStart[old + 1]!; e++) order[tail++] = children[e]!;
  }
  firstChild[n] = n;
  return { order, firstChild };
}
