// Per hash chain, the highest sequence number that retention has removed: lets verify
// (verify.ts) accept the gaps that retention leaves and still report every other one.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/** 0 when retention has removed nothing of the chain. */
export async function removedThrough(db: Kysely<DB>, chainId: string): Promise<number> {
  const row = await db.selectFrom('audit_retention_marks').select('removed_through').where('chain_id', '=', chainId).executeTakeFirst();
  return row ? Number(row.removed_through) : 0;
}

/**
 * Marks every chain that has records in `partition` as removed through its highest
 * sequence number there. Run in the transaction that drops the partition, so a mark
 * never exists without the removal or the other way round.
 */
export async function markPartitionRemoved(db: Kysely<any>, partition: string): Promise<void> {
  await sql`
    insert into audit_retention_marks (chain_id, removed_through, updated_at)
    select chain_id, max(chain_seq), now() from ${sql.table(partition)} where chain_id is not null group by chain_id
    on conflict (chain_id) do update
      set removed_through = greatest(audit_retention_marks.removed_through, excluded.removed_through), updated_at = excluded.updated_at
  `.execute(db);
}

/**
 * Deletes up to `limit` records received before `cutoff` and marks their chains, in one
 * statement (so, atomically); returns how many it deleted.
 */
export async function deleteBatchBefore(db: Kysely<DB>, cutoff: Date, limit: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    with gone as (
      -- The outer time condition too, so the delete itself visits only the old partitions.
      delete from audit_records where received_at < ${cutoff} and (id, received_at) in (
        select id, received_at from audit_records where received_at < ${cutoff} limit ${limit})
      returning chain_id, chain_seq
    ), marked as (
      insert into audit_retention_marks (chain_id, removed_through, updated_at)
      select chain_id, max(chain_seq), now() from gone where chain_id is not null group by chain_id
      on conflict (chain_id) do update
        set removed_through = greatest(audit_retention_marks.removed_through, excluded.removed_through), updated_at = excluded.updated_at
    )
    select count(*) as n from gone
  `.execute(db);
  return Number(rows[0]?.n ?? 0);
}
