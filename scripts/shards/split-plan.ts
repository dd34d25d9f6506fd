// What `npm run shards -- split` does to the states, decided from the fleet stack's export before anything moves.
// Each tenant's component (and with it every child) goes to the shard of its server: the server its write-back
// record names, else the one its Service's state names; a tenant on no server (a record refused for capacity) goes
// to the home shard, as the program declares it there. The teardown guard is cut per shard (its tenants only) and
// the shared project's state is copied into every shard, so each shard's program finds them as it would declare
// them; the fleet stack keeps only its root and providers. A split that stopped half-way (killed between its
// `pulumi state move`s) is continued: the tenants a shard's stack already holds stay there and count for its guard.
// Pure: scripts/shards/split.ts runs it.
import { declaringShard, homeShard, shardOfServer, shardStackName, type ShardMap } from "../../lib/shards";

/** One resource of a `pulumi stack export`, as far as the split reads or rewrites it. */
export interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The `deployment` of a `pulumi stack export`. */
export interface Deployment {
  resources?: StateResource[];
  pending_operations?: Array<{ resource: { urn: string }; type: string }>;
  [field: string]: unknown;
}

export const TENANT_TYPE = "cloudfreedom:tenant:Stack";
const GUARD_TYPE = /(^|[:/])cloudfreedom:TeardownGuard$/;
const SERVICE_TYPE = /(^|[:/])coolify:Service$/;
const SHARED_PROJECT = "shared-project";

export interface ShardMove {
  shard: string;
  /** The tenant components to move (`pulumi state move` takes their children along). */
  urns: string[];
  /** Their tenants' PocketBase ids, and those of the tenants the shard's stack holds already, sorted. */
  tenants: string[];
}

export interface SplitPlan {
  moves: ShardMove[];
  /** The home shard: its guard also keeps the guard's entries of no moved tenant (removals still under way). */
  home: string;
  /** The fleet's teardown guard and shared project, to be cut and copied into every shard. */
  guard?: StateResource;
  sharedProject?: StateResource;
  /** Tenants an earlier split that stopped half-way had moved already (their fleet copy, if any, goes with the strip). */
  resumed: number;
}

/** The name after the last `::` of a URN. */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The tenant components at the top of a state (a component's id is its tenant's PocketBase id). */
export function tenantComponents(resources: readonly StateResource[]): StateResource[] {
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
  return resources.filter((r) => r.type === TENANT_TYPE && (r.parent === undefined || r.parent === root));
}

/** A component's tenant id: its name, or in a state no run has renamed since (named by slug) the id its children record. */
function tenantIdOf(component: StateResource, resources: readonly StateResource[]): { id: string; children: StateResource[] } {
  const children = resources.filter((r) => r.parent === component.urn);
  const stated = children.map((r) => r.inputs?.tenantId).find((v): v is string => typeof v === "string" && v !== "");
  return { id: stated ?? urnName(component.urn), children };
}

/** The tenant ids a state holds (a shard's, after an earlier split moved tenants into it). */
export function tenantIdsOf(deployment: Deployment | undefined): string[] {
  const resources = deployment?.resources ?? [];
  return tenantComponents(resources).map((c) => tenantIdOf(c, resources).id);
}

/**
 * Which tenant components go to which shard, or the problems that stop the split (each naming the tenant or
 * resource and the fix). `recorded`: tenant id -> the server its write-back record names. `held`: shard -> the tenant ids
 * its stack holds already (an earlier split that stopped half-way); each must be where its server says.
 */
