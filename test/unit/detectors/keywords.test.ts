import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keywords } from '../../../src/filters/detectors/keywords.js';
import { AhoCorasick } from '../../../src/filters/detectors/lib/aho-corasick.js';
import { LeftmostLongest } from '../../../src/filters/detectors/lib/leftmost-longest.js';
import { codePointBefore, isUnspacedScript, isWordCodePoint } from '../../../src/filters/detectors/lib/word-chars.js';
import { normalize, toOriginalSpan } from '../../../src/filters/normalize.js';
import type { Span, SyncScanner } from '../../../src/filters/types.js';

function scanner(options: unknown): SyncScanner {
  const created = keywords.create(keywords.options.parse(options));
  if (created.kind !== 'sync') throw new Error('keywords must be sync');
  return created;
}

function redact(text: string, s: SyncScanner): string {
  let out = '';
  let at = 0;
  for (const span of s.scan(text)) {
    out += `${text.slice(at, span.start)}[X]`;
    at = span.end;
  }
  return out + text.slice(at);
}

describe('keywords: evasions', () => {
  const s = scanner({ keywords: ['nightingale', 'Project Nightingale'] });
  // Each is "nightingale" to a reader; redacting its span must leave nothing of it behind.
  const evasions: Array<[string, string]> = [
    ['mixed case', 'NiGhTiNgAlE'],
    ['full-width', 'ｎｉｇｈｔｉｎｇａｌｅ'],
    ['Cyrillic look-alikes', 'nіghtіngаlе'],
    ['Greek look-alikes', 'nιghτιngαlε'],
    ['upper-case Cyrillic look-alikes', 'NIGHTINGАLЕ'],
    ['zero-width space and joiners', 'night\u200Bin\u200Dga\u200Cle'],
    ['word joiner and BOM', 'nigh\u2060tin\uFEFFgale'],
    ['soft hyphens', 'night\u00ADin\u00ADgale'],
    ['bidi controls and variation selectors', 'night\u202Ein\uFE0Fgale'],
    ['precomposed diacritics', 'nïghtîngàlé'],
    ['combining diacritics, last letter too', 'nightinga\u0301le\u0301\u0308'],
    ['strike-through marks on every letter', [...'nightingale'].map((c) => `${c}\u0336`).join('')],
    ['mathematical bold', '𝐧𝐢𝐠𝐡𝐭𝐢𝐧𝐠𝐚𝐥𝐞'],
    ['circled letters', 'ⓝⓘⓖⓗⓣⓘⓝⓖⓐⓛⓔ'],
    ['all at once', 'Ｎі\u200Bghτ\u00ADíngαlＥ'],
  ];

  it.each(evasions)('%s', (_, evasive) => {
    const text = `before ${evasive} after`;
    const spans = s.scan(text);
    expect(spans).toHaveLength(1);
    expect(text.slice(spans[0]!.start, spans[0]!.end)).toBe(evasive);
    expect(spans[0]!.end - spans[0]!.start).toBeLessThanOrEqual(s.maxMatchLength);
    expect(redact(text, s)).toBe('before [X] after');
  });

  it('matches a phrase across a line break and repeated spaces', () => {
    expect(redact('status: project \n  NIGHTINGALE!', s)).toBe('status: [X]!');
  });

  it('folds capitals that look Latin inside Latin words, but a native word is not a Latin term', () => {
    const latin = scanner({ keywords: ['project nightingale', 'operation redwood', 'het', 'bad'] });
    const found = (t: string) => latin.scan(t).map((sp) => t.slice(sp.start, sp.end));
    expect(found('PROJECT NIGH\u0422INGALE')).toEqual(['PROJECT NIGH\u0422INGALE']); // Cyrillic Т
    expect(found('OPERATIO\u039d REDWOOD')).toEqual(['OPERATIO\u039d REDWOOD']); // Greek Ν
    expect(found('\u0392AD \u0412AD')).toEqual(['\u0392AD', '\u0412AD']); // Greek Β, Cyrillic В
    // Cyrillic "НЕТ" (no) and "ВАԁ" fold to "het" and "bad" but are written in Cyrillic only.
    expect(found('Он сказал НЕТ.')).toEqual([]);
    expect(found('ВАԁ')).toEqual([]);
    expect(scanner({ keywords: ['нет'] }).scan('Он сказал НЕТ.')).toHaveLength(1);
  });

  it('keeps Cyrillic and Greek keywords case-insensitive in their usual cases', () => {
    const native = scanner({ keywords: ['тест', 'νόμος', 'ΥΠΝΟΣ'] });
    for (const t of ['тест', 'ТЕСТ', 'Тест', 'νομος', 'ΝΟΜΟΣ', 'Νόμος', 'ύπνος', 'Υπνος', 'ΥΠΝΟΣ']) {
      expect(native.scan(`x ${t} y`), t).toHaveLength(1);
    }
  });

  it('does not find a Cyrillic or Greek keyword in Latin text that only its capitals spell', () => {
    // The capitals of "нет" fold to "het"; the Dutch word is not the keyword.
    expect(scanner({ keywords: ['нет'] }).scan('het huis is groot')).toEqual([]);
    expect(scanner({ keywords: ['нет'], match: 'substring' }).scan('whether')).toEqual([]);
    expect(scanner({ keywords: ['ΜΗ'] }).scan('mh, ok')).toEqual([]);
    expect(scanner({ keywords: ['нет'] }).scan('НЕТ и Нет')).toHaveLength(2);
  });
});

