// The local demo: a real PocketBase (migrations + demo tenants), the Coolify emulator, and `pulumi up` of
// this program on a `dev` stack pointed at both. Prints each tenant's URLs and status, then keeps both
// servers running until Ctrl-C. `--once` exits after the deploy: 0 only if every tenant is healthy.
// The emulator keeps its state in memory, so every start begins from a fresh PocketBase (a temporary data
// folder, removed on exit) and a fresh stack. Where dockerd is installed and this runs as root, the emulator
// deploys to a private Docker engine behind a real Traefik (docker mode): the tenants run as containers of the
// stand-in images, and each one's curl line through the proxy is printed.
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCoolifyEmulator, type CoolifyEmulator, type DockerModeInfo } from "../emulator/server";
import { commandLine } from "../lib/cli/args";
import { connect } from "../lib/tenants/connection";
import { startPocketBase } from "../pocketbase/local-server";
import { LOCAL_RELEASES_VARIABLE } from "../templates/local-releases";
import { dockerEngineSkipReason, startDockerEngine, type DockerEngine } from "../test/support/docker-engine";

const root = resolve(__dirname, "..");
const demoDir = join(root, ".local", "demo");
const COMMAND = { name: "start", usage: "[--once]", options: { once: { type: "boolean" } } } as const;
const once = commandLine(COMMAND).values.once === true;

