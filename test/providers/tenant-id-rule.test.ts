// One tenant-id rule: every id the tenant loader accepts passes the providers' checks (and fits the project's marker),
// and what the loader refuses the providers refuse too. Before, the loader took 1-64 lower-case letters and digits
// while the providers took 1-40 of [A-Za-z0-9_-]: a 41-64 character id loaded, then failed every resource's check.
import { describe, expect, it } from "vitest";
import { TENANT_ID_PATTERN } from "../../lib/tenants/tenant";
import { checkProject, coolifyDescription, type ProjectInputs } from "../../providers/project";
import { checkService, type ServiceInputs } from "../../providers/service-model";

const STACK = "organization/cloudfreedom-agents/prod";
const project = (tenantId: string): ProjectInputs => ({ name: "Tenant acme", description: "CloudFreedom tenant acme", owner: STACK, tenantId });
const service = (tenantId: string): ServiceInputs => ({
  name: "cf-acme", projectUuid: "p1", serverUuid: "s1", compose: "services:\n  web:\n    image: nginx\n", env: {}, templateRef: "openclaw@1.0.0", owner: STACK, tenantId, tenant: "acme",
});
const tenantIdFailures = (failures: Array<{ property: string }>) => failures.filter((f) => f.property === "tenantId");

describe("the tenant id rule is one rule", () => {
  it.each(["a", "bolt00000000001", "z".repeat(64)])("accepts in the providers what the loader accepts: %s", (id) => {
    expect(TENANT_ID_PATTERN.test(id)).toBe(true);
    expect(tenantIdFailures(checkProject(project(id)))).toEqual([]);
    expect(tenantIdFailures(checkService(service(id)))).toEqual([]);
  });

  it.each(["Acme", "a_b", "a-b", "z".repeat(65), ""])("refuses in the providers what the loader refuses: %j", (id) => {
    expect(TENANT_ID_PATTERN.test(id)).toBe(false);
    if (id === "") return; // an empty id is no id: the providers take it as unset
    expect(tenantIdFailures(checkProject(project(id)))).toHaveLength(1);
    expect(tenantIdFailures(checkService(service(id)))).toHaveLength(1);
  });

  it("keeps the longest id's project marker within Coolify's 255-character description", () => {
    // The longest description the check accepts, with a 64-character id and a 70-character stack name (+ " stack=").
    const owner = `org/cloudfreedom-agents/${"s".repeat(70 - "org/cloudfreedom-agents/".length)}`;
    const inputs = (length: number): ProjectInputs => ({ ...project("z".repeat(64)), owner, description: "d".repeat(length) });
    let longest = 254;
    while (longest > 0 && checkProject(inputs(longest)).some((f) => f.property === "description")) longest -= 1;
    // What the program writes for the longest slug (32 characters) still fits.
    expect(longest).toBeGreaterThanOrEqual(`CloudFreedom tenant ${"s".repeat(32)}`.length);
    expect(coolifyDescription(inputs(longest)).length).toBeLessThanOrEqual(255);
  });
});
