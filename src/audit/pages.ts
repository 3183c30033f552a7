// Walking a large part of the audit log in keyset pages with bounded memory. A page is
// at most `pageRows` rows and, past its first row, at most `pageBytes` of prompt and
// response text: a thousand records of a few kB each is one page, a thousand 1 MB prompts
// is many. So each page is fetched in two steps: the next keys with each row's size
// (cheap: Postgres reads a long value's size from its TOAST pointer), then the rows up to
// the key where the budget runs out.

export interface SizedKey<K> {
  readonly key: K;
  /** The row's approximate size in bytes (its long text columns). */
  readonly bytes: number;
}

export interface KeysetSource<K, R> {
  /** Up to `limit` keys after `after` (null: from the start), in walk order, with sizes. */
  keys(after: K | null, limit: number): Promise<SizedKey<K>[]>;
  /** The rows after `after` up to and including `through`, in walk order. */
  rows(after: K | null, through: K): Promise<R[]>;
}

export interface PageLimits {
  readonly pageRows: number;
  readonly pageBytes: number;
}

export const DEFAULT_PAGE_LIMITS: PageLimits = { pageRows: 1_000, pageBytes: 8 * 1024 * 1024 };

/** Yields the rows in pages, in walk order; stops early when the consumer stops. */
export async function* walkPages<K, R>(source: KeysetSource<K, R>, limits: PageLimits = DEFAULT_PAGE_LIMITS): AsyncGenerator<R[]> {
  let after: K | null = null;
  for (;;) {
    const keys = await source.keys(after, limits.pageRows);
    if (keys.length === 0) return;
    // Take keys while they fit the byte budget; always at least one, however large.
    let n = 0;
    let bytes = 0;
    while (n < keys.length && (n === 0 || bytes + keys[n]!.bytes <= limits.pageBytes)) {
      bytes += keys[n]!.bytes;
      n++;
    }
    const through = keys[n - 1]!.key;
    // Rows deleted meanwhile (retention) simply do not come back; rows that landed
    // meanwhile inside (after, through] do, once, since the next page starts past `through`.
    const rows = await source.rows(after, through);
    if (rows.length > 0) yield rows;
    after = through;
    if (n === keys.length && keys.length < limits.pageRows) return;
  }
}
