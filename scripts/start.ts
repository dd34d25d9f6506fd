// The local demo: a real PocketBase (migrations + demo tenants), the Coolify emulator, and `pulumi up` of
// this program on a `dev` stack pointed at both. Prints each tenant's URLs and status, then keeps both
// servers running until Ctrl-C. `--once` exits after the deploy: 0 only if every tenant is healthy.
// The emulator keeps its state in memory, so every start begins from a fresh PocketBase (a temporary data
// folder, removed on exit) and a fresh stack. Where dockerd is installed and this runs as root, the emulator
// deploys to a private Docker engine behind a real Traefik (docker mode): the tenants run as containers of the
// stand-in images, and each one's curl line through the proxy is printed.
// `--shards` runs the same fleet on two emulator servers, one shard each (scripts/start/sharded.ts), with the same rollout.
import { LocalWorkspace, type ConfigMap, type Stack } from "@pulumi/pulumi/automation";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCoolifyEmulator, type CoolifyEmulator, type DockerModeInfo, type EmulatorServer } from "../emulator/server";
import { commandLine } from "../lib/cli/args";
import { connect } from "../lib/tenants/connection";
import { startPocketBase } from "../pocketbase/local-server";
import { LOCAL_RELEASES_VARIABLE } from "../templates/local-releases";
import { COMMAND } from "./start/command-line";
import { demoEngines } from "./start/engines";
import { DEMO_SHARDS, formatShardPlacement, initDemoShards, shardedConfig, upShards, type Tenants } from "./start/sharded";

const root = resolve(__dirname, "..");
const demoDir = join(root, ".local", "demo");
const { values } = commandLine(COMMAND);
const once = values.once === true;
const sharded = values.shards === true;
const PULUMI_ENV = { PULUMI_BACKEND_URL: `file://${join(demoDir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "demo", PULUMI_SKIP_CONFIRMATIONS: "true" };

async function main(): Promise<number> {
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(join(demoDir, "state"), { recursive: true });
  // Template versions released into the running demo by `npm run demo:release` (templates/local-releases.ts); the
  // program of every run, the first up's and the reconciler's, reads them from here.
  mkdirSync(join(demoDir, "releases"));
  process.env[LOCAL_RELEASES_VARIABLE] = join(demoDir, "releases");
  const pocketbase = await startPocketBase({ seed: true });
  await canaryRing(pocketbase, "bolt");
  const serverCount = sharded ? DEMO_SHARDS.length : 1;
  const engines = await demoEngines(serverCount);
  const stopEngines = () => Promise.all(engines.map((engine) => engine.stop()));
  let coolify: CoolifyEmulator;
  try {
    const docker = engines.map((engine) => ({ host: engine.host, stopTimeoutSeconds: 10 }));
    coolify = await startCoolifyEmulator({
      lifecycleDelayMs: 500,
      ...(docker.length === 0 ? (sharded ? { servers: serverCount } : {}) : { docker: sharded ? docker : docker[0] }),
    });
  } catch (error) {
    await stopEngines();
    await pocketbase.stop();
    throw error;
  }
  const stop = async () => {
    await pocketbase.stop();
    await coolify.close();
    await stopEngines();
    if (sharded) removeStackFiles();
  };
  const credentials = join(demoDir, "pocketbase-superuser");
  writeFileSync(credentials, `${pocketbase.email}\n${pocketbase.password}\n`, { mode: 0o600 });
  console.log(`PocketBase     ${pocketbase.url}/_/  (superuser login in ${credentials})`);
  if (sharded) {
    console.log(`Coolify (emu)  ${coolify.url}/api/v1  (servers ${coolify.servers.map((s) => s.uuid).join(", ")})`);
    for (const [i, server] of coolify.servers.entries()) {
      const docker = server.docker;
      console.log(`  server ${server.uuid} (shard ${DEMO_SHARDS[i]}): ${docker ? `engine ${docker.dockerHost}, proxy ${docker.proxyHttpsUrl} (https)` : "the emulator's model, no containers"}`);
    }
    console.log("");
  } else console.log(`Coolify (emu)  ${coolify.url}/api/v1  (server ${coolify.serverUuid})`);
  if (coolify.docker && !sharded) {
    console.log(`Docker engine  ${coolify.docker.dockerHost}  (DOCKER_HOST=${coolify.docker.dockerHost} docker ps)`);
    console.log(`Proxy          ${coolify.docker.proxyHttpUrl} (http), ${coolify.docker.proxyHttpsUrl} (https, Traefik's default certificate), API ${coolify.docker.proxyApiUrl}\n`);
  } else console.log("");

  // The state was reset above, so stack files of an earlier start describe stacks that are gone; a sharded start's
  // (its shards and coolifyServers, the shard stacks' salts) would break a plain one after a SIGKILL.
  removeStackFiles();
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: "dev", workDir: root }, { envVars: PULUMI_ENV });
  const serverConfig: ConfigMap = sharded ? shardedConfig(coolify.servers.map((s) => s.uuid)) : { coolifyServerUuid: { value: coolify.serverUuid } };
  await stack.setAllConfig({
    coolifyUrl: { value: coolify.url },
    coolifyToken: { value: coolify.token, secret: true },
    ...serverConfig,
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
    ...rolloutConfig(),
  });
  const healthy = sharded ? await upSharded(stack, coolify) : await upFleet(stack, coolify);
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

