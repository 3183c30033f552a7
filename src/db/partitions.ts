// Day partitions of audit_records, made a few days ahead so rows never pile up in the
// default partition (a partition cannot be added over rows that the default one holds).
import { sql, type Kysely } from 'kysely';

const DAY_MS = 86_400_000;

function dayStart(t: number): Date {
  return new Date(Math.floor(t / DAY_MS) * DAY_MS);
}

function partitionName(day: Date): string {
  return `audit_records_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

export async function ensurePartitions(db: Kysely<any>, now: Date = new Date(), daysAhead = 3): Promise<void> {
  const existing = new Set(await listPartitions(db));
  for (let i = -1; i <= daysAhead; i++) {
    const from = dayStart(now.getTime() + i * DAY_MS);
    const name = partitionName(from);
    if (existing.has(name)) continue;
    const to = new Date(from.getTime() + DAY_MS);
    try {
      // Autovacuum after 5% more rows rather than 20%: vacuum marks pages all-visible,
      // and only then can stats over recent hours be index-only scans.
      await sql`create table if not exists ${sql.table(name)} partition of audit_records
        for values from (${sql.lit(from.toISOString())}) to (${sql.lit(to.toISOString())})
        with (autovacuum_vacuum_insert_scale_factor = 0.05)`.execute(db);
    } catch (err) {
      // Rows of that day already sit in the default partition (the clock jumped, or
      // partitions lagged): they stay queryable there; retention handles them. Or another
      // replica, starting at the same moment, created the same partition first (`if not
      // exists` does not cover a creation that is not yet committed).
      if (!/would be violated|overlap|already exists|duplicate key/i.test(String((err as Error).message))) throw err;
    }
  }
}

export async function listPartitions(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = 'audit_records' and p.relnamespace = current_schema()::regnamespace`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * Drops the day partitions that end at or before `cutoff`; returns their names. Each drop
 * is one transaction, which `beforeDrop` joins (to note what goes, say).
 */
export async function dropPartitionsBefore(
  db: Kysely<any>,
  cutoff: Date,
  beforeDrop?: (trx: Kysely<any>, partition: string) => Promise<void>,
): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of await listPartitions(db)) {
    const m = /^audit_records_p(\d{4})(\d{2})(\d{2})$/.exec(name);
    if (!m) continue;
    const end = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY_MS;
    if (end <= cutoff.getTime()) {
      await db.transaction().execute(async (trx) => {
        await beforeDrop?.(trx, name);
        // `if exists`: another replica may have dropped it since the list was read.
        await sql`drop table if exists ${sql.table(name)}`.execute(trx);
      });
      dropped.push(name);
    }
  }
  return dropped;
}
