// The local demo: a real PocketBase (migrations + demo tenants), the Coolify emulator, and `pulumi up` of
// this program on a `dev` stack pointed at both. Prints each tenant's URLs and status, then keeps both
// servers running until Ctrl-C. `--once` exits after the deploy: 0 only if every tenant is healthy.
// The emulator keeps its state in memory, so every start begins from a fresh PocketBase (a temporary data
// folder, removed on exit) and a fresh stack.
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startCoolifyEmulator } from "../emulator/server";
import { startPocketBase } from "../pocketbase/local-server";

const root = resolve(__dirname, "..");
const demoDir = join(root, ".local", "demo");
const once = process.argv.includes("--once");

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
    { envVars: { PULUMI_BACKEND_URL: `file://${join(demoDir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "demo" } },
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
  console.log("\nPocketBase and the Coolify emulator keep running; Ctrl-C stops both.");
  await new Promise<void>((done) => process.once("SIGINT", () => done()));
  await stop();
  return 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
