// Several rules of one evaluation scan the same segment text, and some need the same costly
// form of it (its UTF-8 bytes, its folded units). The engine runs the sync rules of an
// evaluation in one synchronous run, so a one-entry cache that is cleared when that run
// ends (a microtask) shares the work between them without keeping a large text alive after
// the evaluation, and without any change to the scanner interface.

/** Texts shorter than this are cheap to convert again and are not kept. */
const SHARE_FROM = 4096;

/** `derive`, remembered for the last long text until the current synchronous run ends. */
export function sharedPerRun<T>(derive: (text: string) => T): (text: string) => T {
  let last: { readonly text: string; readonly value: T } | undefined;
  const forget = (): void => {
    last = undefined;
  };
  return (text) => {
    if (last !== undefined && last.text === text) return last.value;
    const value = derive(text);
    if (text.length >= SHARE_FROM) {
      if (last === undefined) queueMicrotask(forget);
      last = { text, value };
    }
    return value;
  };
}
