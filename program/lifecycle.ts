// Which tenants a run declares, and how: pure, with the clock passed in. Active and suspended tenants are
// deployed. A cancelled tenant is first stopped, like a suspended one, and removed only once its grace period
// (`teardownGraceDays`, counted from `cancelled_at`, else from when a run first saw it, kept in the write-back
// record's `delete_after`) has passed; reactivated before that, it starts again with the same service, volumes
// and secrets. A cancelled tenant with neither a write-back record nor a cancellation date is taken as never
// deployed and left alone.
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";

export const DEFAULT_GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface Deployment {
  /** A cancelled tenant in its grace period comes as `suspended`: stopped, its stack kept, its hosts still claimed. */
  tenant: Tenant;
  /** Cancelled, in its grace period: stop it, delete after this time (ISO 8601). */
  deleteAfter?: string;
}

export interface Lifecycle {
  deploy: Deployment[];
  /** Cancelled tenants whose grace period is over (or who were never deployed): not declared. */
  removed: Tenant[];
}

/** PocketBase dates read "2026-01-02 03:04:05.000Z". */
function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const time = Date.parse(value.replace(" ", "T"));
  return Number.isNaN(time) ? undefined : time;
}

/** When a cancelled tenant is to be deleted: cancelled_at + grace, else the date a run recorded, else now + grace. */
export function deleteAfterOf(tenant: Tenant, record: Provisioning | undefined, graceDays: number, now: number): number {
  const cancelledAt = parseTime(tenant.cancelledAt);
  if (cancelledAt !== undefined) return cancelledAt + graceDays * DAY_MS;
  return parseTime(record?.deleteAfter) ?? now + graceDays * DAY_MS;
}

export function planLifecycle(tenants: Tenant[], records: Map<string, Provisioning>, graceDays: number, now: number): Lifecycle {
  const deploy: Deployment[] = [];
  const removed: Tenant[] = [];
  for (const tenant of tenants) {
    if (tenant.status !== "cancelled") {
      deploy.push({ tenant });
      continue;
    }
    const record = records.get(tenant.id);
    const deleteAfter = deleteAfterOf(tenant, record, graceDays, now);
    const deployed = record !== undefined || tenant.cancelledAt !== undefined;
    if (graceDays > 0 && deployed && now < deleteAfter) deploy.push({ tenant: { ...tenant, status: "suspended" }, deleteAfter: new Date(deleteAfter).toISOString() });
    else removed.push(tenant);
  }
  return { deploy, removed };
}
