// Stored policy versions: appended when a policy's content changes, read as history.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface PolicyVersionInput {
  readonly name: string;
  readonly contentHash: string;
  readonly text: string;
  readonly author: string;
  readonly source: 'api' | 'file';
  /** Makes the diff against the previous stored text. */
  readonly diff: (before: string, after: string) => string;
}

/**
 * Appends a version unless the latest stored one has the same content hash. The version
 * number is max+1 under the (name, version) unique key: two replicas racing retry once.
 */
export async function recordPolicyVersion(db: Kysely<DB>, v: PolicyVersionInput): Promise<number | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const last = await db
      .selectFrom('policy_versions')
      .select(['version', 'content_hash', 'text'])
      .where('name', '=', v.name)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last?.content_hash === v.contentHash) return null;
    const version = (last?.version ?? 0) + 1;
    try {
      await db
        .insertInto('policy_versions')
        .values({
          name: v.name,
          version,
          content_hash: v.contentHash,
          text: v.text,
          diff: v.diff(last?.text ?? '', v.text),
          author: v.author,
          source: v.source,
        })
        .execute();
      return version;
    } catch (err) {
      if (!/duplicate key|unique/i.test((err as Error).message)) throw err;
    }
  }
  return null;
}

export async function policyHistory(db: Kysely<DB>, name: string, limit = 100) {
  return db
    .selectFrom('policy_versions')
    .select(['version', 'content_hash', 'author', 'source', 'created_at', 'diff'])
    .where('name', '=', name)
    .orderBy('version', 'desc')
    .limit(limit)
    .execute();
}

export async function latestVersions(db: Kysely<DB>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('policy_versions')
    .select(['name', sql<number>`max(version)`.as('version')])
    .groupBy('name')
    .execute();
  return new Map(rows.map((r) => [r.name, Number(r.version)]));
}
