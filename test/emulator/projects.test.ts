import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, startEmulator } from "./helpers";

interface ProjectJson {
  uuid: string;
  name: string;
  description: string | null;
  environments: Array<{ id: number; uuid: string; name: string }>;
}

describe("emulator projects and environments", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it("creates a project answering only its uuid, with an automatic production environment", async () => {
    const res = await call<{ uuid: string }>(emu, "POST", "/projects", { name: "acme", description: "Tenant acme" });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(["uuid"]);
    expect(res.body.uuid).toMatch(/^[a-z0-9]{24}$/);
    const project = await call<ProjectJson>(emu, "GET", `/projects/${res.body.uuid}`);
    expect(project.body).toMatchObject({ name: "acme", description: "Tenant acme" });
    expect(project.body.environments.map((e) => e.name)).toEqual(["production"]);
  });

  it("allows duplicate project names", async () => {
    const a = await createProject(emu, "twin");
    const b = await createProject(emu, "twin");
    expect(a).not.toBe(b);
    const list = await call<Array<{ name: string }>>(emu, "GET", "/projects");
    expect(list.body.filter((p) => p.name === "twin")).toHaveLength(2);
  });

  it("rejects unknown fields and bad names with Laravel's 422 map", async () => {
    const res = await call(emu, "POST", "/projects", { name: "ab", color: "red" });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      message: "Validation failed.",
      errors: { name: ["The name field must be at least 3 characters."], color: ["This field is not allowed."] },
    });
    const missing = await call(emu, "POST", "/projects", { description: "x y z" });
    expect(missing.body.errors).toEqual({ name: ["The name field is required."] });
  });

  it("runs the JSON checks first: content type, invalid JSON and empty bodies are 400s", async () => {
    const cases: Array<[string, string | undefined, string]> = [
      ['{"name":"abc"}', "text/plain", "Content-Type must be application/json."],
      ["{not json", undefined, "Invalid JSON."],
      ["{}", undefined, "Empty JSON."],
    ];
    for (const [raw, contentType, error] of cases) {
      const res = await call(emu, "POST", "/projects", undefined, { raw, contentType });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: "Invalid request.", error });
    }
  });

  it("answers PATCH with 201 and validates the body before looking the project up", async () => {
    const uuid = await createProject(emu, "renamable");
    const res = await call(emu, "PATCH", `/projects/${uuid}`, { name: "renamed", description: "new" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ uuid, name: "renamed", description: "new" });
    const invalidOnMissing = await call(emu, "PATCH", "/projects/doesnotexist", { bogus: 1 });
    expect(invalidOnMissing.status).toBe(422);
    const missing = await call(emu, "PATCH", "/projects/doesnotexist", { name: "fine name" });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: "Project not found." });
  });

  it("refuses to delete a project while a service remains, even one whose delete is queued", async () => {
    const project = await createProject(emu, "busy");
    const service = await createService(emu, project);
    const blocked = await call(emu, "DELETE", `/projects/${project}`);
    expect(blocked.status).toBe(400);
    expect(blocked.body).toEqual({ message: "Project has resources, so it cannot be deleted." });
    // Hold the queued DeleteResourceJob instead of racing its timer, and run it when the test says so: the
    // "still queued" and "done" states no longer depend on how fast a loaded machine gets there.
    const held: Array<() => void> = [];
    const schedule = vi.spyOn(emu.store, "schedule").mockImplementation((_delayMs, job) => void held.push(job));
    try {
      expect((await call(emu, "DELETE", `/services/${service}`)).status).toBe(200);
    } finally {
      schedule.mockRestore();
    }
    expect(held).toHaveLength(1);
    expect((await call(emu, "DELETE", `/projects/${project}`)).status).toBe(400);
    expect((await call(emu, "GET", `/services/${service}`)).status).toBe(200);
    held[0]();
    expect((await call(emu, "GET", `/services/${service}`)).status).toBe(404);
    const done = await call(emu, "DELETE", `/projects/${project}`);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ message: "Project deleted." });
    expect((await call(emu, "GET", `/projects/${project}`)).status).toBe(404);
  });

  it("lists, creates, fetches (by name or uuid), renames and deletes environments", async () => {
    const project = await createProject(emu, "envs");
    const created = await call<{ uuid: string }>(emu, "POST", `/projects/${project}/environments`, { name: "staging" });
    expect(created.status).toBe(201);
    expect((await call(emu, "POST", `/projects/${project}/environments`, { name: "staging" })).status).toBe(409);
    const list = await call<Array<{ name: string; uuid: string }>>(emu, "GET", `/projects/${project}/environments`);
    expect(list.body.map((e) => e.name).sort()).toEqual(["production", "staging"]);
    const byName = await call<{ uuid: string; services: unknown[] }>(emu, "GET", `/projects/${project}/staging`);
    expect(byName.body.uuid).toBe(created.body.uuid);
    expect(byName.body.services).toEqual([]);
    expect((await call(emu, "GET", `/projects/${project}/${created.body.uuid}`)).status).toBe(200);
    const renamed = await call(emu, "PATCH", `/projects/${project}/environments/staging`, { name: "stage" });
    expect(renamed.status).toBe(200);
    expect((await call(emu, "DELETE", `/projects/${project}/environments/stage`)).body).toEqual({ message: "Environment deleted." });
    expect((await call(emu, "GET", `/projects/${project}/stage`)).body).toEqual({ message: "Environment not found." });
  });

  it("refuses to delete an environment that holds a service", async () => {
    const project = await createProject(emu, "env-busy");
    await createService(emu, project);
    const res = await call(emu, "DELETE", `/projects/${project}/environments/production`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: "Environment has resources, so it cannot be deleted." });
  });
});

