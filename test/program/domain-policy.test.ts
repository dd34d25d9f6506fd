import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config";
import type { Tenant } from "../../lib/tenants/tenant";
import { applyDomainPolicy, normaliseHost, type DomainPlatform } from "../../program/domain-policy";
import { planTenants as planAll } from "../../program/plan";
import { TenantRefusal } from "../../program/refusal";
import { TemplateError } from "../../templates";
import { PLATFORM, tenant } from "./fixtures";

const POLICY: DomainPlatform = { ...PLATFORM, reservedHosts: ["status.cloudfreedom.test", "*.ops.cloudfreedom.test", "Bücher.CloudFreedom.test."] };
const web = () => true;

/** acme (the tenant under test, custom domain `domain`, verified unless told) next to bolt and chirp. */
function judge(domain: string, fields: Partial<Tenant> = {}, platform = POLICY) {
  const tenants = [
    tenant("acme", "llm-stack", { customDomain: domain, customDomainVerified: true, ...fields }),
    tenant("bolt", "openclaw", { customDomain: "agents.bolt.example", customDomainVerified: true }),
    tenant("chirp", "telegram-bot"),
  ];
  return applyDomainPolicy(tenants, platform, (t) => t.template !== "telegram-bot");
}

function refusalOf(domain: string, fields: Partial<Tenant> = {}): TenantRefusal {
  const { refusals, decisions } = judge(domain, fields);
  expect(refusals, domain).toHaveLength(1);
  expect(decisions.has("acme")).toBe(false);
  const [refusal] = refusals;
  expect(refusal).toBeInstanceOf(TemplateError);
  expect([refusal.tenant, refusal.field]).toEqual(["acme", "custom_domain"]);
  expect(refusal.message).toMatch(/^tenant "acme": custom_domain: .+\. Fix: .+/);
  return refusal;
}

