// What each server holds, from the write-back records: the tenants placed on it, their reservations against its
// allocatable cpus and memory, what is free, and whether it is draining. Pure; `npm run capacity` and the reconciler's
// gauges print it. The numbers are what the last runs applied (agent_provisioning.server_uuid and .reservation).
import type { Overcommit, ServerSpec } from "../lib/servers";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { appliedReservation, estimateReservation, recordedServer, ZERO_RESERVATION } from "./capacity";
import { placeTenants, type ServerUsage } from "./placement";

export interface ServerReport extends ServerUsage {
  /** The tenants on it with what each reserves, by slug. */
  reservations: Array<{ slug: string; cpus: number; memoryMb: number; estimated: boolean }>;
}

export interface CapacityReport {
  overcommit: Overcommit;
  servers: ServerReport[];
  /** Server uuid -> slugs of tenants recorded on a server that is not configured. */
  unconfigured: Record<string, string[]>;
  /** Slugs of deployed tenants whose server is not known (no server_uuid on the record, several servers). */
  unplaced: string[];
}

/** Adds up every recorded tenant per server. A record without a reservation is estimated from its template and plan. */
export function capacityReport(servers: ServerSpec[], overcommit: Overcommit, records: Map<string, Provisioning>, tenants: Tenant[], legacyServer?: string): CapacityReport {
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const config = { servers, overcommitRatios: overcommit, coolifyServerUuid: legacyServer };
  const entries = [...records.values()].map((record) => {
    const tenant = byId.get(record.tenantId);
    const reservation = appliedReservation(record) ?? (tenant ? estimateReservation(record.templateRef, tenant) : ZERO_RESERVATION);
    return { id: record.tenantId, slug: tenant?.slug ?? record.tenantId, reservation, estimated: !record.reservation, current: recordedServer(record, config) };
  });
  const unplaced = entries.filter((e) => e.current === undefined).map((e) => e.slug).sort();
  const placed = entries.filter((e) => e.current !== undefined);
  const result = placeTenants({ servers, overcommit, tenants: placed.map((e) => ({ id: e.id, slug: e.slug, reservation: e.reservation, current: e.current, frozen: true })) });
  const bySlug = new Map(placed.map((e) => [e.slug, e]));
  return {
    overcommit,
    servers: result.usage.map((usage) => ({
      ...usage,
      reservations: usage.tenants.map((slug) => {
        const e = bySlug.get(slug)!;
        return { slug, cpus: e.reservation.cpus, memoryMb: e.reservation.memoryMb, estimated: e.estimated };
      }),
    })),
    unconfigured: Object.fromEntries(result.orphaned),
    unplaced,
  };
}

/** The report as text, one block per server. */
export function formatCapacity(report: CapacityReport): string {
  const lines: string[] = [`overcommit: cpu ${report.overcommit.cpu}, memory ${report.overcommit.memory}`];
  for (const s of report.servers) {
    lines.push("", `server ${s.uuid}${s.draining ? " (draining: no new tenants)" : ""}`);
    if (!s.sized) {
      lines.push(`  size not configured (coolifyServerUuid alone): nothing is counted against it; reserved ${s.reserved.cpus} cpus, ${s.reserved.memoryMb} MiB`);
    } else {
      lines.push(`  cpus:   ${s.reserved.cpus} reserved of ${s.allocatable.cpus} allocatable (${s.cpus} cores), ${s.free.cpus} free`);
      lines.push(`  memory: ${s.reserved.memoryMb} MiB reserved of ${s.allocatable.memoryMb} MiB allocatable (${s.memoryGb} GiB), ${s.free.memoryMb} MiB free`);
    }
    lines.push(`  tenants (${s.reservations.length}): ${s.reservations.map((r) => `${r.slug} ${r.cpus} cpus ${r.memoryMb} MiB${r.estimated ? " (estimated)" : ""}`).join(", ") || "none"}`);
  }
  for (const [server, slugs] of Object.entries(report.unconfigured)) lines.push("", `server ${server} is not in coolifyServers, but ${slugs.join(", ")} live on it: put it back (draining) or move them`);
  if (report.unplaced.length > 0) lines.push("", `no server recorded for ${report.unplaced.join(", ")}: the next run records it`);
  return lines.join("\n");
}
