// The PocketBase collections this project reads and writes. Ours all carry the prefix `agent_`; the
// operator's own collections (tenants, subscriptions, plans, ...) are read only through the tenant view,
// and never created or altered by our migrations (pocketbase/migrations).

/** Every collection our migrations create starts with this. */
export const AGENT_PREFIX = "agent_";

/** The read model: a view collection whose SQL the operator writes (config `tenantView`). */
export const DEFAULT_TENANT_VIEW = "agent_tenants";

/** The program's write-back, one record per tenant; `tenant` holds the view's tenant id as plain text. */
export const PROVISIONING_COLLECTION = "agent_provisioning";

/** One record per reconciler run (trigger, times, result, counts, failures). */
export const PROVISIONING_RUNS_COLLECTION = "agent_provisioning_runs";

/**
 * The marker in the tenant view's SQL (a comment, which PocketBase's query parser strips) that tells our
 * view migrations a view of that name is ours to update rather than a foreign collection to refuse.
 */
export const TENANT_VIEW_MARKER = "/* cloudfreedom-agents:tenant-view */";

/** PocketBase collection names are identifiers; the name also ends up in URLs and SQL. */
export const COLLECTION_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/** A collection name from config, or a RangeError naming the setting. */
export function checkCollectionName(name: string, setting: string): string {
  if (!COLLECTION_NAME_PATTERN.test(name)) {
    throw new RangeError(`${setting} must be a PocketBase collection name (letters, digits, underscores), got "${name}".`);
  }
  return name;
}

/** One record per stack: its progressive rollout (program/rollout.ts; migration 1767225750_agent_rollouts.js). */
export const ROLLOUTS_COLLECTION = "agent_rollouts";