async function main(): Promise<number> {
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(join(demoDir, "state"), { recursive: true });
  // Template versions released into the running demo by `npm run demo:release` (templates/local-releases.ts); the
  // program of every run, the first up's and the reconciler's, reads them from here.
  mkdirSync(join(demoDir, "releases"));
  process.env[LOCAL_RELEASES_VARIABLE] = join(demoDir, "releases");
  const pocketbase = await startPocketBase({ seed: true });
  await canaryRing(pocketbase, "bolt");
  const engine = await demoEngine();
  let coolify: CoolifyEmulator;
  try {
    coolify = await startCoolifyEmulator({ lifecycleDelayMs: 500, ...(engine ? { docker: { host: engine.host, stopTimeoutSeconds: 10 } } : {}) });
  } catch (error) {
    await engine?.stop();
    await pocketbase.stop();
    throw error;
  }
  const stop = async () => {
    await pocketbase.stop();
    await coolify.close();
    await engine?.stop();
  };
  const credentials = join(demoDir, "pocketbase-superuser");
  writeFileSync(credentials, `${pocketbase.email}\n${pocketbase.password}\n`, { mode: 0o600 });
  console.log(`PocketBase     ${pocketbase.url}/_/  (superuser login in ${credentials})`);
  console.log(`Coolify (emu)  ${coolify.url}/api/v1  (server ${coolify.serverUuid})`);
  if (coolify.docker) {
    console.log(`Docker engine  ${coolify.docker.dockerHost}  (DOCKER_HOST=${coolify.docker.dockerHost} docker ps)`);
    console.log(`Proxy          ${coolify.docker.proxyHttpUrl} (http), ${coolify.docker.proxyHttpsUrl} (https, Traefik's default certificate), API ${coolify.docker.proxyApiUrl}\n`);
  } else console.log("");

  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "dev", workDir: root },
    { envVars: { PULUMI_BACKEND_URL: `file://${join(demoDir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "demo", PULUMI_SKIP_CONFIRMATIONS: "true" } },
  );
  await stack.setAllConfig({
    coolifyUrl: { value: coolify.url },
    coolifyToken: { value: coolify.token, secret: true },
    coolifyServerUuid: { value: coolify.serverUuid },
    baseDomain: { value: "agents.localhost" },
    pocketbaseUrl: { value: pocketbase.url },
    pocketbaseEmail: { value: pocketbase.email },
    pocketbasePassword: { value: pocketbase.password, secret: true },
    aiRouterUrl: { value: "https://ai-router.invalid/v1" },
    allowDraftTemplates: { value: "true" },
    coolifyPollIntervalMs: { value: "250" },
    // Real containers (stand-in images) pass their own health checks; llm-stack's take longest.
    healthTimeoutSeconds: { value: coolify.docker ? "300" : "60" },
    // The demo starts afresh every time: a cancelled demo tenant goes at once.
    teardownGraceDays: { value: "0" },
    // A release reaches the canary ring first (bolt: canaryRing below), the rest after a three-minute soak. A wave is
    // judged by its tenants' records, which each run refreshes: the soak must outlast a run after the bot's first
    // health probe (60 s after start), or a healthy bot still starting is judged a failure.
    rollout: { value: JSON.stringify({ fraction: 0.5, soakMinutes: 3, maxFailures: 0 }) },
  });
  let healthy = false;
  try {
    const up = await stack.up({ onOutput: (text) => process.stdout.write(text) });
    const tenants = up.outputs.tenants.value as Record<string, { urls: string[]; status: string }>;
    console.log("\nTenant   Status             URLs");
    for (const [slug, t] of Object.entries(tenants)) console.log(`${slug.padEnd(8)} ${t.status.padEnd(18)} ${t.urls.join(", ") || "(no public URL)"}`);
    if (coolify.docker) {
      console.log("\nEach tenant through the real Traefik on this machine:");
      for (const [slug, t] of Object.entries(tenants)) {
        for (const url of t.urls) console.log(`${slug.padEnd(8)} ${curlThroughProxy(coolify.docker.proxyHttpsUrl, url)}`);
      }
    }
    healthy = Object.values(tenants).every((t) => t.status === "running:healthy");
  } catch (e) {
    console.error(`\npulumi up failed: ${(e as Error).message}`);
  }
  if (once) {
    await stop();
    return healthy ? 0 : 1;
  }
  const live = await startLiveReconciler(stack, { pocketbase, coolify, docker: coolify.docker });
  console.log("\nPocketBase, the Coolify emulator and the reconciler keep running; Ctrl-C stops them.");
  await new Promise<void>((done) => process.once("SIGINT", () => done()));
  await live.stop();
  await stop();
  return 0;
}

// The live loop (issue 12): the reconciler watches the demo PocketBase, so a tenant created or cancelled in the
// dashboard is deployed or torn down without a command. It runs as its own process, as in production.
async function startLiveReconciler(
  stack: Stack,
  demo: { pocketbase: { url: string; email: string; password: string }; coolify: { url: string; token: string }; docker?: DockerModeInfo },
): Promise<{ stop(): Promise<void> }> {
  const token = randomBytes(24).toString("hex");
  await stack.setConfig("reconcilerToken", { value: token, secret: true });
  await stack.setConfig("reconcileDebounceSeconds", { value: "2" });
  // Every minute, so a soaking rollout's next wave follows soon after its soak (config rollout above).
  await stack.setConfig("reconcileIntervalMinutes", { value: "1" });
  const child: ChildProcess = spawn("tsx", [join(root, "reconciler", "main.ts"), "--stack", "dev", "--port", "0"], {
    env: { ...process.env, PULUMI_BACKEND_URL: `file://${join(demoDir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "demo" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    child.once("exit", (code) => reject(new Error(`the reconciler exited with ${code} before it listened`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      const found = /listening on (http:\/\/\S+);/.exec(chunk.toString());
      if (found) resolveUrl(found[1]);
    });
  });
  const endpoints = join(demoDir, "endpoints.json");
  const body = { pocketbaseUrl: demo.pocketbase.url, superuserEmail: demo.pocketbase.email, superuserPassword: demo.pocketbase.password, coolifyUrl: demo.coolify.url, coolifyToken: demo.coolify.token, reconcilerUrl: url, reconcilerToken: token,
    ...(demo.docker ? { dockerHost: demo.docker.dockerHost, proxyHttpUrl: demo.docker.proxyHttpUrl, proxyHttpsUrl: demo.docker.proxyHttpsUrl } : {}) };
  writeFileSync(endpoints, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  console.log(`\nReconciler     ${url}  (GET /healthz, GET /metrics, POST /reconcile; token and every URL in ${endpoints})`);
  console.log("Create or cancel a tenant in the PocketBase dashboard: the reconciler deploys or tears it down.");
  console.log("Release a template version and watch its rollout (canary bolt first): npm run demo:release -- good|broken, then");
  console.log(`  PULUMI_BACKEND_URL=file://${join(demoDir, "state")} PULUMI_CONFIG_PASSPHRASE=demo npm run rollout -- status --stack dev`);
  return {
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * Puts a demo tenant in the canary ring, so a release (`npm run demo:release`) moves it first. Here, not in the seed:
 * the tests that seed the demo tenants plan their own rings.
 */
async function canaryRing(pocketbase: { url: string; email: string; password: string }, slug: string): Promise<void> {
  const pb = await connect(pocketbase);
  const tenant = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
  await pb.collection("tenants").update(tenant.id, { rollout_ring: "canary" });
}

/**
 * The engine the demo deploys to: a private dockerd in a temporary folder with the stand-in images
 * (test/support/docker-engine.ts) when dockerd is installed and this runs as root; otherwise none, and the demo
 * says why and runs on the emulator's model alone. CLOUDFREEDOM_DEMO_ENGINE=off asks for the model alone.
 */
async function demoEngine(): Promise<DockerEngine | undefined> {
  if (process.env.CLOUDFREEDOM_DEMO_ENGINE === "off") {
    console.log("Docker engine  off (CLOUDFREEDOM_DEMO_ENGINE=off): tenants run on the emulator's model only, no containers\n");
    return undefined;
  }
  const skip = dockerEngineSkipReason() ?? (process.getuid?.() !== 0 ? "a private dockerd needs root" : undefined);
  if (skip) {
    console.log(`Docker engine  not used: ${skip}. Tenants run on the emulator's model only, no containers.\n`);
    return undefined;
  }
  console.log("Docker engine  starting a private dockerd with the stand-in images (first time: builds them)…");
  try {
    return await startDockerEngine();
  } catch (error) {
    console.log(`Docker engine  not used: ${(error as Error).message.split("\n")[0]}. Tenants run on the emulator's model only.\n`);
    return undefined;
  }
}

/** `curl -k --resolve host:port:127.0.0.1 https://host:port/` for a tenant URL, through the proxy's https entrypoint. */
function curlThroughProxy(proxyHttpsUrl: string, url: string): string {
  const port = new URL(proxyHttpsUrl).port;
  const host = new URL(url).hostname;
  return `curl -k --resolve ${host}:${port}:127.0.0.1 https://${host}:${port}/_standin`;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
