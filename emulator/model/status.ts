import type { ContainerHealth } from "./faults";
import type { ServiceRecord, SubResourceRecord } from "./records";

/** Looks up an injected container fault (Faults.healthOf). */
export type HealthLookup = (serviceUuid: string, container: string) => ContainerHealth | undefined;

/** A running container's status with any injected health fault applied. */
export function containerStatus(row: SubResourceRecord, service: ServiceRecord, health: HealthLookup): string {
  if (!row.status.startsWith("running")) return row.status;
  const fault = health(service.uuid, row.name);
  if (fault === "unhealthy") return "running:unhealthy";
  if (fault === "degraded") return "restarting:unknown";
  return row.status;
}

/**
 * One container's status from the engine, as Coolify's ContainerStatusAggregator::aggregateFromContainers reads a
 * sub-resource's container (preserveRestarting): `running:healthy|unhealthy|unknown` (no health check, or still
 * `starting`), `restarting:unknown`, `exited`, `starting:unknown` (created), `paused:unknown`, `degraded:unhealthy`.
 */
export function engineContainerStatus(state: string, health: string | null): string {
  if (state === "restarting") return "restarting:unknown";
  if (state === "running") return health === "unhealthy" ? "running:unhealthy" : health === "healthy" ? "running:healthy" : "running:unknown";
  if (state === "exited") return "exited";
  if (state === "created" || state === "starting") return "starting:unknown";
  if (state === "paused") return "paused:unknown";
  if (state === "dead" || state === "removing") return "degraded:unhealthy";
  return "exited";
}

/** ContainerStatusAggregator::aggregateFromStrings (no restart counts), by its priorities. */
export function aggregateStatuses(statuses: string[]): string {
  if (statuses.length === 0) return "exited";
  const kinds: string[] = statuses.map((s) =>
    s.includes("degraded") ? "degraded" : s.includes("restarting") ? "restarting" : s.includes("running") ? "running"
      : s.includes("exited") ? "exited" : s.includes("created") || s.includes("starting") ? "starting"
        : s.includes("paused") ? "paused" : s.includes("dead") || s.includes("removing") ? "dead" : "other");
  const any = (kind: string) => kinds.includes(kind);
  const running = statuses.filter((_, i) => kinds[i] === "running");
  if (any("degraded") || any("restarting")) return "degraded:unhealthy";
  if (any("running") && any("exited")) return "degraded:unhealthy";
  if (any("running") && any("starting")) return "starting:unknown";
  if (any("running")) {
    if (running.some((s) => s.includes("unhealthy"))) return "running:unhealthy";
    return running.some((s) => s.includes("unknown")) ? "running:unknown" : "running:healthy";
  }
  if (any("dead")) return "degraded:unhealthy";
  if (any("paused")) return "paused:unknown";
  if (any("starting")) return "starting:unknown";
  return "exited";
}

/** Aggregated service status from its containers' statuses (notes §7.2; Coolify's ContainerStatusAggregator). */
export function serviceStatus(service: ServiceRecord, health: HealthLookup): string {
  const all: SubResourceRecord[] = [...service.applications, ...service.databases];
  if (all.length === 0) return "unknown:unknown:excluded";
  const counted = all.filter((r) => !r.excludeFromStatus);
  const suffix = counted.length === 0 ? ":excluded" : "";
  const rows = counted.length === 0 ? all : counted;
  if (service.activity === "starting") return `starting:unhealthy${suffix}`;
  return `${aggregateStatuses(rows.map((r) => containerStatus(r, service, health)))}${suffix}`;
}
