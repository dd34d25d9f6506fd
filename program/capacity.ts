// Between planning and declaring: where each tenant runs, from its write-back record (program/placement.ts decides).
// A new tenant that fits on no server is refused like a render error (no request for it; the run fails at its end
// naming it with each server's free capacity); a deployed tenant whose new spec does not fit is held at its last
// applied spec. Pure.
import { ConfigError, type PlatformConfig } from "../lib/config";
import { isSized, type ServerSpec } from "../lib/servers";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { reservationOf, type Reservation } from "../lib/templates/reservation";
import { getTemplate, TemplateError, type PlanTier } from "../templates";
import { assertNoOrphans, placeTenants, type PlacementResult, type PlacementTenant } from "./placement";
import { reasonOf, type InvalidTenant, type TenantPlan } from "./plan";
import { TenantRefusal } from "./refusal";
import type { Held } from "./report";

/** Where one tenant's service goes, for its TenantStack. */
export interface TenantPlacement {
  server: string;
  destinationUuid?: string;
  /** Write server and reservation on the record: only with coolifyServers (a stack on coolifyServerUuid alone keeps
   * its records as they are, so its preview shows no change). */
  recorded: boolean;
  /** Deployed, but its record names no server and no coolifyServerUuid says which: the Service keeps the server its
   * state has (ignoreChanges), and the record learns it from the Service. */
  fromState: boolean;
  /** Moved by CLOUDFREEDOM_MOVE in this run: the Service may be replaced. */
  moved: boolean;
  reservation: { cpus: number; memoryMb: number };
}

export type PlacementConfig = Pick<PlatformConfig, "servers" | "overcommitRatios" | "move" | "coolifyServerUuid">;

export interface PlacedFleet {
  plans: TenantPlan[];
  held: Held[];
  refused: InvalidTenant[];
  /** The new tenants refused because they fit on no server (also in `refused`), with the plan they were refused with:
   * each gets a refusal record (program/refused-tenant.ts). */
  capacityRefused: Array<{ invalid: InvalidTenant; plan: TenantPlan }>;
  placements: Map<string, TenantPlacement>;
  result: PlacementResult;
}

/** No reservation: an unknown template's, and the largest container of a reservation read from a record. */
export const ZERO_RESERVATION: Reservation = { cpus: 0, memoryMb: 0, largest: { cpus: 0, memoryMb: 0 } };

/** What a record says its tenant reserves (its largest container is not recorded); undefined when it says nothing. */
export function appliedReservation(record: Provisioning | undefined): Reservation | undefined {
  return record?.reservation ? { ...record.reservation, largest: ZERO_RESERVATION.largest } : undefined;
}

/** The server a deployed tenant is on: its record's, else the one every tenant went to before coolifyServers. */
export function recordedServer(record: Provisioning | undefined, config: PlacementConfig): string | undefined {
  if (!record) return undefined;
  return record.serverUuid ?? config.coolifyServerUuid ?? (config.servers.length === 1 ? config.servers[0].uuid : undefined);
}

/**
 * Places the planned and held tenants. Throws PlacementError (a ConfigError) when tenants live on a server that is
 * no longer configured. `unusable` (program/server-check.ts: uuid -> why) are servers that take no new tenant in this
 * run; their own tenants stay.
 */
