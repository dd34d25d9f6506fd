// The Service provider called directly against the emulator: the per-provider checklist (style.md "Tests")
// plus env sync, restarts, stop, volumes on delete and lost-response recovery.
import { describe, expect, it } from "vitest";
import { createProject, updateService } from "../../lib/coolify";
import { UNKNOWN } from "../../providers/diff";
import { provider, type ServiceInputs, type ServiceOutputs } from "../../providers/service";
import { calls, COMPOSE, COMPOSE_REFORMATTED, seedService, useEmulator, writes, type Harness } from "./harness";

const p = provider as Required<typeof provider>;
const NONE = {} as ServiceInputs;

async function baseInputs(h: Harness): Promise<ServiceInputs> {
  const { uuid } = await createProject(h.conn, { name: "Tenant acme" });
  return {
    name: "acme-web", projectUuid: uuid, serverUuid: h.emulator.serverUuid, compose: COMPOSE,
    env: { GREETING: "hello", API_KEY: "sk-1" }, templateRef: "test@1.0.0", healthTimeoutSeconds: 5,
  };
}

describe("Service provider", () => {
  const h = useEmulator();

  async function created(overrides: Partial<ServiceInputs> = {}): Promise<{ id: string; outs: ServiceOutputs; inputs: ServiceInputs }> {
    const inputs = { ...(await baseInputs(h)), ...overrides };
    const { id, outs } = await p.create(inputs);
    h.emulator.requests.length = 0;
    return { id, outs: outs!, inputs };
  }
  const record = (id: string) => h.emulator.store.findService(id)!;

  it("creates the service, writes env in one bulk call, starts it and waits until healthy", async () => {
    const inputs = await baseInputs(h);
    h.emulator.requests.length = 0;
    const { id, outs } = await p.create(inputs);
    const [post] = calls(h.emulator, "POST", /^\/api\/v1\/services$/);
    expect(Buffer.from((post.body as { docker_compose_raw: string }).docker_compose_raw, "base64").toString()).toBe(COMPOSE);
    expect(post.body).toMatchObject({ instant_deploy: false, environment_name: "production", server_uuid: h.emulator.serverUuid });
    expect(calls(h.emulator, "PATCH", /\/envs\/bulk$/)).toHaveLength(1);
    expect(calls(h.emulator, "POST", /\/start$/)).toHaveLength(1);
    expect(outs).toMatchObject({ uuid: id, status: "running:healthy", applications: { web: expect.any(String) } });
    expect(record(id).envs.find((e) => e.key === "API_KEY")?.value).toBe("sk-1");
  });

  it("sends the initial URLs with the create, so no PATCH and no restart follow the start", async () => {
    const inputs = { ...(await baseInputs(h)), initialUrls: { web: ["https://Acme.example.com:80"] } };
    h.emulator.requests.length = 0;
    const { id, outs } = await p.create(inputs);
    const [post] = calls(h.emulator, "POST", /^\/api\/v1\/services$/);
    expect(post.body).toMatchObject({ urls: [{ name: "web", url: "https://Acme.example.com:80" }] });
    expect(writes(h.emulator)).toEqual(["POST /api/v1/services", `PATCH /api/v1/services/${id}/envs/bulk`, `POST /api/v1/services/${id}/start`]);
    expect(outs!.fqdns).toEqual({ web: "https://acme.example.com:80" });
    expect(await p.diff(id, outs!, { ...inputs, initialUrls: { web: ["https://other.example.com"] } })).toMatchObject({ changes: false });
  });

  it("creates without the URLs when another service holds them, leaving them to the Domain", async () => {
    const { serviceUuid } = await seedService(h, "holder");
    const holder = h.emulator.store.findService(serviceUuid)!.applications.find((a) => a.name === "web")!;
    holder.fqdn = "https://acme.example.com";
    const inputs = { ...(await baseInputs(h)), initialUrls: { web: ["https://acme.example.com"] } };
    h.emulator.requests.length = 0;
    const { id, outs } = await p.create(inputs);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/services$/).map((r) => r.status)).toEqual([409, 201]);
    expect(h.emulator.store.findServices({ name: "acme-web" }).map((s) => s.uuid)).toEqual([id]);
    expect(outs!.fqdns).toEqual({});
    expect(holder.fqdn).toBe("https://acme.example.com");
  });

  it("lists services once for all creates of a process", async () => {
    const inputs = await baseInputs(h);
    await p.create(inputs);
    await p.create({ ...inputs, name: "bolt-web" });
    expect(calls(h.emulator, "GET", /^\/api\/v1\/services$/)).toHaveLength(1);
  });

  it("reports no change for the same inputs, for reformatted compose, and for spelled-out defaults", async () => {
    const { id, outs, inputs } = await created();
    expect(await p.diff(id, outs, { ...inputs })).toMatchObject({ changes: false, replaces: [] });
    expect(await p.diff(id, outs, { ...inputs, compose: COMPOSE_REFORMATTED })).toMatchObject({ changes: false });
    const explicit: Partial<ServiceInputs> = { environmentName: "production", desiredState: "running", waitForHealthy: true, deleteVolumes: false, readGenerated: [], allowReplace: false };
    expect(await p.diff(id, outs, { ...inputs, ...explicit })).toMatchObject({ changes: false, replaces: [] });
    // State written by a program that spelled the defaults out, against one that leaves them out.
    expect(await p.diff(id, { ...outs, ...explicit }, inputs)).toMatchObject({ changes: false, replaces: [] });
    expect(h.emulator.requests).toEqual([]);
  });

  it("keeps a digest of the compose and of long env values in its state, not their text", async () => {
    const config = JSON.stringify({ models: Array.from({ length: 20 }, (_, i) => `model-${i}`) });
    const { id, outs, inputs } = await created({ env: { GREETING: "hello", API_KEY: "sk-1", CONFIG: config }, initialUrls: { web: ["https://acme.example.com"] } });
    expect(outs.compose).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(outs.env).toEqual({ GREETING: "hello", API_KEY: "sk-1", CONFIG: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) });
    expect(JSON.stringify(outs)).not.toMatch(/nginx|model-1|initialUrls/);
    expect(await p.diff(id, outs, { ...inputs, env: { ...inputs.env, CONFIG: config.replace("model-7", "model-8") } })).toMatchObject({ changes: true });
    // A changed value still shows, a reformatted compose still does not.
    expect(await p.diff(id, outs, { ...inputs, env: { ...inputs.env, API_KEY: "sk-2" } })).toMatchObject({ changes: true });
    expect(await p.diff(id, outs, { ...inputs, compose: COMPOSE.replace("postgres:16.4", "postgres:16.5") })).toMatchObject({ changes: true });
    expect(await p.diff(id, outs, { ...inputs, compose: COMPOSE_REFORMATTED })).toMatchObject({ changes: false });
  });

  it("keeps no generated map in its state unless asked for generated values, and then those values", async () => {
    const { outs } = await created();
    expect(outs).not.toHaveProperty("generated");
    const { id, outs: asked } = await created({ readGenerated: ["SERVICE_PASSWORD_ADMIN"] });
    const stored = record(id).envs.find((e) => e.key === "SERVICE_PASSWORD_ADMIN")?.value;
    expect(stored).toMatch(/.{8,}/);
    expect(asked.generated).toEqual({ SERVICE_PASSWORD_ADMIN: stored });
  });

  it("reads state written before the digests (full compose and env) without a change, and updates from it", async () => {
    const { id, outs, inputs } = await created();
    const legacy = { ...outs, compose: COMPOSE, env: { ...inputs.env } };
    expect(await p.diff(id, legacy, { ...inputs })).toMatchObject({ changes: false });
    const { outs: updated } = await p.update(id, legacy, { ...inputs, env: { ...inputs.env, GREETING: "bonjour" } });
    expect(calls(h.emulator, "PATCH", /\/envs\/bulk$/).map((r) => r.body)).toEqual([{ data: [{ key: "GREETING", value: "[redacted]", is_literal: true, is_multiline: false }] }]);
    expect(record(id).envs.find((e) => e.key === "GREETING")?.value).toBe("bonjour");
    expect(updated!.compose).toBe(outs.compose);
  });

  it("notices a compose changed in Coolify on refresh and puts ours back on update", async () => {
    const { id, outs, inputs } = await created();
    await updateService(h.conn, id, { compose: COMPOSE.replace("nginx:1.27.3", "nginx:1.29.0") });
    const { props } = await p.read(id, outs);
    expect(props!.compose).toMatch(/^sha256:/);
    expect(await p.diff(id, props!, { ...inputs })).toMatchObject({ changes: true, replaces: [] });
    h.emulator.requests.length = 0;
    await p.update(id, props!, { ...inputs });
    expect(h.emulator.store.findService(id)!.dockerComposeRaw).toContain("nginx:1.27.3");
    expect(calls(h.emulator, "POST", /\/restart$/)).toHaveLength(1);
  });

  it("sees a real compose change", async () => {
    const { id, outs, inputs } = await created();
    const diff = await p.diff(id, outs, { ...inputs, compose: COMPOSE.replace("nginx:1.27.3", "nginx:1.27.4") });
    expect(diff).toMatchObject({ changes: true, replaces: [] });
  });

  it("treats unknown values as changes (and replacements) without calling Coolify", async () => {
    const { id, outs, inputs } = await created();
    expect(await p.diff(id, outs, { ...inputs, compose: UNKNOWN })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff(id, outs, { ...inputs, env: { GREETING: UNKNOWN, API_KEY: "sk-1" } })).toMatchObject({ changes: true });
    expect(await p.diff(id, outs, { ...inputs, serverUuid: UNKNOWN })).toMatchObject({ changes: true, replaces: ["serverUuid"] });
    expect((await p.check(outs, { ...inputs, compose: UNKNOWN, env: UNKNOWN as never })).failures).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("rejects invalid YAML, a compose without services and bad env keys in check, without network", async () => {
    const inputs = await baseInputs(h);
    h.emulator.requests.length = 0;
    const bad = await p.check(NONE, { ...inputs, compose: "services:\n  web: [unclosed", env: { "1BAD": "x", "has-dash": "y", OK_KEY: "z" } });
    expect(bad.failures).toEqual([
      { property: "compose", reason: expect.stringMatching(/^is not valid YAML/) },
      { property: "env", reason: expect.stringContaining('"1BAD"') },
      { property: "env", reason: expect.stringContaining('"has-dash"') },
    ]);
    expect((await p.check(NONE, { ...inputs, compose: "version: '3'\n" })).failures).toEqual([{ property: "compose", reason: "needs a `services:` map" }]);
    expect((await p.check(NONE, { ...inputs, serverUuid: "" })).failures).toEqual([{ property: "serverUuid", reason: "required" }]);
    expect((await p.check(NONE, inputs)).failures).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("forces a replacement for server, project, environment and destination changes, only when the run allows it", async () => {
    const { id, outs, inputs } = await created();
    for (const key of ["serverUuid", "projectUuid", "environmentName", "destinationUuid"] as const) {
      expect(await p.diff(id, outs, { ...inputs, [key]: "other", allowReplace: true })).toMatchObject({ changes: true, replaces: [key] });
    }
  });

  it("refuses a replacement the run does not allow, naming the tenant, the reason and the allow variable", async () => {
    const { id, outs, inputs } = await created();
    await expect(p.diff(id, outs, { ...inputs, tenant: "acme", serverUuid: "other" })).rejects.toThrow(
      /tenant acme: this run would replace its Coolify service \(serverUuid changed\)\. A replacement is a teardown.*CLOUDFREEDOM_ALLOW_REPLACE=acme pulumi up/,
    );
    expect(writes(h.emulator)).toEqual([]);
  });

  it("takes naming the destination the service already uses (a server's only one) as no replacement", async () => {
    const { id, outs, inputs } = await created();
    const [only] = h.emulator.store.destinations;
    expect(await p.diff(id, outs, { ...inputs, destinationUuid: only.uuid })).toMatchObject({ changes: true, replaces: [] });
    await expect(p.diff(id, outs, { ...inputs, destinationUuid: "elsewhere" })).rejects.toThrow(/destinationUuid changed/);
    // Leaving it unset again is no replacement either.
    expect(await p.diff(id, { ...outs, destinationUuid: only.uuid }, inputs)).toMatchObject({ replaces: [] });
  });

  it("creates the replacement on a new server beside the old service instead of adopting it", async () => {
    const { id, inputs } = await created();
    const { server } = h.emulator.store.addServer({ name: "second", ip: "10.0.0.11" });
    const { id: replacement } = await p.create({ ...inputs, serverUuid: server.uuid });
    expect(replacement).not.toBe(id);
    expect(h.emulator.store.findServices({ name: "acme-web" }).map((s) => s.uuid).sort()).toEqual([id, replacement].sort());
    expect(record(replacement).serverId).toBe(server.id);
  });

  it("renames with one PATCH and no restart", async () => {
    const { id, outs, inputs } = await created();
    const { outs: updated } = await p.update(id, outs, { ...inputs, name: "acme-web-2" });
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/services/${id}`]);
    expect(record(id).name).toBe("acme-web-2");
    expect(updated!.name).toBe("acme-web-2");
  });

  it("updates a changed env value with one bulk upsert and one restart", async () => {
    const { id, outs, inputs } = await created();
    await p.update(id, outs, { ...inputs, env: { ...inputs.env, GREETING: "bonjour" } });
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/services/${id}/envs/bulk`, `POST /api/v1/services/${id}/restart`]);
    const [bulk] = calls(h.emulator, "PATCH", /\/envs\/bulk$/);
    // Only the changed key is sent (the emulator's log redacts its value; the record shows it arrived).
    expect(bulk.body).toEqual({ data: [{ key: "GREETING", value: "[redacted]", is_literal: true, is_multiline: false }] });
    expect(record(id).envs.find((e) => e.key === "GREETING")?.value).toBe("bonjour");
  });

  it("deletes a removed env key but never Coolify's own is_coolify rows", async () => {
    const { id, outs, inputs } = await created({ env: { GREETING: "hello", SERVICE_PASSWORD_ADMIN: "chosen" } });
    const coolifyRows = record(id).envs.filter((e) => e.isCoolify).map((e) => e.key);
    expect(coolifyRows).toContain("SERVICE_PASSWORD_ADMIN");
    await p.update(id, outs, { ...inputs, env: {} });
    const deleted = calls(h.emulator, "DELETE", /\/envs\//);
    expect(deleted).toHaveLength(1);
    const keys = record(id).envs.map((e) => e.key);
    expect(keys).not.toContain("GREETING");
    expect(keys).toEqual(expect.arrayContaining(coolifyRows));
  });

  it("stops the service when desiredState becomes stopped, and starts it again", async () => {
    const { id, outs, inputs } = await created();
    const { outs: stopped } = await p.update(id, outs, { ...inputs, desiredState: "stopped" });
    expect(writes(h.emulator)).toEqual([`POST /api/v1/services/${id}/stop`]);
    expect(stopped!.status).toBe("exited");
    h.emulator.requests.length = 0;
    const { outs: running } = await p.update(id, stopped!, { ...inputs, desiredState: "running" });
    expect(writes(h.emulator)).toEqual([`POST /api/v1/services/${id}/start`]);
    expect(running!.status).toBe("running:healthy");
  });

  it("fails with the container and its status when a container stays unhealthy", async () => {
    const inputs = { ...(await baseInputs(h)), healthTimeoutSeconds: 0.3 };
    h.emulator.faults.markContainer("web", "unhealthy");
    await expect(p.create(inputs)).rejects.toThrow(/"acme-web" did not become running:healthy within 0.3s \(status running:unhealthy; containers: web: running:unhealthy, db: running:healthy\)/);
  });

  it("fails at once when a container crash-loops", async () => {
    const inputs = await baseInputs(h);
    h.emulator.faults.markContainer("db", "degraded");
    await expect(p.create(inputs)).rejects.toThrow(/"acme-web" failed to start \(status degraded:unhealthy; containers: web: running:healthy, db: restarting:unknown\)/);
  });

  it("adopts its own service by name and marker: no second POST, no duplicate", async () => {
    const { id, inputs } = await created();
    const again = await p.create(inputs);
    expect(again.id).toBe(id);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/services$/)).toHaveLength(0);
    expect(h.emulator.store.findServices({ name: "acme-web" })).toHaveLength(1);
    expect(writes(h.emulator)).toEqual([
      `PATCH /api/v1/services/${id}`, `PATCH /api/v1/services/${id}/envs/bulk`, `POST /api/v1/services/${id}/restart`,
    ]);
  });

  it("recovers a service whose POST answer was lost by re-listing, within the same call", async () => {
    const inputs = await baseInputs(h);
    h.emulator.faults.dropNext({ method: "POST", pathPrefix: "/api/v1/services", count: 1, afterProcessing: true });
    const { id } = await p.create(inputs);
    expect(h.emulator.store.findServices({ name: "acme-web" }).map((s) => s.uuid)).toEqual([id]);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/services$/)).toHaveLength(1);
    // The cached list, then a fresh one after the lost answer.
    expect(calls(h.emulator, "GET", /^\/api\/v1\/services$/)).toHaveLength(2);
  });

  it("reads a service deleted outside Pulumi as gone, and keeps state otherwise", async () => {
    const { id, outs } = await created();
    const read = await p.read(id, outs);
    expect(read).toMatchObject({ id, props: { compose: outs.compose, status: "running:healthy" } });
    h.emulator.store.deleteServiceOutOfBand(id);
    expect(await p.read(id, outs)).toMatchObject({ id: "" });
  });

  it("deletes keeping volumes by default, and a second delete is a success", async () => {
    const { id, outs } = await created();
    await p.delete(id, outs);
    const [del] = calls(h.emulator, "DELETE", /\/services\//);
    expect(del.query).toMatchObject({ delete_volumes: "false" });
    expect(h.emulator.store.findService(id)).toBeUndefined();
    expect(h.emulator.store.findVolumes(id)).toEqual([expect.objectContaining({ name: `${id}_dbdata`, removed: false })]);
    await expect(p.delete(id, outs)).resolves.toBeUndefined();
    expect(calls(h.emulator, "DELETE", /\/services\//).map((r) => r.status)).toEqual([200]);
  });

  it("deletes the volumes too when the deleting run sets deleteVolumesOnTeardown", async () => {
    const { id, outs } = await created({ deleteVolumes: true });
    process.env.CLOUDFREEDOM_DELETE_VOLUMES = "true";
    try {
      await p.delete(id, outs);
    } finally {
      delete process.env.CLOUDFREEDOM_DELETE_VOLUMES;
    }
    expect(calls(h.emulator, "DELETE", /\/services\//)[0].query).toMatchObject({ delete_volumes: "true" });
    expect(h.emulator.store.findVolumes(id)).toEqual([expect.objectContaining({ removed: true })]);
  });

  it("refuses at its check a held tenant's service that has no applied spec, so nothing reaches Coolify", async () => {
    h.emulator.requests.length = 0;
    // Re-rendered from its applied spec (real inputs), or stand-ins when it has none: refused either way.
    for (const held of [{ held: true }, { compose: "", env: {}, templateRef: "held" }]) {
      const inputs = { ...(await baseInputs(h)), tenant: "bolt", ...held };
      const { failures } = await p.check(NONE, inputs);
      expect(failures).toEqual([{ property: "held", reason: expect.stringMatching(/^tenant bolt is held .* refused, nothing is created or adopted/) }]);
    }
    expect(writes(h.emulator).filter((w) => !w.startsWith("POST /api/v1/projects"))).toEqual([]);
  });

  it("keeps the volumes when the deleting run leaves deleteVolumesOnTeardown unset, whatever an earlier run left in state", async () => {
    const { id, outs } = await created({ deleteVolumes: true });
    await p.delete(id, outs);
    expect(calls(h.emulator, "DELETE", /\/services\//)[0].query).toMatchObject({ delete_volumes: "false" });
    expect(h.emulator.store.findVolumes(id)).toEqual([expect.objectContaining({ removed: false })]);
  });

  it("passes Coolify's error message on to the user (unknown project)", async () => {
    const inputs = { ...(await baseInputs(h)), projectUuid: "doesnotexist000000000000" };
    await expect(p.create(inputs)).rejects.toThrow(/POST \/api\/v1\/services failed \(404\): Project not found\./);
    expect(h.emulator.store.findServices()).toHaveLength(0);
  });
});
