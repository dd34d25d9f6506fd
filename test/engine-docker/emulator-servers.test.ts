// Two Coolify servers, two Docker engines: the emulator in docker mode with an engine per server (each its own
// dockerd, from startDockerEngine, and its own coolify-proxy Traefik). The program's coolifyServers lists both with
// the cores and memory each engine reports (docker info), and `pulumi up` places the demo tenants over them: acme
// (2 cpus, 4095 MiB) on one, bolt (1 cpu, 2048 MiB) and chirp (1 cpu, 512 MiB) on the other, as placement's most
// free memory rule gives it on two engines of the same size. Each tenant's containers run on its server's engine
// only, and its host is routed by its own server's proxy. The tenants deploy quick releases (test/support/
// quick-release.ts: the released checks and limits, probed every 2 s), so the up waits seconds for healthy stacks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator, type DockerModeInfo } from "../../emulator/server";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";
import { dockerEngineSkipReason, ENGINE_START_TIMEOUT, startDockerEngine, type DockerEngine } from "../support/docker-engine";
import { DOCKER_BASE_DOMAIN, throughProxy } from "../support/emulator-docker-platform";
import { AI_ROUTER_KEY } from "../support/platform";
import { createProgram, repoRoot, type TestProgram } from "../support/pulumi";
import { useQuickReleases, type QuickReleases } from "../support/quick-release";

const skip = dockerEngineSkipReason();
const UP_TIMEOUT = 900_000;

