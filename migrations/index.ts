// Every migration, by name (ISO timestamps sort in the order they apply). Listed here, not
// discovered on disk, so the same code runs compiled (dist/) and from source (tests).
import type { Migration } from 'kysely';
import * as auditRecords from './2026-11-25T00-00-00_audit_records.js';
import * as policyVersions from './2026-11-25T01-00-00_policy_versions.js';
import * as auditTextSearch from './2026-12-01T00-00-00_audit_text_search.js';
import * as auditHashChain from './2026-12-01T01-00-00_audit_hash_chain.js';
import * as auditRetentionMarks from './2026-12-01T02-00-00_audit_retention_marks.js';
import * as auditTimeCoveringIndex from './2026-12-01T03-00-00_audit_time_covering_index.js';

export const migrations: Record<string, Migration> = {
  '2026-11-25T00-00-00_audit_records': auditRecords,
  '2026-11-25T01-00-00_policy_versions': policyVersions,
  '2026-12-01T00-00-00_audit_text_search': auditTextSearch,
  '2026-12-01T01-00-00_audit_hash_chain': auditHashChain,
  '2026-12-01T02-00-00_audit_retention_marks': auditRetentionMarks,
  '2026-12-01T03-00-00_audit_time_covering_index': auditTimeCoveringIndex,
};
