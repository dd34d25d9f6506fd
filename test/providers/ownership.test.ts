// Markers name the stack: the Project and Service providers adopt only their own stack's objects (or a legacy
// marker without a stack), refuse another stack's by name, take one over only when the run claims it, and check
// the marker before a delete. The Domain never clears the URLs of a service another stack has claimed.
import { describe, expect, it } from "vitest";
import { createProject, updateService } from "../../lib/coolify";
import { provider as domainProvider } from "../../providers/domain";
import { provider as projectProvider, type ProjectInputs } from "../../providers/project";
import { provider as serviceProvider, type ServiceInputs } from "../../providers/service";
import { calls, COMPOSE, useEmulator, writes, type Harness } from "./harness";

const ours = "organization/cloudfreedom-agents/prod";
const theirs = "organization/cloudfreedom-agents/dev";
const projects = projectProvider as Required<typeof projectProvider>;
const services = serviceProvider as Required<typeof serviceProvider>;
const domains = domainProvider as Required<typeof domainProvider>;

async function serviceInputs(h: Harness, owner = ours): Promise<ServiceInputs> {
  const { uuid } = await createProject(h.conn, { name: "Tenant acme" });
  return {
    name: "cf-acme", projectUuid: uuid, serverUuid: h.emulator.serverUuid, compose: COMPOSE, env: { GREETING: "hi" },
    templateRef: "test@1.0.0", healthTimeoutSeconds: 5, owner, tenant: "acme",
  };
}

describe("Project ownership markers", () => {
  const h = useEmulator();
  const inputs: ProjectInputs = { name: "Tenant acme", description: "acme agents", owner: ours };

  it("writes the stack into the marker and adopts only a project carrying it", async () => {
    const { id } = await projects.create(inputs);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })[0].description).toBe(`acme agents (managed by cloudfreedom-agents stack=${ours})`);
    h.emulator.requests.length = 0;
    expect((await projects.create(inputs)).id).toBe(id);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/projects$/)).toEqual([]);
  });

  it("refuses another stack's project of the same name, naming that stack, unless the run claims from it", async () => {
    const { id } = await projects.create({ ...inputs, owner: theirs });
    h.emulator.requests.length = 0;
    await expect(projects.create(inputs)).rejects.toThrow(
      `Coolify project "Tenant acme" (${id}) belongs to the Pulumi stack ${theirs}, not to this one (${ours}); refusing to adopt it.`,
    );
    expect(writes(h.emulator)).toEqual([]);
    const claimed = await projects.create({ ...inputs, claimFrom: theirs });
    expect(claimed.id).toBe(id);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })[0].description).toContain(`stack=${ours}`);
  });

  it("adopts a legacy marker without a stack, and rewrites it", async () => {
    const { uuid } = await createProject(h.conn, { name: "Tenant acme", description: "old (managed by cloudfreedom-agents)" });
    expect((await projects.create(inputs)).id).toBe(uuid);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })[0].description).toContain(`stack=${ours}`);
  });

  it("refuses to delete a project another stack has claimed, and deletes its own", async () => {
    const { id, outs } = await projects.create(inputs);
    await projects.create({ ...inputs, owner: theirs, claimFrom: ours });
    await expect(projects.delete(id, outs!)).rejects.toThrow(`belongs to the Pulumi stack ${theirs}`);
    expect(calls(h.emulator, "DELETE", /\/projects\//)).toEqual([]);
    await projects.create({ ...inputs, claimFrom: theirs });
    await projects.delete(id, outs!);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })).toEqual([]);
  });
});

