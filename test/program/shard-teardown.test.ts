// The fleet-wide teardown budget of a sharded fleet (program/shard-teardown.ts), pure.
import { describe, expect, it } from "vitest";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { planLifecycle } from "../../program/lifecycle";
import { assertFleetTeardown, fleetBudgetOf, FleetTeardownError, fleetRemovals } from "../../program/shard-teardown";
import { tenant } from "./fixtures";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const record = (id: string, fields: Partial<Provisioning> = {}): Provisioning => ({
  id: `rec-${id}`, tenantId: id, coolifyProjectUuid: "p", coolifyServiceUuid: `svc-${id}`, templateRef: "openclaw@1.1.0", status: "running:healthy",
  statusReason: "", urls: {}, lastError: "", credentials: {}, ...fields,
});
/** Cancelled long ago, its grace period over: removed in this cycle. */
const gone = (slug: string) => tenant(slug, "openclaw", { status: "cancelled", cancelledAt: "2026-01-01 00:00:00.000Z" });
const over = { graceStartedAt: "2026-01-01T00:00:00.000Z", deleteAfter: "2026-01-08T00:00:00.000Z" };

function fleet(tenants: ReturnType<typeof tenant>[], recorded: string[]) {
  const records = new Map(recorded.map((slug) => [`id-${slug}`, record(`id-${slug}`, over)]));
  return { tenants, records, lifecycle: planLifecycle(tenants, records, 7, NOW) };
}

describe("fleetRemovals", () => {
  it("counts the deployed tenants no shard declares: past their grace, or gone from PocketBase", () => {
    const { tenants, records, lifecycle } = fleet([tenant("keep", "openclaw"), gone("old1"), gone("old2"), gone("never")], ["keep", "old1", "old2", "vanished"]);
    expect(fleetRemovals(records, lifecycle, tenants)).toEqual(["old1", "old2", "tenant id id-vanished (not in PocketBase)"]);
  });

  it("does not count a cancelled tenant in its grace period (declared, stopped) nor a suspended one", () => {
    const tenants = [tenant("grace", "openclaw", { status: "cancelled", cancelledAt: "2026-05-31 00:00:00.000Z" }), tenant("paused", "openclaw", { status: "suspended" })];
    const records = new Map([["id-grace", record("id-grace")], ["id-paused", record("id-paused")]]);
    expect(fleetRemovals(records, planLifecycle(tenants, records, 7, NOW), tenants)).toEqual([]);
  });
});

describe("assertFleetTeardown", () => {
  const many = () => fleet([tenant("a1", "openclaw"), gone("b1"), gone("b2"), gone("b3")], ["a1", "b1", "b2", "b3"]);

  it("refuses every shard's run when the cycle removes more than fleetTeardownBudget, naming count, budget, tenants and fix", () => {
    const { tenants, records, lifecycle } = many();
    let error: unknown;
    try {
      assertFleetTeardown(records, lifecycle, tenants, { fleetTeardownBudget: 2, teardownBudget: 5, allowTeardown: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FleetTeardownError);
    const message = (error as Error).message;
    expect(message).toContain("this cycle would tear down 3 deployed tenant(s) across all shards (b1, b2, b3), over the fleet-wide budget of 2");
    expect(message).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=b1,b2,b3");
    expect(message).toContain("pulumi config set fleetTeardownBudget 3");
  });

  it("lets removals within the budget, or all allowed, through", () => {
    const { tenants, records, lifecycle } = many();
    expect(() => assertFleetTeardown(records, lifecycle, tenants, { fleetTeardownBudget: 3, allowTeardown: [] })).not.toThrow();
    expect(() => assertFleetTeardown(records, lifecycle, tenants, { fleetTeardownBudget: 0, allowTeardown: ["b1", "b2", "b3"] })).not.toThrow();
    expect(() => assertFleetTeardown(records, lifecycle, tenants, { fleetTeardownBudget: 0, allowTeardown: ["*"] })).not.toThrow();
    expect(() => assertFleetTeardown(records, lifecycle, tenants, { fleetTeardownBudget: 0, allowTeardown: ["b1", "b2"] })).toThrow(FleetTeardownError);
  });

  it("defaults to teardownBudget, else max(1, 10%) of every deployed tenant of the fleet", () => {
    expect(fleetBudgetOf({ teardownBudget: 4, allowTeardown: [] }, 100)).toBe(4);
    expect(fleetBudgetOf({ allowTeardown: [] }, 100)).toBe(10);
    expect(fleetBudgetOf({ allowTeardown: [] }, 4)).toBe(1);
    expect(fleetBudgetOf({ fleetTeardownBudget: 0, teardownBudget: 4, allowTeardown: [] }, 100)).toBe(0);
  });
});
