// Which resources a run touches. Pure. A run is targeted when every change maps to known tenants, every tenant
// that would be added is one of them, and none is to be torn down; the run then excludes every other deployed
// tenant (their components, and through --exclude-dependents their children). Excluding rather than targeting
// keeps the teardown guard, the shared project and new tenants' resources (whose URNs do not exist yet) in the
// run, and the membership rules keep the guard's record of deployed tenants exact.
import type { Tenant } from "../lib/tenants/tenant";
import type { Change, RunRequest } from "./queue";

export const TENANT_COMPONENT_TYPE = "cloudfreedom:tenant:Stack";
const SERVICE_TYPE = "pulumi-nodejs:dynamic/coolify:Service";

export type Scope =
  | { kind: "full"; reason: string }
  | { kind: "targeted"; tenants: string[]; exclude: string[] }
  | { kind: "none"; reason: string };

/** The deployed state as the reconciler needs it, from `pulumi stack export`. */
export interface Deployed {
  /** Tenant slug -> URN of its component. */
  components: Map<string, string>;
  /** Resource URN -> parent URN. */
  parents: Map<string, string>;
  /** Tenant slug -> the status its Coolify service had when the state last recorded it. */
  serviceStatus: Map<string, string>;
  pendingOperations: number;
}

interface ExportedResource {
  urn: string;
  type: string;
  parent?: string;
  outputs?: { status?: unknown };
}

/** Reads tenant components, parents and pending operations from a stack export (`Deployment.deployment`). */
export function readDeployed(deployment: unknown): Deployed {
  const body = (deployment ?? {}) as { resources?: ExportedResource[]; pending_operations?: unknown[] };
  const components = new Map<string, string>();
  const parents = new Map<string, string>();
  for (const resource of body.resources ?? []) {
    if (resource.parent) parents.set(resource.urn, resource.parent);
    if (resource.type === TENANT_COMPONENT_TYPE) components.set(urnName(resource.urn), resource.urn);
  }
  const serviceStatus = new Map<string, string>();
  for (const resource of body.resources ?? []) {
    const tenant = resource.type === SERVICE_TYPE ? tenantOfUrn(resource.urn, parents) : undefined;
    if (tenant !== undefined && typeof resource.outputs?.status === "string") serviceStatus.set(tenant, resource.outputs.status);
  }
  return { components, parents, serviceStatus, pendingOperations: body.pending_operations?.length ?? 0 };
}

/**
 * The slug of a tenant component's name: components are named by the tenant's PocketBase id (stacks from before
 * ids, by slug), so a name that is a known tenant's id maps to its slug; any other name is kept.
 */
export function slugOf(name: string, tenants: Tenant[]): string {
  return tenants.find((t) => t.id === name)?.slug ?? name;
}

/** The deployed state keyed by tenant slug (see slugOf). */
export function withSlugs(deployed: Deployed, tenants: Tenant[]): Deployed {
  const rekey = <V>(map: Map<string, V>) => new Map([...map].map(([name, value]) => [slugOf(name, tenants), value] as const));
  return { ...deployed, components: rekey(deployed.components), serviceStatus: rekey(deployed.serviceStatus) };
}

/** The name part of a URN (after the last "::"). */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The tenant slug a resource belongs to: the nearest tenant component up its parent chain. */
export function tenantOfUrn(urn: string, parents: Map<string, string>): string | undefined {
  for (let current: string | undefined = urn, hops = 0; current !== undefined && hops < 32; current = parents.get(current), hops++) {
    const type = current.split("::")[2] ?? "";
    if (type === TENANT_COMPONENT_TYPE) return urnName(current);
  }
  return undefined;
}

/**
 * The slugs of the tenants a change concerns, or undefined when it cannot be mapped (then the run is full). The
 * mapping assumes the tenant view's `id` and `plan_id` are the record ids of `tenants` and `plans`, as in the demo
 * view and the example; with other ids nothing maps and every run is full, which is slower but never wrong.
 */
function tenantsOfChange(change: Change, tenants: Tenant[]): string[] | undefined {
  if (change.collection === "tenants") {
    const tenant = tenants.find((t) => t.id === change.id);
    return tenant ? [tenant.slug] : undefined;
  }
  // A plan no tenant is on (a new one, or a view whose plan ids are not the plans' record ids) runs in full.
  if (change.collection === "plans") {
    const onPlan = tenants.filter((t) => t.plan.id === change.id).map((t) => t.slug);
    return onPlan.length > 0 ? onPlan : undefined;
  }
  return undefined;
}

export function planScope(request: RunRequest, tenants: Tenant[] | undefined, deployed: Deployed | undefined): Scope {
  if (request.full) return { kind: "full", reason: `${request.triggers.join("+")} run` };
  if (tenants === undefined || deployed === undefined) return { kind: "full", reason: "tenants or state could not be read" };
  deployed = withSlugs(deployed, tenants);
  if (deployed.pendingOperations > 0) return { kind: "full", reason: "the state has pending operations" };
  const selected = new Set<string>();
  for (const change of request.changes) {
    const slugs = tenantsOfChange(change, tenants);
    if (slugs === undefined) return { kind: "full", reason: `a change to ${change.collection}/${change.id} concerns no known tenant` };
    for (const slug of slugs) selected.add(slug);
  }
  for (const named of request.tenants) {
    const tenant = tenants.find((t) => t.slug === named || t.id === named);
    if (tenant === undefined) return { kind: "full", reason: `the API named an unknown tenant "${named.slice(0, 64)}"` };
    selected.add(tenant.slug);
  }
  const desired = new Set(tenants.filter((t) => t.status !== "cancelled").map((t) => t.slug));
  // The engine deletes nothing in a run with excludes: it keeps every excluded resource's dependencies, the root
  // stack among them, and with --exclude-dependents everything under the root. Teardowns therefore run in full.
  const removed = [...deployed.components.keys()].filter((slug) => !desired.has(slug)).sort();
  if (removed.length > 0) return { kind: "full", reason: `tenants ${removed.join(", ")} are to be torn down` };
  const unexplained = [...desired].filter((slug) => !deployed.components.has(slug) && !selected.has(slug)).sort();
  if (unexplained.length > 0) return { kind: "full", reason: `tenants ${unexplained.join(", ")} are to be added` };
  if (selected.size === 0) return { kind: "none", reason: "the changes concern no tenant" };
  const exclude = [...deployed.components].filter(([slug]) => !selected.has(slug)).map(([, urn]) => urn).sort();
  if (exclude.length === 0) return { kind: "full", reason: "the changes concern every deployed tenant" };
  return { kind: "targeted", tenants: [...selected].sort(), exclude };
}