describe("normaliseHost", () => {
  it.each([
    ["Agents.Acme.EXAMPLE", "agents.acme.example"],
    ["agents.acme.example.", "agents.acme.example"],
    ["agents.acme.example:8443", "agents.acme.example"],
    ["Bücher.example", "xn--bcher-kva.example"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    ["  spaced.example  ", "spaced.example"],
  ])("%s -> %s", (raw, host) => expect(normaliseHost(raw)).toBe(host));

  it("gives null for what cannot be a host", () => {
    for (const raw of ["", "exa mple.com", "a:b:c", "xn--zz.com"]) expect(normaliseHost(raw), raw).toBeNull();
  });
});

describe("the domain policy refuses", () => {
  it.each([
    ["the Coolify dashboard", "coolify.cloudfreedom.test", /reserved for the platform \(the Coolify dashboard, config coolifyUrl\)/],
    ["the Coolify dashboard with another port", "coolify.cloudfreedom.test:8080", /reserved for the platform \(the Coolify dashboard/],
    ["PocketBase", "api.cloudfreedom.test", /reserved for the platform \(PocketBase, config pocketbaseUrl\)/],
    ["the AI Router", "ai.cloudfreedom.test", /reserved for the platform \(the AI Router, config aiRouterUrl\)/],
    ["the base domain apex", "agents.cloudfreedom.test", /reserved for the platform \(the apex of the base domain/],
    ["a reservedHosts entry", "status.cloudfreedom.test", /reserved for the platform \(config reservedHosts "status.cloudfreedom.test"\)/],
    ["a host in a reserved zone", "grafana.ops.cloudfreedom.test", /config reservedHosts "\*\.ops\.cloudfreedom\.test"/],
    ["a reserved zone's apex", "ops.cloudfreedom.test", /config reservedHosts "\*\.ops\.cloudfreedom\.test"/],
    ["a foreign subdomain of the base domain", "newco.agents.cloudfreedom.test", /under the platform's base domain "agents.cloudfreedom.test", where only "acme.agents.cloudfreedom.test" belongs to this tenant$/],
    ["a host below its own", "x.acme.agents.cloudfreedom.test", /under the platform's base domain/],
    ["another tenant's <slug>.<baseDomain>", "bolt.agents.cloudfreedom.test", /where only "acme.agents.cloudfreedom.test" belongs to this tenant; it is tenant "bolt"'s host/],
    ["a web-less tenant's <slug>.<baseDomain>", "chirp.agents.cloudfreedom.test", /it is tenant "chirp"'s host/],
    ["a wildcard", "*.acme.example", /is a wildcard/],
    ["a wildcard on the base domain", "*.agents.cloudfreedom.test", /is a wildcard/],
    ["an IP address", "192.0.2.10", /is not a host name/],
    ["a URL", "https://acme.example", /is not a host name/],
    ["an empty label", "a..acme.example", /is not a host name/],
  ])("%s (%s)", (_what, domain, reason) => {
    expect(refusalOf(domain).problem).toMatch(reason);
  });

  it.each([
    ["upper case", "COOLIFY.CloudFreedom.Test", /the Coolify dashboard/],
    ["a trailing dot", "coolify.cloudfreedom.test.", /the Coolify dashboard/],
    ["upper case and a trailing dot on another tenant's host", "BOLT.Agents.CloudFreedom.TEST.", /it is tenant "bolt"'s host/],
    ["the punycode of a reserved IDN (configured in Unicode)", "xn--bcher-kva.cloudfreedom.test", /config reservedHosts "Bücher.CloudFreedom.test."/],
    ["the Unicode of a reserved IDN", "bücher.cloudfreedom.test", /config reservedHosts/],
    ["a punycode host under the base domain", "xn--nwco-loa.agents.cloudfreedom.test", /under the platform's base domain/],
    ["a Unicode host under the base domain", "néwco.agents.cloudfreedom.test", /under the platform's base domain/],
  ])("the same hosts written with %s (%s)", (_what, domain, reason) => {
    expect(refusalOf(domain).problem).toMatch(reason);
  });

  it("platform hosts even when the custom domain is unverified", () => {
    expect(refusalOf("coolify.cloudfreedom.test", { customDomainVerified: false }).problem).toMatch(/reserved for the platform/);
    expect(refusalOf("bolt.agents.cloudfreedom.test", { customDomainVerified: false }).problem).toMatch(/tenant "bolt"'s host/);
  });

  it("another tenant's verified custom domain, naming the holder, which keeps it", () => {
    for (const variant of ["agents.bolt.example", "Agents.Bolt.Example.", "agents.bolt.example:443"]) {
      const { refusals, decisions } = judge(variant, { customDomainVerified: false });
      expect(refusals.map((r) => [r.tenant, r.field]), variant).toEqual([["acme", "custom_domain"]]);
      expect(refusals[0].problem).toBe('custom domain "agents.bolt.example" is also claimed by tenant "bolt", which verified it');
      expect(decisions.get("bolt")).toEqual({ customHost: "agents.bolt.example" });
    }
  });

  it("a custom domain claimed by two verified tenants, or by two unverified ones: every claimant, each naming the other", () => {
    for (const verified of [true, false]) {
      const tenants = [
        tenant("acme", "llm-stack", { customDomain: "shop.example.com", customDomainVerified: verified }),
        tenant("bolt", "openclaw", { customDomain: "SHOP.example.com.", customDomainVerified: verified }),
        tenant("dusk", "openclaw", { customDomain: "xn--bcher-kva.example", customDomainVerified: verified }),
        tenant("echo", "openclaw", { customDomain: "bücher.example", customDomainVerified: verified }),
      ];
      const { refusals, decisions } = applyDomainPolicy(tenants, POLICY, web);
      expect(refusals.map((r) => [r.tenant, r.problem])).toEqual([
        ["acme", 'custom domain "shop.example.com" is also claimed by tenant "bolt"'],
        ["bolt", 'custom domain "shop.example.com" is also claimed by tenant "acme"'],
        ["dusk", 'custom domain "xn--bcher-kva.example" is also claimed by tenant "echo"'],
        ["echo", 'custom domain "xn--bcher-kva.example" is also claimed by tenant "dusk"'],
      ]);
      expect(decisions.size).toBe(0);
    }
  });

  it("a bad reservedHosts entry, as a config error", () => {
    expect(() => judge("shop.example.com", {}, { ...POLICY, reservedHosts: ["bad host"] })).toThrow(ConfigError);
  });
});

describe("the domain policy allows", () => {
  it("a verified custom domain, normalised", () => {
    const { refusals, decisions } = judge("Shop.Acme.EXAMPLE.");
    expect(refusals).toEqual([]);
    expect(decisions.get("acme")).toEqual({ customHost: "shop.acme.example" });
  });

  it("leaves an unverified custom domain off and says why", () => {
    const { refusals, decisions } = judge("shop.acme.example", { customDomainVerified: false });
    expect(refusals).toEqual([]);
    expect(decisions.get("acme")?.customHost).toBeUndefined();
    expect(decisions.get("acme")?.leftOff).toBe("custom domain shop.acme.example is left off until it is verified (custom_domain_verified); the tenant answers on its own host meanwhile");
  });

  it("the tenant's own host as its custom domain, adding nothing", () => {
    expect(judge("ACME.agents.cloudfreedom.test.")).toMatchObject({ refusals: [], decisions: new Map([["acme", {}], ["bolt", { customHost: "agents.bolt.example" }]]) });
  });

  it("platform URLs given as IP addresses (a development stack)", () => {
    const local = { ...POLICY, coolifyUrl: "http://127.0.0.1:8000", pocketbaseUrl: "http://[::1]:8090" };
    expect(judge("shop.acme.example", {}, local).refusals).toEqual([]);
  });

  it("any custom domain on a template without a web container: it is never attached", () => {
    const bot = tenant("chirp", "telegram-bot", { customDomain: "coolify.cloudfreedom.test", customDomainVerified: true });
    const { refusals, decisions } = applyDomainPolicy([bot], POLICY, (t) => t.template !== "telegram-bot");
    expect(refusals).toEqual([]);
    expect(decisions.has("chirp")).toBe(false);
  });
});

/** The plans of tenants that must all pass. */
function planTenants(tenants: Tenant[], platform: typeof PLATFORM) {
  const { plans, invalid } = planAll(tenants, platform);
  expect(invalid).toEqual([]);
  return plans;
}

describe("planTenants with the domain policy", () => {
  it("puts only a verified custom domain on the stack, and reports an unverified one in statusReason", () => {
    const [acme, bolt] = planTenants(
      [tenant("acme", "llm-stack", { customDomain: "chat.acme.example" }), tenant("bolt", "openclaw", { customDomain: "agents.bolt.example", customDomainVerified: true })],
      PLATFORM,
    );
    expect(acme.hosts).toEqual(["acme.agents.cloudfreedom.test"]);
    expect(acme.statusReason).toMatch(/^custom domain chat\.acme\.example is left off until it is verified/);
    expect(bolt.hosts).toEqual(["bolt.agents.cloudfreedom.test", "agents.bolt.example"]);
    expect(bolt.statusReason).toBe("");
  });

  it("refuses only the offender, like a render error, and plans the others", () => {
    const tenants = [tenant("acme", "llm-stack"), tenant("bolt", "openclaw", { customDomain: "acme.agents.cloudfreedom.test", customDomainVerified: true })];
    const { plans, invalid } = planAll(tenants, PLATFORM);
    expect(plans.map((p) => p.tenant.slug)).toEqual(["acme"]);
    expect(invalid.map((i) => i.tenant.slug)).toEqual(["bolt"]);
    const [error] = invalid[0].errors;
    expect([error.tenant, error.field]).toEqual(["bolt", "custom_domain"]);
    expect(error.message).toContain(`tenant "bolt": custom_domain: custom domain "acme.agents.cloudfreedom.test" is under the platform's base domain`);
    expect(error.message).toContain(`it is tenant "acme"'s host`);
  });

  it("lets a cancelled tenant claim nothing: its old custom domain does not block another tenant", () => {
    const gone = tenant("gone", "openclaw", { status: "cancelled", customDomain: "shop.example.com", customDomainVerified: true });
    const [bolt] = planTenants([gone, tenant("bolt", "openclaw", { customDomain: "shop.example.com", customDomainVerified: true })], PLATFORM);
    expect(bolt.hosts).toEqual(["bolt.agents.cloudfreedom.test", "shop.example.com"]);
  });
});
