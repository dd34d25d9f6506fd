// Which shard a change concerns. Pure. A tenant lives on one server and so in one shard: its recorded server's
// (agent_provisioning.server_uuid). A tenant without a record (new) goes to the shard of the server the program's
// placement would give it, computed here the same way from the same records; a new tenant that fits nowhere is
// declared (refused) by the home shard (lib/shards.ts). What cannot be told goes to every shard, where scope
// planning runs it in full: slower, never wrong.
import { declaringShard, homeShard, shardOfServer, type ShardMap } from "../lib/shards";
import type { Overcommit, ServerSpec } from "../lib/servers";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { appliedReservation, estimateReservation, recordedServer, ZERO_RESERVATION } from "../program/capacity";
import { placeTenants, type PlacementTenant } from "../program/placement";
import type { Change, RunRequest } from "./queue";

export interface ShardedFleet {
  shards: ShardMap;
  servers: ServerSpec[];
  overcommit: Overcommit;
  /** Config coolifyServerUuid, the server of records from before coolifyServers. */
  legacyServer?: string;
}

/** A tenant's shard, and whether it has no record yet (a run for it may place it). */
export interface TenantShard {
  /** Undefined when it cannot be told (placement failed): every shard. */
  shard?: string;
  placing: boolean;
}

function templateRefOf(tenant: Tenant): string {
  return tenant.templateVersion ? `${tenant.template}@${tenant.templateVersion}` : tenant.template;
}

/**
 * Tenant record id -> its shard, for every tenant and every record (a deleted tenant's record still names its
 * server). New tenants are placed as the program places them: every recorded tenant frozen where it is.
 */
export function tenantShards(fleet: ShardedFleet, tenants: Tenant[], records: Map<string, Provisioning>): Map<string, TenantShard> {
  const config = { servers: fleet.servers, overcommitRatios: fleet.overcommit, coolifyServerUuid: fleet.legacyServer };
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const result = new Map<string, TenantShard>();
  const placement: PlacementTenant[] = [];
  for (const record of records.values()) {
    const server = recordedServer(record, config);
    const tenant = byId.get(record.tenantId);
    if (server === undefined) {
      result.set(record.tenantId, { placing: false });
      continue;
    }
    result.set(record.tenantId, { shard: shardOfServer(fleet.shards, server), placing: false });
    const reservation = appliedReservation(record) ?? (tenant ? estimateReservation(record.templateRef, tenant) : ZERO_RESERVATION);
    placement.push({ id: record.tenantId, slug: tenant?.slug ?? record.tenantId, reservation, current: server, frozen: true });
  }
  const fresh = tenants.filter((t) => !records.has(t.id) && t.status !== "cancelled");
  for (const t of tenants) if (!records.has(t.id) && t.status === "cancelled") result.set(t.id, { shard: homeShard(fleet.shards), placing: false });
  if (fresh.length === 0) return result;
  let placed: Map<string, { server: string }> | undefined;
  try {
    const tenantsToPlace = [...placement, ...fresh.map((t) => ({ id: t.id, slug: t.slug, reservation: estimateReservation(templateRefOf(t), t) }))];
    placed = placeTenants({ servers: fleet.servers, overcommit: fleet.overcommit, tenants: tenantsToPlace }).placed;
  } catch {
    placed = undefined;
  }
  for (const t of fresh) {
    const server = placed?.get(t.id)?.server;
    const shard = placed === undefined ? undefined : declaringShard(fleet.shards, server);
    result.set(t.id, { shard, placing: true });
  }
  return result;
}

/** The tenant record ids a change concerns; undefined when it cannot be mapped. */
function tenantIdsOfChange(change: Change, tenants: Tenant[]): string[] | undefined {
  if (change.collection === "tenants") return [change.id];
  if (change.collection === "plans") {
    const onPlan = tenants.filter((t) => t.plan.id === change.id).map((t) => t.id);
    return onPlan.length > 0 ? onPlan : undefined;
  }
  return undefined;
}