/** Config rollout of the demo (sharded too: every shard decides from one merged rollout, program/rollout-merge.ts). */
function rolloutConfig(): ConfigMap {
  return {
    // A release reaches the canary ring first (bolt: canaryRing below), the rest after a three-minute soak. A wave is
    // judged by its tenants' records, which each run refreshes: the soak must outlast a run after the bot's first
    // health probe (60 s after start), or a healthy bot still starting is judged a failure.
    rollout: { value: JSON.stringify({ fraction: 0.5, soakMinutes: 3, maxFailures: 0 }) },
  };
}

/** The plain demo's up of the dev stack; whether every tenant is healthy. */
async function upFleet(stack: Stack, coolify: CoolifyEmulator): Promise<boolean> {
  try {
    const up = await stack.up({ onOutput: (text) => process.stdout.write(text) });
    const tenants = up.outputs.tenants.value as Tenants;
    printTenants(tenants);
    if (coolify.docker) {
      console.log("\nEach tenant through the real Traefik on this machine:");
      printCurls(tenants, coolify.docker.proxyHttpsUrl);
    }
    return Object.values(tenants).every((t) => t.status === "running:healthy");
  } catch (e) {
    console.error(`\npulumi up failed: ${(e as Error).message}`);
    return false;
  }
}

/**
 * The sharded demo's first runs: the shard stacks dev.a and dev.b made as `npm run shards -- init` makes them, then
 * an up of each; whether both succeeded and every tenant is healthy.
 */
async function upSharded(stack: Stack, coolify: CoolifyEmulator): Promise<boolean> {
  // scripts/shards/ runs the pulumi CLI in the current directory with the operator's backend and passphrase.
  Object.assign(process.env, PULUMI_ENV);
  process.chdir(root);
  console.log(`\n$ npm run shards -- init --stack dev\n${initDemoShards("dev")}`);
  const ups = await upShards(stack.workspace, "dev", root, coolify.servers.map((s) => s.uuid));
  console.log(`\nWhat runs where:\n${formatShardPlacement(ups)}`);
  for (const [i, u] of ups.entries()) {
    const docker = coolify.servers[i].docker;
    if (u.tenants) printTenants(u.tenants, `Shard ${u.shard}: `);
    if (u.tenants && docker) {
      console.log(`Shard ${u.shard}'s tenants through its server's own Traefik (engine ${docker.dockerHost}):`);
      printCurls(u.tenants, docker.proxyHttpsUrl);
    }
  }
  return ups.every((u) => u.tenants !== undefined && Object.values(u.tenants).every((t) => t.status === "running:healthy"));
}

