// Percentiles and number formatting for the benchmark tables.

/** A growable list of samples (milliseconds unless said otherwise). */
export class Samples {
  #data = new Float64Array(1024);
  #n = 0;

  add(value: number): void {
    if (this.#n === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#n++] = value;
  }

  get count(): number {
    return this.#n;
  }

  /** Nearest-rank percentile, p in [0, 100]; NaN when empty. */
  percentile(p: number): number {
    return percentile(this.sorted(), p);
  }

  sorted(): Float64Array {
    return this.#data.slice(0, this.#n).sort();
  }

  mean(): number {
    let sum = 0;
    for (let i = 0; i < this.#n; i++) sum += this.#data[i]!;
    return this.#n === 0 ? Number.NaN : sum / this.#n;
  }
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** `0.42 ms`, `12.3 ms`, `1,234 ms`. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return `${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ms`;
}

/** A signed difference in ms: `+0.61 ms`. */
export function plusMs(value: number): string {
  return Number.isFinite(value) && value >= 0 ? `+${ms(value)}` : ms(value);
}

export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

export function mb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / (1024 * 1024)).toFixed(0)} MB` : 'n/a';
}

export function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)} %` : 'n/a';
}

export function sleep(msToWait: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, msToWait));
}
