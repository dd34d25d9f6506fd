// The Coolify dynamic providers through the real engine (Automation API over the real CLI) against the
// emulator; each step asserts the engine's result and the emulator's request log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { createProgram, repoRoot, type TestProgram } from "../support/pulumi";

const source = `
import * as pulumi from "@pulumi/pulumi";
import { Project } from "${repoRoot}/providers/project";
import { Service } from "${repoRoot}/providers/service";
import { Domain } from "${repoRoot}/providers/domain";

const cfg = new pulumi.Config();
const compose = [
  "services:",
  "  web:",
  "    image: nginx:1.27.3",
  "    environment:",
  "      - GREETING=\${GREETING}",
  "    healthcheck:",
  "      test: [CMD, curl, -f, http://127.0.0.1/]",
  "  db:",
  "    image: postgres:16.4",
  "    volumes:",
  "      - dbdata:/var/lib/postgresql/data",
  "volumes:",
  "  dbdata: {}",
].join("\\n");

const project = new Project("project", { name: "Tenant acme", description: "engine test" });
const service = new Service("service", {
  name: "acme-web",
  projectUuid: project.uuid,
  serverUuid: cfg.require("serverUuid"),
  compose,
  env: { GREETING: cfg.require("greeting"), API_KEY: cfg.requireSecret("apiKey") },
  templateRef: "test@1.0.0",
  healthTimeoutSeconds: 5,
});
const domain = new Domain("domain", { serviceUuid: service.uuid, container: "web", urls: [cfg.require("url")] });

export const serviceUuid = service.uuid;
export const status = service.status;
export const fqdn = domain.fqdn;
`;

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
      source,
      config: { coolifyUrl: emulator.url, coolifyPollIntervalMs: "50", coolifyDeleteTimeoutSeconds: "10", serverUuid: emulator.serverUuid, greeting: "hello", url: "https://acme.agents.example.com:80" },
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
    expect(up.outputs.status.value).toBe("running:healthy");
    expect(up.outputs.fqdn.value).toBe("https://acme.agents.example.com:80");
    expect(emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(1);
    expect(emulator.store.findServices({ name: "acme-web" })).toHaveLength(1);
    expect(count(emulator, "POST", /^\/api\/v1\/services$/)).toBe(1);
    expect(count(emulator, "PATCH", /\/envs\/bulk$/)).toBe(1);
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
    const uuid = (await program.stack.outputs()).serviceUuid.value as string;
    expect(emulator.store.deleteServiceOutOfBand(uuid)).toBe(true);
    const refresh = await program.stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ delete: 2 });
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 2 });
    expect(emulator.store.findServices({ name: "acme-web" })).toHaveLength(1);
  });

  it("destroys everything, project last, despite the queued deletes, keeping volumes", async () => {
    const uuid = (await program.stack.outputs()).serviceUuid.value as string;
    const destroy = await program.stack.destroy();
    expect(destroy.summary.resourceChanges).toMatchObject({ delete: 4 });
    expect(emulator.store.findProjects({ name: "Tenant acme" })).toHaveLength(0);
    expect(emulator.store.findServices({ name: "acme-web" })).toHaveLength(0);
    const del = emulator.requests.find((r) => r.method === "DELETE" && r.path === `/api/v1/services/${uuid}`);
    expect(del?.query.delete_volumes).toBe("false");
  });
});