function printTenants(tenants: Tenants, heading = ""): void {
  console.log(`\n${heading}Tenant   Status             URLs`);
  for (const [slug, t] of Object.entries(tenants)) console.log(`${slug.padEnd(8)} ${t.status.padEnd(18)} ${t.urls.join(", ") || "(no public URL)"}`);
}

function printCurls(tenants: Tenants, proxyHttpsUrl: string): void {
  for (const [slug, t] of Object.entries(tenants)) {
    for (const url of t.urls) console.log(`${slug.padEnd(8)} ${curlThroughProxy(proxyHttpsUrl, url)}`);
  }
}

/** The dev stack's config file and the shard stacks' (Pulumi.dev.<shard>.yaml) in the project folder. */
function removeStackFiles(): void {
  for (const file of readdirSync(root)) if (file === "Pulumi.dev.yaml" || /^Pulumi\.dev\.[a-z0-9-]+\.yaml$/.test(file)) rmSync(join(root, file), { force: true });
}

// The live loop (issue 12): the reconciler watches the demo PocketBase, so a tenant created or cancelled in the
// dashboard is deployed or torn down without a command. It runs as its own process, as in production.
async function startLiveReconciler(
  stack: Stack,
  demo: { pocketbase: { url: string; email: string; password: string }; coolify: { url: string; token: string; servers: EmulatorServer[] }; docker?: DockerModeInfo },
): Promise<{ stop(): Promise<void> }> {
  const token = randomBytes(24).toString("hex");
  await stack.setConfig("reconcilerToken", { value: token, secret: true });
  await stack.setConfig("reconcileDebounceSeconds", { value: "2" });
  // Every minute, so a soaking rollout's next wave follows soon after its soak (config rollout above). Sharded: every
  // two, so the timer's full runs of every shard (one at a time: they may place) leave room for a change's targeted run.
  await stack.setConfig("reconcileIntervalMinutes", { value: sharded ? "2" : "1" });
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
    ...(demo.docker ? { dockerHost: demo.docker.dockerHost, proxyHttpUrl: demo.docker.proxyHttpUrl, proxyHttpsUrl: demo.docker.proxyHttpsUrl } : {}),
    ...(sharded ? { shards: Object.fromEntries(demo.coolify.servers.map((s, i) => [DEMO_SHARDS[i], { stack: `dev.${DEMO_SHARDS[i]}`, server: s.uuid,
      ...(s.docker ? { dockerHost: s.docker.dockerHost, proxyHttpUrl: s.docker.proxyHttpUrl, proxyHttpsUrl: s.docker.proxyHttpsUrl } : {}) }])) } : {}) };
  writeFileSync(endpoints, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  console.log(`\nReconciler     ${url}  (GET /healthz, GET /metrics, POST /reconcile; token and every URL in ${endpoints})`);
  console.log("Create or cancel a tenant in the PocketBase dashboard: the reconciler deploys or tears it down.");
  const pulumiEnv = `PULUMI_BACKEND_URL=file://${join(demoDir, "state")} PULUMI_CONFIG_PASSPHRASE=demo`;
  if (sharded) {
    console.log(`The reconciler runs one lane per shard (dev.${DEMO_SHARDS.join(", dev.")}); a change reaches only its tenant's shard. Watch:`);
    console.log(`  ${pulumiEnv} npm run shards -- list --stack dev`);
    console.log(`  curl -s ${url}/healthz   (shards.<name>: stack, queue, running, last run; parallelShards, coolifyRateLimitPerRun)`);
  }
  console.log("Release a template version and watch its rollout (canary bolt first): npm run demo:release -- good|broken, then");
  console.log(`  ${pulumiEnv} npm run rollout -- status --stack dev`);
  return stopper(child, exited);
}

function stopper(child: ChildProcess, exited: Promise<void>): { stop(): Promise<void> } {
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
