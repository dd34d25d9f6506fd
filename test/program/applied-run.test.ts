import { describe, expect, it } from "vitest";
import { appliedRunOf, atVersion, changedOwnInputs, ownDigestOf, renderedDigestOf, renderValuesDigest, renderValuesOf, withRecordedDigests } from "../../program/applied-run";
import { appliedSpecOf, parseAppliedSpec } from "../../program/held-plan";
import { planTenants, type TenantPlan } from "../../program/plan";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";
import { BOT_TOKEN, OTHER_BOT_TOKEN, PLATFORM, tenant } from "./fixtures";

function planOf(t: Tenant): TenantPlan {
  const { plans, invalid } = planTenants([t], PLATFORM);
  expect(invalid).toEqual([]);
  return plans[0];
}

const recordOf = (appliedSpec: unknown, templateRef = "openclaw@1.1.0") => ({ templateRef, appliedSpec, urls: {} } as unknown as Provisioning);

describe("what a tenant runs, recorded", () => {
  const bolt = tenant("bolt", "openclaw", { settings: { timezone: "Europe/Berlin" } });

  it("records no digest without config rollout: the applied spec is exactly as before", () => {
    const spec = appliedSpecOf(planOf(bolt));
    expect(spec).not.toHaveProperty("renderedDigest");
    expect(spec).not.toHaveProperty("ownDigest");
    expect(spec.templateVersion).toBe("1.1.0");
  });

  it("records the applied version, both digests, the render values and the stored render with config rollout, and reads them back from the record", () => {
    const plan = withRecordedDigests(planOf(bolt), renderValuesOf(PLATFORM));
    const stored = JSON.parse(JSON.stringify(appliedSpecOf(plan)));
    expect(parseAppliedSpec(stored)).toMatchObject({ templateVersion: "1.1.0", renderedDigest: expect.stringMatching(/^sha256:/), ownDigest: ownDigestOf(bolt) });
    expect(appliedRunOf(recordOf(stored))).toEqual({
      version: "1.1.0", renderedDigest: renderedDigestOf(plan.rendered), ownDigest: ownDigestOf(bolt),
      platform: { aiRouterUrl: PLATFORM.aiRouterUrl, baseDomain: PLATFORM.baseDomain }, render: plan.recorded!.render,
    });
    expect(plan.recorded!.render).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it("records the platform values a stack is rendered with, never a secret: the AI Router key stays out", () => {
    const values = renderValuesOf({ ...PLATFORM, aiRouterKey: "sk-platform-shared-key-0001" } as typeof PLATFORM);
    expect(values).toEqual({ aiRouterUrl: PLATFORM.aiRouterUrl, baseDomain: PLATFORM.baseDomain });
    const spec = JSON.stringify(appliedSpecOf(withRecordedDigests(planOf(bolt), values)));
    expect(spec).not.toContain("sk-platform-shared-key-0001");
    expect(spec).not.toContain(bolt.routerKey!);
  });

  it("names render values by a short digest that changes with any of them", () => {
    const values = renderValuesOf(PLATFORM);
    expect(renderValuesDigest(values)).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(renderValuesDigest({ ...values })).toBe(renderValuesDigest(values));
    expect(renderValuesDigest({ ...values, aiRouterUrl: "https://ai2.cloudfreedom.test/v1" })).not.toBe(renderValuesDigest(values));
    expect(renderValuesDigest({ ...values, baseDomain: "agents2.cloudfreedom.test" })).not.toBe(renderValuesDigest(values));
  });

  it("falls back to template_ref's version for a record without an applied spec, and to nothing without a record", () => {
    expect(appliedRunOf(recordOf(undefined, "openclaw@1.0.0"))).toEqual({ version: "1.0.0" });
    expect(appliedRunOf(undefined)).toBeUndefined();
  });

  it("the rendered digest is stable, leaves secrets out and changes with the version or a platform value", () => {
    const bot = tenant("chirp", "telegram-bot");
    const a = renderedDigestOf(planOf(bot).rendered);
    expect(renderedDigestOf(planOf(bot).rendered)).toBe(a);
    expect(renderedDigestOf(planOf({ ...bot, secrets: { telegramBotToken: OTHER_BOT_TOKEN } }).rendered)).toBe(a);
    expect(renderedDigestOf(planOf(atVersion(bot, "1.0.0")).rendered)).not.toBe(a);
    const moved = planTenants([bot], { ...PLATFORM, aiRouterUrl: "https://ai2.cloudfreedom.test/v1" }).plans[0];
    expect(renderedDigestOf(moved.rendered)).not.toBe(a);
  });

  it("tells a change of the tenant's own (plan, settings, domain, pin, bot token) from none", () => {
    const applied = { version: "1.1.0", ownDigest: ownDigestOf(bolt) };
    expect(changedOwnInputs(bolt, applied)).toBe(false);
    expect(changedOwnInputs({ ...bolt, settings: { timezone: "Europe/Berlin" } }, applied)).toBe(false);
    expect(changedOwnInputs({ ...bolt, plan: { ...bolt.plan, tier: "business" } }, applied)).toBe(true);
    expect(changedOwnInputs({ ...bolt, settings: { timezone: "UTC" } }, applied)).toBe(true);
    expect(changedOwnInputs({ ...bolt, customDomain: "bolt.example.com" }, applied)).toBe(true);
    expect(changedOwnInputs(atVersion(bolt, "1.0.0"), applied)).toBe(true);
    expect(changedOwnInputs({ ...bolt, secrets: { telegramBotToken: BOT_TOKEN } }, applied)).toBe(true);
    // The platform's: a rotated router key, a suspension.
    expect(changedOwnInputs({ ...bolt, routerKey: "sk-rotated-key-0001", status: "suspended" }, applied)).toBe(false);
    // A record written without config rollout has no own digest: no change of its own is claimed.
    expect(changedOwnInputs({ ...bolt, settings: { timezone: "UTC" } }, { version: "1.1.0" })).toBe(false);
  });

  it("an unpinned tenant kept on its applied version renders that version's compose byte for byte", () => {
    const old = planOf(tenant("bolt", "openclaw", { templateVersion: "1.0.0" }));
    const kept = planOf(atVersion(bolt, "1.0.0"));
    expect(kept.rendered.composeYaml).toBe(old.rendered.composeYaml);
    expect(kept.rendered.templateRef).toBe("openclaw@1.0.0");
  });
});
