// Prometheus metrics of one reconciler, in their own registry (GET /metrics).
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  runs: Counter<"result" | "scope">;
  duration: Histogram<"scope">;
  queueDepth: Gauge;
  tenants: Gauge<"status">;
  changeToHealthy: Histogram;
  /** Replaces the tenants-by-status gauge with these counts. */
  setTenantStatuses(statuses: Iterable<string>): void;
}

export function createMetrics(queueDepth: () => number): Metrics {
  const registry = new Registry();
  const runs = new Counter({ name: "cloudfreedom_reconciler_runs_total", help: "Reconcile runs by result and scope.", labelNames: ["result", "scope"] as const, registers: [registry] });
  const duration = new Histogram({
    name: "cloudfreedom_reconciler_run_duration_seconds",
    help: "Wall time of a reconcile run (preview, then up when there are changes).",
    labelNames: ["scope"] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
    registers: [registry],
  });
  const depth = new Gauge({ name: "cloudfreedom_reconciler_queue_depth", help: "Runs in progress plus runs waiting (at most one each).", registers: [registry], collect() { this.set(queueDepth()); } });
  const tenants = new Gauge({ name: "cloudfreedom_reconciler_tenants", help: "Tenants by the status the last run observed.", labelNames: ["status"] as const, registers: [registry] });
  const changeToHealthy = new Histogram({
    name: "cloudfreedom_reconciler_change_to_healthy_seconds",
    help: "Seconds from a tenant change reaching the reconciler to the tenant observed running:healthy.",
    buckets: [5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  return {
    registry,
    runs,
    duration,
    queueDepth: depth,
    tenants,
    changeToHealthy,
    setTenantStatuses(statuses) {
      tenants.reset();
      for (const status of statuses) tenants.inc({ status });
    },
  };
}