/** Traefik applies a container's labels a moment after docker reports it healthy: retry. */
async function eventually<T>(probe: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe.skipIf(skip)(`two emulator servers, each its own Docker engine${skip ? ` — ${skip}` : ""}`, () => {
  const engines: DockerEngine[] = [];
  let pocketbase: PocketBaseInstance | undefined;
  let coolify: CoolifyEmulator | undefined;
  let program: TestProgram | undefined;
  let quick: QuickReleases | undefined;
  let created = "";
  /** Server uuid -> its engine and what the emulator says of it. */
  const servers = new Map<string, { engine: DockerEngine; docker: DockerModeInfo }>();
  const serverOf = (slug: string) => {
    const service = coolify!.store.findServices({ name: `cf-${slug}` })[0];
    const server = coolify!.store.servers.find((s) => s.id === service?.serverId);
    return { service, uuid: server?.uuid ?? "", ...servers.get(server?.uuid ?? "")! };
  };
  const servicesOn = async (engine: DockerEngine) =>
    (await engine.docker(["ps", "--filter", "label=coolify.type=service", "--format", '{{.Label "com.docker.compose.project"}}'])).stdout.split("\n").filter(Boolean);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) engines.push(await startDockerEngine());
    pocketbase = await startPocketBase({ seed: true });
    coolify = await startCoolifyEmulator({
      lifecycleDelayMs: 30, deleteDelayMs: 100,
      docker: engines.map((engine) => ({ host: engine.host, statusIntervalMs: 500, stopTimeoutSeconds: 5 })),
    });
    coolify.servers.forEach((s, i) => servers.set(s.uuid, { engine: engines[i], docker: s.docker! }));
    program = await createProgram({
      project: "cloudfreedom-agents",
      source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
      config: {
        coolifyUrl: coolify.url,
        // The size each engine reports: what placement counts against.
        coolifyServers: JSON.stringify(coolify.servers.map((s) => ({ uuid: s.uuid, cpus: s.docker!.cpus, memoryGb: s.docker!.memoryGb }))),
        baseDomain: DOCKER_BASE_DOMAIN,
        pocketbaseUrl: pocketbase.url,
        pocketbaseEmail: pocketbase.email,
        aiRouterUrl: "https://ai-router.invalid/v1",
        healthTimeoutSeconds: "300",
        coolifyPollIntervalMs: "250",
        coolifyDeleteTimeoutSeconds: "120",
        allowDraftTemplates: "true",
        teardownGraceDays: "0",
      },
      secrets: { coolifyToken: coolify.token, pocketbasePassword: pocketbase.password, aiRouterKey: AI_ROUTER_KEY },
    });
    quick = useQuickReleases(program);
    const up = await program.stack.up();
    created = JSON.stringify(up.summary.resourceChanges);
  }, ENGINE_START_TIMEOUT * 2 + UP_TIMEOUT);
  afterAll(async () => {
    for (const cleanup of [() => program?.dispose(), () => quick?.dispose(), () => coolify?.close(), () => pocketbase?.stop(), ...engines.map((e) => () => e.stop())]) {
      await Promise.resolve(cleanup()).catch(() => undefined);
    }
  }, 240_000);

  it("gives each server its own engine and proxy, reporting that engine's cores and memory", async () => {
    expect(coolify!.servers).toHaveLength(2);
    const [a, b] = coolify!.servers.map((s) => s.docker!);
    expect(a.dockerHost).toBe(engines[0].host);
    expect(b.dockerHost).toBe(engines[1].host);
    expect(a.proxyHttpsUrl).not.toBe(b.proxyHttpsUrl);
    for (const [i, info] of [a, b].entries()) {
      const reported = JSON.parse((await engines[i].docker(["info", "--format", "{{json .}}"])).stdout) as { NCPU: number; MemTotal: number };
      expect({ cpus: info.cpus, memoryGb: info.memoryGb }).toEqual({ cpus: reported.NCPU, memoryGb: Math.round((reported.MemTotal / 1024 ** 3) * 100) / 100 });
    }
    const listed = (await (await fetch(`${coolify!.url}/_emulator/engine`)).json()) as { servers: Array<{ uuid: string; dockerHost: string }> };
    expect(listed.servers.map((s) => [s.uuid, s.dockerHost])).toEqual(coolify!.servers.map((s) => [s.uuid, s.docker!.dockerHost]));
  });

  it("places the tenants over both servers, and runs each tenant's containers on its server's engine only", async () => {
    expect(created).toBe(JSON.stringify({ create: 16 }));
    const acme = serverOf("acme");
    const bolt = serverOf("bolt");
    const chirp = serverOf("chirp");
    expect(acme.uuid).not.toBe(bolt.uuid);
    expect(chirp.uuid).toBe(bolt.uuid);
    for (const tenant of [acme, bolt, chirp]) {
      const own = await servicesOn(tenant.engine);
      const other = await servicesOn(engines.find((e) => e !== tenant.engine)!);
      expect(own).toContain(tenant.service.uuid);
      expect(other).not.toContain(tenant.service.uuid);
    }
    expect(new Set(await servicesOn(acme.engine))).toEqual(new Set([acme.service.uuid]));
    expect(new Set(await servicesOn(bolt.engine))).toEqual(new Set([bolt.service.uuid, chirp.service.uuid]));
    console.log(`servers: acme on ${acme.uuid} (${acme.engine.host}); bolt and chirp on ${bolt.uuid} (${bolt.engine.host})`);
  });

  it.each(["acme", "bolt"])("routes https://%s.<baseDomain> through its own server's proxy, and not through the other's", async (slug) => {
    const tenant = serverOf(slug);
    const other = [...servers.values()].find((s) => s.engine !== tenant.engine)!;
    const host = `${slug}.${DOCKER_BASE_DOMAIN}`;
    const answer = await eventually(async () => {
      const a = await throughProxy(tenant.docker.proxyHttpsUrl, host, "/_standin");
      expect(a.status).toBe(200);
      return a;
    });
    expect((JSON.parse(answer.body) as { env: Record<string, string> }).env.COOLIFY_RESOURCE_UUID).toBe(tenant.service.uuid);
    expect((await throughProxy(other.docker.proxyHttpsUrl, host, "/_standin")).status).toBe(404);
  });
});
