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

/** Aggregated service status from its containers' statuses (notes §7.2). */
export function serviceStatus(service: ServiceRecord, health: HealthLookup): string {
  const all: SubResourceRecord[] = [...service.applications, ...service.databases];
  if (all.length === 0) return "unknown:unknown:excluded";
  const counted = all.filter((r) => !r.excludeFromStatus);
  const suffix = counted.length === 0 ? ":excluded" : "";
  const rows = counted.length === 0 ? all : counted;
  if (service.activity === "starting") return `starting:unhealthy${suffix}`;
  const statuses = rows.map((r) => containerStatus(r, service, health));
  const states = statuses.map((s) => s.split(":")[0]);
  if (states.every((s) => s === "exited")) return `exited${suffix}`;
  if (states.every((s) => s === "running")) {
    const healths = statuses.map((s) => s.split(":")[1] ?? "unknown");
    if (healths.includes("unhealthy")) return `running:unhealthy${suffix}`;
    return healths.every((h) => h === "healthy") ? `running:healthy${suffix}` : `running:unknown${suffix}`;
  }
  if (states.every((s) => s === "starting")) return `starting:unknown${suffix}`;
  return `degraded:unhealthy${suffix}`;
}
