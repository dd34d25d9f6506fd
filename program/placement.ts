// Which Coolify server each tenant runs on. Pure and deterministic: the same tenants, servers and records give the
// same placement, so a preview shows what the up does.
//
// - A deployed tenant stays on its server (its write-back record's server_uuid): never moved implicitly. Its
//   applied reservation counts there first, whatever it is; a server shrunk in config can show less than nothing free.
// - A changed reservation (a plan up- or downgrade) is applied if the server still fits it, downgrades first; one that
//   does not fit holds the tenant at its last applied spec, naming the numbers.
// - CLOUDFREEDOM_MOVE=<slug>:<uuid> moves that one tenant, if it fits there; otherwise it stays, held, saying why.
// - A server Coolify reports as not usable (program/server-check.ts: unreachable, no destination, ...) is treated like
//   a draining one for this run: no new tenant and no move goes there, its own tenants stay. One bad server holds
//   only what would go to it; the rest of the fleet converges.
// - A new tenant, in slug order, goes to the server that is not draining nor unusable, whose cores and memory can run its largest
//   container, where its whole reservation fits in the free cpus and memory, and which has the most free memory
//   left after it; a tie goes to the most free cpus, then the lowest uuid. Fits nowhere: refused, with each server's
//   free capacity.
// - A tenant on a server that is no longer in config stops the run (PlacementError), naming the tenants.
import { ConfigError } from "../lib/config";
import type { Reservation } from "../lib/templates/reservation";
import { allocatableOf, isSized, type Allocatable, type Move, type Overcommit, type ServerSpec } from "../lib/servers";

export interface PlacementTenant {
  id: string;
  slug: string;
  /** What its spec in this run reserves. */
  reservation: Reservation;
  /** The server it lives on; undefined for a tenant never deployed. */
  current?: string;
  /** What it reserves as last applied (its record); undefined = same as `reservation`. */
  applied?: Reservation;
  /** Held for another reason: stays as applied wherever it is, never changed here. */
  frozen?: boolean;
}

export interface PlacementInput {
  servers: ServerSpec[];
  overcommit: Overcommit;
  tenants: PlacementTenant[];
  move?: Move;
  /** Servers that take no new tenant in this run, uuid -> why (program/server-check.ts); absent: every server is usable. */
  unusable?: ReadonlyMap<string, string>;
}

export interface ServerUsage {
  uuid: string;
  draining: boolean;
  /** False: the size is not configured (coolifyServerUuid alone), nothing is counted against it. */
  sized: boolean;
  cpus: number;
  memoryGb: number;
  allocatable: Allocatable;
  reserved: Allocatable;
  free: Allocatable;
  /** Slugs placed on it, sorted. */
  tenants: string[];
}

export interface Placement {
  server: string;
  /** Moved by CLOUDFREEDOM_MOVE in this run: a replacement of its service. */
  moved: boolean;
}

export interface Decision {
  id: string;
  slug: string;
  reason: string;
  fix: string;
}

export interface PlacementResult {
  /** Tenant id -> where it runs after this run (refused tenants are absent). */
  placed: Map<string, Placement>;
  /** New tenants that fit nowhere, with the reason (free capacity per server) and the fix. */
  refused: Decision[];
  /** Deployed tenants held at their applied reservation (a change or a move that does not fit). */
  held: Decision[];
  /** Tenants living on servers that are not in config: server uuid -> slugs. */
  orphaned: Map<string, string[]>;
  usage: ServerUsage[];
}

/** Tenants live on servers no longer in config: a config problem, so the run stops before anything is declared. */
export class PlacementError extends ConfigError {
  constructor(readonly orphaned: Map<string, string[]>) {
    super(
      [...orphaned].map(([server, slugs]) =>
        `server ${server} is no longer in coolifyServers, but tenant(s) ${slugs.join(", ")} live on it: put it back in coolifyServers ` +
          `(with "draining": true to empty it), then move each tenant (CLOUDFREEDOM_MOVE=${slugs[0]}:<server uuid> pulumi up) or cancel it`),
    );
    this.name = "PlacementError";
  }
}

const MIB_PER_GIB = 1024;

