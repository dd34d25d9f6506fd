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

  it("keeps a cancelled tenant, stopped, until the recorded grace period is over, then removes it", () => {
    const cancelledAt = "2026-11-28 12:00:00.000Z";
    const within = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], new Map([record("acme")]), 7, NOW);
    expect(within.deploy).toEqual([{ tenant: tenant("acme", { status: "suspended", cancelledAt }), deleteAfter: "2026-12-08T12:00:00.000Z", graceStartedAt: "2026-12-01T12:00:00.000Z" }]);
    const recorded = new Map([record("acme", { deleteAfter: "2026-12-08T12:00:00.000Z", graceStartedAt: "2026-12-01T12:00:00.000Z" })]);
    expect(planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], recorded, 7, NOW + 6 * DAY).deploy[0].deleteAfter).toBe("2026-12-08T12:00:00.000Z");
    const after = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], recorded, 7, NOW + 7 * DAY);
    expect(slugsOf(after.removed)).toEqual(["acme"]);
    expect(after.deploy).toEqual([]);
  });

  it("does not delete a cancellation in the run that first sees it, however old its cancelled_at", () => {
    for (const cancelledAt of ["2026-11-01 00:00:00.000Z", "2020-01-01 00:00:00.000Z", undefined]) {
      const { deploy, removed } = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], new Map([record("acme")]), 7, NOW);
      expect(removed, cancelledAt).toEqual([]);
      expect(deploy[0], cancelledAt).toMatchObject({ tenant: { status: "suspended" }, deleteAfter: new Date(NOW + 7 * DAY).toISOString(), graceStartedAt: new Date(NOW).toISOString() });
    }
  });

  it("counts from the first run that saw the cancellation, kept in the record, not from the run at hand", () => {
    const seen = "2026-11-29T12:00:00.000Z";
    const recorded = new Map([record("acme", { graceStartedAt: seen, deleteAfter: "2026-12-06T12:00:00.000Z" })]);
    const later = planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 7, NOW);
    expect(later.deploy[0]).toMatchObject({ deleteAfter: "2026-12-06T12:00:00.000Z", graceStartedAt: seen });
    expect(slugsOf(planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 7, Date.parse("2026-12-06T12:00:00Z")).removed)).toEqual(["acme"]);
  });

  it("never brings a recorded delete_after forward: neither a lower teardownGraceDays nor an earlier cancelled_at", () => {
    const recorded = new Map([record("acme", { graceStartedAt: "2026-11-30T12:00:00.000Z", deleteAfter: "2026-12-07T12:00:00.000Z" })]);
    for (const graceDays of [7, 1, 0]) {
      for (const cancelledAt of [undefined, "2026-11-30 12:00:00.000Z", "2026-10-01 00:00:00.000Z"]) {
        const { deploy, removed } = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt })], recorded, graceDays, NOW);
        expect(removed, `${graceDays} ${cancelledAt}`).toEqual([]);
        expect(deploy[0].deleteAfter, `${graceDays} ${cancelledAt}`).toBe("2026-12-07T12:00:00.000Z");
      }
    }
  });

  it("lets a later cancelled_at or a higher teardownGraceDays extend the grace period", () => {
    const recorded = new Map([record("acme", { graceStartedAt: "2026-11-30T12:00:00.000Z", deleteAfter: "2026-12-07T12:00:00.000Z" })]);
    expect(planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 14, NOW).deploy[0].deleteAfter).toBe("2026-12-14T12:00:00.000Z");
    const later = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt: "2026-12-05 00:00:00.000Z" })], recorded, 7, NOW);
    expect(later.deploy[0].deleteAfter).toBe("2026-12-12T00:00:00.000Z");
  });

  it("keeps a delete_after recorded before grace_started_at existed, without counting again from now", () => {
    const recorded = new Map([record("acme", { deleteAfter: "2026-12-03T00:00:00.000Z" })]);
    const within = planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 7, NOW);
    expect(within.deploy).toEqual([{ tenant: tenant("acme", { status: "suspended" }), deleteAfter: "2026-12-03T00:00:00.000Z" }]);
    expect(slugsOf(planLifecycle([tenant("acme", { status: "cancelled" })], recorded, 7, Date.parse("2026-12-03T00:00:01Z")).removed)).toEqual(["acme"]);
  });

  it("removes a cancelled tenant at once with a grace period of 0", () => {
    const { deploy, removed } = planLifecycle([tenant("acme", { status: "cancelled", cancelledAt: "2026-12-01 11:59:00.000Z" })], new Map([record("acme")]), 0, NOW);
    expect(deploy).toEqual([]);
    expect(slugsOf(removed)).toEqual(["acme"]);
  });

  it("leaves a cancelled tenant without a record alone (never deployed), unless its cancellation is younger than the grace period", () => {
    for (const cancelledAt of [undefined, "2026-11-01 00:00:00.000Z"]) {
      const { deploy, removed } = planLifecycle([tenant("old", { status: "cancelled", cancelledAt })], new Map(), 7, NOW);
      expect(deploy, cancelledAt).toEqual([]);
      expect(slugsOf(removed)).toEqual(["old"]);
    }
    const recent = planLifecycle([tenant("new", { status: "cancelled", cancelledAt: "2026-11-30 12:00:00.000Z" })], new Map(), 7, NOW);
    expect(recent.deploy[0]).toMatchObject({ deleteAfter: new Date(NOW + 7 * DAY).toISOString(), graceStartedAt: new Date(NOW).toISOString() });
  });
});
