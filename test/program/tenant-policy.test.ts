import { describe, expect, it } from "vitest";
import type { Tenant } from "../../lib/tenants/tenant";
import { planTenants as planAll, TenantPlanError, type PlatformValues } from "../../program/plan";
import { BOT_TOKEN, OTHER_BOT_TOKEN, PLATFORM, tenant } from "./fixtures";

/** The plans of tenants that must all pass. */
function planTenants(tenants: Tenant[], platform: PlatformValues) {
  const { plans, invalid } = planAll(tenants, platform);
  expect(invalid).toEqual([]);
  return plans;
}

/** Every refusal of a run, as the end-of-run report lists them. */
function refusals(tenants: Tenant[], platform: PlatformValues = PLATFORM): TenantPlanError {
  const { invalid } = planAll(tenants, platform);
  expect(invalid.length).toBeGreaterThan(0);
  return new TenantPlanError(invalid.flatMap((i) => i.errors));
}

describe("fleet-wide uniqueness", () => {
  it("refuses a bot token two tenants share, naming neither the other tenant nor the token", () => {
    const error = refusals([tenant("acme", "llm-stack"), tenant("bolt", "openclaw", { secrets: { telegramBotToken: BOT_TOKEN } }), tenant("chirp", "telegram-bot")]);
    expect(error.errors.map((e) => [e.tenant, e.field, e.problem])).toEqual([
      ["bolt", "telegram_bot_token", "its Telegram bot token is also used by another tenant (value not shown)"],
      ["chirp", "telegram_bot_token", "its Telegram bot token is also used by another tenant (value not shown)"],
    ]);
    expect(error.message).not.toContain(BOT_TOKEN);
    expect(error.message).not.toContain(BOT_TOKEN.split(":")[1]);
    for (const e of error.errors) expect(`${e.problem} ${e.fix}`).not.toMatch(/acme|bolt|chirp/);
  });

  it("counts the other holders when three tenants share a token, and leaves tenants with their own token alone", () => {
    const shared = { secrets: { telegramBotToken: BOT_TOKEN } };
    const error = refusals([
      tenant("bolt", "openclaw", shared),
      tenant("chirp", "telegram-bot"),
      tenant("dusk", "telegram-bot", shared),
      tenant("echo", "telegram-bot", { secrets: { telegramBotToken: OTHER_BOT_TOKEN } }),
    ]);
    expect(error.errors.map((e) => e.tenant)).toEqual(["bolt", "chirp", "dusk"]);
    expect(error.errors[0].problem).toContain("also used by 2 other tenants");
  });

  it("keeps a bot token with the tenant that runs with it: typing it refuses only the newcomer", () => {
    const chirp = tenant("chirp", "telegram-bot");
    const copycat = tenant("bolt", "openclaw", { secrets: { telegramBotToken: chirp.secrets.telegramBotToken! } });
    const applied = new Map([[chirp.id, { telegramBotToken: chirp.secrets.telegramBotToken! }]]);
    const { plans, invalid } = planAll([chirp, copycat], PLATFORM, new Map(), applied);
    expect(plans.map((p) => p.tenant.slug)).toEqual(["chirp"]);
    expect(invalid.map((i) => [i.tenant.slug, i.errors.map((e) => e.problem)])).toEqual([
      ["bolt", ["its Telegram bot token is already in use by another tenant (value not shown)"]],
    ]);
  });

  it("does not count a cancelled tenant's token: its bot is free again", () => {
    const plans = planTenants([tenant("chirp", "telegram-bot", { status: "cancelled" }), tenant("dusk", "telegram-bot")], PLATFORM);
    expect(plans.map((p) => p.tenant.slug)).toEqual(["dusk"]);
  });

  it("refuses every holder of an AI Router key two tenants share, even one that runs with it, naming neither the other nor the key", () => {
    const key = "sk-billing-issued-key-0001";
    const error = refusals([tenant("acme", "llm-stack", { routerKey: key }), tenant("bolt", "openclaw", { routerKey: key }), tenant("cove", "llm-stack")]);
    expect(error.errors.map((e) => [e.tenant, e.field])).toEqual([["acme", "ai_router_key"], ["bolt", "ai_router_key"]]);
    expect(error.errors[0].problem).toBe("its AI Router key is also used by another tenant (value not shown)");
    expect(error.message).not.toContain(key);
  });
});

describe("per-tenant AI Router keys", () => {
  it("gives each tenant its own key, through the plan and never in the rendered stack", () => {
    const plans = planTenants([tenant("acme", "llm-stack"), tenant("bolt", "openclaw"), tenant("chirp", "telegram-bot")], PLATFORM);
    expect(plans.map((p) => p.routerKey)).toEqual(["tenant", "tenant", "tenant"]);
    for (const { tenant: t, rendered } of plans) {
      expect(rendered.composeYaml).not.toContain(t.routerKey);
      expect(Object.values(rendered.env)).not.toContain(t.routerKey);
    }
  });

  it("refuses a tenant without a key unless the shared fallback is on", () => {
    const keyless = tenant("bolt", "openclaw", { routerKey: undefined });
    const error = refusals([tenant("acme", "llm-stack"), keyless]);
    expect(error.errors.map((e) => [e.tenant, e.field])).toEqual([["bolt", "ai_router_key"]]);
    expect(error.errors[0].fix).toContain("sharedRouterKeyFallback");
    const [acme, bolt] = planTenants([tenant("acme", "llm-stack"), keyless], { ...PLATFORM, sharedRouterKeyFallback: true });
    expect([acme.routerKey, bolt.routerKey]).toEqual(["tenant", "shared"]);
  });

  it("refuses a malformed key without showing it", () => {
    const error = refusals([tenant("acme", "llm-stack", { routerKey: "sk with spaces" })], { ...PLATFORM, sharedRouterKeyFallback: true });
    expect(error.errors.map((e) => [e.tenant, e.field])).toEqual([["acme", "ai_router_key"]]);
    expect(error.message).not.toContain("sk with spaces");
  });
});

describe("draft template versions", () => {
  const pinned = () => tenant("chirp", "telegram-bot", { templateVersion: "1.0.1" });

  it("are refused unless config allowDraftTemplates is true", () => {
    const error = refusals([pinned()]);
    expect(error.errors.map((e) => [e.tenant, e.field])).toEqual([["chirp", "template_version"]]);
    expect(error.errors[0].problem).toContain("telegram-bot@1.0.1 is a draft");
    expect(() => refusals([pinned()], { ...PLATFORM, allowDraftTemplates: false })).not.toThrow();
  });

  it("are planned where allowDraftTemplates is true", () => {
    const [chirp] = planTenants([pinned()], { ...PLATFORM, allowDraftTemplates: true });
    expect(chirp.rendered.templateRef).toBe("telegram-bot@1.0.1");
  });

  it("never affect a tenant on a released version", () => {
    expect(planTenants([tenant("chirp", "telegram-bot", { templateVersion: "1.0.0" })], PLATFORM)[0].rendered.templateRef).toBe("telegram-bot@1.0.0");
  });
});
