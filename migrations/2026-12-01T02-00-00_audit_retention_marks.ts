import type { Kysely } from 'kysely';

// For each hash chain, the highest sequence number that retention has removed. Verifying
// a chain must tell records that retention removed (legitimate, and not always the
// oldest in the chain: calls finish out of order, so a record received just before the
// cut-off can follow in its chain one received just after) from records deleted by hand.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_retention_marks')
    .addColumn('chain_id', 'text', (c) => c.primaryKey())
    .addColumn('removed_through', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_retention_marks').execute();
}
