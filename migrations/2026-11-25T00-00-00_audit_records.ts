import { sql, type Kysely } from 'kysely';

// One row per proxied call. Range-partitioned by day on received_at so retention drops
// whole partitions; the primary key therefore includes the partition key. The default
// partition catches rows whose day has no partition yet (partitions are made ahead).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table audit_records (
      id uuid not null,
      received_at timestamptz not null,
      completed_at timestamptz not null,
      duration_ms real not null,
      ttfb_ms real,
      method text not null,
      path text not null,
      route text,
      model text,
      returned_model text,
      stream boolean not null default false,
      status integer not null,
      upstream_status integer,
      error_code text,
      upstream_error jsonb,
      key_fingerprint text,
      client_ip text,
      caller text,
      client_request_id text,
      upstream_request_id text,
      params jsonb,
      prompt text,
      prompt_storage text not null,
      response text,
      response_storage text not null,
      prompt_tokens integer,
      completion_tokens integer,
      total_tokens integer,
      cached_tokens integer,
      reasoning_tokens integer,
      usage_source text,
      decision text not null,
      findings jsonb not null default '[]'::jsonb,
      policy_version text,
      filter_ms real,
      retries integer not null default 0,
      request_bytes bigint not null default 0,
      response_bytes bigint not null default 0,
      client_aborted boolean not null default false,
      primary key (id, received_at)
    ) partition by range (received_at)
  `.execute(db);
  await sql`create table audit_records_default partition of audit_records default`.execute(db);

  // Keyset pagination walks (received_at, id) newest first; the filtered lists below
  // lead with the filter column so each is an index range scan in time order.
  await sql`create index audit_records_time_idx on audit_records (received_at desc, id desc)`.execute(db);
  for (const col of ['model', 'status', 'decision', 'key_fingerprint', 'caller']) {
    await sql`create index ${sql.raw(`audit_records_${col}_idx`)} on audit_records (${sql.ref(col)}, received_at desc, id desc)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_records').execute();
}
