import { describe, expect, it } from "vitest";
import { planLifecycle } from "../../program/lifecycle";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const DAY = 86_400_000;

function tenant(slug: string, fields: Partial<Tenant> = {}): Tenant {
  return {
    id: `id${slug}`, slug, name: slug, status: "active", template: "openclaw", customDomainVerified: false, settings: {}, secrets: {}, telegramAllowFrom: [],
    plan: { id: "p", name: "pro", tier: "pro", allowedTemplates: ["openclaw"], models: [], limits: {} },
    ...fields,
  };
}

function record(slug: string, fields: Partial<Provisioning> = {}): [string, Provisioning] {
  return [`id${slug}`, {
    id: `rec${slug}`, tenantId: `id${slug}`, coolifyProjectUuid: "p", coolifyServiceUuid: "s", templateRef: "openclaw@1.0.0", status: "running:healthy",
    statusReason: "", urls: {}, lastError: "", credentials: {}, ...fields,
  }];
}

const slugsOf = (list: Array<{ tenant: Tenant } | Tenant>) => list.map((x) => ("tenant" in x ? x.tenant : x).slug);

describe("planLifecycle", () => {
  it("deploys active and suspended tenants as they are", () => {
    const { deploy, removed } = planLifecycle([tenant("acme"), tenant("bolt", { status: "suspended" })], new Map(), 7, NOW);
    expect(deploy).toEqual([{ tenant: tenant("acme") }, { tenant: tenant("bolt", { status: "suspended" }) }]);
    expect(removed).toEqual([]);
  });

  it("keeps a cancelled tenant, stopped, until cancelled_at plus the grace period, then removes it", () => {
    const cancelledAt = "2026-11-28 12:00:00.000Z";
    const within = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], new Map([record("acme")]), 7, NOW);
    expect(within.deploy).toEqual([{ tenant: tenant("acme", { status: "suspended", cancelledAt }), deleteAfter: "2026-12-05T12:00:00.000Z" }]);
    const after = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], new Map([record("acme")]), 7, NOW + 4 * DAY);
    expect(slugsOf(after.removed)).toEqual(["acme"]);
    expect(after.deploy).toEqual([]);
  });

  it("without cancelled_at, counts from the date a run recorded in the write-back record, else from now", () => {
    const first = planLifecycle([tenant("acme", { status: "cancelled" })], new Map([record("acme")]), 7, NOW);
    expect(first.deploy[0].deleteAfter).toBe(new Date(NOW + 7 * DAY).toISOString());
    const recorded = new Map([record("acme", { deleteAfter: "2026-12-03T00:00:00.000Z" })]);
    expect(planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 7, NOW).deploy[0].deleteAfter).toBe("2026-12-03T00:00:00.000Z");
    expect(slugsOf(planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 7, Date.parse("2026-12-03T00:00:01Z")).removed)).toEqual(["acme"]);
  });

  it("removes a cancelled tenant at once with a grace period of 0", () => {
    const { deploy, removed } = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt: "2026-12-01 11:59:00.000Z" })], new Map([record("acme")]), 0, NOW);
    expect(deploy).toEqual([]);
    expect(slugsOf(removed)).toEqual(["acme"]);
  });

  it("leaves a cancelled tenant with neither record nor cancellation date alone (never deployed)", () => {
    const { deploy, removed } = planLifecycle([tenant("old", { status: "cancelled" })], new Map(), 7, NOW);
    expect(deploy).toEqual([]);
    expect(slugsOf(removed)).toEqual(["old"]);
  });
});
