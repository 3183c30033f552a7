// Every migration, by name (ISO timestamps sort in the order they apply). Listed here, not
// discovered on disk, so the same code runs compiled (dist/) and from source (tests).
import type { Migration } from 'kysely';
import * as auditRecords from './2026-11-25T00-00-00_audit_records.js';
import * as policyVersions from './2026-11-25T01-00-00_policy_versions.js';

export const migrations: Record<string, Migration> = {
  '2026-11-25T00-00-00_audit_records': auditRecords,
  '2026-11-25T01-00-00_policy_versions': policyVersions,
};
