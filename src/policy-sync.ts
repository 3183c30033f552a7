// Keeps replicas' policies in step: a policy changed through the admin API on one
// sidecar is announced with NOTIFY; every other sidecar on the same database reads the
// stored version and applies it (writing its own POLICY_DIR), within about a second.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from './db/schema.js';
import { listenChannel, POLICY_CHANNEL, type ChannelListener } from './db/listener.js';
import type { Logger } from './logger.js';
import type { PolicyRegistry } from './policy/index.js';

export interface PolicyAnnouncement {
  readonly name: string;
  readonly version: number;
  /** The announcing replica's id: it ignores its own announcements. */
  readonly origin: string;
  /** The schema the policy lives in: replicas of other deployments on the database ignore it. */
  readonly scope: string;
}

export async function announcePolicy(db: Kysely<DB>, a: PolicyAnnouncement): Promise<void> {
  await sql`select pg_notify(${POLICY_CHANNEL}, ${JSON.stringify(a)})`.execute(db);
}

export function followPolicies(props: {
  readonly url: string;
  readonly db: Kysely<DB>;
  readonly registry: PolicyRegistry;
  readonly origin: string;
  readonly scope: string;
  readonly logger: Logger;
}): ChannelListener {
  const apply = async (a: PolicyAnnouncement) => {
    const row = await props.db
      .selectFrom('policy_versions')
      .select(['text', 'version'])
      .where('name', '=', a.name)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) return;
    const current = props.registry.snapshot().get(a.name);
    const hash = createHash('sha256').update(row.text).digest('hex');
    if (current?.sourceHash === hash) return;
    await props.registry.putPolicy(a.name, row.text);
    props.logger.info({ policy: a.name, version: row.version, from: a.origin }, 'policy updated by another replica');
  };
  return listenChannel({
    url: props.url,
    channel: POLICY_CHANNEL,
    onMessage(payload) {
      let a: PolicyAnnouncement;
      try {
        a = JSON.parse(payload) as PolicyAnnouncement;
      } catch {
        return;
      }
      if (a.origin === props.origin || a.scope !== props.scope || typeof a.name !== 'string') return;
      apply(a).catch((err: Error) => props.logger.error({ err: err.message, policy: a.name }, 'could not apply a policy from another replica'));
    },
    onError: (err) => props.logger.warn({ err: err.message }, 'policy listener connection error'),
  });
}
