// Prometheus metrics (prom-client). One registry per sidecar instance (tests run several
// in one process), label sets kept small and bounded.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ScanPoolStats } from './scan/scan-pool.js';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'model' | 'status' | 'decision'>;
  readonly upstreamSeconds: Histogram<'route'>;
  readonly filterSeconds: Histogram<'phase'>;
  readonly auditWriteErrors: Counter;
  readonly auditDropped: Counter;
  readonly policyReloadFailures: Counter;
}

export function createMetrics(gauges: {
  auditQueue: () => number;
  spoolBacklog: () => number;
  policyErrors: () => number;
  /** Policy files refused at start with no version in force (calls are refused meanwhile). */
  policyUnavailable?: () => number;
  /** The scan workers' counts (null: none). */
  scan: () => ScanPoolStats | null;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sidecar_process_' });
  new Gauge({ name: 'sidecar_audit_queue_depth', help: 'Audit records waiting to be written to Postgres', registers: [registry], collect() { this.set(gauges.auditQueue()); } });
  new Gauge({ name: 'sidecar_audit_spool_backlog', help: 'Audit records in the local spool not yet shipped', registers: [registry], collect() { this.set(gauges.spoolBacklog()); } });
  new Gauge({ name: 'sidecar_scan_queue_depth', help: 'Big requests waiting for a scan worker', registers: [registry], collect() { this.set(gauges.scan()?.queued ?? 0); } });
  new Counter({
    name: 'sidecar_scan_requests_total',
    help: 'Big requests by where they were judged: worker, main (handed back: queue full, policy changed, pool closed) or failed (worker crashed or timed out; the call was refused)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const s = gauges.scan();
      this.reset();
      if (!s) return;
      this.inc({ outcome: 'worker' }, s.judged);
      this.inc({ outcome: 'main' }, s.inline);
      this.inc({ outcome: 'failed' }, s.failed);
    },
  });
  new Counter({
    name: 'sidecar_scan_shared_rules_total',
    help: "Rules of big requests run by a scan worker's helper thread while the worker ran the others (SCAN_SHARE_RULES)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(gauges.scan()?.sharedRules ?? 0);
    },
  });
  new Gauge({ name: 'sidecar_policy_errors', help: 'Policy files currently refused', registers: [registry], collect() { this.set(gauges.policyErrors()); } });
  new Gauge({
    name: 'sidecar_policy_unavailable',
    help: 'Policy files refused at start with no version in force: proxy calls are refused until they load',
    registers: [registry],
    collect() {
      this.set(gauges.policyUnavailable?.() ?? 0);
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'sidecar_requests_total', help: 'Calls through the proxy', labelNames: ['route', 'model', 'status', 'decision'] as const, registers: [registry] }),
    upstreamSeconds: new Histogram({
      name: 'sidecar_upstream_seconds',
      help: 'Time to the upstream response headers',
      labelNames: ['route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    filterSeconds: new Histogram({
      name: 'sidecar_filter_seconds',
      help: 'Time spent in content filters per call',
      labelNames: ['phase'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    auditWriteErrors: new Counter({ name: 'sidecar_audit_write_errors_total', help: 'Failed audit batch writes (retried)', registers: [registry] }),
    auditDropped: new Counter({ name: 'sidecar_audit_records_dropped_total', help: 'Audit records lost (must stay 0)', registers: [registry] }),
    policyReloadFailures: new Counter({ name: 'sidecar_policy_reload_failures_total', help: 'Policy files refused on load or update', registers: [registry] }),
  };
}

/** Model names come from clients: keep the label set bounded. */
const seenModels = new Set<string>();
export function modelLabel(model: string | null): string {
  if (!model) return 'none';
  if (seenModels.has(model)) return model;
  // A label is public (/metrics needs no token): only what reads as a model id, and no
  // more than 200 of them. Upper case is left out: credentials are written with it.
  if (seenModels.size >= 200 || !/^[a-z0-9][a-z0-9._:/@-]{0,79}$/.test(model)) return 'other';
  seenModels.add(model);
  return model;
}
