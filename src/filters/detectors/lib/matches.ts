import RE2 from 're2';

// Walking the matches of a pattern. Two engines are used on purpose:
// - RE2 for patterns that users write (regex detector) and for the secret rules: it cannot
//   backtrack catastrophically and refuses back-references and lookaround up front;
// - V8's own RegExp for the fixed PII patterns, whose quantifiers are all bounded and whose
//   repeated parts cannot match the same text two ways, so no input makes them backtrack
//   more than a constant per position. On digit-heavy text they are 5-15× faster than RE2,
//   which pays a native call per match and loses its DFA to counted repetitions.

/**
 * Compiles an RE2 pattern for scanning: global (to walk all matches), Unicode (offsets in
 * UTF-16 code units, `.` is a code point) and with match indices (`d`) so a capture group's
 * position is known without searching for it. A scanner that never asks where a group is
 * passes `indices: false`: the matches are the same, and each costs less to report.
 */
export function compileScanner(pattern: string, flags = '', opts: { readonly indices?: boolean } = {}): RE2 {
  return new RE2(pattern, `gu${opts.indices === false ? '' : 'd'}${flags}`);
}

/**
 * Calls `visit` for every non-empty match of `re` (global; RE2 or RegExp) in `text`, left to
 * right. An empty match advances by one code point so the walk always ends.
 */
export function forEachMatch(re: RegExp, text: string, visit: (match: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (;;) {
    const match = re.exec(text);
    if (match === null) return;
    if (match[0].length === 0) {
      const unit = text.charCodeAt(match.index);
      re.lastIndex = match.index + (unit >= 0xd800 && unit <= 0xdbff ? 2 : 1);
      if (re.lastIndex > text.length) return;
      continue;
    }
    visit(match);
  }
}

/** Start and end of capture group `group` of a match made with the `d` flag. */
export function groupSpan(match: RegExpExecArray, group: number): { start: number; end: number } | null {
  const at = match.indices?.[group];
  return at === undefined ? null : { start: at[0], end: at[1] };
}
