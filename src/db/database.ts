// One Kysely instance over a pg pool, whether the database is a Postgres server or the
// embedded PGlite (real Postgres compiled to WASM) in DATA_DIR: one code path for both.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'server' | 'embedded';
  /** True when a trivial query answers within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * Runs `fn` on a connection of its own, closed after: no client-side query timeout and
   * statement_timeout 0, whatever the server or the connection string sets. For schema
   * changes (migrations), where building an index over a big table may take far longer
   * than any query of the pool may. The embedded database has one connection: `fn` gets
   * the same `db` (it has no timeouts).
   */
  withoutTimeout<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL; null = embedded PGlite. */
  readonly url: string | null;
  /** Where the embedded database lives (`<dataDir>/pglite`); null = in memory. */
  readonly dataDir: string | null;
  /** A schema to work in (created if missing): lets test files share one server. */
  readonly schema?: string;
  /** An already-open PGlite to use instead of opening one (tests, benchmarks). */
  readonly pglite?: PGlite;
  readonly poolSize?: number;
  /** Client-side limit on every query of the pool (default 60 s). */
  readonly queryTimeoutMs?: number;
  readonly onError?: (err: Error) => void;
}

/**
 * The extensions an embedded database needs: pg_trgm indexes the audit text search. A
 * PGlite made elsewhere (tests, benchmarks) must be created with these too, or the
 * migrations fail: `new PGlite({ extensions: PGLITE_EXTENSIONS })`.
 */
export const PGLITE_EXTENSIONS = { pg_trgm } as const;

// bigint and numeric come back as strings by default; counts and sums fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.url ? openServer(opts.url, opts) : openEmbedded(opts);
}

async function openServer(url: string, opts: DatabaseOptions): Promise<Database> {
  if (opts.schema) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists ${quoteIdent(opts.schema)}`);
    } finally {
      await client.end();
    }
  }
  const connection = {
    connectionString: url,
    connectionTimeoutMillis: 5_000,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  };
  const pool = new pg.Pool({
    ...connection,
    max: opts.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
    // Keep a dead server from holding a query (and the audit writer) forever.
    query_timeout: opts.queryTimeoutMs ?? 60_000,
  });
  watchErrors(pool, opts);
  const withoutTimeout = async <T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T> => {
    const single = new pg.Pool({ ...connection, max: 1 });
    watchErrors(single, opts);
    const dialect = new PostgresDialect({
      pool: single,
      onCreateConnection: async (conn) => void (await conn.executeQuery(CompiledQuery.raw('set statement_timeout to 0'))),
    });
    const db = new Kysely<DB>({ dialect });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  };
  return wrap(new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), 'server', withoutTimeout, async () => {});
}

/**
 * A client losing its server must not crash the process, idle (pool 'error') or checked
 * out between two queries (pg then emits 'error' on the client, which pg-pool only
 * listens to while idle). The next query reconnects.
 */
function watchErrors(pool: pg.Pool, opts: DatabaseOptions): void {
  pool.on('error', (err) => opts.onError?.(err));
  pool.on('connect', (client) => client.on('error', (err) => opts.onError?.(err)));
}

async function openEmbedded(opts: DatabaseOptions): Promise<Database> {
  let pglite = opts.pglite;
  const owned = !pglite;
  if (!pglite) {
    let dir: string | undefined;
    if (opts.dataDir) {
      dir = join(opts.dataDir, 'pglite');
      mkdirSync(dir, { recursive: true }); // PGlite does not create parent directories
    }
    pglite = new PGlite(dir, { extensions: PGLITE_EXTENSIONS });
    await pglite.waitReady;
  }
  if (opts.schema) {
    await pglite.exec(`create schema if not exists ${quoteIdent(opts.schema)}; set search_path to ${quoteIdent(opts.schema)}`);
  }
  // PGlite is one connection: a larger pool fails ("unexpected parseComplete").
  const pool = new pg.Pool({ ...createPgConfig(pglite), max: 1 });
  pool.on('error', (err) => opts.onError?.(err));
  const instance = pglite;
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return wrap(db, 'embedded', (fn) => fn(db), async () => {
    if (owned) await instance.close();
  });
}

function wrap(db: Kysely<DB>, kind: Database['kind'], withoutTimeout: Database['withoutTimeout'], closeExtra: () => Promise<void>): Database {
  let closed = false;
  return {
    db,
    kind,
    withoutTimeout,
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        });
        const query = sql`select 1`.execute(db).then(
          () => true,
          () => false,
        );
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await closeExtra();
    },
  };
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new Error(`invalid schema name: ${name}`);
  return `"${name}"`;
}