describe("Service ownership markers", () => {
  const h = useEmulator();

  it("refuses another stack's service at the same placement: never adopted, never restarted", async () => {
    const inputs = await serviceInputs(h);
    const { id } = await services.create({ ...inputs, owner: theirs });
    h.emulator.requests.length = 0;
    await expect(services.create(inputs)).rejects.toThrow(
      `Coolify service "cf-acme" (${id}) belongs to the Pulumi stack ${theirs}, not to this one (${ours}); refusing to adopt or restart it. ` +
        "Another checkout or backend manages it: run there instead. For a deliberate migration to this stack: " +
        `CLOUDFREEDOM_CLAIM_FROM=${theirs} pulumi up`,
    );
    expect(writes(h.emulator)).toEqual([]);
    expect(h.emulator.store.findServices({ name: "cf-acme" })).toHaveLength(1);
  });

  it("takes another stack's service over when the run claims from that stack, rewriting the marker", async () => {
    const inputs = await serviceInputs(h);
    const { id } = await services.create({ ...inputs, owner: theirs });
    const claimed = await services.create({ ...inputs, claimFrom: theirs });
    expect(claimed.id).toBe(id);
    expect(h.emulator.store.findService(id)!.description).toContain(`[cloudfreedom-agents stack=${ours} project=`);
  });

  it("adopts a legacy marker, and an update rewrites it to name the stack", async () => {
    const inputs = await serviceInputs(h);
    const { id, outs } = await services.create({ ...inputs, owner: undefined });
    expect(h.emulator.store.findService(id)!.description).toMatch(/\[cloudfreedom-agents project=/);
    expect(await services.diff(id, outs!, inputs)).toMatchObject({ changes: true, replaces: [] });
    h.emulator.requests.length = 0;
    await services.update(id, outs!, inputs);
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/services/${id}`]);
    expect(h.emulator.store.findService(id)!.description).toContain(`stack=${ours}`);
  });

  it("checks the marker before a delete: another stack's or no marker is refused, nothing deleted", async () => {
    const inputs = await serviceInputs(h);
    const { id, outs } = await services.create(inputs);
    await services.create({ ...inputs, owner: theirs, claimFrom: ours });
    await expect(services.delete(id, outs!)).rejects.toThrow(`belongs to the Pulumi stack ${theirs}, not to this one (${ours}); refusing to delete it`);
    await expect(domains.delete(`${id}/web`, { serviceUuid: id, container: "web", urls: [], applicationUuid: "x", fqdn: "", owner: ours })).rejects.toThrow(
      `belongs to the Pulumi stack ${theirs}`,
    );
    await updateService(h.conn, id, { description: "edited by hand" });
    await expect(services.delete(id, outs!)).rejects.toThrow(/no longer carries the cloudfreedom-agents ownership marker/);
    expect(calls(h.emulator, "DELETE", /\/services\//)).toEqual([]);
    expect(calls(h.emulator, "PATCH", /\/applications\//)).toEqual([]);
    expect(h.emulator.store.findService(id)).toBeDefined();
  });
});

describe("Service partial state after a successful POST", () => {
  const h = useEmulator();

  async function failure(inputs: ServiceInputs): Promise<Error & { id?: string; properties?: Record<string, unknown> }> {
    return services.create(inputs).then(() => { throw new Error("expected the create to fail"); }, (e: Error) => e);
  }

  it("records the id when the start answer is lost", async () => {
    const inputs = await serviceInputs(h);
    h.emulator.faults.dropNext({ method: "POST", pathPrefix: "/api/v1/services/", count: 1, afterProcessing: true });
    const error = await failure(inputs);
    const [service] = h.emulator.store.findServices({ name: "cf-acme" });
    expect(error.message).toMatch(/\/start failed \(no response\)/);
    expect(error.id).toBe(service.uuid);
    expect(error.properties).toMatchObject({ uuid: service.uuid, env: {}, name: "cf-acme" });
  });

  it("records the id when the env bulk answer is lost", async () => {
    const inputs = await serviceInputs(h);
    h.emulator.faults.dropNext({ method: "PATCH", pathPrefix: "/api/v1/services/", count: 5, afterProcessing: true });
    const error = await failure(inputs);
    const [service] = h.emulator.store.findServices({ name: "cf-acme" });
    expect(error.message).toMatch(/envs\/bulk failed \(no response\)/);
    expect(error.id).toBe(service.uuid);
    expect(calls(h.emulator, "POST", /\/start$/)).toEqual([]);
  });

  it("records an unhealthy service as converged-with-a-problem in record mode, and restarts it on the next update", async () => {
    const inputs = { ...(await serviceInputs(h)), healthTimeoutSeconds: 0.3, onUnhealthy: "record" as const };
    h.emulator.faults.markContainer("web", "unhealthy");
    const { id, outs } = await services.create(inputs);
    expect(outs).toMatchObject({ status: "running:unhealthy", problem: expect.stringMatching(/did not become running:healthy within 0.3s/) });
    h.emulator.faults.clearContainer("web");
    expect(await services.diff(id, outs!, inputs)).toMatchObject({ changes: true, replaces: [] });
    h.emulator.requests.length = 0;
    const { outs: healed } = await services.update(id, outs!, inputs);
    expect(writes(h.emulator)).toEqual([`POST /api/v1/services/${id}/restart`]);
    expect(healed).toMatchObject({ status: "running:healthy", problem: "" });
    expect(await services.diff(id, healed!, inputs)).toMatchObject({ changes: false });
  });
});
