// The Project provider called directly against the emulator: the per-provider checklist (style.md "Tests").
import { describe, expect, it } from "vitest";
import { createProject, createService, deleteService } from "../../lib/coolify";
import { UNKNOWN } from "../../providers/diff";
import { OWNERSHIP_MARKER, provider, type ProjectInputs, type ProjectOutputs } from "../../providers/project";
import { calls, COMPOSE, useEmulator, writes } from "./harness";

const inputs: ProjectInputs = { name: "Tenant acme", description: "acme agents" };
const p = provider as Required<typeof provider>;
const NONE = {} as ProjectInputs;

describe("Project provider", () => {
  const h = useEmulator();

  async function created(): Promise<{ id: string; outs: ProjectOutputs }> {
    const { id, outs } = await p.create(inputs);
    h.emulator.requests.length = 0;
    return { id, outs: outs! };
  }

  it("creates a project whose description carries the ownership marker", async () => {
    const { id, outs } = await p.create(inputs);
    const [project] = h.emulator.store.findProjects({ name: "Tenant acme" });
    expect(project.uuid).toBe(id);
    expect(project.description).toBe(`acme agents ${OWNERSHIP_MARKER}`);
    expect(outs).toMatchObject({ uuid: id, name: "Tenant acme", coolifyDescription: project.description });
    expect(calls(h.emulator, "POST", /^\/api\/v1\/projects$/)).toHaveLength(1);
  });

  it("reports no change for the same inputs, without calling Coolify", async () => {
    const { id, outs } = await created();
    expect(await p.diff(id, outs, { ...inputs })).toMatchObject({ changes: false });
    expect(h.emulator.requests).toEqual([]);
  });

  it("renames in place with one PATCH and never asks for a replacement", async () => {
    const { id, outs } = await created();
    const news = { ...inputs, name: "Tenant acme GmbH", description: "renamed" };
    expect(await p.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    const { outs: updated } = await p.update(id, outs, news);
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/projects/${id}`]);
    const [project] = h.emulator.store.findProjects({ name: "Tenant acme GmbH" });
    expect(project.uuid).toBe(id);
    expect(project.description).toBe(`renamed ${OWNERSHIP_MARKER}`);
    expect(updated!.coolifyDescription).toBe(project.description);
  });

  it("treats an unknown value as a change and stays off the network", async () => {
    const { id, outs } = await created();
    const diff = await p.diff(id, outs, { ...inputs, name: UNKNOWN });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    expect((await p.check(outs, { ...inputs, name: UNKNOWN })).failures).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("refuses at its check a held tenant's project that has no state, so nothing is created or adopted", async () => {
    const held = await p.check(NONE, { ...inputs, tenantId: "bolt00000000001", held: true });
    expect(held.failures).toEqual([{ property: "held", reason: expect.stringMatching(/^its tenant bolt00000000001 is held .* refused, nothing is created or adopted/) }]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("rejects names and descriptions Coolify would refuse, without calling it", async () => {
    const tooShort = await p.check(NONE, { name: "ab" });
    expect(tooShort.failures).toEqual([expect.objectContaining({ property: "name" })]);
    const badChars = await p.check(NONE, { name: "acme", description: "semi;colon <tag>" });
    expect(badChars.failures).toEqual([expect.objectContaining({ property: "description" })]);
    // Coolify allows 255 characters, and the marker is appended to ours.
    const tooLong = await p.check(NONE, { name: "acme", description: "x".repeat(240) });
    expect(tooLong.failures).toEqual([expect.objectContaining({ property: "description", reason: expect.stringMatching(/at most/) })]);
    expect((await p.check(NONE, inputs)).failures).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("adopts an existing project with the same name and marker instead of creating a duplicate", async () => {
    const { uuid } = await createProject(h.conn, { name: "Tenant acme", description: `old text ${OWNERSHIP_MARKER}` });
    h.emulator.requests.length = 0;
    const { id, outs } = await p.create(inputs);
    expect(id).toBe(uuid);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(1);
    expect(calls(h.emulator, "POST", /\/projects$/)).toHaveLength(0);
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/projects/${uuid}`]);
    expect(outs!.coolifyDescription).toBe(`acme agents ${OWNERSHIP_MARKER}`);
  });

  it("lists projects once for all creates of a process, and still adopts its own project on a second create", async () => {
    const { id } = await p.create(inputs);
    await p.create({ name: "Tenant bolt" });
    expect((await p.create(inputs)).id).toBe(id);
    expect(calls(h.emulator, "GET", /^\/api\/v1\/projects$/)).toHaveLength(1);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/projects$/)).toHaveLength(2);
  });

  it("recovers a project whose POST answer was lost by listing afresh, within the same call", async () => {
    await p.create({ name: "Tenant first" }); // the list is cached from here on
    h.emulator.faults.dropNext({ method: "POST", pathPrefix: "/api/v1/projects", count: 1, afterProcessing: true });
    const { id } = await p.create(inputs);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" }).map((x) => x.uuid)).toEqual([id]);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/projects$/)).toHaveLength(2);
    expect(calls(h.emulator, "GET", /^\/api\/v1\/projects$/)).toHaveLength(2);
  });

  it("does not adopt a same-named project without the marker (someone else's)", async () => {
    const { uuid: theirs } = await createProject(h.conn, { name: "Tenant acme", description: "hand made" });
    const { id } = await p.create(inputs);
    expect(id).not.toBe(theirs);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(2);
    expect(h.emulator.store.findProjects().find((x) => x.uuid === theirs)?.description).toBe("hand made");
  });

  it("reads a project deleted outside Pulumi as gone (empty id)", async () => {
    const { id, outs } = await created();
    const store = h.emulator.store.projects;
    store.splice(store.findIndex((x) => x.uuid === id), 1);
    expect(await p.read(id, outs)).toMatchObject({ id: "" });
  });

  it("notices a description edited in Coolify and restores it on update", async () => {
    const { id, outs } = await created();
    h.emulator.store.findProjects({ name: "Tenant acme" })[0].description = "edited in the UI";
    const read = await p.read(id, outs);
    expect(read.props).toMatchObject({ coolifyDescription: "edited in the UI" });
    expect(await p.diff(id, read.props!, inputs)).toMatchObject({ changes: true });
    await p.update(id, read.props!, inputs);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })[0].description).toBe(`acme agents ${OWNERSHIP_MARKER}`);
  });

  it("deletes idempotently: a project already gone is a success", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(0);
    await expect(p.delete(id, outs)).resolves.toBeUndefined();
    expect(calls(h.emulator, "DELETE", /\/projects\//).map((r) => r.status)).toEqual([200]);
    expect(calls(h.emulator, "GET", new RegExp(`^/api/v1/projects/${id}$`)).map((r) => r.status)).toEqual([200, 404]);
  });

  it("retries the delete while Coolify answers 'has resources' for a queued service delete", async () => {
    const { id, outs } = await created();
    const { uuid: service } = await createService(h.conn, {
      project_uuid: id, environment_name: "production", server_uuid: h.emulator.serverUuid, name: "queued", compose: COMPOSE,
    });
    h.emulator.faults.deleteDelayMs = 150;
    await deleteService(h.conn, service);
    await p.delete(id, outs);
    const statuses = calls(h.emulator, "DELETE", new RegExp(`/projects/${id}$`)).map((r) => r.status);
    expect(statuses[0]).toBe(400);
    expect(statuses.at(-1)).toBe(200);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(0);
  });

  it("gives up on 'has resources' after the delete timeout with Coolify's message", async () => {
    const { id, outs } = await created();
    await createService(h.conn, { project_uuid: id, environment_name: "production", server_uuid: h.emulator.serverUuid, name: "stays", compose: COMPOSE });
    process.env.COOLIFY_DELETE_TIMEOUT_SECONDS = "0.2";
    await expect(p.delete(id, outs)).rejects.toThrow(/Project has resources, so it cannot be deleted/);
    expect(h.emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(1);
  });

  it("passes Coolify's error message on to the user (update of a project deleted in Coolify)", async () => {
    const { id, outs } = await created();
    const store = h.emulator.store.projects;
    store.splice(store.findIndex((x) => x.uuid === id), 1);
    await expect(p.update(id, outs, { ...inputs, name: "Tenant renamed" })).rejects.toThrow(/PATCH \/api\/v1\/projects\/\w+ failed \(404\): Project not found\./);
  });
});