export function planSplit(deployment: Deployment, shards: ShardMap, recorded: ReadonlyMap<string, string>, slugs: ReadonlyMap<string, string> = new Map(), held: ReadonlyMap<string, readonly string[]> = new Map()): SplitPlan | { problems: string[] } {
  const resources = deployment.resources ?? [];
  const problems: string[] = [];
  const pending = deployment.pending_operations ?? [];
  if (pending.length > 0) {
    problems.push(
      `the fleet stack has ${pending.length} pending operation(s) (${pending.slice(0, 3).map((p) => `${p.type} ${urnName(p.resource.urn)}`).join(", ")}), left by an interrupted run: ` +
        "resolve them first (pulumi refresh --stack <fleet stack> --clear-pending-creates, or an up of the fleet stack before config shards is set), then split again",
    );
  }
  const root = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
  const guard = resources.find((r) => GUARD_TYPE.test(r.type) && r.parent === root);
  const sharedProject = resources.find((r) => r.parent === root && urnName(r.urn) === SHARED_PROJECT);
  const known = new Set([guard?.urn, sharedProject?.urn]);
  for (const r of resources) {
    const top = r.parent === undefined || r.parent === root;
    if (!top || r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:") || r.type === TENANT_TYPE || known.has(r.urn)) continue;
    problems.push(`resource ${r.urn} is neither a tenant, the teardown guard nor the shared project: split does not know which shard takes it; remove it from the fleet stack (pulumi state delete '${r.urn}') or move it by hand (pulumi state move), then split again`);
  }
  const byShard = new Map<string, ShardMove>([...shards.keys()].map((shard) => [shard, { shard, urns: [], tenants: [] }]));
  const heldIn = new Map([...held].flatMap(([shard, ids]) => ids.map((id) => [id, shard] as [string, string])));
  const nameOf = (id: string) => (slugs.has(id) ? `${slugs.get(id)} (${id})` : id);
  const inFleet = new Set<string>();
  for (const component of tenantComponents(resources)) {
    const { id, children } = tenantIdOf(component, resources);
    inFleet.add(id);
    const service = children.find((r) => SERVICE_TYPE.test(r.type));
    const fromState = service?.inputs?.serverUuid;
    const server = recorded.get(id) || (typeof fromState === "string" && fromState !== "" ? fromState : undefined);
    const name = nameOf(id);
    if (server === undefined && service !== undefined) {
      problems.push(`tenant ${name} has a service but no server in its record or its state: set its record's server_uuid in PocketBase (agent_provisioning), then split again`);
      continue;
    }
    const shard = declaringShard(shards, server);
    if (shard === undefined) {
      problems.push(`tenant ${name} lives on server ${server}, which is in no shard: add the server to a shard (pulumi config set --path 'shards.<name>[<n>]' ${server}), then split again`);
      continue;
    }
    const already = heldIn.get(id);
    if (already !== undefined && already !== shard) {
      problems.push(`tenant ${name} is in the fleet stack and in shard ${already}'s stack, but its server is in shard ${shard}: remove the shard's copy (pulumi state delete --stack <fleet stack>.${already} --target-dependents '${component.urn.replace(/^urn:pulumi:[^:]+::/, `urn:pulumi:<fleet stack>.${already}::`)}'), then split again`);
      continue;
    }
    // In both stacks (killed between the two writes of a state move): the shard's copy stays, the fleet's is stripped.
    if (already === undefined) byShard.get(shard)!.urns.push(component.urn);
    byShard.get(shard)!.tenants.push(id);
  }
  let resumed = 0;
  for (const [id, shard] of heldIn) {
    if (inFleet.has(id)) {
      resumed += 1;
      continue;
    }
    const server = recorded.get(id);
    const belongs = server === undefined ? shard : shardOfServer(shards, server);
    if (belongs !== shard) {
      problems.push(`tenant ${nameOf(id)} is in shard ${shard}'s stack, but its record's server ${server} is ${belongs === undefined ? "in no shard" : `in shard ${belongs}`}: the shard stacks do not match config shards; check it (npm run shards -- list) and move the tenant by hand (pulumi state move), then split again`);
      continue;
    }
    resumed += 1;
    if (byShard.has(shard)) byShard.get(shard)!.tenants.push(id);
  }
  if (problems.length > 0) return { problems };
  const moves = [...byShard.values()].map((m) => ({ ...m, tenants: [...m.tenants].sort() }));
  return { moves, home: homeShard(shards), ...(guard ? { guard } : {}), ...(sharedProject ? { sharedProject } : {}), resumed };
}

/** The stack part of a URN: `urn:pulumi:<stack>::<project>::...`. */
function stackOfUrn(urn: string): string {
  return urn.slice("urn:pulumi:".length, urn.indexOf("::"));
}

/** Every URN in a resource (its own, parent, provider reference, dependencies) renamed from the fleet's stack to `to`. */
export function renameToStack(resource: StateResource, to: string): StateResource {
  const from = stackOfUrn(resource.urn);
  const rename = (urn: string) => (urn.startsWith(`urn:pulumi:${from}::`) ? `urn:pulumi:${to}::${urn.slice(`urn:pulumi:${from}::`.length)}` : urn);
  const root = (urn: string) => {
    const renamed = rename(urn);
    const marker = "::pulumi:pulumi:Stack::";
    const at = renamed.indexOf(marker);
    if (at < 0) return renamed;
    const project = renamed.slice(renamed.indexOf("::") + 2, at);
    return `${renamed.slice(0, at + marker.length)}${project}-${to}`;
  };
  const copy: StateResource = { ...structuredClone(resource), urn: root(resource.urn) };
  if (copy.parent) copy.parent = root(copy.parent);
  if (copy.provider) copy.provider = rename(copy.provider);
  if (copy.dependencies) copy.dependencies = copy.dependencies.map(root);
  if (copy.propertyDependencies) copy.propertyDependencies = Object.fromEntries(Object.entries(copy.propertyDependencies).map(([k, v]) => [k, v.map(root)]));
  return copy;
}

/** The guard's tenant maps (`declared`, `deployed`) cut to the shard's tenants, in inputs and outputs alike. */
export function cutGuard(guard: StateResource, tenants: readonly string[]): StateResource {
  const keep = new Set(tenants);
  const cut = (values: Record<string, unknown> | undefined) => {
    if (!values) return values;
    const out = { ...values };
    for (const key of ["declared", "deployed"]) {
      const map = values[key];
      if (map && typeof map === "object") out[key] = Object.fromEntries(Object.entries(map as Record<string, unknown>).filter(([id]) => keep.has(id)));
    }
    return out;
  };
  return { ...guard, inputs: cut(guard.inputs), outputs: cut(guard.outputs) };
}

/**
 * The tenants a shard's guard keeps: its own; in the home shard also the guard's entries no shard took (a tenant whose
 * component is gone but whose service the guard still counts as present), so no removal leaves the budget's count.
 */
export function guardTenants(plan: SplitPlan, move: ShardMove): string[] {
  if (move.shard !== plan.home || !plan.guard) return move.tenants;
  const moved = new Set(plan.moves.flatMap((m) => m.tenants));
  const entries = Object.keys({ ...(plan.guard.inputs?.deployed as object | undefined), ...(plan.guard.outputs?.deployed as object | undefined) });
  return [...move.tenants, ...entries.filter((id) => !moved.has(id))];
}

/**
 * A shard's state with what its program declares besides tenants: the guard (its tenants only) and the shared
 * project after the root and providers, replacing any copy of them already there; the root (without outputs) and the
 * providers added if the shard has none. Written before the tenants move in, so a shard never holds tenants without them.
 */
export function withShardResources(shard: Deployment, fleet: Deployment, plan: SplitPlan, move: ShardMove, fleetStack: string): Deployment {
  const stack = shardStackName(fleetStack, move.shard);
  const fleetResources = fleet.resources ?? [];
  const own = [...(shard.resources ?? [])];
  const ensure = (resource: StateResource | undefined) => {
    if (!resource || own.some((r) => r.urn === renameToStack(resource, stack).urn)) return;
    // The fleet root's outputs name every tenant; the shard's program writes its own.
    own.unshift(resource.type === "pulumi:pulumi:Stack" ? { ...renameToStack(resource, stack), outputs: {} } : renameToStack(resource, stack));
  };
  // Providers first, then the root before them: unshift reverses.
  for (const provider of fleetResources.filter((r) => r.type.startsWith("pulumi:providers:")).reverse()) ensure(provider);
  ensure(fleetResources.find((r) => r.type === "pulumi:pulumi:Stack"));
  const added = [plan.guard && cutGuard(plan.guard, guardTenants(plan, move)), plan.sharedProject].filter((r): r is StateResource => r !== undefined).map((r) => renameToStack(r, stack));
  const addedUrns = new Set(added.map((r) => r.urn));
  const rest = own.filter((r) => !addedUrns.has(r.urn));
  const head = rest.filter((r) => r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:"));
  const tail = rest.filter((r) => !head.includes(r));
  return { ...shard, resources: [...head, ...added, ...tail] };
}

/** The fleet stack after the split: its root (without outputs, which named the tenants) and providers only. */
export function strippedFleet(fleet: Deployment): Deployment {
  const resources = (fleet.resources ?? [])
    .filter((r) => r.type === "pulumi:pulumi:Stack" || r.type.startsWith("pulumi:providers:"))
    .map((r) => (r.type === "pulumi:pulumi:Stack" ? { ...r, outputs: {} } : r));
  return { ...fleet, resources };
}

/** How many tenants a state holds (its tenant components). */
export function tenantCount(deployment: Deployment | undefined): number {
  return deployment ? tenantComponents(deployment.resources ?? []).length : 0;
}
