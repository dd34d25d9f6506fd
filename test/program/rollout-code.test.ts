// A change of the rendering code under the same version (issue 21) moves in the rollout's waves: detected by the
// render digest, named in the key by the code's digest, the tenants that wait declared with the render their record
// keeps, a halted canary sent back to it. The "old code" is simulated: each record keeps a render whose compose
// differs from what this code renders (restart: always), as a fix to a template's compose would leave it.
import { describe, expect, it } from "vitest";
import { DEFAULT_ROLLOUT } from "../../lib/rollout-config";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";
import { ownDigestOf, renderedDigestOf, renderValuesOf, withRecordedDigests } from "../../program/applied-run";
import { appliedSpecOf, parseAppliedSpec } from "../../program/held-plan";
import { planTenants, type TenantPlan } from "../../program/plan";
import { decideRollout, isBehind, isBehindByCode, type RolloutTenant } from "../../program/rollout";
import { codePartOf, planWithRollout, settleFleet } from "../../program/rollout-fleet";
import { PLATFORM, tenant } from "./fixtures";

const CODE = "sha256:c0dec0dec0de";
const OLD_RESTART = "restart: always";

/** The plan as the old code rendered it: the same stack with another restart policy. */
function byOldCode(plan: TenantPlan): TenantPlan {
  const composeYaml = plan.rendered.composeYaml.replaceAll("restart: unless-stopped", OLD_RESTART);
  return { ...plan, rendered: { ...plan.rendered, composeYaml } };
}

/** The record a run wrote with config rollout, its stack rendered by `code` (the old code, or this one). */
function recordOf(t: Tenant, code: "old" | "new" = "old", keepRender = true): Provisioning {
  const plan = planTenants([t], PLATFORM).plans[0];
  const recorded = withRecordedDigests(code === "old" ? byOldCode(plan) : plan, renderValuesOf(PLATFORM), t).recorded!;
  const appliedSpec = appliedSpecOf({ ...plan, recorded: keepRender ? recorded : { ...recorded, render: undefined } });
  return { id: `rec-${t.id}`, tenantId: t.id, templateRef: plan.rendered.templateRef, status: "running:healthy", urls: {}, appliedSpec: JSON.parse(JSON.stringify(appliedSpec)) } as unknown as Provisioning;
}

const fleet = ["aa", "bb", "cc", "dd", "ee"].map((s) => tenant(`${s}-agent`, s === "cc" ? "telegram-bot" : "openclaw", s === "aa" ? { rolloutRing: "canary" } : {}));
const records = new Map(fleet.map((t) => [t.id, recordOf(t)]));
const input = { tenants: fleet, records, platform: PLATFORM, routed: new Map(), appliedSecrets: new Map(), policy: DEFAULT_ROLLOUT, now: 0, codeDigest: () => CODE };
const bySlug = (plans: TenantPlan[]) => new Map(plans.map((p) => [p.tenant.slug, p]));
const oldCompose = (slug: string) => byOldCode(planTenants([fleet.find((t) => t.slug === slug)!], PLATFORM).plans[0]).rendered.composeYaml;
const onNewCode = (plans: TenantPlan[]) => plans.filter((p) => !p.rendered.composeYaml.includes(OLD_RESTART)).map((p) => p.tenant.slug);

describe("a tenant behind by code", () => {
  const base: RolloutTenant = {
    id: "t", slug: "t", pinned: false, ownChange: false, health: "healthy",
    applied: { version: "1.1.0", renderedDigest: "sha256:old", render: "blob" }, target: { version: "1.1.0", renderedDigest: "sha256:new" },
  };

  it("is behind when its current render differs at the same version and platform values, without a change of its own; pinned too", () => {
    expect(isBehindByCode(base)).toBe(true);
    expect(isBehind({ ...base, pinned: true })).toBe(true);
  });

  it("is not behind by code with a change of its own (it applies at once), with the same render, or without a recorded digest", () => {
    expect(isBehindByCode({ ...base, ownChange: true })).toBe(false);
    expect(isBehind({ ...base, ownChange: true })).toBe(false);
    expect(isBehindByCode({ ...base, target: { ...base.target, renderedDigest: "sha256:old" } })).toBe(false);
    expect(isBehindByCode({ ...base, applied: { version: "1.1.0" } })).toBe(false);
    // Another version is a release's rollout, not the code's.
    expect(isBehindByCode({ ...base, target: { version: "1.2.0", renderedDigest: "sha256:new" } })).toBe(false);
  });

  it("waits with the render its record keeps; a change of its own waits without it (the current code renders it)", () => {
    const d = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: [{ ...base, id: "c", ring: "canary" }, base, { ...base, id: "o", ownChange: true }], now: 0 });
    expect(d.moves.get("c")).toMatchObject({ kind: "target" });
    expect(d.moves.get("t")).toEqual({ kind: "stay", version: "1.1.0", render: "blob", reason: "waits for its rollout wave" });
    expect(d.moves.get("o")).toMatchObject({ kind: "target" });
  });
});

