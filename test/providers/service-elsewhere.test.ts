// A Service create that finds this tenant's service, marked by this fleet, at another placement (program/shard.ts: every
// shard writes the fleet's owner, so another shard's service of the tenant looks like ours): never adopted, and no second
// service beside it unless the run replaces it (CLOUDFREEDOM_MOVE or CLOUDFREEDOM_ALLOW_REPLACE).
import { describe, expect, it } from "vitest";
import { createProject } from "../../lib/coolify";
import { provider, ServiceElsewhereError, type ServiceInputs } from "../../providers/service";
import { COMPOSE, useEmulator, writes } from "./harness";

const FLEET = "organization/cloudfreedom-agents/prod";
const A = "aaaaaaaaaaaaaa1";
const B = "bbbbbbbbbbbbbb2";
const services = provider as Required<typeof provider>;

describe("a tenant's service marked at another placement", () => {
  const h = useEmulator();
  const inputs = (projectUuid: string, serverUuid: string, fields: Partial<ServiceInputs> = {}): ServiceInputs => ({
    name: "cf-acme", projectUuid, serverUuid, compose: COMPOSE, env: { GREETING: "a" }, templateRef: "test@1.0.0",
    healthTimeoutSeconds: 5, owner: FLEET, tenantId: A, tenant: "acme", ...fields,
  });

  it("refuses to create a second service on another server, naming the tenant, the service and the fix, with no write", async () => {
    const { uuid: project } = await createProject(h.conn, { name: "Tenant acme" });
    const { id: first } = await services.create(inputs(project, h.emulator.serverUuid));
    const { server } = h.emulator.store.addServer({ name: "second", ip: "10.0.0.11" });
    h.emulator.requests.length = 0;
    const error = await services.create(inputs(project, server.uuid)).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceElsewhereError);
    expect((error as Error).message).toContain(`tenant acme: Coolify service "cf-acme" (${first}) is already marked for this tenant by this fleet`);
    expect((error as Error).message).toContain("move its state to the stack of the shard that declares it");
    expect(writes(h.emulator)).toEqual([]);
    expect(h.emulator.store.findServices({ name: "cf-acme" }).map((s) => s.uuid)).toEqual([first]);
  });

  it("creates the replacement beside it when the run replaces the tenant's service, and ignores other tenants' services", async () => {
    const { uuid: project } = await createProject(h.conn, { name: "Tenant acme" });
    const { id: first } = await services.create(inputs(project, h.emulator.serverUuid));
    const { server } = h.emulator.store.addServer({ name: "second", ip: "10.0.0.11" });
    const { id: replacement } = await services.create(inputs(project, server.uuid, { allowReplace: true }));
    expect(replacement).not.toBe(first);
    const { id: other } = await services.create(inputs(project, server.uuid, { tenantId: B, tenant: "bolt", name: "cf-bolt" }));
    expect(h.emulator.store.findServices().map((s) => s.uuid).sort()).toEqual([first, replacement, other].sort());
  });
});
