// Prometheus metrics of one reconciler, in their own registry (GET /metrics).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CapacityReport } from "../program/capacity-report";

export interface Metrics {
  registry: Registry;
  runs: Counter<"result" | "scope">;
  duration: Histogram<"scope">;
  queueDepth: Gauge;
  tenants: Gauge<"status">;
  changeToHealthy: Histogram;
  /** Replaces the tenants-by-status gauge with these counts. */
  setTenantStatuses(statuses: Iterable<string>): void;
  /** Replaces the per-server gauges (tenants, cpus and memory reserved, allocatable and free, draining). */
  setServerCapacity(report: CapacityReport): void;
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
  const server = {
    tenants: new Gauge({ name: "cloudfreedom_server_tenants", help: "Tenants recorded on each Coolify server.", labelNames: ["server"] as const, registers: [registry] }),
    cpus: new Gauge({ name: "cloudfreedom_server_cpus", help: "Cpus per server: reserved by its tenants' limits, allocatable ((cores - reserved) x overcommit), free.", labelNames: ["server", "kind"] as const, registers: [registry] }),
    memory: new Gauge({ name: "cloudfreedom_server_memory_bytes", help: "Memory per server: reserved by its tenants' limits, allocatable, free.", labelNames: ["server", "kind"] as const, registers: [registry] }),
    draining: new Gauge({ name: "cloudfreedom_server_draining", help: "1 when the server takes no new tenants.", labelNames: ["server"] as const, registers: [registry] }),
  };
  return {
    setServerCapacity(report) {
      for (const gauge of Object.values(server)) gauge.reset();
      for (const s of report.servers) {
        server.tenants.set({ server: s.uuid }, s.tenants.length);
        server.draining.set({ server: s.uuid }, s.draining ? 1 : 0);
        for (const kind of ["reserved", "allocatable", "free"] as const) {
          server.cpus.set({ server: s.uuid, kind }, s[kind].cpus);
          server.memory.set({ server: s.uuid, kind }, s[kind].memoryMb * 1024 * 1024);
        }
      }
    },
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
