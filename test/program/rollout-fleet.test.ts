import { describe, expect, it } from "vitest";
import { DEFAULT_ROLLOUT } from "../../lib/rollout-config";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";
import { atVersion, ownDigestOf, renderedDigestOf, renderValuesDigest, renderValuesOf } from "../../program/applied-run";
import { appliedSpecOf } from "../../program/held-plan";
import { planTenants, type PlatformValues } from "../../program/plan";
import { planWithRollout, renderedWith, settleFleet } from "../../program/rollout-fleet";
import { PLATFORM, tenant } from "./fixtures";

/** The record a run that applied `version` to the tenant (unpinned) with `platform` wrote, observed running:healthy. */
function recordAt(t: Tenant, version: string, platform: PlatformValues = PLATFORM): Provisioning {
  const plan = planTenants([atVersion(t, version)], platform).plans[0];
  const appliedSpec = appliedSpecOf({ ...plan, recorded: { renderedDigest: renderedDigestOf(plan.rendered), ownDigest: ownDigestOf(t), platform: renderValuesOf(platform) } });
  return { id: `rec-${t.id}`, tenantId: t.id, templateRef: plan.rendered.templateRef, status: "running:healthy", urls: {}, appliedSpec } as unknown as Provisioning;
}

const fleet = ["aa", "bb", "cc", "dd", "ee"].map((s) => tenant(`${s}-agent`, "openclaw", s === "aa" ? { rolloutRing: "canary" } : {}));
const records = new Map(fleet.map((t) => [t.id, recordAt(t, "1.0.0")]));
const input = { records, platform: PLATFORM, routed: new Map(), appliedSecrets: new Map(), policy: DEFAULT_ROLLOUT, now: 0 };
const versions = (plans: { tenant: Tenant; rendered: { templateRef: string } }[]) => Object.fromEntries(plans.map((p) => [p.tenant.slug, p.rendered.templateRef]));

