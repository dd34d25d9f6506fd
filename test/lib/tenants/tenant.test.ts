import { describe, expect, it } from "vitest";
import { TenantSourceError } from "../../../lib/tenants/errors";
import { parseTenant } from "../../../lib/tenants/tenant";

const TOKEN = "123456789:AAFakeDemoTokenForChirpTelegram0001";

/** A row of the tenant view, as PocketBase answers a superuser; `plan` overrides the plan_* columns. */
function tenantRecord(overrides: Record<string, unknown> = {}, plan: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "tenant000000001",
    collectionId: "pbc_3010283416",
    collectionName: "agent_tenants",
    slug: "acme",
    name: "Acme Corp",
    status: "active",
    plan_id: "plan00000000pro",
    plan_name: "pro",
    plan_tier: "pro",
    plan_allowed_templates: ["openclaw", "telegram-bot", "llm-stack"],
    plan_models: ["llama-3.1-8b-instruct"],
    plan_limits: { "llm-stack": { cpus: 2, memoryMb: 4096 } },
    template: "llm-stack",
    template_version: "",
    custom_domain: "",
    custom_domain_verified: false,
    owner_email: "",
    cancelled_at: "",
    settings: null,
    telegram_allow_from: null,
    telegram_bot_token: "",
    ai_router_key: "",
    ...Object.fromEntries(Object.entries(plan).map(([key, value]) => [`plan_${key}`, value])),
    ...overrides,
  };
}

function parseError(record: unknown): TenantSourceError {
  try {
    parseTenant(record);
  } catch (error) {
    if (error instanceof TenantSourceError) return error;
    throw error;
  }
  throw new Error("parseTenant accepted a malformed record");
}

/** The fields of a row that do not parse. */
function fieldsOf(record: unknown): string[] {
  return (parseTenant(record).fieldErrors ?? []).map((e) => e.field);
}

