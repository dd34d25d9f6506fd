import { describe, expect, it } from "vitest";
import { DEFAULT_ROLLOUT } from "../../lib/rollout-config";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";
import { atVersion, ownDigestOf, renderedDigestOf } from "../../program/applied-run";
import { appliedSpecOf } from "../../program/held-plan";
import { planTenants } from "../../program/plan";
import { planWithRollout } from "../../program/rollout-fleet";
import { PLATFORM, tenant } from "./fixtures";

/** The record a run that applied `version` to the tenant (unpinned) wrote, observed running:healthy. */
function recordAt(t: Tenant, version: string): Provisioning {
  const plan = planTenants([atVersion(t, version)], PLATFORM).plans[0];
  const appliedSpec = appliedSpecOf({ ...plan, recorded: { renderedDigest: renderedDigestOf(plan.rendered), ownDigest: ownDigestOf(t) } });
  return { id: `rec-${t.id}`, tenantId: t.id, templateRef: plan.rendered.templateRef, status: "running:healthy", urls: {}, appliedSpec } as unknown as Provisioning;
}

const fleet = ["aa", "bb", "cc", "dd", "ee"].map((s) => tenant(`${s}-agent`, "openclaw", s === "aa" ? { rolloutRing: "canary" } : {}));
const records = new Map(fleet.map((t) => [t.id, recordAt(t, "1.0.0")]));
const input = { records, platform: PLATFORM, routed: new Map(), appliedSecrets: new Map(), policy: DEFAULT_ROLLOUT, now: 0 };
const versions = (plans: { tenant: Tenant; rendered: { templateRef: string } }[]) => Object.fromEntries(plans.map((p) => [p.tenant.slug, p.rendered.templateRef]));

describe("planWithRollout", () => {
  it("moves the canary to the new release and plans everyone else at the version they run, byte for byte", () => {
    const { fleet: planned, decision, release } = planWithRollout({ ...input, tenants: fleet });
    expect(release).toBe("openclaw@1.1.0");
    expect(versions(planned.plans)).toEqual({ "aa-agent": "openclaw@1.1.0", "bb-agent": "openclaw@1.0.0", "cc-agent": "openclaw@1.0.0", "dd-agent": "openclaw@1.0.0", "ee-agent": "openclaw@1.0.0" });
    expect(decision.state).toMatchObject({ status: "soaking", wave: 0, waves: [["id-aa-agent"], ["id-bb-agent"], ["id-cc-agent", "id-dd-agent", "id-ee-agent"]] });
    const kept = planned.plans.find((p) => p.tenant.slug === "bb-agent")!;
    expect(kept.recorded?.renderedDigest).toBe((records.get("id-bb-agent")!.appliedSpec as { renderedDigest: string }).renderedDigest);
    // What it records is the tenant's own digest as it asked (unpinned), so the wait is no change of its own next run.
    expect(kept.recorded?.ownDigest).toBe(ownDigestOf(fleet[1]));
  });

  it("a tenant that changes its own plan applies it at once, at the version it runs", () => {
    const upgraded = fleet.map((t) => (t.slug === "ee-agent" ? { ...t, plan: { ...t.plan, tier: "business" as const } } : t));
    const { fleet: planned, decision } = planWithRollout({ ...input, tenants: upgraded });
    const ee = planned.plans.find((p) => p.tenant.slug === "ee-agent")!;
    expect(ee.rendered.templateRef).toBe("openclaw@1.0.0");
    expect(ee.tenant.plan.tier).toBe("business");
    expect(decision.moves.get("id-ee-agent")).toMatchObject({ kind: "stay", reason: expect.stringContaining("own change") });
  });

  it("a pinned tenant runs its pin, and a new tenant the latest release, both at once", () => {
    const pinned = fleet.map((t) => (t.slug === "dd-agent" ? { ...t, templateVersion: "1.1.0" } : t));
    const fresh = tenant("ff-agent", "openclaw");
    const { fleet: planned } = planWithRollout({ ...input, tenants: [...pinned, fresh] });
    expect(versions(planned.plans)).toMatchObject({ "dd-agent": "openclaw@1.1.0", "ff-agent": "openclaw@1.1.0", "cc-agent": "openclaw@1.0.0" });
  });

  it("does not count a suspended tenant's stopped service as a failure of its wave", () => {
    const first = planWithRollout({ ...input, tenants: fleet });
    const stopped = new Map(records);
    stopped.set("id-aa-agent", { ...recordAt(fleet[0], "1.1.0"), status: "exited" });
    const suspended = fleet.map((t) => (t.slug === "aa-agent" ? { ...t, status: "suspended" as const } : t));
    const { decision } = planWithRollout({ ...input, records: stopped, tenants: suspended, state: first.decision.state, now: 31 * 60_000 });
    expect(decision.state).toMatchObject({ status: "soaking", wave: 1 });
  });

  it("after a halt, the canary is planned back on the version it ran before", () => {
    const first = planWithRollout({ ...input, tenants: fleet });
    const moved = new Map(records);
    moved.set("id-aa-agent", { ...recordAt(fleet[0], "1.1.0"), status: "exited" });
    const { fleet: planned, decision } = planWithRollout({ ...input, records: moved, tenants: fleet, state: first.decision.state, now: 60_000 });
    expect(decision.state).toMatchObject({ status: "halted" });
    expect(versions(planned.plans)["aa-agent"]).toBe("openclaw@1.0.0");
    expect(planned.plans.find((p) => p.tenant.slug === "aa-agent")!.rendered.composeYaml).toBe(planTenants([atVersion(fleet[0], "1.0.0")], PLATFORM).plans[0].rendered.composeYaml);
  });
});
