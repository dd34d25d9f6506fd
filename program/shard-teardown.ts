// The fleet-wide teardown budget of a sharded fleet. Each shard's guard (providers/teardown-guard.ts) bounds what that
// shard removes; this bounds what all shards together remove in one cycle, so PocketBase showing every tenant
// cancelled cannot spend the budget once per shard. Every shard computes the same count from the same inputs, the
// write-back records (one per deployed tenant, fleet-wide), and refuses its run before anything is declared. Pure.
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { defaultBudget, isAllowed } from "../providers/teardown-guard";
import type { Lifecycle } from "./lifecycle";

export class FleetTeardownError extends Error {
  constructor(readonly removals: string[], readonly budget: number) {
    super(
      `this cycle would tear down ${removals.length} deployed tenant(s) across all shards (${removals.join(", ")}), over the fleet-wide budget of ${budget} ` +
        `(config fleetTeardownBudget); every shard refuses its run, nothing was changed. If PocketBase shows them removed by mistake, correct it there. ` +
        `If it is intended, allow it for every shard's run: CLOUDFREEDOM_ALLOW_TEARDOWN=${removals.join(",")}, or raise the budget: pulumi config set fleetTeardownBudget ${removals.length}`,
    );
    this.name = "FleetTeardownError";
  }
}

/**
 * The deployed tenants (those with a write-back record) that no shard declares in this cycle, named by slug (a record
 * whose tenant is gone from PocketBase by its tenant id), sorted.
 */
export function fleetRemovals(records: Map<string, Provisioning>, lifecycle: Lifecycle, tenants: Tenant[]): string[] {
  const declared = new Set(lifecycle.deploy.map((d) => d.tenant.id));
  const slugs = new Map(tenants.map((t) => [t.id, t.slug]));
  return [...records.keys()].filter((id) => !declared.has(id)).map((id) => slugs.get(id) ?? `tenant id ${id} (not in PocketBase)`).sort();
}

export interface FleetBudget {
  fleetTeardownBudget?: number;
  teardownBudget?: number;
  /** CLOUDFREEDOM_ALLOW_TEARDOWN: slugs, or `*`. */
  allowTeardown: string[];
}

/** The fleet-wide budget: fleetTeardownBudget, else teardownBudget, else its default over every deployed tenant. */
export function fleetBudgetOf(config: FleetBudget, deployed: number): number {
  return config.fleetTeardownBudget ?? config.teardownBudget ?? defaultBudget(deployed);
}

/** Throws FleetTeardownError when the removals exceed the fleet-wide budget and not all of them are allowed. */
export function assertFleetTeardown(records: Map<string, Provisioning>, lifecycle: Lifecycle, tenants: Tenant[], config: FleetBudget): void {
  const removals = fleetRemovals(records, lifecycle, tenants);
  const budget = fleetBudgetOf(config, records.size);
  if (removals.length > budget && removals.some((slug) => !isAllowed(config.allowTeardown, slug))) throw new FleetTeardownError(removals, budget);
}