describe('keywords: word and substring matching', () => {
  const words = scanner({ keywords: ['cat', 'c++', '机密'] });
  const substrings = scanner({ keywords: ['cat'], match: 'substring' });

  it('whole words by default: letters or digits next to the term prevent a match', () => {
    const text = 'cat, cats, concat, cat5, 5cat, _cat_, (cat)';
    expect(words.scan(text).map((sp) => text.slice(sp.start, sp.end))).toEqual(['cat', 'cat', 'cat']);
  });

  it('treats letters of every script as word characters', () => {
    expect(words.scan('caté')).toEqual([]);
    expect(words.scan('кcat')).toEqual([]);
  });

  it('substring mode matches inside words', () => {
    const text = 'cats concat';
    expect(substrings.scan(text).map((sp) => text.slice(sp.start, sp.end))).toEqual(['cat', 'cat']);
  });

  it('needs no boundary next to a non-word edge of the term, nor in unspaced scripts', () => {
    expect(words.scan('c++11 and 这是机密文件').length).toBe(2);
  });

  it('prefers the longest of overlapping terms', () => {
    const s = scanner({ keywords: ['new', 'new york', 'york city'] });
    const text = 'in new york city';
    expect(s.scan(text).map((sp) => text.slice(sp.start, sp.end))).toEqual(['new york']);
  });
});

describe('keywords: options', () => {
  it('rejects an empty list, an empty term and terms that fold to nothing', () => {
    for (const bad of [{ keywords: [] }, { keywords: [''] }, { keywords: ['ok', '\u200B\u00AD '] }, { keywords: ['x'], match: 'prefix' }]) {
      expect(keywords.options.safeParse(bad).success).toBe(false);
    }
    const failed = keywords.options.safeParse({ keywords: ['ok', '\u200B'] });
    expect(failed.success ? [] : failed.error.issues.map((i) => i.path)).toEqual([['keywords', 1]]);
  });

  it('builds an automaton for 100,000 terms and finds them', () => {
    const terms = Array.from({ length: 100_000 }, (_, i) => `term${i.toString(36)}x${(i * 7919) % 100_003}`);
    expect(keywords.options.safeParse({ keywords: [...terms, 'one too many'] }).success).toBe(false);
    const s = scanner({ keywords: terms });
    const picked = [terms[0]!, terms[54_321]!, terms[99_999]!];
    const text = `start ${picked[0]} middle ${picked[1]!.toUpperCase()} end ${picked[2]}. ${terms[7]}suffix`;
    expect(s.scan(text).map((sp) => text.slice(sp.start, sp.end))).toEqual([picked[0], picked[1]!.toUpperCase(), picked[2]]);
  });
});

describe('keywords: several rules over one long text', () => {
  it('finds the same matches whatever keyword rules scanned the same text before it', () => {
    const text = 'Tell nobody about PROJECT\nNightingale, the ａｃｍｅ merger or Straße works. '.repeat(200);
    const first = scanner({ keywords: ['project nightingale', 'strasse'] });
    const second = scanner({ keywords: ['acme merger', 'works', 'nobody about'], match: 'substring' });
    const alone = second.scan(text);
    const withFirst = first.scan(text);
    expect(second.scan(text)).toEqual(alone);
    expect(alone).toHaveLength(600);
    expect(first.scan(text)).toEqual(withFirst);
    expect(withFirst).toHaveLength(400);
  });
});

