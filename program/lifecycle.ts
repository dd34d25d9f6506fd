// Which tenants a run declares, and how: pure, with the clock passed in. Active and suspended tenants are
// deployed. A cancelled tenant is first stopped, like a suspended one, and removed only once its grace period is
// over; reactivated before that, it starts again with the same service, volumes and secrets.
//
// The grace period of a deployed tenant (one with a write-back record) counts from the first run that saw it
// cancelled, kept in the record's `grace_started_at`: it is deleted after the latest of that time plus
// `teardownGraceDays`, `cancelled_at` plus `teardownGraceDays`, and the `delete_after` already recorded (shown to
// the customer). So the first run that sees a cancellation never deletes it, and neither an earlier `cancelled_at`
// nor a lower `teardownGraceDays` can bring a recorded date forward; both can only push it back. A cancelled tenant
// without a record was never deployed: it is declared (stopped) only while `cancelled_at` plus the grace period
// lies ahead, so a run can still finish a deployment whose record was lost, and is left alone otherwise.
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";

export const DEFAULT_GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface Deployment {
  /** A cancelled tenant in its grace period comes as `suspended`: stopped, its stack kept, its hosts still claimed. */
  tenant: Tenant;
  /** Cancelled, in its grace period: stop it, delete after this time (ISO 8601). */
  deleteAfter?: string;
  /**
   * Cancelled, in its grace period: when a run first saw it cancelled (ISO 8601), for the record's
   * `grace_started_at`. Absent for a record that has a `delete_after` from before the field existed: that date rules.
   */
  graceStartedAt?: string;
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

export interface Grace {
  /** When the tenant is to be deleted (epoch ms). */
  deleteAfter: number;
  /** When a run first saw it cancelled (epoch ms); undefined when only a recorded `delete_after` is known. */
  startedAt?: number;
}

/**
 * When a cancelled tenant is to be deleted: the latest of first seen + grace, cancelled_at + grace and the
 * recorded delete_after. A run that finds neither `grace_started_at` nor `delete_after` on the record (or no
 * record) is the first to see the cancellation: it starts the grace period now.
 */
export function graceOf(tenant: Tenant, record: Provisioning | undefined, graceDays: number, now: number): Grace {
  const grace = graceDays * DAY_MS;
  const recorded = parseTime(record?.deleteAfter);
  const startedAt = parseTime(record?.graceStartedAt) ?? (recorded === undefined ? now : undefined);
  const cancelledAt = parseTime(tenant.cancelledAt);
  const candidates = [recorded, startedAt === undefined ? undefined : startedAt + grace, cancelledAt === undefined ? undefined : cancelledAt + grace];
  const deleteAfter = Math.max(...candidates.filter((time): time is number => time !== undefined));
  return { deleteAfter, ...(startedAt !== undefined ? { startedAt } : {}) };
}

/** A record says the tenant was deployed; without one, only a cancellation younger than the grace period may have been. */
function deployed(tenant: Tenant, record: Provisioning | undefined, graceDays: number, now: number): boolean {
  if (record !== undefined) return true;
  const cancelledAt = parseTime(tenant.cancelledAt);
  return cancelledAt !== undefined && now < cancelledAt + graceDays * DAY_MS;
}

export function planLifecycle(tenants: Tenant[], records: Map<string, Provisioning>, graceDays: number, now: number): Lifecycle {
  const deploy: Deployment[] = [];
  const removed: Tenant[] = [];
  const iso = (time: number) => new Date(time).toISOString();
  for (const tenant of tenants) {
    if (tenant.status !== "cancelled") {
      deploy.push({ tenant });
      continue;
    }
    const record = records.get(tenant.id);
    const grace = graceOf(tenant, record, graceDays, now);
    if (deployed(tenant, record, graceDays, now) && now < grace.deleteAfter) {
      const started = grace.startedAt !== undefined ? { graceStartedAt: iso(grace.startedAt) } : {};
      deploy.push({ tenant: { ...tenant, status: "suspended" }, deleteAfter: iso(grace.deleteAfter), ...started });
    } else {
      removed.push(tenant);
    }
  }
  return { deploy, removed };
}
