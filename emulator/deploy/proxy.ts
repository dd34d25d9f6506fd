// The server's proxy as Coolify 4.3 runs it (bootstrap/helpers/proxy.php generateDefaultProxyConfiguration): a
// Traefik container `coolify-proxy` on the destination network `coolify`, the docker provider with
// exposedbydefault=false, entrypoints http (:80) and https (:443), the `letsencrypt` HTTP-01 resolver, its own labels.
// Differences, for a machine without a registry or public ports: the image `traefik:v3.6` is made here from the
// Traefik binary built by `npm run setup` (docker import), its ports are published on free loopback ports only, and
// the API is served insecurely on a third loopback port (Coolify's dev setting `--api.insecure=true`) for tests.
import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { basename, dirname, join } from "node:path";
import { docker, traefikBinary, type DockerConnection } from "./docker-cli";
import { PROXY_CONTAINER } from "./engine";

export const PROXY_IMAGE = "traefik:v3.6";
export const PROXY_NETWORK = "coolify";

/** Coolify's proxy command line (Traefik), in its order. */
export const COOLIFY_TRAEFIK_COMMAND = [
  "--ping=true",
  "--ping.entrypoint=http",
  "--api.dashboard=true",
  "--entrypoints.http.address=:80",
  "--entrypoints.https.address=:443",
  "--entrypoints.http.http.encodequerysemicolons=true",
  "--entryPoints.http.http2.maxConcurrentStreams=250",
  "--entrypoints.https.http.encodequerysemicolons=true",
  "--entryPoints.https.http2.maxConcurrentStreams=250",
  "--entrypoints.https.http3",
  "--providers.file.directory=/traefik/dynamic/",
  "--providers.file.watch=true",
  "--certificatesresolvers.letsencrypt.acme.httpchallenge=true",
  "--certificatesresolvers.letsencrypt.acme.httpchallenge.entrypoint=http",
  "--certificatesresolvers.letsencrypt.acme.storage=/traefik/acme.json",
  "--api.insecure=true",
  "--providers.docker=true",
  "--providers.docker.exposedbydefault=false",
];

/** The proxy container's own labels (Coolify's). */
export const COOLIFY_PROXY_LABELS = [
  "traefik.enable=true",
  "traefik.http.routers.traefik.entrypoints=http",
  "traefik.http.routers.traefik.service=api@internal",
  "traefik.http.services.traefik.loadbalancer.server.port=8080",
  "coolify.managed=true",
  "coolify.proxy=true",
];

export interface ProxyOptions extends DockerConnection {
  /** Holds the proxy's /traefik (acme.json, dynamic/). */
  dataDir: string;
  /** Default: traefikBinary(). */
  traefikBin?: string;
}

export interface RunningProxy {
  /** http://127.0.0.1:<port> of the `http` entrypoint. */
  httpUrl: string;
  /** https://127.0.0.1:<port> of the `https` entrypoint (Traefik's default certificate). */
  httpsUrl: string;
  /** http://127.0.0.1:<port> of Traefik's API (/api/http/routers, …). */
  apiUrl: string;
  stop(): Promise<void>;
}

export class ProxyError extends Error {
  override name = "ProxyError";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Makes `traefik:v3.6` from the built binary unless the engine has it (a one-file image, nothing pulled). */
export async function ensureProxyImage(options: ProxyOptions): Promise<void> {
  if ((await docker(options, ["image", "inspect", PROXY_IMAGE])).exitCode === 0) return;
  const binary = options.traefikBin ?? traefikBinary();
  // As in the real image: the binary at /usr/local/bin/traefik, /traefik left free for the proxy's files.
  const script = 'tar -C "$1" -cf - --transform "s,^,usr/local/bin/," "$2" | docker import --change "ENTRYPOINT [\\"/usr/local/bin/traefik\\"]" - "$3"';
  await new Promise<void>((resolve, reject) => {
    execFile("sh", ["-c", script, "sh", dirname(binary), basename(binary), PROXY_IMAGE], {
      env: { ...process.env, DOCKER_HOST: options.host }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024,
    }, (error, _out, err) => (error ? reject(new ProxyError(`could not make ${PROXY_IMAGE} from ${binary}: ${err || error.message}`)) : resolve()));
  });
}

async function ensureNetwork(options: ProxyOptions, name: string): Promise<void> {
  if ((await docker(options, ["network", "inspect", name])).exitCode === 0) return;
  const created = await docker(options, ["network", "create", "--attachable", name]);
  if (created.exitCode !== 0) throw new ProxyError(`docker network create ${name}: ${created.stderr.trim()}`);
}

async function waitForApi(apiUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${apiUrl}/api/overview`)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new ProxyError(`Traefik's API did not answer at ${apiUrl} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts `coolify-proxy` (replacing an old one) and waits until its API answers. */
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  await ensureProxyImage(options);
  await ensureNetwork(options, PROXY_NETWORK);
  await docker(options, ["rm", "-f", PROXY_CONTAINER]);
  const dir = join(options.dataDir, "proxy");
  mkdirSync(join(dir, "dynamic"), { recursive: true });
  const [http, https, api] = [await freePort(), await freePort(), await freePort()];
  const socket = options.host.replace(/^unix:\/\//, "");
  const args = [
    "run", "-d", "--name", PROXY_CONTAINER, "--restart", "unless-stopped", "--network", PROXY_NETWORK,
    "--add-host", "host.docker.internal:host-gateway",
    "-p", `127.0.0.1:${http}:80`, "-p", `127.0.0.1:${https}:443`, "-p", `127.0.0.1:${api}:8080`,
    "-v", `${socket}:/var/run/docker.sock:ro`, "-v", `${dir}:/traefik`,
    ...COOLIFY_PROXY_LABELS.flatMap((label) => ["--label", label]),
    PROXY_IMAGE, ...COOLIFY_TRAEFIK_COMMAND,
  ];
  const started = await docker(options, args);
  if (started.exitCode !== 0) throw new ProxyError(`docker run ${PROXY_CONTAINER}: ${started.stderr.trim()}`);
  const apiUrl = `http://127.0.0.1:${api}`;
  await waitForApi(apiUrl, 30_000);
  return {
    httpUrl: `http://127.0.0.1:${http}`,
    httpsUrl: `https://127.0.0.1:${https}`,
    apiUrl,
    stop: async () => {
      await docker(options, ["rm", "-f", PROXY_CONTAINER]);
    },
  };
}
