// Capped exponential backoff for retries against a database or a disk that is away: quick
// at first (a blip), then no more often than every `maxMs`, so an outage costs little.
export class Backoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  #currentMs = 0;

  constructor(minMs: number, maxMs: number) {
    this.#minMs = Math.min(minMs, maxMs);
    this.#maxMs = maxMs;
  }

  /** The wait before the next attempt after one more failure. */
  fail(): number {
    this.#currentMs = Math.min(this.#maxMs, Math.max(this.#minMs, this.#currentMs * 2));
    return this.#currentMs;
  }

  /** True when the last attempt failed. */
  get failing(): boolean {
    return this.#currentMs > 0;
  }

  reset(): void {
    this.#currentMs = 0;
  }
}
