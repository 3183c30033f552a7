// Texts handed to another thread through shared memory: written once as UTF-16 code units
// (lone surrogates included, so each text reads back exactly) and read there, where a
// posted string would be copied on both sides.

/** The texts as UTF-16 code units in one shared buffer (see ToHelper). */
export function packTexts(texts: readonly string[]): { shared: SharedArrayBuffer; lengths: number[] } {
  let units = 0;
  for (const text of texts) units += text.length;
  const shared = new SharedArrayBuffer(units * 2);
  const bytes = Buffer.from(shared);
  let at = 0;
  for (const text of texts) at += bytes.write(text, at, 'utf16le');
  return { shared, lengths: texts.map((t) => t.length) };
}

/** The texts packTexts wrote. */
export function unpackTexts(shared: SharedArrayBuffer, lengths: readonly number[]): string[] {
  const texts: string[] = [];
  let at = 0;
  for (const length of lengths) {
    texts.push(Buffer.from(shared, at, length * 2).toString('utf16le'));
    at += length * 2;
  }
  return texts;
}
