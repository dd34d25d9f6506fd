// The local demo: a real PocketBase (migrations + demo tenants), the Coolify emulator, and `pulumi up` of
// this program on a `dev` stack pointed at both. Prints each tenant's URLs and status, then keeps both
// servers running until Ctrl-C. `--once` exits after the deploy: 0 only if every tenant is healthy.
// The emulator keeps its state in memory, so every start begins from a fresh PocketBase (a temporary data
// folder, removed on exit) and a fresh stack.
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCoolifyEmulator } from "../emulator/server";
import { commandLine } from "../lib/cli/args";
import { startPocketBase } from "../pocketbase/local-server";

const root = resolve(__dirname, "..");
const demoDir = join(root, ".local", "demo");
const COMMAND = { name: "start", usage: "[--once]", options: { once: { type: "boolean" } } } as const;
const once = commandLine(COMMAND).values.once === true;

async function main(): Promise<number> {
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(join(demoDir, "state"), { recursive: true });
  const pocketbase = await startPocketBase({ seed: true });
  const coolify = await startCoolifyEmulator({ lifecycleDelayMs: 500 });
  const stop = async () => {
    await pocketbase.stop();
    await coolify.close();
  };
  const credentials = join(demoDir, "pocketbase-superuser");
  writeFileSync(credentials, `${pocketbase.email}\n${pocketbase.password}\n`, { mode: 0o600 });
  console.log(`PocketBase     ${pocketbase.url}/_/  (superuser login in ${credentials})`);
  console.log(`Coolify (emu)  ${coolify.url}/api/v1  (server ${coolify.serverUuid})\n`);

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
    healthTimeoutSeconds: { value: "60" },
    // The demo starts afresh every time: a cancelled demo tenant goes at once.
    teardownGraceDays: { value: "0" },
  });
  let healthy = false;
  try {
    const up = await stack.up({ onOutput: (text) => process.stdout.write(text) });
    const tenants = up.outputs.tenants.value as Record<string, { urls: string[]; status: string }>;
    console.log("\nTenant   Status             URLs");
    for (const [slug, t] of Object.entries(tenants)) console.log(`${slug.padEnd(8)} ${t.status.padEnd(18)} ${t.urls.join(", ") || "(no public URL)"}`);
    healthy = Object.values(tenants).every((t) => t.status === "running:healthy");
  } catch (e) {
    console.error(`\npulumi up failed: ${(e as Error).message}`);
  }
  if (once) {
    await stop();
    return healthy ? 0 : 1;
  }
  const live = await startLiveReconciler(stack, { pocketbase, coolify });
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
  demo: { pocketbase: { url: string; email: string; password: string }; coolify: { url: string; token: string } },
): Promise<{ stop(): Promise<void> }> {
  const token = randomBytes(24).toString("hex");
  await stack.setConfig("reconcilerToken", { value: token, secret: true });
  await stack.setConfig("reconcileDebounceSeconds", { value: "2" });
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
  const body = { pocketbaseUrl: demo.pocketbase.url, superuserEmail: demo.pocketbase.email, superuserPassword: demo.pocketbase.password, coolifyUrl: demo.coolify.url, coolifyToken: demo.coolify.token, reconcilerUrl: url, reconcilerToken: token };
  writeFileSync(endpoints, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  console.log(`\nReconciler     ${url}  (GET /healthz, GET /metrics, POST /reconcile; token and every URL in ${endpoints})`);
  console.log("Create or cancel a tenant in the PocketBase dashboard: the reconciler deploys or tears it down.");
  return {
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