/**
 * Splits a request into one request per shard it concerns. A full request, or a request whose tenants, records or
 * shards could not be read, goes to every shard as it is (a full one may place, so it is marked so).
 */
export function routeRequest(request: RunRequest, shardNames: readonly string[], tenants: Tenant[] | undefined, shardOf: Map<string, TenantShard> | undefined): Map<string, RunRequest> {
  const everywhere = () => new Map(shardNames.map((name) => [name, { ...request, placing: true }] as const));
  if (request.full || tenants === undefined || shardOf === undefined || (request.anywhere?.length ?? 0) > 0) return everywhere();
  const routed = new Map<string, RunRequest>();
  const add = (ids: string[] | undefined, part: Pick<RunRequest, "changes" | "tenants">) => {
    const targets = ids?.map((id) => shardOf.get(id));
    const all = targets === undefined || targets.length === 0 || targets.some((t) => t?.shard === undefined);
    const placing = all || targets.some((t) => t!.placing);
    const names = all ? shardNames : [...new Set(targets.map((t) => t!.shard!))];
    for (const name of names) {
      const before = routed.get(name) ?? { triggers: request.triggers, full: false, changes: [], tenants: [], ...(request.allow ? { allow: request.allow } : {}) };
      routed.set(name, { ...before, changes: [...before.changes, ...part.changes], tenants: [...before.tenants, ...part.tenants], ...(placing || before.placing ? { placing: true } : {}) });
    }
  };
  for (const change of request.changes) add(tenantIdsOfChange(change, tenants), { changes: [change], tenants: [] });
  for (const named of request.tenants) {
    const tenant = tenants.find((t) => t.slug === named || t.id === named);
    add(tenant && [tenant.id], { changes: [], tenants: [named] });
  }
  return routed;
}

/**
 * The part of a shard's request that, by the records as they are when its run starts, concerns another shard: a new
 * tenant routed here by a placement that another shard's run has since changed (it placed its own new tenant first)
 * goes there instead of waiting for the next full run.
 */
export function splitForeign(request: RunRequest, shard: string, tenants: Tenant[], shardOf: Map<string, TenantShard>): { own: RunRequest; foreign?: RunRequest } {
  const elsewhere = (id: string | undefined) => {
    if (id !== undefined && request.anywhere?.includes(id)) return false;
    const found = id === undefined ? undefined : shardOf.get(id)?.shard;
    return found !== undefined && found !== shard;
  };
  const changes = request.changes.filter((c) => c.collection === "tenants" && elsewhere(c.id));
  const named = request.tenants.filter((name) => elsewhere(tenants.find((t) => t.slug === name || t.id === name)?.id));
  if (request.full || changes.length + named.length === 0) return { own: request };
  return {
    own: { ...request, changes: request.changes.filter((c) => !changes.includes(c)), tenants: request.tenants.filter((t) => !named.includes(t)) },
    foreign: { triggers: request.triggers, full: false, changes, tenants: named, ...(request.allow ? { allow: request.allow } : {}) },
  };
}

/**
 * The new tenants (no write-back record when the run started) a targeted run of this shard had in scope and did not
 * declare: its state holds nothing of them and the run reported no failure for them. Routing placed them here with
 * estimated reservations and without knowing which servers the program's server check finds unusable; the program
 * placed them on another shard's server, or refused them (the home shard writes that record). Those not already
 * sent to every shard are to be: each shard runs them once, and the one whose program declares them deploys them.
 */
export function undeclaredNewTenants(input: { inScope: Tenant[]; recordsBefore: ReadonlyMap<string, unknown>; declared: ReadonlySet<string>; failed: ReadonlySet<string>; anywhere?: string[] }): string[] {
  return input.inScope
    .filter((t) => t.status !== "cancelled" && !input.recordsBefore.has(t.id) && !input.declared.has(t.slug) && !input.failed.has(t.slug) && !input.anywhere?.includes(t.id))
    .map((t) => t.id);
}
