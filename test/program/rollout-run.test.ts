// The rollout's state on a real PocketBase across an up: written when the up starts (the wave moved, its outcome not
// yet known), and again once the up's tenant steps are over (recordWaveOutcome); a run killed in between leaves a
// state the next run continues from.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlatformConfig } from "../../lib/config";
import { DEFAULT_ROLLOUT } from "../../lib/rollout-config";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { getRollout } from "../../lib/tenants/rollouts";
import type { Tenant } from "../../lib/tenants/tenant";
import { atVersion, ownDigestOf, renderedDigestOf, renderValuesOf } from "../../program/applied-run";
import { appliedSpecOf } from "../../program/held-plan";
import { planTenants } from "../../program/plan";
import type { RolloutState } from "../../program/rollout";
import { planFleet, recordWaveOutcome } from "../../program/rollout-run";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";
import { PLATFORM, tenant } from "./fixtures";

let server: PocketBaseInstance;
beforeAll(async () => {
  server = await startPocketBase();
});
afterAll(async () => {
  await server?.stop();
});

function recordAt(t: Tenant, version: string): Provisioning {
  const plan = planTenants([atVersion(t, version)], PLATFORM).plans[0];
  const appliedSpec = appliedSpecOf({ ...plan, recorded: { renderedDigest: renderedDigestOf(plan.rendered), ownDigest: ownDigestOf(t), platform: renderValuesOf(PLATFORM) } });
  return { id: `rec-${t.id}`, tenantId: t.id, templateRef: plan.rendered.templateRef, status: "running:healthy", urls: {}, appliedSpec } as unknown as Provisioning;
}

const fleet = ["aa", "bb", "cc"].map((s) => tenant(`${s}-agent`, "openclaw", s === "aa" ? { rolloutRing: "canary" } : {}));
const config = { ...PLATFORM, rollout: { ...DEFAULT_ROLLOUT, soakMinutes: 30 } } as unknown as PlatformConfig;
const before = new Map(fleet.map((t) => [t.id, recordAt(t, "1.0.0")]));
const landed = new Map([...before, ["id-aa-agent", recordAt(fleet[0], "1.1.0")]]);
const planIn = (stack: string, records: Map<string, Provisioning>) =>
  planFleet({ source: server, stack, tenants: fleet, records, config, routed: new Map(), appliedSecrets: new Map() });
const stored = async (stack: string) => (await getRollout<RolloutState>(server, stack))!.state;

describe("the rollout's state across an up", () => {
  it("is written when the up starts, its wave's outcome pending, and again with the outcome once the up is over", async () => {
    const started = Date.now();
    const { rollout } = await planIn("org/proj/outcome", before);
    expect(await stored("org/proj/outcome")).toMatchObject({ status: "soaking", wave: 0, settled: false });
    const line = await recordWaveOutcome(rollout, new Map([["id-aa-agent", "running:healthy"]]));
    expect(line).toContain("wave 1 landed, soaking since");
    const after = await stored("org/proj/outcome");
    expect(after).toMatchObject({ status: "soaking", wave: 0, settled: true });
    expect(Date.parse(after.soakStartedAt!)).toBeGreaterThanOrEqual(started);
    // The next run, within the soak, moves no one and needs no second record.
    expect((await planIn("org/proj/outcome", landed)).rollout).toBeUndefined();
  });

  it("records the halt as soon as the up that moved the wave ends with a failed tenant", async () => {
    const { rollout } = await planIn("org/proj/halt", before);
    await recordWaveOutcome(rollout, new Map([["id-aa-agent", "running:unhealthy"]]));
    const record = await getRollout<RolloutState>(server, "org/proj/halt");
    expect(record!.state).toMatchObject({ status: "halted", outcomes: { "id-aa-agent": { result: "reverted" } } });
    expect(record!.state.haltReason).toContain("aa-agent");
  });

  it("a run killed after the move and before the outcome: the next run finds the wave landed and starts its soak then", async () => {
    await planIn("org/proj/killed", before);
    const first = await stored("org/proj/killed");
    const next = await planIn("org/proj/killed", landed);
    expect(next.rollout).toBeUndefined();
    const after = await stored("org/proj/killed");
    expect(after).toMatchObject({ status: "soaking", wave: 0, settled: true });
    expect(Date.parse(after.soakStartedAt!)).toBeGreaterThanOrEqual(Date.parse(first.soakStartedAt!));
    expect(next.plans.filter((p) => p.rendered.templateRef === "openclaw@1.1.0").map((p) => p.tenant.slug)).toEqual(["aa-agent"]);
  });

  it("never fails the up when PocketBase does not take the outcome: the state written at the start stands", async () => {
    const { rollout } = await planIn("org/proj/offline", before);
    const gone = { ...rollout!, source: { ...server, url: "http://127.0.0.1:9" } };
    await expect(recordWaveOutcome(gone, new Map([["id-aa-agent", "running:healthy"]]))).resolves.toBe("");
    expect(await stored("org/proj/offline")).toMatchObject({ settled: false });
  });
});
