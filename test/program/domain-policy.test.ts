import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config";
import type { Tenant } from "../../lib/tenants/tenant";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { normaliseHost } from "../../lib/hosts";
import { applyDomainPolicy, routedHosts, type DomainPlatform } from "../../program/domain-policy";
import { planTenants as planAll } from "../../program/plan";
import { TenantRefusal } from "../../program/refusal";
import { TemplateError } from "../../templates";
import { PLATFORM, tenant } from "./fixtures";

const POLICY: DomainPlatform = { ...PLATFORM, reservedHosts: ["status.cloudfreedom.test", "*.ops.cloudfreedom.test", "Bücher.CloudFreedom.test."] };
const web = () => true;

/** A tenant whose custom domain the Admin Portal verified, host and all. */
function verified(domain: string): Partial<Tenant> {
  return { customDomain: domain, customDomainVerified: true, customDomainVerifiedHost: domain };
}

/** acme (the tenant under test, custom domain `domain`, verified for that host unless told) next to bolt and chirp. */
function judge(domain: string, fields: Partial<Tenant> = {}, platform = POLICY) {
  const tenants = [
    tenant("acme", "llm-stack", { ...verified(domain), ...fields }),
    tenant("bolt", "openclaw", verified("agents.bolt.example")),
    tenant("chirp", "telegram-bot"),
  ];
  return applyDomainPolicy(tenants, platform, (t) => t.template !== "telegram-bot");
}

function refusalOf(domain: string, fields: Partial<Tenant> = {}, field = "custom_domain"): TenantRefusal {
  const { refusals, decisions } = judge(domain, fields);
  expect(refusals, domain).toHaveLength(1);
  expect(decisions.has("id-acme")).toBe(false);
  const [refusal] = refusals;
  expect(refusal).toBeInstanceOf(TemplateError);
  expect([refusal.tenant, refusal.field]).toEqual(["acme", field]);
  expect(refusal.message).toMatch(new RegExp(`^tenant "acme": ${field}: .+\\. Fix: .+`));
  return refusal;
}

/** What a refused tenant can read of its refusals (its record's status_reason) names no other tenant. */
function expectNoOtherTenant(refusals: TenantRefusal[], others = ["bolt", "chirp", "dusk", "echo", "old"]) {
  for (const refusal of refusals) for (const other of others.filter((o) => o !== refusal.tenant)) expect(refusal.message).not.toMatch(new RegExp(`\\b${other}\\b(?!\\.(example|agents))`));
}

