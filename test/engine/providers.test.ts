// The Coolify dynamic providers through the real engine (Automation API over the real CLI) against the
// emulator; each step asserts the engine's result and the emulator's request log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { TENANT_STACKS_SOURCE } from "../support/programs";
import { createProgram, type TestProgram } from "../support/pulumi";


const writes = (emulator: CoolifyEmulator) => emulator.requests.filter((r) => r.method !== "GET");
const count = (emulator: CoolifyEmulator, method: string, path: RegExp) =>
  emulator.requests.filter((r) => r.method === method && path.test(r.path)).length;

describe("Coolify providers through the real engine", () => {
  let emulator: CoolifyEmulator;
  let program: TestProgram;
  const apiKey = "sk-engine-test-0123456789abcdef";

  beforeAll(async () => {
    emulator = await startCoolifyEmulator({ lifecycleDelayMs: 40, deleteDelayMs: 150 });
    program = await createProgram({
      project: "providers-e2e",
      source: TENANT_STACKS_SOURCE,
      config: { coolifyUrl: emulator.url, coolifyPollIntervalMs: "50", coolifyDeleteTimeoutSeconds: "10", serverUuid: emulator.serverUuid, tenants: "acme", greeting: "hello", baseDomain: "agents.example.com" },
      secrets: { coolifyToken: emulator.token, apiKey },
    });
  });
  afterAll(async () => {
    program?.dispose();
    await emulator?.close();
  });

  it("creates a project, a service and a domain, waiting until healthy", async () => {
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 4 });
    expect(up.outputs.tenants.value.acme.status).toBe("running:healthy");
    expect(up.outputs.tenants.value.acme.fqdn).toBe("https://acme.agents.example.com:80");
    expect(emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(1);
    expect(emulator.store.findServices({ name: "acme-web" })).toHaveLength(1);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(1);
    expect(count(emulator, "PATCH", /\/envs\/bulk$/)).toBe(1);
    // The URLs went with the service's POST: the Domain sent nothing, and nothing was restarted.
    expect(count(emulator, "PATCH", /\/applications\//)).toBe(0);
    expect(count(emulator, "POST", /\/restart$/)).toBe(0);
  });

  it("sends zero write requests on a second preview and up", async () => {
    emulator.requests.length = 0;
    const preview = await program.stack.preview();
    expect(preview.changeSummary).toEqual({ same: 4 });
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 4 });
    expect(writes(emulator)).toEqual([]);
  });

  it("keeps secrets out of the exported state", async () => {
    const exported = program.cli(["stack", "export"]);
    expect(exported).not.toContain(apiKey);
    expect(exported).not.toContain(emulator.token);
  });

  it("stores each provider in state as a require of its stub, not as serialized code", async () => {
    const exported = JSON.parse(program.cli(["stack", "export"])) as { deployment: { resources: Array<{ type: string; inputs?: { __provider?: string } }> } };
    const dynamic = exported.deployment.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    expect(dynamic.map((r) => r.type).sort()).toEqual(["pulumi-nodejs:dynamic/coolify:Domain", "pulumi-nodejs:dynamic/coolify:Project", "pulumi-nodejs:dynamic/coolify:Service"]);
    for (const resource of dynamic) {
      expect(resource.inputs?.__provider).toMatch(/require\("@cloudfreedom\/provider-host\/(project|service|domain)\.js"\)/);
      expect(resource.inputs!.__provider!.length).toBeLessThan(400);
    }
  });

  it("updates an env value in place with one restart", async () => {
    await program.stack.setConfig("greeting", { value: "bonjour" });
    emulator.requests.length = 0;
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 3, update: 1 });
    expect(count(emulator, "PATCH", /\/envs\/bulk$/)).toBe(1);
    expect(count(emulator, "POST", /\/restart$/)).toBe(1);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(0);
    const service = emulator.store.findServices({ name: "acme-web" })[0];
    expect(service.envs.find((e: { key: string }) => e.key === "GREETING")?.value).toBe("bonjour");
  });

  it("notices an out-of-band delete on refresh and recreates the service on up", async () => {
    const uuid = (await program.stack.outputs()).tenants.value.acme.uuid as string;
    expect(emulator.store.deleteServiceOutOfBand(uuid)).toBe(true);
    const refresh = await program.stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ delete: 2 });
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(emulator.store.findServices({ name: "acme-web" })).toHaveLength(1);
  });

  it("destroys everything, project last, despite the queued deletes, keeping volumes", async () => {
    const uuid = (await program.stack.outputs()).tenants.value.acme.uuid as string;
    const destroy = await program.stack.destroy();
    expect(destroy.summary.resourceChanges).toMatchObject({ delete: 4 });
    expect(emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(0);
    expect(emulator.store.findServices({ name: "acme-web" })).toHaveLength(0);
    const del = emulator.requests.find((r) => r.method === "DELETE" && r.path === `/api/v1/services/${uuid}`);
    expect(del?.query.delete_volumes).toBe("false");
  });
});
