import { describe, expect, it } from "vitest";
import { appliedSpecOf, holdOf, parseAppliedSpec, planHeld } from "../../program/held-plan";
import { planTenants, ROUTER_KEY_PLACEHOLDER, type InvalidTenant, type TenantPlan } from "../../program/plan";
import { TenantRefusal } from "../../program/refusal";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";
import { BOT_TOKEN, PLATFORM, tenant } from "./fixtures";

/** The plan of a tenant that must be valid. */
function planOf(t: Tenant): TenantPlan {
  const { plans, invalid } = planTenants([t], PLATFORM);
  expect(invalid).toEqual([]);
  return plans[0];
}

/** The tenant later edited by its owner into something invalid (a Telegram id typed as @bob), as the loader gives it. */
function typedBob(t: Tenant, fields: Partial<Tenant> = {}): InvalidTenant {
  const edited: Tenant = { ...t, settings: { timezone: "Mars/Olympus" }, telegramAllowFrom: [], fieldErrors: [{ field: "telegram_allow_from[0]", problem: "must be numeric Telegram user ids (not @names)", fix: "fix it" }], ...fields };
  return { tenant: edited, errors: edited.fieldErrors!.map((e) => new TenantRefusal(edited, e.field, e.problem, e.fix)) };
}

const record = (applied: unknown, urls: Record<string, string> = {}) => ({ urls, templateRef: "openclaw@1.1.0", appliedSpec: applied } as Provisioning);
const limitsOf = (plan: TenantPlan) => JSON.stringify((plan.rendered.compose as { services: Record<string, { deploy?: unknown; mem_limit?: unknown; cpus?: unknown }> }).services);

describe("planHeld", () => {
  const bolt = tenant("bolt", "openclaw", { telegramAllowFrom: ["100000001"], secrets: { telegramBotToken: BOT_TOKEN }, settings: { timezone: "Europe/Berlin" } });
  const applied = appliedSpecOf(planOf(bolt));

  it("keeps the tenant's own inputs as applied: its settings, Telegram ids, bot token, hosts and template version", () => {
    const held = planHeld(typedBob(bolt), parseAppliedSpec(JSON.parse(JSON.stringify(applied))), PLATFORM);
    expect("plan" in held && held.keepEnv).toBe(false);
    const { plan } = held as { plan: TenantPlan };
    const before = planOf(bolt);
    expect(plan.rendered.composeYaml).toBe(before.rendered.composeYaml);
    expect(plan.rendered.env).toEqual(before.rendered.env);
    expect(plan.hosts).toEqual(["bolt.agents.cloudfreedom.test"]);
    expect(plan.rendered.templateRef).toBe(before.rendered.templateRef);
    expect(plan.rendered.composeYaml).not.toContain("Mars/Olympus");
  });

  it("takes the plan's lower limits and the rotated router key, as an unheld tenant would", () => {
    const downgraded = { ...bolt.plan, limits: { openclaw: { cpus: 1, memoryMb: 2048 } } };
    const held = planHeld(typedBob(bolt, { plan: downgraded, routerKey: "sk-test-bolt-rotated-key" }), applied, PLATFORM) as { plan: TenantPlan; keepEnv: boolean };
    const unheld = planOf({ ...bolt, plan: downgraded, routerKey: "sk-test-bolt-rotated-key" });
    expect(limitsOf(held.plan)).toBe(limitsOf(unheld));
    expect(limitsOf(held.plan)).not.toBe(limitsOf(planOf(bolt)));
    expect([held.plan.routerKey, held.plan.tenant.routerKey, held.keepEnv]).toEqual(["tenant", "sk-test-bolt-rotated-key", false]);
    expect(Object.values(held.plan.rendered.env)).toContain(ROUTER_KEY_PLACEHOLDER);
  });

  it("keeps the env as applied when the router key is what the hold is about, while the compose takes the plan", () => {
    const shared: InvalidTenant = { tenant: bolt, errors: [new TenantRefusal(bolt, "ai_router_key", "its AI Router key is also used by another tenant (value not shown)", "fix")] };
    expect(planHeld(shared, applied, PLATFORM)).toMatchObject({ keepEnv: true });
    const missing = typedBob(bolt, { routerKey: undefined });
    expect(planHeld(missing, applied, PLATFORM)).toMatchObject({ keepEnv: true });
  });

  it("stays as applied, saying why, without an applied spec or when the plan cannot be applied", () => {
    expect(planHeld(typedBob(bolt), undefined, PLATFORM)).toEqual({ problem: expect.stringContaining("no applied spec") });
    const tiny = { ...bolt.plan, limits: { openclaw: { memoryMb: 16 } } };
    expect(planHeld(typedBob(bolt, { plan: tiny }), applied, PLATFORM)).toEqual({ problem: expect.stringMatching(/^the platform's current plan cannot be applied to it \(.*memoryMb/) });
    const broken = typedBob(bolt, { fieldErrors: [{ field: "plan_limits.openclaw.cpus", problem: "too large", fix: "fix" }] });
    expect(planHeld({ tenant: broken.tenant, errors: [new TenantRefusal(bolt, "plan_limits.openclaw.cpus", "too large", "fix")] }, applied, PLATFORM)).toEqual({ problem: "its plan does not parse, so it stays as applied" });
    expect(parseAppliedSpec({ slug: "bolt" })).toBeUndefined();
    expect(parseAppliedSpec(null)).toBeUndefined();
  });

  it("holds with the re-rendered plan, or without one and the reason saying why", () => {
    const hold = holdOf(typedBob(bolt), record(applied, { primary: "https://bolt.agents.cloudfreedom.test" }), PLATFORM);
    expect(hold).toMatchObject({ hasDomain: true, keepEnv: false, reason: expect.stringMatching(/^tenant "bolt": telegram_allow_from\[0\]/) });
    expect(hold.plan?.rendered.templateRef).toBe("openclaw@1.1.0");
    const old = holdOf(typedBob(bolt), record(undefined), PLATFORM);
    expect(old.plan).toBeUndefined();
    expect(old.reason).toMatch(/; its record holds no applied spec yet/);
  });
});
