// Identity, pure: markers carry the tenant's PocketBase id beside the stack; a create adopts only what is marked for
// the same tenant and stack, whatever its name, and refuses by name what is marked for another tenant (or for none,
// from before tenant ids). The takeover: tenant A held as `acme` keeps `cf-acme`; newcomer C signs up as `acme`.
import { describe, expect, it } from "vitest";
import type * as coolify from "../../lib/coolify";
import { assertSameTenant, TenantOwnerError } from "../../providers/ownership";
import { adoptable as adoptableProject, coolifyDescription as projectDescription, projectOwner, type ProjectInputs } from "../../providers/project";
import { adoptable as adoptableService, coolifyDescription as serviceDescription, serviceOwner, type ServiceInputs } from "../../providers/service-model";

const STACK = "organization/cloudfreedom-agents/prod";
const A = "a1b2c3d4e5f6g7h";
const C = "c9c8c7c6c5c4c3c";

const service = (tenantId: string | undefined, fields: Partial<ServiceInputs> = {}): ServiceInputs => ({
  name: "cf-acme", projectUuid: "p1", serverUuid: "s1", compose: "services: {}", env: {}, templateRef: "openclaw@1.0.0", owner: STACK, tenantId, tenant: "acme", ...fields,
});
const listed = (uuid: string, inputs: ServiceInputs): coolify.ServiceSummary => ({ uuid, name: inputs.name, description: serviceDescription(inputs) }) as coolify.ServiceSummary;
const project = (tenantId: string | undefined, fields: Partial<ProjectInputs> = {}): ProjectInputs => ({ name: "Tenant acme", description: "CloudFreedom tenant acme", owner: STACK, tenantId, ...fields });
const listedProject = (uuid: string, inputs: ProjectInputs): coolify.Project => ({ uuid, name: inputs.name, description: projectDescription(inputs) }) as coolify.Project;

describe("markers name the tenant", () => {
  it("writes the tenant id beside the stack, and reads both back", () => {
    expect(serviceDescription(service(A))).toBe(`openclaw@1.0.0 [cloudfreedom-agents stack=${STACK} tenant=${A} project=p1 env=production server=s1]`);
    expect(serviceOwner({ description: serviceDescription(service(A)) })).toEqual({ marked: true, stack: STACK, tenant: A });
    expect(projectDescription(project(A))).toBe(`CloudFreedom tenant acme (managed by cloudfreedom-agents stack=${STACK} tenant=${A})`);
    expect(projectOwner({ description: projectDescription(project(A)) })).toEqual({ marked: true, stack: STACK, tenant: A });
  });

  it("reads markers from before tenant ids as naming no tenant", () => {
    expect(serviceOwner({ description: serviceDescription(service(undefined)) })).toEqual({ marked: true, stack: STACK });
    expect(projectOwner({ description: "x (managed by cloudfreedom-agents)" })).toEqual({ marked: true });
  });
});

describe("a Service create adopts by tenant id, never by name", () => {
  it("adopts the service marked for this tenant and stack, even under the name of an old slug", () => {
    const renamed = listed("u-a", service(A, { name: "cf-acme" }));
    expect(adoptableService([renamed], service(A, { name: "cf-acme-corp", tenant: "acme-corp" }))?.uuid).toBe("u-a");
  });

  it("refuses the takeover: a service of this name marked for another tenant, naming this tenant and the fix but not the other tenant", () => {
    const held = listed("u-a", service(A));
    expect(() => adoptableService([held], service(C))).toThrow(TenantOwnerError);
    expect(() => adoptableService([held], service(C))).toThrow(
      `Coolify service "cf-acme" (u-a) belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${C}; refusing to adopt or restart it. Nothing was changed. ` +
        `Names come from slugs and decide nothing: let that tenant's own run move it off this name (fix its record if it is held), ` +
        `or delete that tenant's stack, before tenant ${C} can use the name; or give tenant ${C} another slug.`,
    );
    expect(() => adoptableService([held], service(C))).not.toThrow(A);
  });

  it("refuses a service of this name whose marker is from before tenant ids: it cannot say whose it is", () => {
    const legacy = listed("u-old", service(undefined));
    expect(() => adoptableService([legacy], service(C))).toThrow(
      new RegExp(`^Coolify service "cf-acme" \\(u-old\\) carries an ownership marker from before tenant ids, so it cannot be attributed to tenant ${C}; .*add tenant=${C} after the stack`),
    );
  });

  it("creates its own beside another tenant's service of another name", () => {
    expect(adoptableService([listed("u-b", service(A, { name: "cf-bolt" }))], service(C))).toBeUndefined();
  });

  it("refuses this tenant's service marked by another stack unless the run claims from it", () => {
    const dev = "organization/cloudfreedom-agents/dev";
    const theirs = listed("u-d", service(A, { owner: dev }));
    expect(() => adoptableService([theirs], service(A))).toThrow(`belongs to the Pulumi stack ${dev}, not to this one (${STACK}); refusing to adopt or restart it`);
    expect(adoptableService([theirs], service(A, { claimFrom: dev }))?.uuid).toBe("u-d");
  });

  it("never adopts across placements: a replacement creates its own", () => {
    expect(adoptableService([listed("u-a", service(A))], service(A, { serverUuid: "s2" }))).toBeUndefined();
  });
});

describe("a Project create adopts by tenant id, never by name", () => {
  it("refuses the takeover of another tenant's project of this name", () => {
    expect(() => adoptableProject([listedProject("p-a", project(A))], project(C))).toThrow(
      `Coolify project "Tenant acme" (p-a) belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${C}; refusing to adopt it.`,
    );
  });

  it("adopts its own project under an old slug's name, and the shared project (no tenant) by name", () => {
    expect(adoptableProject([listedProject("p-a", project(A))], project(A, { name: "Tenant acme-corp" }))?.uuid).toBe("p-a");
    const shared = project(undefined, { name: "Agents", description: "CloudFreedom tenants" });
    expect(adoptableProject([listedProject("p-s", shared)], shared)?.uuid).toBe("p-s");
    expect(() => adoptableProject([listedProject("p-s", shared)], project(C, { name: "Agents" }))).toThrow(/cannot be attributed to tenant/);
  });
});

describe("state keeps its tenant", () => {
  it("refuses to hand a resource recorded for one tenant to another, and upgrades state without a tenant", () => {
    expect(() => assertSameTenant('Coolify service "cf-acme" (u-a)', A, C)).toThrow(`belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${C}; refusing to reuse it`);
    expect(() => assertSameTenant('Coolify service "cf-acme" (u-a)', undefined, C)).not.toThrow();
    expect(() => assertSameTenant('Coolify service "cf-acme" (u-a)', A, A)).not.toThrow();
  });
});