/**
 * The matches worked out the plain way: fold the whole text into a string, find every term
 * in it, check word boundaries on that string, keep the leftmost-longest, map back.
 */
function plainScan(terms: readonly string[], match: 'word' | 'substring', text: string): Span[] {
  const folded = terms.map((t) => normalize(t).text.trim()).filter((t) => t !== '');
  const { text: f, map } = normalize(text);
  const edges = (t: string): [boolean, boolean] => {
    if (match === 'substring') return [false, false];
    const first = t.codePointAt(0)!;
    const last = codePointBefore(t, t.length);
    return [isWordCodePoint(first) && !isUnspacedScript(first), isWordCodePoint(last) && !isUnspacedScript(last)];
  };
  const byTerm = new Map(folded.map((t) => [t, edges(t)]));
  const found = new LeftmostLongest(folded.reduce((m, t) => Math.max(m, t.length), 0));
  new AhoCorasick(folded).forEachMatch(f, (start, end) => {
    const [before, after] = byTerm.get(f.slice(start, end))!;
    if (before && start > 0 && isWordCodePoint(codePointBefore(f, start))) return;
    if (after && end < f.length && isWordCodePoint(f.codePointAt(end)!)) return;
    found.add(start, end);
  });
  return found.finish().map((s) => toOriginalSpan(map, s.start, s.end, text));
}

describe('keywords: matches are those of folding the whole text first', () => {
  it('for any text and terms, also where matches sit far apart or in dense runs', () => {
    const unit = fc.constantFrom('a', 'b', 'A', ' ', '\n', ' \t ', 'é', 'ß', 'ss', '😀', '\u200b', '\u00ad', 'ｂ', 'а', '\ud800', '\ufdfa', '\u00a8', 'b\u0301', '.', '1');
    const filler = fc.constantFrom('', 'x'.repeat(700), ' '.repeat(900), 'y\u200b'.repeat(600));
    const piece = fc.oneof({ weight: 6, arbitrary: fc.string({ unit, maxLength: 12 }) }, { weight: 1, arbitrary: filler });
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(piece, { maxLength: 30 }),
        fc.constantFrom<'word' | 'substring'>('word', 'substring'),
        (raw, pieces, match) => {
          const terms = raw.filter((t) => normalize(t).text.trim() !== '');
          if (terms.length === 0) return;
          const text = pieces.join('');
          expect(scanner({ keywords: terms, match }).scan(text)).toEqual(plainScan(terms, match, text));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('on texts built to be costly: padded letters, far-apart matches, a match at every position', () => {
    // Each letter followed by 1,100 invisible characters or by 40 combining marks, matches
    // nested at every letter, and marks repeated after a match (mapped back once, for the
    // match kept).
    const zwsp = (s: string) => [...s].map((c) => c + '\u200b'.repeat(1100)).join('');
    const zalgo = (s: string) => [...s].map((c) => c + '\u0301'.repeat(40)).join('');
    const cases: Array<[string[], 'word' | 'substring', string]> = [
      [['a'.repeat(200)], 'word', zwsp('a'.repeat(400))],
      [['ab', 'ba'], 'substring', zwsp('ab'.repeat(200))],
      [['project nightingale'], 'word', zwsp('see project nightingale now; project nightingale.')],
      [['project nightingale'], 'word', zalgo('see project nightingale now; '.repeat(200))],
      [['a', 'aa', 'aaa'], 'substring', 'a'.repeat(200_000)],
      [['ab'], 'word', 'ab '.repeat(70_000)],
      [['b', 'ab', 'xab'], 'substring', `xab${'\u0301'.repeat(50_000)}`],
      [['bad'], 'word', `${'\u200b'.repeat(300_000)} bad`],
    ];
    for (const [terms, match, text] of cases) {
      expect(scanner({ keywords: terms, match }).scan(text), `${terms[0]} ${match}`).toEqual(plainScan(terms, match, text));
    }
  });
});
