// Who owns a Coolify object: its description carries our marker, which names the stack
// (`stack=<organisation>/<project>/<stack>`) and, for a tenant's object, the tenant's PocketBase id (`tenant=<id>`).
// A marker written before stacks were named (no `stack=`) counts as this stack's and is rewritten on the next update;
// one written before tenant ids (no `tenant=`) names no tenant, so no create adopts it for one (an update of the
// resource that made it rewrites it). Names Coolify shows come from mutable slugs and decide nothing. Pure, no network.
import { TENANT_ID_PATTERN } from "../lib/tenants/tenant";

/** `<organisation>/<project>/<stack>` of the program that declares a resource (pulumi.getOrganization() etc.). */
export type StackName = string;

/** What the marker in a description says about its owner: none, or a marker with the stack and tenant it names. */
export type Owner = { marked: false } | { marked: true; stack?: StackName; tenant?: string };

/** A tenant id as it may appear in a marker: the loader's one rule (PocketBase ids are 15 lower-case letters and digits). */
export const TENANT_ID = TENANT_ID_PATTERN;

export function ownerOf(description: string | null | undefined, pattern: RegExp): Owner {
  const match = pattern.exec(description ?? "");
  if (!match) return { marked: false };
  const { stack, tenant } = match.groups ?? {};
  return { marked: true, ...(stack ? { stack } : {}), ...(tenant ? { tenant } : {}) };
}

/** Ours: our stack's marker, or a legacy marker without a stack. */
export function isOwnedBy(owner: Owner, stack: StackName | undefined): boolean {
  return owner.marked && (owner.stack === undefined || owner.stack === stack);
}

/** Another stack's marker that this run may take over (`CLOUDFREEDOM_CLAIM_FROM=<stack>`, passed as `claimFrom`). */
export function isClaimable(owner: Owner, claimFrom: string | undefined): boolean {
  return owner.marked && owner.stack !== undefined && claimFrom !== undefined && claimFrom !== "" && owner.stack === claimFrom;
}

/** The marker names this tenant: the same id, or (for an object of no tenant, a shared project) no id on both sides. */
export function isSameTenant(owner: Owner, tenantId: string | undefined): boolean {
  return owner.marked && owner.tenant === tenantId;
}

export class ForeignOwnerError extends Error {
  constructor(readonly what: string, readonly otherStack: string, readonly stack: string | undefined, action: string) {
    super(
      `${what} belongs to the Pulumi stack ${otherStack}, not to this one (${stack ?? "unnamed"}); refusing to ${action} it. ` +
        `Another checkout or backend manages it: run there instead. For a deliberate migration to this stack: ` +
        `CLOUDFREEDOM_CLAIM_FROM=${otherStack} pulumi up`,
    );
    this.name = "ForeignOwnerError";
  }
}

/**
 * An object of this stack with the name this tenant's would get, marked for another tenant (or, from before tenant
 * ids, for none): its name came from a slug the other tenant still holds in Coolify (a held rename, say). The message
 * reaches this tenant's record (last_error), so it names no other tenant: the object's uuid leads an operator to its
 * marker, which does. `otherTenant` keeps the id for callers that decide by it.
 */
export class TenantOwnerError extends Error {
  constructor(readonly what: string, readonly otherTenant: string | undefined, readonly tenant: string | undefined, action: string) {
    const whose = otherTenant
      ? `belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${tenant ?? "(none)"}`
      : `carries an ownership marker from before tenant ids, so it cannot be attributed to tenant ${tenant ?? "(none)"}`;
    const fix = otherTenant
      ? "Names come from slugs and decide nothing: let that tenant's own run move it off this name (fix its record if it is held), " +
        `or delete that tenant's stack, before tenant ${tenant ?? "(none)"} can use the name; or give tenant ${tenant ?? "(none)"} another slug.`
      : `If it is tenant ${tenant ?? "(none)"}'s, add tenant=${tenant ?? "<id>"} after the stack in the marker of its description in Coolify; ` +
        "otherwise rename or delete it in Coolify.";
    super(`${what} ${whose}; refusing to ${action} it. Nothing was changed. ${fix}`);
    this.name = "TenantOwnerError";
  }
}

export class UnmarkedError extends Error {
  constructor(readonly what: string) {
    super(
      `${what} no longer carries the cloudfreedom-agents ownership marker in its description; refusing to delete it. ` +
        "Restore the marker in Coolify, or drop the resource from this stack's state with `pulumi state delete <urn>`.",
    );
    this.name = "UnmarkedError";
  }
}

/** Throws unless the object is ours, for a delete. */
export function assertDeletable(what: string, owner: Owner, stack: StackName | undefined): void {
  if (!owner.marked) throw new UnmarkedError(what);
  if (!isOwnedBy(owner, stack)) throw new ForeignOwnerError(what, owner.stack!, stack, "delete");
}

/**
 * Of the listed objects, the one a create adopts: marked for this tenant (any name: it may still carry an old slug)
 * and this stack (or the stack the run claims from). Refuses, by name, an object marked for this tenant by another
 * stack, and one of this stack with the name this tenant's would get but marked for another tenant or none.
 * The caller narrows the list first where more than the marker identifies an object (the Service's placement). Pure.
 */
export function adoptionOf<T extends { uuid: string; name: string }>(
  objects: Array<{ object: T; owner: Owner }>,
  want: { name: string; tenantId?: string; owner?: StackName; claimFrom?: string; kind: string; action: string },
): T | undefined {
  const marked = objects.filter(({ owner }) => owner.marked);
  // Without a tenant (a shared project) the name is what identifies it, as before tenant ids.
  const same = marked.filter(({ object, owner }) => isSameTenant(owner, want.tenantId) && (want.tenantId !== undefined || object.name === want.name));
  const ours = same.find(({ owner }) => isOwnedBy(owner, want.owner) || isClaimable(owner, want.claimFrom));
  if (ours) return ours.object;
  const what = ({ object }: { object: T }) => `Coolify ${want.kind} "${object.name}" (${object.uuid})`;
  const foreign = same[0] ?? marked.find(({ object, owner }) => object.name === want.name && !isOwnedBy(owner, want.owner));
  if (foreign?.owner.marked && foreign.owner.stack && !isClaimable(foreign.owner, want.claimFrom)) {
    throw new ForeignOwnerError(what(foreign), foreign.owner.stack, want.owner, want.action);
  }
  const other = marked.find(({ object, owner }) =>
    object.name === want.name && !isSameTenant(owner, want.tenantId) && (isOwnedBy(owner, want.owner) || isClaimable(owner, want.claimFrom)));
  if (other?.owner.marked) throw new TenantOwnerError(what(other), other.owner.tenant, want.tenantId, want.action);
  return undefined;
}

/**
 * A resource in state made for one tenant is never handed to another (an alias from the slug-named resources of
 * old stacks could do that). State from before tenant ids names none: it is upgraded in place.
 */
export function assertSameTenant(what: string, recorded: string | undefined, declared: string | undefined): void {
  if (recorded && declared && recorded !== declared) {
    throw new TenantOwnerError(what, recorded, declared, "reuse");
  }
}