describe("the rollout's key for a change of code", () => {
  it("names the code's digest while a tenant is behind by code, the same in every run of the same code", () => {
    const a = planWithRollout(input);
    const b = planWithRollout({ ...input, state: a.decision.state, now: 60_000 });
    expect(a.release).toMatch(new RegExp(`^openclaw@1\\.1\\.0,telegram-bot@1\\.1\\.0,platform@sha256:[0-9a-f]{12},code@${CODE}$`));
    expect(b.release).toBe(a.release);
    expect(planWithRollout({ ...input, codeDigest: () => "sha256:0ther0ther000" }).release).not.toBe(a.release);
  });

  it("has no code part before any change of code, and keeps the rollout's once no one is behind (its last wave soaking, or done)", () => {
    const current = new Map(fleet.map((t) => [t.id, recordOf(t, "new")]));
    let read = 0;
    const untouched = planWithRollout({ ...input, records: current, codeDigest: () => `${++read}` });
    expect(untouched.release).not.toContain("code@");
    expect(read).toBe(0);
    expect(codePartOf([], { release: `openclaw@1.1.0,code@${CODE}`, status: "soaking", wave: 2, waves: [], outcomes: {} }, () => "other")).toBe(`code@${CODE}`);
  });
});

describe("planWithRollout, the rendering code changed under the same version", () => {
  it("moves only the canary to the current code; everyone else is declared with the render its record keeps, byte for byte, and records it again unchanged", () => {
    const { fleet: planned, decision } = planWithRollout(input);
    expect(decision.state).toMatchObject({ status: "soaking", wave: 0, waves: [["id-aa-agent"], ["id-bb-agent"], ["id-cc-agent", "id-dd-agent", "id-ee-agent"]] });
    expect(onNewCode(planned.plans)).toEqual(["aa-agent"]);
    const plans = bySlug(planned.plans);
    for (const slug of ["bb-agent", "cc-agent", "dd-agent", "ee-agent"]) {
      const p = plans.get(slug)!;
      const spec = parseAppliedSpec(records.get(p.tenant.id)!.appliedSpec)!;
      expect(p.rendered.composeYaml).toBe(oldCompose(slug));
      expect(p.recorded).toEqual({ renderedDigest: spec.renderedDigest, ownDigest: spec.ownDigest, platform: spec.platform, render: spec.render });
      // The record the run writes is the one it has: no change for the provisioning record either.
      expect(JSON.parse(JSON.stringify(appliedSpecOf(p)))).toEqual(records.get(p.tenant.id)!.appliedSpec);
    }
    // The bot's env keeps its token row: swapped in from the tenant, never read from the record.
    expect(plans.get("cc-agent")!.rendered.env.CF_TELEGRAM_BOT_TOKEN).toBe(fleet[2].secrets.telegramBotToken);
  });

  it("moves the next wave only after the soak", () => {
    const first = planWithRollout(input);
    const settled = settleFleet(first.decision.state!, fleet, new Map([["id-aa-agent", "running:healthy"]]), DEFAULT_ROLLOUT, 0);
    const landed = new Map(records);
    landed.set("id-aa-agent", recordOf(fleet[0], "new"));
    const early = planWithRollout({ ...input, records: landed, state: settled, now: 29 * 60_000 });
    expect(onNewCode(early.fleet.plans)).toEqual(["aa-agent"]);
    const later = planWithRollout({ ...input, records: landed, state: early.decision.state, now: 30 * 60_000 });
    expect(onNewCode(later.fleet.plans)).toEqual(["aa-agent", "bb-agent"]);
    // The healthy canary's outcome no longer carries the render it ran before.
    expect(later.decision.state!.outcomes["id-aa-agent"]).toMatchObject({ result: "healthy" });
    expect(later.decision.state!.outcomes["id-aa-agent"].from).not.toHaveProperty("render");
    expect(later.decision.state!.outcomes["id-bb-agent"].from.render).toBe(parseAppliedSpec(records.get("id-bb-agent")!.appliedSpec)!.render);
  });

  it("a tenant's own change applies at once, with the current code", () => {
    const changed = fleet.map((t) => (t.slug === "dd-agent" ? { ...t, settings: { timezone: "Europe/Berlin" } } : t));
    const { fleet: planned, decision } = planWithRollout({ ...input, tenants: changed });
    expect(onNewCode(planned.plans)).toEqual(["aa-agent", "dd-agent"]);
    expect(decision.moves.get("id-dd-agent")).toMatchObject({ kind: "target" });
    const dd = bySlug(planned.plans).get("dd-agent")!;
    expect(dd.recorded?.ownDigest).toBe(ownDigestOf(changed[3]));
    expect(dd.recorded?.renderedDigest).toBe(renderedDigestOf(planTenants([changed[3]], PLATFORM).plans[0].rendered));
  });

  it("a canary that fails on the new code halts the rollout and goes back to the render it ran, byte for byte; no one else moves", () => {
    const first = planWithRollout(input);
    const failed = new Map(records);
    failed.set("id-aa-agent", { ...recordOf(fleet[0], "new"), status: "exited" });
    const halted = settleFleet(first.decision.state!, fleet, new Map([["id-aa-agent", "exited"]]), DEFAULT_ROLLOUT, 0);
    expect(halted).toMatchObject({ status: "halted", outcomes: { "id-aa-agent": { result: "reverted" } } });
    const { fleet: planned, decision } = planWithRollout({ ...input, records: failed, state: halted, now: 60_000 });
    expect(decision.moves.get("id-aa-agent")).toMatchObject({ kind: "revert" });
    expect(onNewCode(planned.plans)).toEqual([]);
    const aa = bySlug(planned.plans).get("aa-agent")!;
    expect(aa.rendered.composeYaml).toBe(oldCompose("aa-agent"));
    expect(aa.recorded?.renderedDigest).toBe(parseAppliedSpec(records.get("id-aa-agent")!.appliedSpec)!.renderedDigest);
    expect(aa.statusReason).toContain("halted at wave 1");
    // Later runs keep it there (its record now keeps the old render again), and still move no one.
    const again = planWithRollout({ ...input, records, state: decision.state, now: 120 * 60_000 });
    expect(onNewCode(again.fleet.plans)).toEqual([]);
  });

  it("a record written before renders were kept is not held: its tenant moves in the next run, which keeps its render", () => {
    const unkept = new Map(fleet.map((t) => [t.id, recordOf(t, "old", false)]));
    const { fleet: planned, decision } = planWithRollout({ ...input, records: unkept });
    expect(decision.state).toBeUndefined();
    expect(onNewCode(planned.plans)).toEqual(fleet.map((t) => t.slug));
    expect(planned.plans.every((p) => typeof p.recorded?.render === "string")).toBe(true);
  });

  it("a pinned tenant moves for a change of code in its wave too, at its pin", () => {
    const pinned = fleet.map((t) => (t.slug === "bb-agent" ? { ...t, templateVersion: "1.0.0" } : t));
    const held = new Map(records);
    held.set("id-bb-agent", recordOf(pinned[1]));
    const { fleet: planned, decision } = planWithRollout({ ...input, tenants: pinned, records: held });
    expect(decision.state!.waves[1]).toContain("id-bb-agent");
    const bb = bySlug(planned.plans).get("bb-agent")!;
    expect(bb.rendered.templateRef).toBe("openclaw@1.0.0");
    expect(bb.rendered.composeYaml).toContain(OLD_RESTART);
  });
});
