import { describe, expect, it } from "vitest";
import type { Tenant } from "../../lib/tenants/tenant";
import type { RunRequest } from "../../reconciler/queue";
import { planScope, readDeployed, tenantOfUrn, withSlugs, type Deployed } from "../../reconciler/scope";

const urn = (slug: string) => `urn:pulumi:test::cloudfreedom-agents::cloudfreedom:tenant:Stack::${slug}`;
const child = (slug: string, part: string) => `urn:pulumi:test::cloudfreedom-agents::cloudfreedom:tenant:Stack$pulumi-nodejs:dynamic/coolify:Service::${slug}-${part}`;

function tenant(slug: string, plan = "plan-pro", status: Tenant["status"] = "active"): Tenant {
  return {
    id: `id${slug}`, slug, name: slug, status, template: "openclaw", customDomainVerified: false, settings: {}, secrets: {}, telegramAllowFrom: [],
    plan: { id: plan, name: plan, tier: "pro", allowedTemplates: ["openclaw"], models: [], limits: {} },
  };
}

function deployed(...slugs: string[]): Deployed {
  return { components: new Map(slugs.map((s) => [s, urn(s)])), parents: new Map(), serviceStatus: new Map(), pendingOperations: 0 };
}

const change = (collection: string, id: string): RunRequest => ({ triggers: ["realtime"], full: false, changes: [{ collection, id, action: "update", seenAt: 0 }], tenants: [] });

describe("planScope", () => {
  const tenants = [tenant("acme"), tenant("bolt", "plan-starter"), tenant("chirp", "plan-starter")];

  it("targets the changed tenant and excludes every other deployed one", () => {
    expect(planScope(change("tenants", "idacme"), tenants, deployed("acme", "bolt", "chirp"))).toEqual({ kind: "targeted", tenants: ["acme"], exclude: [urn("bolt"), urn("chirp")] });
  });

  it("targets a new tenant without excluding it (its resources do not exist yet)", () => {
    expect(planScope(change("tenants", "idchirp"), tenants, deployed("acme", "bolt"))).toEqual({ kind: "targeted", tenants: ["chirp"], exclude: [urn("acme"), urn("bolt")] });
  });

  it("maps a plan change to the tenants on that plan", () => {
    expect(planScope(change("plans", "plan-starter"), tenants, deployed("acme", "bolt", "chirp"))).toEqual({ kind: "targeted", tenants: ["bolt", "chirp"], exclude: [urn("acme")] });
  });

  it("runs in full when a tenant would be added that no change names (the guard must see it)", () => {
    const scope = planScope(change("tenants", "idacme"), tenants, deployed("acme", "bolt"));
    expect(scope).toMatchObject({ kind: "full", reason: "tenants chirp are to be added" });
  });

  it("runs a teardown in full, even of the changed tenant (the engine deletes nothing in a run with excludes)", () => {
    const cancelled = [tenants[0], tenants[1], tenant("chirp", "plan-starter", "cancelled")];
    expect(planScope(change("tenants", "idchirp"), cancelled, deployed("acme", "bolt", "chirp"))).toMatchObject({ kind: "full", reason: "tenants chirp are to be torn down" });
  });

  it("runs in full for an unknown record, another collection, a full request, pending operations or a missing tenant list", () => {
    expect(planScope(change("tenants", "gone"), tenants, deployed("acme")).kind).toBe("full");
    expect(planScope(change("agent_tenants", "idacme"), tenants, deployed("acme", "bolt", "chirp")).kind).toBe("full");
    expect(planScope({ ...change("tenants", "idacme"), full: true }, tenants, deployed("acme", "bolt", "chirp")).kind).toBe("full");
    expect(planScope(change("tenants", "idacme"), tenants, { ...deployed("acme", "bolt", "chirp"), pendingOperations: 1 }).kind).toBe("full");
    expect(planScope(change("tenants", "idacme"), undefined, deployed("acme")).kind).toBe("full");
  });

  it("runs in full when the changes concern every deployed tenant, or a plan no tenant is on", () => {
    expect(planScope(change("tenants", "idacme"), [tenants[0]], deployed("acme")).kind).toBe("full");
    expect(planScope(change("plans", "plan-unused"), tenants, deployed("acme", "bolt", "chirp")).kind).toBe("full");
  });

  it("resolves API tenants by slug or id, and runs in full for a name it does not know", () => {
    const api = (names: string[]): RunRequest => ({ triggers: ["api"], full: false, changes: [], tenants: names });
    expect(planScope(api(["acme", "idbolt"]), tenants, deployed("acme", "bolt", "chirp"))).toMatchObject({ kind: "targeted", tenants: ["acme", "bolt"] });
    expect(planScope(api(["nobody"]), tenants, deployed("acme", "bolt", "chirp")).kind).toBe("full");
  });
});

describe("reading the stack export", () => {
  it("finds tenant components, parents, service statuses and pending operations, and the tenant of a child resource", () => {
    const state = readDeployed({
      resources: [
        { urn: "urn:pulumi:test::p::pulumi:pulumi:Stack::p-test", type: "pulumi:pulumi:Stack" },
        { urn: urn("acme"), type: "cloudfreedom:tenant:Stack", parent: "urn:pulumi:test::p::pulumi:pulumi:Stack::p-test" },
        { urn: child("acme", "service"), type: "pulumi-nodejs:dynamic/coolify:Service", parent: urn("acme"), outputs: { status: "running:healthy" } },
      ],
      pending_operations: [{ type: "creating" }],
    });
    expect([...state.components.keys()]).toEqual(["acme"]);
    expect(state.pendingOperations).toBe(1);
    expect(state.serviceStatus).toEqual(new Map([["acme", "running:healthy"]]));
    expect(tenantOfUrn(child("acme", "service"), state.parents)).toBe("acme");
    expect(tenantOfUrn("urn:pulumi:test::p::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard", state.parents)).toBeUndefined();
  });
});

describe("withSlugs", () => {
  it("keys components named by tenant id (and legacy slug names) by slug, so scopes compare with the tenant list", () => {
    const tenants = [{ id: "idacme", slug: "acme" }, { id: "idbolt", slug: "bolt" }] as Tenant[];
    const deployed = { components: new Map([["idacme", urn("idacme")], ["bolt", urn("bolt")], ["idgone", urn("idgone")]]), parents: new Map(), serviceStatus: new Map([["idacme", "running:healthy"]]), pendingOperations: 0 };
    const keyed = withSlugs(deployed, tenants);
    expect([...keyed.components.keys()]).toEqual(["acme", "bolt", "idgone"]);
    expect(keyed.serviceStatus.get("acme")).toBe("running:healthy");
  });
});
