// The emulator in docker mode, through `pulumi up` of the program: the demo tenants run as real containers (stand-in
// images) on a private engine, behind a real Traefik configured as Coolify's coolify-proxy, routed by the labels
// Coolify 4.3 writes; tenants' networks isolate them. Also: a start the engine refuses, stop/start keeping a volume.
// The tenants deploy quick releases (test/support/quick-release.ts: the released checks, probed every 2 s), so the up
// waits seconds for healthy stacks, not the bot's first probe a minute after its start.
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerEngineSkipReason } from "../support/docker-engine";
import { curlLine, DOCKER_BASE_DOMAIN, restoreDockerIsolation, startDockerPlatform, throughProxy, type DockerPlatform } from "../support/emulator-docker-platform";
import { useQuickReleases, type QuickReleases } from "../support/quick-release";

const skip = dockerEngineSkipReason();
const UP_TIMEOUT = 900_000;

/** Traefik applies a container's labels a moment after docker reports it healthy (providers throttle): retry. */
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

interface ServiceRow { uuid: string; name: string; status: string; applications: Array<{ name: string; fqdn: string | null; status: string }> }

describe.skipIf(skip)(`the emulator on a real engine behind Coolify's Traefik${skip ? ` — ${skip}` : ""}`, () => {
  let platform: DockerPlatform;
  let created: string;
  let quick: QuickReleases | undefined;

  /** The emulator's services as its API shows them (GET /services/{uuid}, which lists the containers). */
  async function services(): Promise<ServiceRow[]> {
    const get = async (path: string) =>
      (await fetch(`${platform.coolify.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${platform.coolify.token}`, Accept: "application/json" } })).json();
    const listed = (await get("/services")) as Array<{ uuid: string }>;
    return Promise.all(listed.map(async (s) => (await get(`/services/${s.uuid}`)) as ServiceRow));
  }

  async function serviceOf(slug: string): Promise<ServiceRow> {
    const host = `${slug}.${DOCKER_BASE_DOMAIN}`;
    const found = (await services()).find((s) => s.applications.some((a) => (a.fqdn ?? "").includes(`//${host}:`)));
    if (!found) throw new Error(`no service routes ${host}`);
    return found;
  }

  async function exec(container: string, args: string[]) {
    return platform.engine.docker(["exec", container, ...args], { allowFailure: true, timeoutMs: 60_000 });
  }

  beforeAll(async () => {
    platform = await startDockerPlatform();
    quick = useQuickReleases(platform.program);
    const up = await platform.program.stack.up();
    created = JSON.stringify(up.summary.resourceChanges);
  }, UP_TIMEOUT);
  afterAll(async () => {
    await platform?.dispose();
    quick?.dispose();
  }, 180_000);

  it("pulumi up makes every demo tenant healthy from its real containers", async () => {
    expect(created).toBe(JSON.stringify({ create: 16 }));
    const all = await services();
    expect(all).toHaveLength(3);
    for (const service of all) expect(`${service.name}: ${service.status}`).toBe(`${service.name}: running:healthy`);
    const ps = await platform.engine.docker(["ps", "--filter", "label=coolify.type=service", "--format", "{{.Names}} {{.Status}}"]);
    for (const service of all) expect(ps.stdout).toContain(`-${service.uuid} Up`);
  });

  it("http://<slug>.<baseDomain> answers Coolify's redirect to https", async () => {
    const answer = await eventually(async () => {
      const a = await throughProxy(platform.docker.proxyHttpUrl, `bolt.${DOCKER_BASE_DOMAIN}`, "/x?y=1");
      expect(a.status).toBe(302);
      return a;
    });
    expect(answer.headers.location).toBe(`https://bolt.${DOCKER_BASE_DOMAIN}/x?y=1`);
  });

  it.each(["acme", "bolt"])("https://%s.<baseDomain> reaches that tenant's web container, whose /_standin names its service uuid", async (slug) => {
    const service = await serviceOf(slug);
    const answer = await eventually(async () => {
      const a = await throughProxy(platform.docker.proxyHttpsUrl, `${slug}.${DOCKER_BASE_DOMAIN}`, "/_standin");
      expect(a.status).toBe(200);
      return a;
    });
    const report = JSON.parse(answer.body) as { env: Record<string, string>; hostname: string };
    expect(report.env.COOLIFY_RESOURCE_UUID).toBe(service.uuid);
    expect(report.env.COOLIFY_FQDN).toBe(`${slug}.${DOCKER_BASE_DOMAIN}`);
    console.log(`reach ${slug}: ${curlLine(platform.docker.proxyHttpsUrl, `${slug}.${DOCKER_BASE_DOMAIN}`, "/_standin")}`);
  });

  it("an unknown host answers 404 on both entrypoints", async () => {
    expect((await throughProxy(platform.docker.proxyHttpsUrl, `nobody.${DOCKER_BASE_DOMAIN}`)).status).toBe(404);
    expect((await throughProxy(platform.docker.proxyHttpUrl, `nobody.${DOCKER_BASE_DOMAIN}`)).status).toBe(404);
  });

  it("Traefik builds exactly each routed tenant's http and https router from the labels, none in error", async () => {
    const expected: string[] = [];
    for (const slug of ["acme", "bolt"]) {
      const service = await serviceOf(slug);
      const container = slug === "acme" ? "openwebui-6bf9" : "openclaw-eff9";
      expected.push(`http-0-${service.uuid}-${container}@docker`, `https-0-${service.uuid}-${container}@docker`);
    }
    await eventually(async () => {
      const routers = (await (await fetch(`${platform.docker.proxyApiUrl}/api/http/routers`)).json()) as Array<{ name: string; status: string; rule: string }>;
      expect(routers.filter((r) => /^https?-\d+-/.test(r.name)).map((r) => r.name).sort()).toEqual(expected.sort());
      expect(routers.filter((r) => r.status !== "enabled")).toEqual([]);
    });
  });

  it("isolates tenants: from acme's container bolt is unreachable by address and by name, the proxy is reachable", async () => {
    const acme = await serviceOf("acme");
    const bolt = await serviceOf("bolt");
    const from = `openwebui-${acme.uuid}`;
    const boltContainer = `openclaw-${bolt.uuid}`;
    const inspect = await platform.engine.docker(["inspect", boltContainer, "--format", `{{(index .NetworkSettings.Networks "${bolt.uuid}").IPAddress}}`]);
    const boltIp = inspect.stdout.trim();
    const restored = await restoreDockerIsolation(platform.engine);
    if (restored.length > 0) console.log(`isolation: re-added Docker's isolation rules of ${restored.join(", ")}, removed when another test engine started`);
    expect(boltIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const curl = (url: string, extra: string[] = []) => exec(from, ["curl", "-sS", "--connect-timeout", "3", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", ...extra, url]);
    const byAddress = await curl(`http://${boltIp}:8080/_standin`);
    expect(byAddress.code, byAddress.stderr).not.toBe(0);
    for (const name of [boltContainer, "openclaw"]) {
      const byName = await curl(`http://${name}:8080/_standin`);
      expect(byName.code, `${name}: ${byName.stderr}`).toBe(6);
    }
    const viaProxy = await curl("http://coolify-proxy/", ["-H", `Host: bolt.${DOCKER_BASE_DOMAIN}`]);
    expect(viaProxy.stdout).toBe("302");
    console.log(`isolation: ${from} -> ${boltIp}:8080 exit ${byAddress.code} (${byAddress.stderr.trim()}); by name exit 6; coolify-proxy -> ${viaProxy.stdout}`);
  });

  it("serves Traefik's API to Host coolify-proxy on the http entrypoint, as the proxy's own Coolify labels route it", async () => {
    // ingress.md §2 [verify]: the label router `traefik` (entrypoint http, no rule) gets Traefik's default rule
    // Host(`coolify-proxy`) and the service api@internal; the API is on whether or not --api.insecure is.
    const bolt = await serviceOf("bolt");
    const outside = await throughProxy(platform.docker.proxyHttpUrl, "coolify-proxy", "/api/http/routers");
    expect(outside.status).toBe(200);
    expect(outside.body).toContain(`https-0-${bolt.uuid}-openclaw-eff9@docker`);
    const acme = await serviceOf("acme");
    const inside = await exec(`openwebui-${acme.uuid}`, ["curl", "-sS", "--max-time", "5", "-H", "Host: coolify-proxy", "http://coolify-proxy/api/http/services"]);
    expect(inside.code, inside.stderr).toBe(0);
    expect(inside.stdout).toContain(`https-0-${bolt.uuid}-openclaw-eff9@docker`);
    console.log(`proxy API from tenant acme's container: ${inside.stdout.length} bytes, names bolt's service and its server URL: ${/"url":"http:\/\/[\d.]+:8080"/.test(inside.stdout)}`);
  });

  it("measures what else a tenant container reaches on the host, at its network's gateway", async () => {
    const acme = await serviceOf("acme");
    const from = `openwebui-${acme.uuid}`;
    const gateway = (await platform.engine.docker(["network", "inspect", acme.uuid, "--format", "{{(index .IPAM.Config 0).Gateway}}"])).stdout.trim();
    const anyInterface: Server = createServer((socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    await new Promise<void>((resolve) => anyInterface.listen(0, "0.0.0.0", () => resolve()));
    const targets: Record<string, number> = {
      "a host service on 0.0.0.0 (test listener)": (anyInterface.address() as { port: number }).port,
      "Coolify emulator API (127.0.0.1)": Number(new URL(platform.coolify.url).port),
      "PocketBase (127.0.0.1)": Number(new URL(platform.pocketbase.url).port),
      "proxy http entrypoint (published on 127.0.0.1)": Number(new URL(platform.docker.proxyHttpUrl).port),
      "proxy API (published on 127.0.0.1)": Number(new URL(platform.docker.proxyApiUrl).port),
    };
    const measured: Record<string, string> = {};
    try {
      for (const [what, port] of Object.entries(targets)) {
        const r = await exec(from, ["curl", "-sS", "--connect-timeout", "3", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", `http://${gateway}:${port}/`]);
        measured[what] = r.code === 0 ? `reachable (HTTP ${r.stdout})` : r.code === 7 ? "refused" : r.code === 28 ? "timed out" : `exit ${r.code}`;
      }
    } finally {
      anyInterface.close();
    }
    console.log(`from ${from} at gateway ${gateway}: ${JSON.stringify(measured, null, 1)}`);
    expect(measured["a host service on 0.0.0.0 (test listener)"]).toMatch(/^reachable/);
    expect(measured["Coolify emulator API (127.0.0.1)"]).not.toMatch(/^reachable/);
  });
});