/** Places every tenant; see the header. Never throws: orphaned tenants are reported, `assertNoOrphans` refuses. */
export function placeTenants(input: PlacementInput): PlacementResult {
  const servers = [...input.servers].sort((a, b) => compare(a.uuid, b.uuid));
  const byUuid = new Map(servers.map((s) => [s.uuid, s]));
  const limit = new Map(servers.map((s) => [s.uuid, allocatableOf(s, input.overcommit)]));
  const used = new Map(servers.map((s) => [s.uuid, { cpus: 0, memoryMb: 0 }]));
  const members = new Map<string, string[]>(servers.map((s) => [s.uuid, []]));
  const result: PlacementResult = { placed: new Map(), refused: [], held: [], orphaned: new Map(), usage: [] };
  const add = (server: string, slug: string, r: { cpus: number; memoryMb: number }) => {
    const u = used.get(server)!;
    u.cpus = round(u.cpus + r.cpus);
    u.memoryMb += r.memoryMb;
    members.get(server)!.push(slug);
  };
  const remove = (server: string, slug: string, r: { cpus: number; memoryMb: number }) => {
    const u = used.get(server)!;
    u.cpus = round(u.cpus - r.cpus);
    u.memoryMb -= r.memoryMb;
    members.set(server, members.get(server)!.filter((s) => s !== slug));
  };
  const free = (uuid: string): Allocatable => ({ cpus: round(limit.get(uuid)!.cpus - used.get(uuid)!.cpus), memoryMb: limit.get(uuid)!.memoryMb - used.get(uuid)!.memoryMb });
  const fits = (server: ServerSpec, r: Reservation, already = { cpus: 0, memoryMb: 0 }) => {
    if (!isSized(server)) return true;
    const left = free(server.uuid);
    return runsOn(server, r) && r.cpus - already.cpus <= left.cpus + 1e-9 && r.memoryMb - already.memoryMb <= left.memoryMb;
  };

  const unusable = input.unusable ?? new Map<string, string>();
  const takesNew = (s: ServerSpec) => !s.draining && !unusable.has(s.uuid);

  const bySlug = [...input.tenants].sort((a, b) => compare(a.slug, b.slug) || compare(a.id, b.id));
  const deployed = bySlug.filter((t) => t.current !== undefined);
  // 1. What runs now, where it runs.
  for (const tenant of deployed) {
    if (!byUuid.has(tenant.current!)) {
      result.orphaned.set(tenant.current!, [...(result.orphaned.get(tenant.current!) ?? []), tenant.slug]);
      continue;
    }
    add(tenant.current!, tenant.slug, tenant.applied ?? tenant.reservation);
    result.placed.set(tenant.id, { server: tenant.current!, moved: false });
  }
  const live = deployed.filter((t) => byUuid.has(t.current!));
  // 2. A move: out of its server, into the target if it fits there.
  const moving = input.move && live.find((t) => t.slug === input.move!.slug && t.current !== input.move!.server);
  if (moving && !moving.frozen) {
    const target = byUuid.get(input.move!.server);
    const applied = moving.applied ?? moving.reservation;
    if (target && takesNew(target) && fits(target, moving.reservation)) {
      remove(moving.current!, moving.slug, applied);
      add(target.uuid, moving.slug, moving.reservation);
      result.placed.set(moving.id, { server: target.uuid, moved: true });
    } else {
      const why = !target ? "is not in coolifyServers" : target.draining ? "is draining"
        : unusable.has(target.uuid) ? `is not usable: ${unusable.get(target.uuid)}` : `cannot take it: ${shortfall(target, moving.reservation, free(target.uuid))}`;
      result.held.push({
        id: moving.id, slug: moving.slug, reason: `CLOUDFREEDOM_MOVE to server ${input.move!.server} refused: the server ${why}; it stays on ${moving.current}`,
        fix: "move it to a server with room (npm run capacity shows what is free)",
      });
    }
  }
  // 3. Changed reservations on their own server, downgrades first.
  const changes = live
    .filter((t) => !t.frozen && t.applied !== undefined && !sameReservation(t.applied, t.reservation) && result.placed.get(t.id)?.moved === false)
    .filter((t) => !result.held.some((h) => h.id === t.id))
    .sort((a, b) => a.reservation.memoryMb - a.applied!.memoryMb - (b.reservation.memoryMb - b.applied!.memoryMb) || compare(a.slug, b.slug));
  for (const tenant of changes) {
    const server = byUuid.get(tenant.current!)!;
    if (fits(server, tenant.reservation, tenant.applied)) {
      remove(server.uuid, tenant.slug, tenant.applied!);
      add(server.uuid, tenant.slug, tenant.reservation);
    } else {
      const left = free(server.uuid);
      const room = { cpus: round(left.cpus + tenant.applied!.cpus), memoryMb: left.memoryMb + tenant.applied!.memoryMb };
      result.held.push({
        id: tenant.id, slug: tenant.slug,
        reason: `its plan's new limits no longer fit on its server ${server.uuid}: ${shortfall(server, tenant.reservation, room)}; it is never moved implicitly`,
        fix: `free capacity on ${server.uuid}, or move it: CLOUDFREEDOM_MOVE=${tenant.slug}:<server uuid> pulumi up (a replacement: new volumes on the other server)`,
      });
    }
  }
  // 4. New tenants.
  for (const tenant of bySlug.filter((t) => t.current === undefined)) {
    const candidates = servers.filter((s) => takesNew(s) && fits(s, tenant.reservation));
    const after = (s: ServerSpec) => {
      const left = free(s.uuid);
      return { cpus: left.cpus - tenant.reservation.cpus, memoryMb: left.memoryMb - tenant.reservation.memoryMb };
    };
    const best = candidates.sort((a, b) => after(b).memoryMb - after(a).memoryMb || after(b).cpus - after(a).cpus || compare(a.uuid, b.uuid))[0];
    if (best) {
      add(best.uuid, tenant.slug, tenant.reservation);
      result.placed.set(tenant.id, { server: best.uuid, moved: false });
      continue;
    }
    const per = servers.map((s) => {
      const why = [s.draining ? "draining" : "", unusable.has(s.uuid) ? `not usable: ${unusable.get(s.uuid)}` : "", runsOn(s, tenant.reservation) ? "" : `its largest container (${describe(tenant.reservation.largest)}) exceeds its ${s.cpus} cores or ${s.memoryGb} GiB`];
      return `${s.uuid}: ${isSized(s) ? `${describe(free(s.uuid))} free` : "size not configured"}${why.filter(Boolean).map((w) => `, ${w}`).join("")}`;
    });
    result.refused.push({
      id: tenant.id, slug: tenant.slug,
      reason: `it needs ${describe(tenant.reservation)} and fits on no server (${per.join("; ")})`,
      fix: servers.some((s) => !s.draining && unusable.has(s.uuid))
        ? "make the unusable server(s) usable in Coolify (it is placed on the next run), add a server to coolifyServers, free capacity (npm run capacity), or give the tenant a smaller plan"
        : "add a server to coolifyServers, free capacity (npm run capacity), or give the tenant a smaller plan",
    });
  }

  result.usage = servers.map((s) => ({
    uuid: s.uuid, draining: s.draining, sized: isSized(s), cpus: s.cpus, memoryGb: s.memoryGb,
    allocatable: limit.get(s.uuid)!, reserved: { ...used.get(s.uuid)! }, free: free(s.uuid),
    tenants: [...members.get(s.uuid)!].sort(compare),
  }));
  return result;
}

/** Refuses a run with tenants on servers no longer in config, naming them. */
export function assertNoOrphans(result: PlacementResult): void {
  if (result.orphaned.size > 0) throw new PlacementError(result.orphaned);
}

/** Whether the server's cores and memory can run the reservation's largest container at all. */
export function runsOn(server: ServerSpec, r: Reservation): boolean {
  return !isSized(server) || (r.largest.cpus <= server.cpus && r.largest.memoryMb <= server.memoryGb * MIB_PER_GIB);
}

function shortfall(server: ServerSpec, r: Reservation, room: Allocatable): string {
  if (!runsOn(server, r)) return `its largest container (${describe(r.largest)}) is larger than the server (${server.cpus} cores, ${server.memoryGb} GiB)`;
  return `it needs ${describe(r)}, the server has ${describe(room)} free`;
}

function describe(r: { cpus: number; memoryMb: number }): string {
  return `${round(r.cpus)} cpus and ${r.memoryMb} MiB`;
}

function sameReservation(a: Reservation, b: Reservation): boolean {
  return a.cpus === b.cpus && a.memoryMb === b.memoryMb;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