describe("parseTenant", () => {
  it("maps a view row with its plan columns to a Tenant", () => {
    const tenant = parseTenant(
      tenantRecord({ template_version: "1.2.0", custom_domain: "agents.acme.example", settings: { locale: "en" } }),
    );
    expect(tenant).toEqual({
      id: "tenant000000001",
      slug: "acme",
      name: "Acme Corp",
      status: "active",
      plan: {
        id: "plan00000000pro",
        name: "pro",
        tier: "pro",
        allowedTemplates: ["openclaw", "telegram-bot", "llm-stack"],
        models: ["llama-3.1-8b-instruct"],
        limits: { "llm-stack": { cpus: 2, memoryMb: 4096 } },
      },
      template: "llm-stack",
      templateVersion: "1.2.0",
      customDomain: "agents.acme.example",
      customDomainVerified: false,
      settings: { locale: "en" },
      secrets: {},
      telegramAllowFrom: [],
    });
  });

  it("treats empty json fields as empty and leaves out an empty version and domain", () => {
    const tenant = parseTenant(tenantRecord({}, { models: null, limits: null }));
    expect(tenant.settings).toEqual({});
    expect(tenant.plan.models).toEqual([]);
    expect(tenant.plan.limits).toEqual({});
    expect("templateVersion" in tenant).toBe(false);
    expect("customDomain" in tenant).toBe(false);
  });

  it("maps the isolation and teardown fields: verified domain, owner e-mail, router key, cancellation date", () => {
    const tenant = parseTenant(
      tenantRecord({ custom_domain: "agents.acme.example", custom_domain_verified: true, owner_email: "owner@acme.example", ai_router_key: "sk-tenant-acme-0001", cancelled_at: "2026-11-30 10:00:00.000Z" }),
    );
    expect(tenant).toMatchObject({ customDomainVerified: true, ownerEmail: "owner@acme.example", routerKey: "sk-tenant-acme-0001", cancelledAt: "2026-11-30 10:00:00.000Z" });
    expect(parseTenant(tenantRecord({}))).toMatchObject({ customDomainVerified: false });
    expect("routerKey" in parseTenant(tenantRecord({}))).toBe(false);
  });

  it("holds back only this tenant for an owner e-mail that is not an address, naming the field", () => {
    expect(fieldsOf(tenantRecord({ owner_email: "not an address" }))).toEqual(["owner_email"]);
  });

  it("puts the bot token under secrets and Telegram ids as strings", () => {
    const tenant = parseTenant(
      tenantRecord({ template: "telegram-bot", telegram_bot_token: TOKEN, telegram_allow_from: [100000001, "100000002"] }),
    );
    expect(tenant.secrets).toEqual({ telegramBotToken: TOKEN });
    expect(tenant.telegramAllowFrom).toEqual(["100000001", "100000002"]);
  });

  it("accepts a cancelled telegram-bot tenant whose token was removed", () => {
    expect(parseTenant(tenantRecord({ template: "telegram-bot", status: "cancelled" })).secrets).toEqual({});
  });

  const envelope: Array<[string, Record<string, unknown>, string, string]> = [
    ["a slug that is not DNS-safe", { slug: "Acme_Corp" }, "slug", "Acme_Corp"],
    ["a slug ending in a hyphen", { slug: "acme-" }, "slug", "acme-"],
    ["a missing slug (named by record id)", { slug: undefined }, "slug", "tenant000000001"],
    ["an unknown status", { status: "paused" }, "status", "acme"],
    ["Stripe's incomplete status, which the program cannot map", { status: "incomplete" }, "status", "acme"],
    ["an id that is not a record id", { id: "../tenants/x" }, "id", "acme"],
    ["a missing id", { id: undefined }, "id", "acme"],
  ];

  it.each(envelope)("stops the run on %s, naming the tenant and the field", (_title, overrides, field, tenant) => {
    const error = parseError(tenantRecord(overrides));
    expect(error.cause).toBe("malformed");
    expect(error.field).toBe(field);
    expect(error.tenant).toBe(tenant);
    expect(error.message).toContain(`tenant "${tenant}"`);
    expect(error.message).toContain(`field "${field}"`);
    expect(error.message).toContain("Fix:");
    expect(error.message).toContain("agent_tenants");
  });

  const perTenant: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
    ["an empty name", { name: "" }, {}, "name"],
    ["a template the plan does not allow", { template: "llm-stack" }, { allowed_templates: ["openclaw"] }, "template"],
    ["a tenant without a plan (LEFT JOIN found none)", {}, { id: "", name: "", tier: "", allowed_templates: null }, "plan_id"],
    ["a view without the plan columns", { plan_name: undefined }, {}, "plan_name"],
    ["an unknown plan tier", {}, { tier: "gold" }, "plan_tier"],
    ["allowed_templates that is not an array", {}, { allowed_templates: "llm-stack" }, "plan_allowed_templates"],
    ["a limit with an unknown key", {}, { limits: { "llm-stack": { cpu: 2 } } }, "plan_limits.llm-stack"],
    ["a negative memory limit", {}, { limits: { openclaw: { memoryMb: -1 } } }, "plan_limits.openclaw.memoryMb"],
    ["a verified flag that is not a boolean (an expression typed json)", { custom_domain_verified: "1" }, {}, "custom_domain_verified"],
    ["a template version that is not a version", { template_version: "latest" }, {}, "template_version"],
    ["a custom domain with a scheme", { custom_domain: "https://acme.example" }, {}, "custom_domain"],
    ["settings that are not an object", { settings: ["x"] }, {}, "settings"],
    ["a Telegram id that is not numeric", { telegram_allow_from: ["@bob"] }, {}, "telegram_allow_from[0]"],
    ["an active telegram-bot tenant without a token", { template: "telegram-bot" }, {}, "telegram_bot_token"],
  ];

  it.each(perTenant)("holds back only this tenant for %s: parsed, with the field named and a fix", (_title, overrides, plan, field) => {
    const tenant = parseTenant(tenantRecord(overrides, plan));
    expect(tenant).toMatchObject({ id: "tenant000000001", slug: "acme", status: "active" });
    expect(tenant.fieldErrors?.map((e) => e.field)).toContain(field);
    const error = tenant.fieldErrors!.find((e) => e.field === field)!;
    expect(error.problem).not.toBe("");
    expect(error.fix).not.toBe("");
  });

  it("takes a custom domain in any spelling of one host, normalised, without a field error", () => {
    for (const [typed, host] of [["Shop.Example.com", "shop.example.com"], ["shop.example.com.", "shop.example.com"], ["bücher.de", "xn--bcher-kva.de"], ["shop.example.com:443", "shop.example.com"], ["shop.xn--p1ai", "shop.xn--p1ai"]]) {
      const tenant = parseTenant(tenantRecord({ custom_domain: typed }));
      expect(tenant.customDomain, typed).toBe(host);
      expect(tenant.fieldErrors, typed).toBeUndefined();
    }
  });

  it("says what a Telegram id must be, whatever was typed in its place", () => {
    for (const typed of [["@bob"], [1.5], [-1], [{}]]) {
      expect(parseTenant(tenantRecord({ telegram_allow_from: typed })).fieldErrors).toEqual([expect.objectContaining({ field: "telegram_allow_from[0]", problem: "must be numeric Telegram user ids (not @names)" })]);
    }
  });

  it("gives a field that does not parse a neutral stand-in, never the typed value", () => {
    const tenant = parseTenant(tenantRecord({ settings: ["x"], telegram_allow_from: ["@bob"], custom_domain: "https://shop.example.com/" }));
    expect(tenant).toMatchObject({ settings: {}, telegramAllowFrom: [] });
    expect(tenant.customDomain).toBeUndefined();
    expect("fieldErrors" in parseTenant(tenantRecord({}))).toBe(false);
  });

  it("names the configured view in its message", () => {
    let caught: unknown;
    try {
      parseTenant(tenantRecord({ status: "paused" }), "cf_tenants");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TenantSourceError);
    expect((caught as Error).message).toContain('column "status" of the view cf_tenants');
  });

  it("holds back a tenant with a malformed bot token without showing it, and keeps the token out of its secrets", () => {
    const secret = "123456789:short-and-secret";
    const tenant = parseTenant(tenantRecord({ template: "telegram-bot", telegram_bot_token: secret }));
    expect(tenant.fieldErrors?.map((e) => e.field)).toEqual(["telegram_bot_token"]);
    expect(JSON.stringify(tenant.fieldErrors)).not.toContain(secret);
    expect(tenant.secrets).toEqual({});
  });

  it("rejects a record that is not an object", () => {
    expect(parseError("acme").field).toBe("(record)");
  });
});
