// Migrations run on a connection of their own, with no timeout: an index built over a big
// table at start-up must not be cut off by the pool's query timeout or by a
// statement_timeout the server or the connection string sets for every session.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../migrations/index.js';
import { backends } from '../support/harness.js';
import { withSearchPath } from '../support/child.js';

describe.runIf(backends().includes('server'))('migrations on a server whose sessions time out', () => {
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `migrate_t_${process.pid}_${Date.now().toString(36)}`;
  let database: Database;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.end();
    // Every session of this connection string gives up on a statement after 50 ms, and the
    // pool's own query timeout is 20 ms.
    const strict = `${withSearchPath(url, schema)}${encodeURIComponent(' -c statement_timeout=50')}`;
    database = await openDatabase({ url: strict, dataDir: null, queryTimeoutMs: 20 });
  });

  afterAll(async () => {
    await database?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
  });

  it('the pool gives up on a slow statement; the dedicated connection does not', async () => {
    await expect(sql`select pg_sleep(0.2)`.execute(database.db)).rejects.toThrow(/timeout|cancel/i);
    const { rows } = await database.withoutTimeout(async (db) => {
      await sql`select pg_sleep(0.2)`.execute(db);
      return (await sql<{ timeout: string; schema: string }>`select current_setting('statement_timeout') as timeout, current_schema() as schema`.execute(db));
    });
    expect(rows[0]).toEqual({ timeout: '0', schema });
  });

  it('applies every migration there, and a second run finds nothing to do', async () => {
    const applied = await migrateToLatest(database);
    expect(applied).toEqual(Object.keys(migrations));
    expect(await migrateToLatest(database)).toEqual([]);
    const tables = await database.withoutTimeout(async (db) =>
      (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = ${schema} and tablename = 'audit_records'`.execute(db)).rows,
    );
    expect(tables).toEqual([{ name: 'audit_records' }]);
  });

  it('replicas migrating at once apply each migration once (the lock holds)', async () => {
    const fresh = `${schema}_b`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema "${fresh}"`);
    await admin.end();
    const open = () => openDatabase({ url: withSearchPath(url, fresh), dataDir: null });
    const [a, b] = await Promise.all([open(), open()]);
    try {
      const results = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
      expect([...results[0], ...results[1]].sort()).toEqual(Object.keys(migrations).sort());
    } finally {
      await a.close();
      await b.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists "${fresh}" cascade`);
      await c.end();
    }
  });

  it('is not thrown off by other schemas that come and go meanwhile (tests, tenants)', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    let churning = true;
    // Other processes creating and dropping schemas full of tables, all the time.
    const churn = async (k: number) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const tables = Array.from({ length: 20 }, (_, t) => `create table "X".t${t} (id serial primary key, v text);`).join(' ');
      for (let i = 0; churning; i++) {
        const other = `${schema}_churn_${k}_${i}`;
        await c.query(`create schema "${other}"; ${tables.replaceAll('"X"', `"${other}"`)}`);
        await c.query(`drop schema "${other}" cascade`);
      }
      await c.end();
    };
    const churns = Promise.all([churn(0), churn(1)]);
    const fresh = Array.from({ length: 6 }, (_, i) => `${schema}_m${i}`);
    try {
      for (const name of fresh) {
        await admin.query(`create schema "${name}"`);
        const db = await openDatabase({ url: withSearchPath(url, name), dataDir: null });
        try {
          expect(await migrateToLatest(db)).toEqual(Object.keys(migrations));
        } finally {
          await db.close();
        }
      }
    } finally {
      churning = false;
      await churns;
      for (const name of fresh) await admin.query(`drop schema if exists "${name}" cascade`);
      await admin.end();
    }
  });
});

