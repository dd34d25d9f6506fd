// Whether the tenants the teardown guard knows still have a Coolify service, decided by identity, never by a name
// derived from a slug: the uuid of the service (a 404 on it is the proof it is gone) and the tenant id in a service's
// marker. Guard state from before uuids names a service only by name; see `stillPresent`.
import * as coolify from "../lib/coolify";
import { coolifyConnection } from "./connection";
import { isOwnedBy, type Owner, type StackName } from "./ownership";
import { serviceOwner } from "./service-model";

/** A tenant as the guard knows it: its slug (for messages) and what identifies its Coolify service. */
export interface GuardTenant {
  slug: string;
  /** The uuid of its Coolify service, once seen (by the tenant id in the service's marker, in a run that removes). */
  serviceUuid?: string;
  /** State from before uuids: the service's name, as derived from the slug then. Kept until the uuid is known. */
  service?: string;
}

/** What Coolify shows of the tenants' services: ours by the tenant id in their marker, and per asked uuid. */
export interface Evidence {
  /** Tenant id -> the uuid of one of our services marked for it (a list; empty when none was needed). */
  byTenant: Map<string, string>;
  /** Uuid -> whether the service still exists as ours; a uuid that answered 404 maps to false. */
  byUuid: Map<string, boolean>;
  /** The names of our services, read only for state from before uuids. */
  names: Set<string>;
}

/**
 * Whether an undeclared tenant's service may still exist. Pure. Gone only when shown: a 404 (or another stack's
 * marker) on its uuid with no service of ours marked for it, or, for a tenant known by id that never had a service
 * of its own (every service this code creates carries the tenant id), none marked for it. State from before uuids
 * names a service only by a slug-derived name: present while that name finds it, and unless this run allows it.
 */
export function stillPresent(id: string, entry: GuardTenant, evidence: Evidence, allowed: boolean): boolean {
  if (evidence.byTenant.has(id)) return true;
  if (entry.serviceUuid) return evidence.byUuid.get(entry.serviceUuid) !== false;
  if (entry.service !== undefined) return evidence.names.has(entry.service) || !allowed;
  return false;
}

const ours = (owner: Owner, stack: StackName | undefined) => owner.marked && isOwnedBy(owner, stack);

/**
 * Only in a run that may remove tenants: one list (which also teaches the guard the uuids of the tenants it keeps)
 * and a GET per known uuid of a tenant that may be removed. Any other run asks Coolify nothing and leaves the
 * guard's state as it was.
 */
export async function gatherEvidence(previous: Record<string, GuardTenant>, removal: string[], stack: StackName | undefined): Promise<Evidence> {
  const evidence: Evidence = { byTenant: new Map(), byUuid: new Map(), names: new Set() };
  if (removal.length === 0) return evidence;
  const conn = coolifyConnection();
  for (const service of await coolify.listServices(conn)) {
    const owner = serviceOwner(service);
    if (!ours(owner, stack)) continue;
    evidence.names.add(service.name);
    if (owner.marked && owner.tenant && !evidence.byTenant.has(owner.tenant)) evidence.byTenant.set(owner.tenant, service.uuid);
  }
  // A tenant the list found by its marker is present (stillPresent): its uuid needs no GET.
  const unseen = removal.filter((id) => !evidence.byTenant.has(id));
  for (const uuid of unseen.map((id) => previous[id].serviceUuid).filter((u): u is string => Boolean(u))) {
    try {
      evidence.byUuid.set(uuid, ours(serviceOwner(await coolify.getService(conn, uuid)), stack));
    } catch (e) {
      if (!coolify.isNotFound(e)) throw e;
      evidence.byUuid.set(uuid, false);
    }
  }
  return evidence;
}

/** What the guard keeps of a tenant: its uuid once seen, else what older state said. */
export function entryOf(slug: string, known: GuardTenant | undefined, uuid: string | undefined): GuardTenant {
  const serviceUuid = uuid ?? known?.serviceUuid;
  if (serviceUuid) return { slug, serviceUuid };
  return known?.service !== undefined ? { slug, service: known.service } : { slug };
}

