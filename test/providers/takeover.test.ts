// The takeover, on the providers against the emulator: tenant A (`acme`) is held, so Coolify keeps `Tenant acme` and
// `cf-acme`; newcomer C signs up as `acme`. C's creates are refused by name, naming A, with no Coolify write: A's
// compose, env and generated password stay A's. A marker from before tenant ids is rewritten by an update, in place.
import { describe, expect, it } from "vitest";
import { createProject } from "../../lib/coolify";
import { provider as projectProvider, type ProjectInputs } from "../../providers/project";
import { provider as serviceProvider, type ServiceInputs } from "../../providers/service";
import { calls, COMPOSE, useEmulator, writes } from "./harness";

const STACK = "organization/cloudfreedom-agents/prod";
const A = "aaaaaaaaaaaaaa1";
const C = "ccccccccccccccc";
const projects = projectProvider as Required<typeof projectProvider>;
const services = serviceProvider as Required<typeof serviceProvider>;
const C_COMPOSE = "services:\n  web:\n    image: ghcr.io/newcomer/agent:1.0.0\n";

describe("a newcomer with a held tenant's old slug", () => {
  const h = useEmulator();
  const project = (tenantId: string): ProjectInputs => ({ name: "Tenant acme", description: "CloudFreedom tenant acme", owner: STACK, tenantId });
  const service = (tenantId: string, projectUuid: string, fields: Partial<ServiceInputs> = {}): ServiceInputs => ({
    name: "cf-acme", projectUuid, serverUuid: h.emulator.serverUuid, compose: COMPOSE, env: { GREETING: "a" }, templateRef: "test@1.0.0",
    healthTimeoutSeconds: 5, owner: STACK, tenantId, tenant: "acme", readGenerated: ["SERVICE_PASSWORD_ADMIN"], ...fields,
  });

  it("cannot adopt A's project or service: both creates are refused by name, naming A, and nothing of A's changes", async () => {
    const { id: projectA } = await projects.create(project(A));
    const { id: serviceA, outs: outsA } = await services.create(service(A, projectA));
    const before = structuredClone(h.emulator.store.findService(serviceA)!);
    h.emulator.requests.length = 0;

    await expect(projects.create(project(C))).rejects.toThrow(`Coolify project "Tenant acme" (${projectA}) belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${C}; refusing to adopt it.`);
    // With a shared project both land in the same project: the service is refused the same way.
    const newcomer = service(C, projectA, { compose: C_COMPOSE, env: { GREETING: "c" } });
    const refused = await services.create(newcomer).then(() => undefined, (e: Error) => e);
    expect(refused?.message.startsWith(`Coolify service "cf-acme" (${serviceA}) belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${C}; refusing to adopt or restart it`)).toBe(true);
    // The refusal reaches C's record: it names no other tenant.
    expect(refused?.message).not.toContain(A);
    expect(refused?.message).not.toContain(outsA!.generated!.SERVICE_PASSWORD_ADMIN);
    expect((refused as { id?: string } | undefined)?.id).toBeUndefined();

    expect(writes(h.emulator)).toEqual([]);
    expect(h.emulator.store.findServices({ name: "cf-acme" })).toHaveLength(1);
    const after = h.emulator.store.findService(serviceA)!;
    expect(after.dockerComposeRaw).toBe(before.dockerComposeRaw);
    expect(after.envs).toEqual(before.envs);
  });

  it("adopts its own service after a lost create answer by the tenant id in the marker", async () => {
    const { id: projectC } = await projects.create(project(C));
    h.emulator.faults.dropNext({ method: "POST", pathPrefix: "/api/v1/services", count: 1, afterProcessing: true });
    const { id } = await services.create(service(C, projectC));
    expect(h.emulator.store.findServices({ name: "cf-acme" }).map((s) => s.uuid)).toEqual([id]);
  });

  it("refuses a service of that name whose marker is from before tenant ids", async () => {
    const { id: projectA } = await projects.create(project(A));
    const { id: legacy } = await services.create(service(A, projectA, { tenantId: undefined }));
    h.emulator.requests.length = 0;
    await expect(services.create(service(C, projectA))).rejects.toThrow(`Coolify service "cf-acme" (${legacy}) carries an ownership marker from before tenant ids`);
    expect(writes(h.emulator)).toEqual([]);
  });
});

describe("markers from before tenant ids", () => {
  const h = useEmulator();

  it("are upgraded in place by the next update: one PATCH each, no replacement, no restart", async () => {
    const { uuid: projectUuid } = await createProject(h.conn, { name: "Tenant acme", description: `CloudFreedom tenant acme (managed by cloudfreedom-agents stack=${STACK})` });
    const oldProject = { name: "Tenant acme", description: "CloudFreedom tenant acme", owner: STACK, uuid: projectUuid, coolifyDescription: `CloudFreedom tenant acme (managed by cloudfreedom-agents stack=${STACK})` };
    const inputs: ServiceInputs = { name: "cf-acme", projectUuid, serverUuid: h.emulator.serverUuid, compose: COMPOSE, env: { GREETING: "a" }, templateRef: "test@1.0.0", healthTimeoutSeconds: 5, owner: STACK, tenant: "acme" };
    const { id, outs } = await services.create(inputs);
    h.emulator.requests.length = 0;

    expect(await projects.diff(projectUuid, oldProject, { ...oldProject, tenantId: A })).toMatchObject({ changes: true, replaces: [] });
    await projects.update(projectUuid, oldProject, { ...oldProject, tenantId: A });
    expect(await services.diff(id, outs!, { ...inputs, tenantId: A })).toMatchObject({ changes: true, replaces: [] });
    const { outs: upgraded } = await services.update(id, outs!, { ...inputs, tenantId: A });
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/projects/${projectUuid}`, `PATCH /api/v1/services/${id}`]);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })[0].description).toBe(`CloudFreedom tenant acme (managed by cloudfreedom-agents stack=${STACK} tenant=${A})`);
    expect(h.emulator.store.findService(id)!.description).toContain(`[cloudfreedom-agents stack=${STACK} tenant=${A} project=${projectUuid}`);
    expect(await services.diff(id, upgraded!, { ...inputs, tenantId: A })).toMatchObject({ changes: false });
    expect(calls(h.emulator, "POST", /\/(restart|start|stop)$/)).toEqual([]);
  });

  it("are never handed to another tenant: a diff of state recorded for A with C's inputs is refused", async () => {
    const { uuid: projectUuid } = await createProject(h.conn, { name: "Tenant acme" });
    const inputs: ServiceInputs = { name: "cf-acme", projectUuid, serverUuid: h.emulator.serverUuid, compose: COMPOSE, env: {}, templateRef: "test@1.0.0", healthTimeoutSeconds: 5, owner: STACK, tenantId: A };
    const { id, outs } = await services.create(inputs);
    await expect(services.diff(id, outs!, { ...inputs, tenantId: C })).rejects.toThrow(`belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${C}; refusing to reuse it`);
  });
});
