// Several rules of one evaluation scan the same segment text, and some need the same costly
// form of it (its UTF-8 bytes, whether it is well formed). The engine runs the sync rules of an
// evaluation in one synchronous run, so a one-entry cache that is cleared when that run
// ends (a microtask) shares the work between them without keeping a large text alive after
// the evaluation, and without any change to the scanner interface.

/** Texts shorter than this are cheap to convert again and are not kept. */
const SHARE_FROM = 4096;

/** One value derived from the last long text, kept until the current synchronous run ends. */
export class PerRunCache<T> {
  #last: { readonly text: string; readonly value: T } | undefined;
  readonly #forget = (): void => {
    this.#last = undefined;
  };

  get(text: string): T | undefined {
    const last = this.#last;
    return last !== undefined && last.text === text ? last.value : undefined;
  }

  set(text: string, value: T): void {
    if (text.length < SHARE_FROM) return;
    if (this.#last === undefined) queueMicrotask(this.#forget);
    this.#last = { text, value };
  }
}

/** `derive`, remembered for the last long text until the current synchronous run ends. */
export function sharedPerRun<T>(derive: (text: string) => T): (text: string) => T {
  const cache = new PerRunCache<T>();
  return (text) => {
    let value = cache.get(text);
    if (value === undefined) {
      value = derive(text);
      cache.set(text, value);
    }
    return value;
  };
}
