// Prometheus metrics of one reconciler, in their own registry (GET /metrics). With config shards, the run, queue,
// tenant and rollout series carry a `shard` label; without, no series has one (the labels are as before shards).
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CapacityReport } from "../program/capacity-report";

export interface Metrics {
  registry: Registry;
  runs: Counter<"result" | "scope" | "shard">;
  duration: Histogram<"scope" | "shard">;
  queueDepth: Gauge<"shard">;
  tenants: Gauge<"status" | "shard">;
  changeToHealthy: Histogram<"shard">;
  /** Replaces the tenants-by-status gauge of this shard (none: unsharded) with these counts. */
  setTenantStatuses(statuses: Iterable<string>, shard?: string): void;
  /** Replaces the per-server gauges (tenants, cpus and memory reserved, allocatable and free, draining). */
  setServerCapacity(report: CapacityReport): void;
  /** Replaces the rollout gauges (current wave, wave count, status) with the stack's (shard's) rollout; none clears them. */
  setRollout(rollout: RolloutGauges | undefined, shard?: string): void;
}

/** What /metrics shows of the stack's rollout (agent_rollouts, program/rollout.ts). */
export interface RolloutGauges {
  release: string;
  status: string;
  /** 0-based, as stored. */
  wave: number;
  waves: number;
}

/** The `shard` label of a series: none in an unsharded fleet. */
export function shardLabel(shard: string | undefined): { shard?: string } {
  return shard === undefined ? {} : { shard };
}

/** Queue depth: one number unsharded, or per shard. */
export type QueueDepths = () => number | ReadonlyMap<string, number>;

export function createMetrics(queueDepth: QueueDepths): Metrics {
  const registry = new Registry();
  const runs = new Counter({ name: "cloudfreedom_reconciler_runs_total", help: "Reconcile runs by result and scope.", labelNames: ["result", "scope", "shard"] as const, registers: [registry] });
  const duration = new Histogram({
    name: "cloudfreedom_reconciler_run_duration_seconds",
    help: "Wall time of a reconcile run (a full run: preview, then up when there are changes; a targeted run: up).",
    labelNames: ["scope", "shard"] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
    registers: [registry],
  });
  const depth = new Gauge({
    name: "cloudfreedom_reconciler_queue_depth",
    help: "Runs in progress plus runs waiting (at most one each), per shard.",
    labelNames: ["shard"] as const,
    registers: [registry],
    collect() {
      const depths = queueDepth();
      if (typeof depths === "number") this.set(depths);
      else for (const [shard, value] of depths) this.set({ shard }, value);
    },
  });
  const tenants = new Gauge({ name: "cloudfreedom_reconciler_tenants", help: "Tenants by the status the last run observed.", labelNames: ["status", "shard"] as const, registers: [registry] });
  const statusesByShard = new Map<string | undefined, string[]>();
  const rollouts = new Map<string | undefined, RolloutGauges | undefined>();
  const changeToHealthy = new Histogram({
    name: "cloudfreedom_reconciler_change_to_healthy_seconds",
    help: "Seconds from a tenant change reaching the reconciler to the tenant observed running:healthy.",
    buckets: [5, 10, 20, 30, 60, 120, 300, 600, 1800],
    labelNames: ["shard"] as const,
    registers: [registry],
  });
  const server = {
    tenants: new Gauge({ name: "cloudfreedom_server_tenants", help: "Tenants recorded on each Coolify server.", labelNames: ["server"] as const, registers: [registry] }),
    cpus: new Gauge({ name: "cloudfreedom_server_cpus", help: "Cpus per server: reserved by its tenants' limits, allocatable ((cores - reserved) x overcommit), free.", labelNames: ["server", "kind"] as const, registers: [registry] }),
    memory: new Gauge({ name: "cloudfreedom_server_memory_bytes", help: "Memory per server: reserved by its tenants' limits, allocatable, free.", labelNames: ["server", "kind"] as const, registers: [registry] }),
    draining: new Gauge({ name: "cloudfreedom_server_draining", help: "1 when the server takes no new tenants.", labelNames: ["server"] as const, registers: [registry] }),
  };
  const rollout = {
    wave: new Gauge({ name: "cloudfreedom_rollout_wave", help: "The current wave (1-based) of the stack's rollout.", labelNames: ["release", "shard"] as const, registers: [registry] }),
    waves: new Gauge({ name: "cloudfreedom_rollout_waves", help: "How many waves the stack's rollout has.", labelNames: ["release", "shard"] as const, registers: [registry] }),
    status: new Gauge({ name: "cloudfreedom_rollout_status", help: "1 for the rollout's status: running, soaking, halted, paused, aborted or done.", labelNames: ["release", "status", "shard"] as const, registers: [registry] }),
  };
  return {
    setRollout(state, shard) {
      rollouts.set(shard, state);
      for (const gauge of Object.values(rollout)) gauge.reset();
      for (const [name, each] of rollouts) {
        if (!each) continue;
        const labels = { release: each.release, ...shardLabel(name) };
        rollout.wave.set(labels, Math.min(each.wave + 1, each.waves));
        rollout.waves.set(labels, each.waves);
        rollout.status.set({ ...labels, status: each.status }, 1);
      }
    },
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
    setTenantStatuses(statuses, shard) {
      statusesByShard.set(shard, [...statuses]);
      tenants.reset();
      for (const [name, list] of statusesByShard) for (const status of list) tenants.inc({ status, ...shardLabel(name) });
    },
  };
}
