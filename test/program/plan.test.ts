import { describe, expect, it } from "vitest";
import { planTenants as planAll, ROUTER_KEY_PLACEHOLDER, withRouterKey } from "../../program/plan";
import { TemplateError } from "../../templates";
import type { Tenant } from "../../lib/tenants/tenant";
import { OTHER_BOT_TOKEN, PLATFORM, tenant } from "./fixtures";

/** The plans of tenants that must all be valid. */
function planTenants(tenants: Tenant[], platform: typeof PLATFORM) {
  const { plans, invalid } = planAll(tenants, platform);
  expect(invalid).toEqual([]);
  return plans;
}

describe("planTenants", () => {
  it("plans active and suspended tenants and leaves cancelled ones out", () => {
    const plans = planTenants(
      [tenant("acme", "llm-stack"), tenant("bolt", "openclaw", { status: "suspended" }), tenant("gone", "llm-stack", { status: "cancelled" })],
      PLATFORM,
    );
    expect(plans.map((p) => [p.tenant.slug, p.tenant.status])).toEqual([["acme", "active"], ["bolt", "suspended"]]);
  });

  it("does not render a cancelled tenant at all, so a broken one cannot block the run", () => {
    const broken = tenant("gone", "telegram-bot", { status: "cancelled", secrets: {} });
    expect(planTenants([broken, tenant("acme", "llm-stack")], PLATFORM).map((p) => p.tenant.slug)).toEqual(["acme"]);
  });

  it("gives a tenant with a domain its platform host first, then its custom domain", () => {
    const [plain, custom] = planTenants([tenant("acme", "llm-stack"), tenant("bolt", "openclaw", { customDomain: "agents.bolt.example", customDomainVerified: true, customDomainVerifiedHost: "agents.bolt.example" })], PLATFORM);
    expect(plain.hosts).toEqual(["acme.agents.cloudfreedom.test"]);
    expect(custom.hosts).toEqual(["bolt.agents.cloudfreedom.test", "agents.bolt.example"]);
    expect(custom.rendered.domainService).not.toBe("");
  });

  it("gives a template without ingress no hosts, even with a custom domain", () => {
    const [bot] = planTenants([tenant("chirp", "telegram-bot", { customDomain: "bot.chirp.example" })], PLATFORM);
    expect(bot.hosts).toEqual([]);
    expect(bot.rendered.domainService).toBe("");
  });

  it("maps PocketBase's Telegram ids to each template's own setting", () => {
    const ids = ["100000001", "100000002"];
    const [bolt, chirp] = planTenants(
      [tenant("bolt", "openclaw", { telegramAllowFrom: ids, secrets: { telegramBotToken: OTHER_BOT_TOKEN } }), tenant("chirp", "telegram-bot", { telegramAllowFrom: ids })],
      PLATFORM,
    );
    expect(bolt.rendered.composeValues.CF_TELEGRAM_ALLOW_FROM).toBe("100000001,100000002");
    expect(chirp.rendered.composeValues.CF_ALLOWED_USER_IDS).toBe("100000001,100000002");
  });

  it("takes Telegram ids from the Admin Portal's field, never from the tenant's settings", () => {
    const [chirp] = planTenants([tenant("chirp", "telegram-bot", { settings: { allowedUserIds: ["42"] }, telegramAllowFrom: ["100000001"] })], PLATFORM);
    expect(chirp.rendered.composeValues.CF_ALLOWED_USER_IDS).toBe("100000001");
    const [bolt] = planTenants([tenant("bolt", "openclaw", { settings: { telegramAllowFrom: ["42"] }, telegramAllowFrom: ["100000001"], secrets: { telegramBotToken: OTHER_BOT_TOKEN } })], PLATFORM);
    expect(bolt.rendered.composeValues.CF_TELEGRAM_ALLOW_FROM).toBe("100000001");
    // Without the field, a setting does not stand in for it.
    const [open] = planTenants([tenant("open", "openclaw", { settings: { telegramAllowFrom: ["42"] } })], PLATFORM);
    expect(open.rendered.composeValues.CF_TELEGRAM_ALLOW_FROM).toBe("");
  });

  it("takes the owner's e-mail from the Admin Portal's field, never from the tenant's settings", () => {
    const [acme] = planTenants([tenant("acme", "llm-stack", { settings: { ownerEmail: "mallory@evil.example" }, ownerEmail: "owner@acme.example" })], PLATFORM);
    expect(acme.rendered.composeValues.CF_OWNER_EMAIL).toBe("owner@acme.example");
    const [unset] = planTenants([tenant("acme", "llm-stack", { settings: { ownerEmail: "mallory@evil.example" } })], PLATFORM);
    expect(JSON.stringify(unset.rendered)).not.toContain("mallory@evil.example");
  });

  it("holds back only a tenant whose row has a field that does not parse, naming it by field and fix", () => {
    const typed = tenant("bob", "openclaw", { settings: {}, fieldErrors: [{ field: "telegram_allow_from[0]", problem: "must be numeric Telegram user ids (not @names)", fix: "correct it" }] });
    const { plans, invalid } = planAll([typed, tenant("acme", "llm-stack")], PLATFORM);
    expect(plans.map((p) => p.tenant.slug)).toEqual(["acme"]);
    expect(invalid.map((i) => [i.tenant.id, i.errors.map((e) => e.message)])).toEqual([
      ["id-bob", ['tenant "bob": telegram_allow_from[0]: must be numeric Telegram user ids (not @names). Fix: correct it']],
    ]);
  });

  it("hands the owner's e-mail to a template version that takes it (the Open WebUI admin), and to no other", () => {
    const [acme, bolt] = planTenants(
      [tenant("acme", "llm-stack", { ownerEmail: "owner@acme.example" }), tenant("bolt", "openclaw", { ownerEmail: "owner@bolt.example" })],
      PLATFORM,
    );
    expect(acme.rendered.composeValues.CF_OWNER_EMAIL).toBe("owner@acme.example");
    expect(JSON.stringify(bolt.rendered)).not.toContain("owner@bolt.example");
    const [pinned] = planTenants([tenant("acme", "llm-stack", { ownerEmail: "owner@acme.example", templateVersion: "1.0.0" })], PLATFORM);
    expect(JSON.stringify(pinned.rendered)).not.toContain("owner@acme.example");
  });

  it("renders the AI Router key as the placeholder, never a real key", () => {
    const [acme] = planTenants([tenant("acme", "llm-stack")], PLATFORM);
    expect(acme.rendered.env.CF_AI_ROUTER_KEY).toBe(ROUTER_KEY_PLACEHOLDER);
  });

  it("returns every bad tenant with its error, naming tenant and field, and plans the good ones", () => {
    const tenants = [
      tenant("acme", "llm-stack"),
      tenant("chirp", "telegram-bot", { secrets: {} }),
      tenant("dusk", "no-such-template"),
      tenant("echo", "llm-stack", { plan: { ...tenant("x", "llm-stack").plan, models: [] } }),
    ];
    const { plans, invalid } = planAll(tenants, PLATFORM);
    expect(plans.map((p) => p.tenant.slug)).toEqual(["acme"]);
    expect(invalid.map((i) => i.tenant.slug)).toEqual(["chirp", "dusk", "echo"]);
    expect(invalid.every((i) => i.errors.length === 1)).toBe(true);
    const errors = invalid.map((i) => i.errors[0]);
    expect(errors.every((e) => e instanceof TemplateError)).toBe(true);
    expect(errors.map((e) => e.tenant)).toEqual(["chirp", "dusk", "echo"]);
    expect(errors[0].field).toContain("telegramBotToken");
    expect(errors[2].field).toContain("plan");
    invalid.forEach(({ tenant: t, errors: [error] }) => expect(error.message).toContain(`tenant "${t.slug}"`));
  });

  it("lets an error that is not a template problem through unchanged", () => {
    const hostile = tenant("acme", "llm-stack");
    Object.defineProperty(hostile, "settings", { get: () => { throw new RangeError("boom"); } });
    expect(() => planAll([hostile], PLATFORM)).toThrow(RangeError);
  });
});

describe("withRouterKey", () => {
  it("swaps the placeholder for the key and leaves every other value alone", () => {
    const env = { CF_AI_ROUTER_KEY: ROUTER_KEY_PLACEHOLDER, OTHER_KEY: ROUTER_KEY_PLACEHOLDER, URL: "https://ai", NOTE: `x-${ROUTER_KEY_PLACEHOLDER}` };
    expect(withRouterKey(env, "sk-real")).toEqual({ CF_AI_ROUTER_KEY: "sk-real", OTHER_KEY: "sk-real", URL: "https://ai", NOTE: `x-${ROUTER_KEY_PLACEHOLDER}` });
  });

  it("returns a new map and keeps the rendered one unchanged", () => {
    const env = { CF_AI_ROUTER_KEY: ROUTER_KEY_PLACEHOLDER };
    withRouterKey(env, "sk-real");
    expect(env.CF_AI_ROUTER_KEY).toBe(ROUTER_KEY_PLACEHOLDER);
  });
});