/** A write-back record whose URLs still route the given hosts to its tenant. */
function record(tenantId: string, hosts: string[]): [string, Provisioning] {
  const urls = Object.fromEntries(hosts.map((host, i) => [i === 0 ? "primary" : `custom${i}`, `https://${host}`]));
  return [tenantId, { id: `rec-${tenantId}`, tenantId, coolifyProjectUuid: "p", coolifyServiceUuid: "s", templateRef: "openclaw@1.0.0", status: "running:healthy", statusReason: "", urls, lastError: "", credentials: {} }];
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
    ["another tenant's <slug>.<baseDomain>", "bolt.agents.cloudfreedom.test", /where only "acme.agents.cloudfreedom.test" belongs to this tenant$/],
    ["a web-less tenant's <slug>.<baseDomain>", "chirp.agents.cloudfreedom.test", /where only "acme.agents.cloudfreedom.test" belongs to this tenant$/],
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
    ["upper case and a trailing dot on another tenant's host", "BOLT.Agents.CloudFreedom.TEST.", /under the platform's base domain/],
    ["the punycode of a reserved IDN (configured in Unicode)", "xn--bcher-kva.cloudfreedom.test", /config reservedHosts "Bücher.CloudFreedom.test."/],
    ["the Unicode of a reserved IDN", "bücher.cloudfreedom.test", /config reservedHosts/],
    ["a punycode host under the base domain", "xn--nwco-loa.agents.cloudfreedom.test", /under the platform's base domain/],
    ["a Unicode host under the base domain", "néwco.agents.cloudfreedom.test", /under the platform's base domain/],
  ])("the same hosts written with %s (%s)", (_what, domain, reason) => {
    expect(refusalOf(domain).problem).toMatch(reason);
  });

  it("platform hosts even when the custom domain is unverified", () => {
    expect(refusalOf("coolify.cloudfreedom.test", { customDomainVerified: false }).problem).toMatch(/reserved for the platform/);
    expect(refusalOf("bolt.agents.cloudfreedom.test", { customDomainVerified: false }).problem).toMatch(/under the platform's base domain/);
  });

  it("a custom domain verified by two tenants at once: each claimant, naming no other tenant", () => {
    const tenants = [
      tenant("acme", "llm-stack", verified("shop.example.com")),
      tenant("bolt", "openclaw", { ...verified("SHOP.example.com."), customDomainVerifiedHost: "shop.example.com" }),
      tenant("dusk", "openclaw", verified("xn--bcher-kva.example")),
      tenant("echo", "openclaw", { ...verified("bücher.example"), customDomainVerifiedHost: "BÜCHER.example" }),
    ];
    const { refusals, decisions } = applyDomainPolicy(tenants, POLICY, web);
    expect(refusals.map((r) => [r.tenant, r.problem])).toEqual([
      ["acme", 'custom domain "shop.example.com" is verified for another tenant as well'],
      ["bolt", 'custom domain "shop.example.com" is verified for another tenant as well'],
      ["dusk", 'custom domain "xn--bcher-kva.example" is verified for another tenant as well'],
      ["echo", 'custom domain "xn--bcher-kva.example" is verified for another tenant as well'],
    ]);
    expectNoOtherTenant(refusals);
    expect(decisions.size).toBe(0);
  });

  it("a bad reservedHosts entry, as a config error", () => {
    expect(() => judge("shop.example.com", {}, { ...POLICY, reservedHosts: ["bad host"] })).toThrow(ConfigError);
  });
});

describe("the domain policy allows", () => {
  it("a verified custom domain, normalised", () => {
    const { refusals, decisions } = judge("Shop.Acme.EXAMPLE.");
    expect(refusals).toEqual([]);
    expect(decisions.get("id-acme")).toEqual({ customHost: "shop.acme.example" });
  });

  it("leaves an unverified custom domain off and says why", () => {
    const { refusals, decisions } = judge("shop.acme.example", { customDomainVerified: false });
    expect(refusals).toEqual([]);
    expect(decisions.get("id-acme")?.customHost).toBeUndefined();
    expect(decisions.get("id-acme")?.leftOff).toBe("custom domain shop.acme.example is left off until the Admin Portal has verified this host (custom_domain_verified, custom_domain_verified_host); the tenant answers on its own host meanwhile");
  });

  it("the tenant's own host as its custom domain, adding nothing", () => {
    expect(judge("ACME.agents.cloudfreedom.test.")).toMatchObject({ refusals: [], decisions: new Map([["id-acme", {}], ["id-bolt", { customHost: "agents.bolt.example" }]]) });
  });

  it("platform URLs given as IP addresses (a development stack)", () => {
    const local = { ...POLICY, coolifyUrl: "http://127.0.0.1:8000", pocketbaseUrl: "http://[::1]:8090" };
    expect(judge("shop.acme.example", {}, local).refusals).toEqual([]);
  });

  it("any custom domain on a template without a web container: it is never attached", () => {
    const bot = tenant("chirp", "telegram-bot", { customDomain: "coolify.cloudfreedom.test", customDomainVerified: true });
    const { refusals, decisions } = applyDomainPolicy([bot], POLICY, (t) => t.template !== "telegram-bot");
    expect(refusals).toEqual([]);
    expect(decisions.has("id-chirp")).toBe(false);
  });
});

describe("an unverified custom domain is left off and refuses nobody", () => {
  it("another tenant's verified domain typed as its own: left off, the holder keeps it, nobody is refused", () => {
    for (const variant of ["agents.bolt.example", "Agents.Bolt.Example.", "agents.bolt.example:443"]) {
      const { refusals, decisions } = judge(variant, { customDomainVerified: false, customDomainVerifiedHost: undefined });
      expect(refusals, variant).toEqual([]);
      expect(decisions.get("id-acme")).toEqual({ leftOff: expect.stringMatching(/^custom domain agents\.bolt\.example is left off until the Admin Portal has verified this host/) });
      expect(decisions.get("id-bolt")).toEqual({ customHost: "agents.bolt.example" });
    }
  });

  it("a pending domain typed by several tenants: each is left off and none is refused", () => {
    const tenants = ["acme", "bolt", "dusk"].map((slug) => tenant(slug, "openclaw", { customDomain: "shop.example.com" }));
    const { refusals, decisions } = applyDomainPolicy(tenants, POLICY, web);
    expect(refusals).toEqual([]);
    expect([...decisions.values()].map((d) => d.customHost)).toEqual([undefined, undefined, undefined]);
  });

  it("an unverified claim does not stop the tenant that verifies the domain later", () => {
    const tenants = [tenant("acme", "llm-stack", { customDomain: "shop.example.com" }), tenant("bolt", "openclaw", verified("shop.example.com"))];
    const { refusals, decisions } = applyDomainPolicy(tenants, POLICY, web);
    expect(refusals).toEqual([]);
    expect(decisions.get("id-bolt")).toEqual({ customHost: "shop.example.com" });
    expect(decisions.get("id-acme")?.customHost).toBeUndefined();
  });
});

describe("verification is bound to the host", () => {
  it("leaves off a domain whose verification names another host, or none: a verified flag alone authorises nothing", () => {
    for (const fields of [{ customDomainVerifiedHost: "old.acme.example" }, { customDomainVerifiedHost: undefined }, { customDomainVerifiedHost: "" }, { customDomainVerified: false }]) {
      const { refusals, decisions } = judge("shop.acme.example", fields);
      expect(refusals).toEqual([]);
      expect(decisions.get("id-acme"), JSON.stringify(fields)).toEqual({ leftOff: expect.stringContaining("left off until the Admin Portal has verified this host") });
    }
  });

  it("compares both normalised, and attaches the normalised host", () => {
    for (const [domain, verifiedHost] of [["Shop.Acme.Example.", "shop.acme.example"], ["shop.acme.example:443", "SHOP.acme.example"], ["bücher.example", "xn--bcher-kva.example"], ["shop.xn--p1ai", "shop.рф"]]) {
      const { refusals, decisions } = judge(domain, { customDomainVerifiedHost: verifiedHost });
      expect(refusals).toEqual([]);
      expect(decisions.get("id-acme"), domain).toEqual({ customHost: normaliseHost(domain) });
    }
  });
});

describe("<slug>.<baseDomain> passes the same reserved-host check", () => {
  /** A platform whose hosts lie under the base domain (lib/config.ts warns about it). */
  const FLAT: DomainPlatform = {
    baseDomain: "cloudfreedom.test", coolifyUrl: "https://coolify.cloudfreedom.test", pocketbaseUrl: "https://api.cloudfreedom.test", aiRouterUrl: "https://ai.cloudfreedom.test/v1",
    reservedHosts: ["www.cloudfreedom.test", "status.cloudfreedom.test", "*.ops.cloudfreedom.test"],
  };

  it.each([
    ["coolify", /the Coolify dashboard, config coolifyUrl/],
    ["api", /PocketBase, config pocketbaseUrl/],
    ["ai", /the AI Router, config aiRouterUrl/],
    ["www", /config reservedHosts "www.cloudfreedom.test"/],
    ["status", /config reservedHosts "status.cloudfreedom.test"/],
    ["ops", /config reservedHosts "\*\.ops\.cloudfreedom\.test"/],
  ])("refuses slug %s", (slug, reason) => {
    const { refusals, decisions } = applyDomainPolicy([tenant(slug, "openclaw"), tenant("acme", "llm-stack")], FLAT, web);
    expect(refusals.map((r) => [r.tenant, r.field])).toEqual([[slug, "slug"]]);
    expect(refusals[0].problem).toMatch(new RegExp(`^its host "${slug}\\.cloudfreedom\\.test" is reserved for the platform \\(`));
    expect(refusals[0].problem).toMatch(reason);
    expect([...decisions.keys()]).toEqual(["id-acme"]);
  });

  it("takes a zone that encloses the base domain as the platform's, not the tenants' hosts under it", () => {
    const zoned = { ...POLICY, reservedHosts: ["*.cloudfreedom.test"] };
    const { refusals, decisions } = applyDomainPolicy([tenant("acme", "llm-stack"), tenant("bolt", "openclaw", verified("grafana.cloudfreedom.test"))], zoned, web);
    expect(decisions.get("id-acme")).toEqual({});
    expect(refusals.map((r) => [r.tenant, r.field])).toEqual([["bolt", "custom_domain"]]);
  });

  it("does not judge the slug of a tenant without a web container", () => {
    expect(applyDomainPolicy([tenant("coolify", "telegram-bot")], FLAT, (t) => t.template !== "telegram-bot").refusals).toEqual([]);
  });
});

describe("hosts still routed to a tenant count as that tenant's, by id", () => {
  // "old" was acme: renamed (and held, say), its write-back record still routes acme.agents.cloudfreedom.test to it.
  const old = tenant("acme-corp", "llm-stack", { id: "id-old", ...verified("shop.example.com") });
  const routed = routedHosts(new Map([record("id-old", ["acme.agents.cloudfreedom.test", "shop.example.com"])]));

  it("refuses a newcomer that takes the freed slug while the old host still routes to the old tenant, naming nobody", () => {
    const { refusals, decisions } = applyDomainPolicy([old, tenant("acme", "openclaw")], POLICY, web, routed);
    expect(refusals.map((r) => [r.tenant, r.field, r.problem])).toEqual([["acme", "slug", 'its host "acme.agents.cloudfreedom.test" still routes to another tenant\'s service']]);
    expectNoOtherTenant(refusals, ["acme-corp", "old"]);
    expect(decisions.get("id-old")).toEqual({ customHost: "shop.example.com" });
  });

  it("refuses it also when the old tenant is not deployed in this run (removed, its record not yet gone)", () => {
    const { refusals } = applyDomainPolicy([tenant("acme", "openclaw")], POLICY, web, routed);
    expect(refusals.map((r) => [r.tenant, r.field])).toEqual([["acme", "slug"]]);
  });

  it("refuses a verified custom domain that still routes to another tenant; the routed tenant keeps it", () => {
    const { refusals, decisions } = applyDomainPolicy([old, tenant("bolt", "openclaw", verified("Shop.Example.com"))], POLICY, web, routed);
    expect(refusals.map((r) => [r.tenant, r.field, r.problem])).toEqual([["bolt", "custom_domain", 'custom domain "shop.example.com" still routes to another tenant\'s service']]);
    expect(decisions.get("id-old")).toEqual({ customHost: "shop.example.com" });
  });

  it("lets a tenant keep the hosts routed to itself", () => {
    const own = routedHosts(new Map([record("id-acme", ["acme.agents.cloudfreedom.test", "shop.acme.example"])]));
    const { refusals, decisions } = applyDomainPolicy([tenant("acme", "llm-stack", verified("shop.acme.example"))], POLICY, web, own);
    expect(refusals).toEqual([]);
    expect(decisions.get("id-acme")).toEqual({ customHost: "shop.acme.example" });
  });

  it("reads the hosts from the record's URLs, normalised, skipping what is not a URL", () => {
    const records = new Map([record("id-a", ["ACME.agents.cloudfreedom.test:8080"]), record("id-b", []), ["id-c", { ...record("id-c", [])[1], urls: { primary: "not a url" } }] as [string, Provisioning]]);
    expect(routedHosts(records)).toEqual(new Map([["id-a", ["acme.agents.cloudfreedom.test"]]]));
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
      [tenant("acme", "llm-stack", { customDomain: "chat.acme.example" }), tenant("bolt", "openclaw", verified("agents.bolt.example"))],
      PLATFORM,
    );
    expect(acme.hosts).toEqual(["acme.agents.cloudfreedom.test"]);
    expect(acme.statusReason).toMatch(/^custom domain chat\.acme\.example is left off until the Admin Portal has verified this host/);
    expect(bolt.hosts).toEqual(["bolt.agents.cloudfreedom.test", "agents.bolt.example"]);
    expect(bolt.statusReason).toBe("");
  });

  it("refuses only the offender, like a render error, and plans the others", () => {
    const tenants = [tenant("acme", "llm-stack"), tenant("bolt", "openclaw", verified("acme.agents.cloudfreedom.test"))];
    const { plans, invalid } = planAll(tenants, PLATFORM);
    expect(plans.map((p) => p.tenant.slug)).toEqual(["acme"]);
    expect(invalid.map((i) => i.tenant.slug)).toEqual(["bolt"]);
    const [error] = invalid[0].errors;
    expect([error.tenant, error.field]).toEqual(["bolt", "custom_domain"]);
    expect(error.message).toContain(`tenant "bolt": custom_domain: custom domain "acme.agents.cloudfreedom.test" is under the platform's base domain`);
    expect(error.message).not.toContain(`tenant "acme"`);
  });

  it("lets a cancelled tenant claim nothing: its old custom domain does not block another tenant", () => {
    const gone = tenant("gone", "openclaw", { status: "cancelled", ...verified("shop.example.com") });
    const [bolt] = planTenants([gone, tenant("bolt", "openclaw", verified("shop.example.com"))], PLATFORM);
    expect(bolt.hosts).toEqual(["bolt.agents.cloudfreedom.test", "shop.example.com"]);
  });
});
