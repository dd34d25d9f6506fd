// The Coolify dynamic providers through the real engine when things go wrong: a lost create response, an
// unhealthy container, a domain conflict and a server change. Each step asserts the engine's result and the
// emulator's request log. The steps share one program and run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DropBurst } from "../../emulator/model/faults";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { createProject, createService, setServiceApplicationUrls } from "../../lib/coolify";
import { SERVICES_COMPOSE as compose, createServicesProgram } from "../support/programs";
import type { TestProgram } from "../support/pulumi";

const count = (emulator: CoolifyEmulator, method: string, path: RegExp) =>
  emulator.requests.filter((r) => r.method === method && path.test(r.path)).length;

/** Arms `then` the moment a request matching `trigger` is dropped (the emulator has no "drop what follows X"). */
function dropAfter(emulator: CoolifyEmulator, trigger: { method: string; path: string }, then: DropBurst): void {
  const faults = emulator.faults;
  const take = faults.takeDrop.bind(faults);
  faults.takeDrop = (method, path) => {
    const drop = take(method, path);
    if (drop && method === trigger.method && path === trigger.path) faults.dropNext(then);
    return drop;
  };
}

describe("Coolify providers through the real engine, failure modes", () => {
  let emulator: CoolifyEmulator;
  let program: TestProgram;

  beforeAll(async () => {
    emulator = await startCoolifyEmulator({ lifecycleDelayMs: 40, deleteDelayMs: 150, rateLimitPerMinute: 100_000 });
    program = await createServicesProgram(emulator, "providers-failures", { projectName: "Tenant failures" });
  });
  afterAll(async () => {
    program?.dispose();
    await emulator?.close();
  });

  it("fails an up whose service POST answer is lost (re-list lost too), then adopts on the next up", async () => {
    emulator.faults.dropNext({ method: "POST", pathPrefix: "/api/v1/services", count: 1, afterProcessing: true });
    // The client retries a lost GET four times; drop every attempt so the in-call recovery fails.
    dropAfter(emulator, { method: "POST", path: "/api/v1/services" }, { method: "GET", pathPrefix: "/api/v1/services", count: 5 });
    await expect(program.stack.up()).rejects.toThrow(/POST \/api\/v1\/services failed \(no response\).*may or may not have been applied/);
    const [orphan] = emulator.store.findServices({ name: "alpha-web" });
    expect(emulator.store.findServices({ name: "alpha-web" })).toHaveLength(1);
    expect(emulator.requests.filter((r) => r.dropped).map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /api/v1/services", ...Array(5).fill("GET /api/v1/services"),
    ]);

    emulator.requests.length = 0;
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 1, same: 2 });
    expect(up.outputs.services.value).toEqual({ alpha: orphan.uuid });
    expect(emulator.store.findServices({ name: "alpha-web" })).toHaveLength(1);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(0);
    expect(count(emulator, "PATCH", new RegExp(`^/api/v1/services/${orphan.uuid}$`))).toBe(1);
  });

  it("fails an up when a container stays unhealthy, naming it, keeps the service in state, and converges it after the fault clears", async () => {
    await program.stack.setConfig("tenants", { value: "alpha,beta" });
    emulator.faults.markContainer("web", "unhealthy");
    emulator.requests.length = 0;
    await expect(program.stack.up()).rejects.toThrow(
      /Coolify service "beta-web" did not become running:healthy within 2s \(status running:unhealthy; containers: web: running:unhealthy, db: running:healthy\)/,
    );
    expect(emulator.store.findServices({ name: "beta-web" })).toHaveLength(1);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(1);
    const exported = JSON.parse(program.cli(["stack", "export"])) as { deployment: { resources: Array<{ urn: string; id?: string; initErrors?: string[] }> } };
    const tracked = exported.deployment.resources.find((r) => r.urn.endsWith("::beta"));
    expect(tracked?.id).toBe(emulator.store.findServices({ name: "beta-web" })[0].uuid);
    expect(tracked?.initErrors?.[0]).toMatch(/running:unhealthy/);

    emulator.faults.clearContainer("web");
    emulator.requests.length = 0;
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toEqual({ update: 1, same: 3 });
    expect(count(emulator, "PATCH", /\/envs\/bulk$/)).toBe(1);
    expect(count(emulator, "POST", /\/restart$/)).toBe(1);
    expect(emulator.store.findServices({ name: "beta-web" })).toHaveLength(1);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(0);
    expect(up.outputs.services.value.beta).toBe(emulator.store.findServices({ name: "beta-web" })[0].uuid);
  });

  it("refuses a domain another service holds with Coolify's 409 named in the error, recording nothing", async () => {
    const conn = { url: emulator.url, token: emulator.token, rateLimitPerMinute: 0 };
    const { uuid: other } = await createProject(conn, { name: "someone else" });
    const { uuid: squatter } = await createService(conn, { project_uuid: other, environment_name: "production", server_uuid: emulator.serverUuid, name: "squatter", compose });
    const squatterWeb = emulator.store.findService(squatter)!.applications.find((a) => a.name === "web")!;
    await setServiceApplicationUrls(conn, squatter, squatterWeb.uuid, ["https://taken.example.com"]);
    await program.stack.setConfig("alphaUrl", { value: "https://taken.example.com" });
    emulator.requests.length = 0;
    await expect(program.stack.up()).rejects.toThrow(
      `https://taken.example.com is used by service "squatter" (${squatter}). Nothing was changed.`,
    );
    expect(emulator.requests.filter((r) => r.method === "PATCH" && /applications/.test(r.path)).map((r) => r.status)).toEqual([409]);
    expect(count(emulator, "POST", /\/restart$/)).toBe(0);
    const alpha = emulator.store.findServices({ name: "alpha-web" })[0];
    expect(alpha.applications.find((a) => a.name === "web")!.fqdn).toBeNull();
    const state = await program.stack.exportStack();
    const types = (state.deployment.resources as Array<{ type: string }>).map((r) => r.type);
    expect(types.filter((t) => t.endsWith(":Domain"))).toEqual([]);
    expect(types.filter((t) => t.endsWith(":Service"))).toHaveLength(2);
    await program.stack.removeConfig("alphaUrl");
  });

  it("refuses to move a service to another server unless allowed; allowed, the new one is created, the old one deleted", async () => {
    const { server } = emulator.store.addServer({ name: "second", ip: "10.0.0.11" });
    const old = emulator.store.findServices({ name: "alpha-web" })[0];
    await program.stack.setConfig("alphaServer", { value: server.uuid });
    emulator.requests.length = 0;
    await expect(program.stack.up()).rejects.toThrow(/tenant alpha: this run would replace its Coolify service \(serverUuid changed\)/);
    expect(emulator.requests.filter((r) => r.method !== "GET")).toEqual([]);
    await program.stack.setConfig("alphaAllowReplace", { value: "true" });
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toEqual({ replace: 1, same: 3 });
    const [moved] = emulator.store.findServices({ name: "alpha-web" });
    expect(emulator.store.findServices({ name: "alpha-web" })).toHaveLength(1);
    expect(moved.uuid).not.toBe(old.uuid);
    expect(moved.serverId).toBe(server.id);
    expect(up.outputs.services.value.alpha).toBe(moved.uuid);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(1);
    const deletes = emulator.requests.filter((r) => r.method === "DELETE");
    expect(deletes.map((r) => [r.path, r.query.delete_volumes])).toEqual([[`/api/v1/services/${old.uuid}`, "false"]]);
    expect(emulator.store.deletions.map((d) => d.uuid)).toContain(old.uuid);
  });
});