describe("emulator servers and destinations", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it("lists the seeded usable server with its settings and hides id", async () => {
    const res = await call<Array<Record<string, unknown>>>(emu, "GET", "/servers");
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).toMatchObject({ uuid: emu.serverUuid, is_usable: true, is_reachable: true });
    expect(res.body[0]).not.toHaveProperty("id");
    expect(res.body[0].settings).toMatchObject({ is_build_server: false, wildcard_domain: null });
  });

  it("shows the server's resources and domains once a service exists", async () => {
    const project = await createProject(emu);
    const service = await createService(emu, project);
    const resources = await call<Array<{ uuid: string; type: string }>>(emu, "GET", `/servers/${emu.serverUuid}/resources`);
    expect(resources.body).toEqual([expect.objectContaining({ uuid: service, type: "service" })]);
    const withResources = await call<{ resources: unknown[] }>(emu, "GET", `/servers/${emu.serverUuid}?resources=true`);
    expect(withResources.body.resources).toHaveLength(1);
    const domains = await call<Array<{ ip: string; domains: string[] }>>(emu, "GET", `/servers/${emu.serverUuid}/domains`);
    expect(domains.body[0].domains).toEqual([expect.stringContaining(`web-${service}`)]);
    expect((await call(emu, "GET", "/servers/unknown")).body).toEqual({ message: "Server not found." });
  });

  it("lists the one standalone coolify destination and 404s unknown ones with Laravel's model message", async () => {
    const list = await call<Array<{ uuid: string; network: string; type: string }>>(emu, "GET", `/servers/${emu.serverUuid}/destinations`);
    expect(list.body).toEqual([expect.objectContaining({ uuid: emu.destinationUuid, network: "coolify", type: "standalone" })]);
    expect((await call(emu, "GET", `/destinations/${emu.destinationUuid}`)).status).toBe(200);
    const missing = await call(emu, "GET", "/destinations/nope");
    expect(missing.status).toBe(404);
    expect(missing.body.message).toMatch(/No query results for model/);
  });
});