export function placeFleet(plans: TenantPlan[], held: Held[], refused: InvalidTenant[], records: Map<string, Provisioning>, config: PlacementConfig, unusable?: ReadonlyMap<string, string>): PlacedFleet {
  const tenants: PlacementTenant[] = [];
  for (const plan of plans) {
    const record = records.get(plan.tenant.id);
    const current = recordedServer(record, config);
    const applied = appliedReservation(record);
    tenants.push({
      id: plan.tenant.id, slug: plan.tenant.slug, reservation: reservationOf(plan.rendered.limits),
      ...(current ? { current } : {}),
      ...(current && applied ? { applied } : {}),
    });
  }
  for (const { invalid, hold } of held) {
    const record = hold.record;
    const current = recordedServer(record, config);
    const applied = appliedReservation(record);
    // Re-rendered with the plan's current limits (held-plan.ts): a change like any other; else frozen as applied.
    const reservation = hold.plan ? reservationOf(hold.plan.rendered.limits) : applied ?? estimateReservation(record?.templateRef ?? "", invalid.tenant);
    tenants.push({ id: invalid.tenant.id, slug: invalid.tenant.slug, reservation, frozen: !hold.plan, ...(current ? { current } : {}), ...(current && applied && hold.plan ? { applied } : {}) });
  }
  // An operator's move of a tenant that is not deployed would silently do nothing: refused as the typo it likely is.
  if (config.move && !tenants.some((t) => t.slug === config.move!.slug && t.current !== undefined)) {
    throw new ConfigError([`CLOUDFREEDOM_MOVE names "${config.move.slug}", which is not a deployed tenant of this stack: name a deployed tenant's slug, or unset CLOUDFREEDOM_MOVE`]);
  }
  const result = placeTenants({ servers: config.servers, overcommit: config.overcommitRatios, tenants, ...(config.move ? { move: config.move } : {}), ...(unusable ? { unusable } : {}) });
  assertNoOrphans(result);

  const sized = config.servers.some(isSized);
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const servers = new Map(config.servers.map((s) => [s.uuid, s]));
  const placements = new Map<string, TenantPlacement>();
  for (const [id, placed] of result.placed) {
    const tenant = byId.get(id)!;
    placements.set(id, placementOf(servers.get(placed.server)!, tenant, records.get(id), placed.moved, sized));
  }
  // Decisions for deployed tenants hold them; for new ones (no record) they refuse.
  const decisions = new Map([...result.held, ...result.refused].map((d) => [d.id, d]));
  const outPlans: TenantPlan[] = [];
  // A held tenant whose re-rendered plan does not fit stays entirely as applied.
  const outHeld = held.map((h): Held => {
    const decision = decisions.get(h.invalid.tenant.id);
    return decision && h.hold.plan ? { invalid: h.invalid, hold: { reason: `${h.hold.reason}; ${decision.reason}`, hasDomain: h.hold.hasDomain, record: h.hold.record } } : h;
  });
  const outRefused = [...refused];
  const capacityRefused: PlacedFleet["capacityRefused"] = [];
  for (const plan of plans) {
    const decision = decisions.get(plan.tenant.id);
    if (!decision) {
      outPlans.push(plan);
      continue;
    }
    const invalid: InvalidTenant = { tenant: plan.tenant, errors: [new TenantRefusal(plan.tenant, "capacity", decision.reason, decision.fix)] };
    const record = records.get(plan.tenant.id);
    if (record) {
      // No plan: everything stays as applied, the compose (its limits) too.
      outHeld.push({ invalid, hold: { reason: reasonOf(invalid), hasDomain: Object.keys(record.urls).length > 0, record } });
      // Held where it runs: the placement of what was applied.
      const server = servers.get(recordedServer(record, config) ?? "");
      if (server && !placements.has(plan.tenant.id)) placements.set(plan.tenant.id, placementOf(server, byId.get(plan.tenant.id)!, record, false, sized));
    } else {
      outRefused.push(invalid);
      capacityRefused.push({ invalid, plan });
      placements.delete(plan.tenant.id);
    }
  }
  return { plans: outPlans, held: outHeld, refused: outRefused, capacityRefused, placements, result };
}

function placementOf(server: ServerSpec, tenant: PlacementTenant, record: Provisioning | undefined, moved: boolean, sized: boolean): TenantPlacement {
  return {
    server: server.uuid,
    ...(server.destinationUuid ? { destinationUuid: server.destinationUuid } : {}),
    recorded: sized,
    fromState: record !== undefined && tenant.current === undefined,
    moved,
    reservation: { cpus: tenant.reservation.cpus, memoryMb: tenant.reservation.memoryMb },
  };
}

/**
 * What a held tenant whose record predates reservations reserves: its template version's containers at its plan's
 * tier, with the plan's stack totals where it sets them (as the render splits them). Zero for an unknown template.
 */
export function estimateReservation(templateRef: string, tenant: Tenant): Reservation {
  const [id, version] = templateRef.split("@");
  try {
    const manifest = getTemplate(id, version).manifest;
    const tier: PlanTier = tenant.plan.tier;
    const defaults = Object.values(manifest.services).map((spec) => spec.limits[tier]);
    const overrides = tenant.plan.limits[id] ?? {};
    const sum = (key: "cpus" | "memoryMb") => defaults.reduce((total, l) => total + l[key], 0);
    const largest = { cpus: Math.max(...defaults.map((l) => l.cpus)), memoryMb: Math.max(...defaults.map((l) => l.memoryMb)) };
    return { cpus: overrides.cpus ?? sum("cpus"), memoryMb: overrides.memoryMb ?? sum("memoryMb"), largest };
  } catch (e) {
    if (e instanceof TemplateError) return ZERO_RESERVATION;
    throw e;
  }
}