describe("planWithRollout", () => {
  it("moves the canary to the new release and plans everyone else at the version they run, byte for byte", () => {
    const { fleet: planned, decision, release } = planWithRollout({ ...input, tenants: fleet });
    expect(release).toBe(`openclaw@1.1.0,platform@${renderValuesDigest(renderValuesOf(PLATFORM))}`);
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
    const suspended = fleet.map((t) => (t.slug === "aa-agent" ? { ...t, status: "suspended" as const } : t));
    const first = planWithRollout({ ...input, tenants: suspended });
    const settled = settleFleet(first.decision.state!, suspended, new Map([["id-aa-agent", "exited"]]), DEFAULT_ROLLOUT, 0);
    expect(settled).toMatchObject({ status: "soaking", settled: true });
    const stopped = new Map(records);
    stopped.set("id-aa-agent", { ...recordAt(fleet[0], "1.1.0"), status: "exited" });
    const { decision } = planWithRollout({ ...input, records: stopped, tenants: suspended, state: settled, now: 31 * 60_000 });
    expect(decision.state).toMatchObject({ status: "soaking", wave: 1 });
  });

  it("waits for a canary whose record still says starting after the soak, and halts it only past the soak plus the config's health timeout", () => {
    const first = planWithRollout({ ...input, tenants: fleet });
    const settled = settleFleet(first.decision.state!, fleet, new Map([["id-aa-agent", "starting"]]), DEFAULT_ROLLOUT, 0);
    expect(settled).toMatchObject({ status: "soaking", settled: true });
    const starting = new Map(records);
    starting.set("id-aa-agent", { ...recordAt(fleet[0], "1.1.0"), status: "starting" });
    const at = (minute: number) => planWithRollout({ ...input, records: starting, tenants: fleet, state: settled, now: minute * 60_000, healthTimeoutSeconds: 120 }).decision.state;
    expect(at(31)).toMatchObject({ status: "soaking", wave: 0 });
    expect(at(32)).toMatchObject({ status: "halted", wave: 0, outcomes: { "id-aa-agent": { result: "reverted" } } });
  });

  it("records the halt when the up that moved the wave ends with a failed tenant", () => {
    const first = planWithRollout({ ...input, tenants: fleet });
    const settled = settleFleet(first.decision.state!, fleet, new Map([["id-aa-agent", "running:unhealthy"], ["id-bb-agent", "running:healthy"]]), DEFAULT_ROLLOUT, 60_000);
    expect(settled).toMatchObject({ status: "halted", haltReason: expect.stringContaining("aa-agent"), outcomes: { "id-aa-agent": { result: "reverted" } } });
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

  it("a halted tenant's plan names the rollout, that it halted and why, for its record's status_reason", () => {
    const first = planWithRollout({ ...input, tenants: fleet });
    const moved = new Map(records);
    moved.set("id-aa-agent", { ...recordAt(fleet[0], "1.1.0"), status: "exited" });
    const { fleet: planned } = planWithRollout({ ...input, records: moved, tenants: fleet, state: first.decision.state, now: 60_000 });
    const reason = planned.plans.find((p) => p.tenant.slug === "aa-agent")!.statusReason;
    expect(reason).toContain(`rollout ${first.release} halted at wave 1`);
    expect(reason).toContain("1 of 1 tenant(s) of wave 1 not healthy (maxFailures 0): aa-agent");
    expect(reason).toContain("returned to what it ran before: version 1.0.0, with the platform values it ran with");
    expect(planned.plans.filter((p) => p.tenant.slug !== "aa-agent").every((p) => p.statusReason === "")).toBe(true);
  });
});

describe("planWithRollout, a platform value changed (aiRouterUrl)", () => {
  const MOVED: PlatformValues = { ...PLATFORM, aiRouterUrl: "https://ai2.cloudfreedom.test/v1" };
  const onLatest = new Map(fleet.map((t) => [t.id, recordAt(t, "1.1.0")]));
  const atOld = (t: Tenant) => planTenants([atVersion(t, "1.1.0")], PLATFORM).plans[0].rendered;
  const moving = { ...input, records: onLatest, platform: MOVED, tenants: fleet };

  it("moves the canary wave to the new value and renders everyone else with the value they were applied with, byte for byte", () => {
    const { fleet: planned, decision, release } = planWithRollout(moving);
    expect(release).toBe(`openclaw@1.1.0,platform@${renderValuesDigest(renderValuesOf(MOVED))}`);
    expect(decision.state).toMatchObject({ status: "soaking", wave: 0, waves: [["id-aa-agent"], ["id-bb-agent"], ["id-cc-agent", "id-dd-agent", "id-ee-agent"]] });
    const bySlug = new Map(planned.plans.map((p) => [p.tenant.slug, p]));
    expect(JSON.stringify(bySlug.get("aa-agent")!.rendered)).toContain(MOVED.aiRouterUrl);
    for (const slug of ["bb-agent", "cc-agent", "dd-agent", "ee-agent"]) {
      const p = bySlug.get(slug)!;
      expect(p.rendered.composeYaml).toBe(atOld(p.tenant).composeYaml);
      expect(p.rendered.env).toEqual(atOld(p.tenant).env);
      expect(p.recorded).toMatchObject({ renderedDigest: (onLatest.get(p.tenant.id)!.appliedSpec as { renderedDigest: string }).renderedDigest, platform: renderValuesOf(PLATFORM) });
    }
    expect(bySlug.get("aa-agent")!.recorded?.platform).toEqual(renderValuesOf(MOVED));
  });

  it("moves no further tenant before the soak is over, and the next wave after it", () => {
    const first = planWithRollout(moving);
    const settled = settleFleet(first.decision.state!, fleet, new Map([["id-aa-agent", "running:healthy"]]), DEFAULT_ROLLOUT, 0);
    const landed = new Map(onLatest);
    landed.set("id-aa-agent", recordAt(fleet[0], "1.1.0", MOVED));
    const early = planWithRollout({ ...moving, records: landed, state: settled, now: 29 * 60_000 });
    expect(early.fleet.plans.filter((p) => JSON.stringify(p.rendered).includes(MOVED.aiRouterUrl)).map((p) => p.tenant.slug)).toEqual(["aa-agent"]);
    const later = planWithRollout({ ...moving, records: landed, state: early.decision.state, now: 30 * 60_000 });
    expect(later.fleet.plans.filter((p) => JSON.stringify(p.rendered).includes(MOVED.aiRouterUrl)).map((p) => p.tenant.slug)).toEqual(["aa-agent", "bb-agent"]);
  });

  it("a pinned tenant's version never moves, but its platform values wait for its wave like everyone's", () => {
    const pinned = fleet.map((t) => (t.slug === "cc-agent" ? { ...t, templateVersion: "1.0.0" } : t));
    const records = new Map(onLatest);
    records.set("id-cc-agent", recordAt(pinned[2], "1.0.0"));
    const { fleet: planned, decision } = planWithRollout({ ...moving, records, tenants: pinned });
    const cc = planned.plans.find((p) => p.tenant.slug === "cc-agent")!;
    expect(cc.rendered.templateRef).toBe("openclaw@1.0.0");
    expect(cc.rendered.composeYaml).toBe(planTenants([pinned[2]], PLATFORM).plans[0].rendered.composeYaml);
    expect(decision.state?.waves.flat()).toContain("id-cc-agent");
  });

  it("after a halt, the canary is rendered again with the value it ran before", () => {
    const first = planWithRollout(moving);
    const failed = new Map(onLatest);
    failed.set("id-aa-agent", { ...recordAt(fleet[0], "1.1.0", MOVED), status: "exited" });
    const { fleet: planned, decision } = planWithRollout({ ...moving, records: failed, state: first.decision.state, now: 60_000 });
    expect(decision.state).toMatchObject({ status: "halted" });
    const aa = planned.plans.find((p) => p.tenant.slug === "aa-agent")!;
    expect(aa.rendered.composeYaml).toBe(atOld(aa.tenant).composeYaml);
    expect(aa.rendered.env).toEqual(atOld(aa.tenant).env);
    expect(aa.recorded?.platform).toEqual(renderValuesOf(PLATFORM));
  });

  it("keeps the old host <slug>.<baseDomain> for a tenant waiting through a change of baseDomain", () => {
    const web = ["aa", "bb"].map((s) => tenant(`${s}-chat`, "llm-stack", s === "aa" ? { rolloutRing: "canary" } : {}));
    const records = new Map(web.map((t) => [t.id, recordAt(t, planTenants([t], PLATFORM).plans[0].rendered.templateRef.split("@")[1])]));
    const renamed: PlatformValues = { ...PLATFORM, baseDomain: "agents2.cloudfreedom.test" };
    const { fleet: planned } = planWithRollout({ ...input, records, platform: renamed, tenants: web });
    expect(Object.fromEntries(planned.plans.map((p) => [p.tenant.slug, p.hosts]))).toEqual({ "aa-chat": ["aa-chat.agents2.cloudfreedom.test"], "bb-chat": ["bb-chat.agents.cloudfreedom.test"] });
    expect(planned.plans[1].rendered.composeYaml).toBe(planTenants([web[1]], PLATFORM).plans[0].rendered.composeYaml);
  });

  it("treats a record without render values as applied with the current ones: no rollout, the change reaches it at once", () => {
    const old = new Map([...onLatest].map(([id, r]) => {
      const { platform: _platform, ...spec } = r.appliedSpec as Record<string, unknown>;
      return [id, { ...r, appliedSpec: spec } as Provisioning];
    }));
    const { fleet: planned, decision } = planWithRollout({ ...moving, records: old });
    expect(decision.state).toBeUndefined();
    expect(planned.plans.every((p) => JSON.stringify(p.rendered).includes(MOVED.aiRouterUrl))).toBe(true);
  });

  it("never holds back the AI Router key: a rotated key starts no rollout", () => {
    const rotated = fleet.map((t) => ({ ...t, routerKey: `${t.routerKey}-rotated` }));
    const { decision } = planWithRollout({ ...input, records: onLatest, tenants: rotated });
    expect(decision.state).toBeUndefined();
    expect([...decision.moves.values()].every((m) => m.kind === "target")).toBe(true);
  });

  it("a stack that no longer renders with the values it ran with keeps its current plan, and says why", () => {
    const p = planTenants([fleet[1]], MOVED).plans[0];
    const gone = { ...p, rendered: { ...p.rendered, templateRef: "openclaw@9.9.9" } };
    const again = renderedWith(gone, renderValuesOf(PLATFORM), MOVED);
    expect(again.plan).toBe(gone);
    expect(again.problem).toContain("9.9.9");
  });
});
