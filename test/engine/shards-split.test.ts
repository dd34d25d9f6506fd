// From one stack to shards (issue 23): a single-stack fleet deployed over two emulator servers (large: acme and
// chirp; medium: bolt) with a shared project, then config shards, `npm run shards -- init` and `split`. The split
// makes no Coolify request, each shard's state holds exactly its servers' tenants, the guard and shared project are
// in every shard as its program declares them (a preview of every shard shows no change), and a tenant's change in
// PocketBase is applied by an up of its shard only. The steps share one platform and run in order.
import { execFile, execFileSync } from "node:child_process";
import { join } from "node:path";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TIMEOUT } from "../support/engine";
import { AI_ROUTER_KEY, startPlatform, updateTenant, type Platform } from "../support/platform";
import { repoRoot } from "../support/pulumi";
import { tenantComponents, urnName, type Deployment } from "../../scripts/shards/split-plan";

describe("npm run shards -- split", () => {
  let platform: Platform;
  let large: string;
  let medium: string;
  const ids = new Map<string, string>();
  const service = (name: string) => platform.coolify.store.findServices({ name })[0];
  const workspace = () => platform.program.stack.workspace as LocalWorkspace;
  const configFile = () => join(platform.program.workDir, "Pulumi.test.yaml");
  const shards = (): Promise<Stack[]> =>
    Promise.all(["test.big", "test.small"].map((stackName) => LocalWorkspace.selectStack({ stackName, workDir: platform.program.workDir }, { envVars: workspace().envVars, pulumiCommand: workspace().pulumiCommand })));
  const tenantsIn = async (stack: Stack) => tenantComponents(((await stack.exportStack()).deployment as Deployment).resources ?? []).map((r) => urnName(r.urn)).sort();
  const shardsCommand = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile("bash", [`${repoRoot}/scripts/with-env.sh`, `${repoRoot}/node_modules/.bin/tsx`, `${repoRoot}/scripts/shards.ts`, ...args, "--stack", "test"], {
        cwd: platform.program.workDir, env: { ...process.env, ...workspace().envVars }, timeout: ENGINE_TIMEOUT,
      }, (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
    });

  beforeAll(async () => {
    platform = await startPlatform({ config: { sharedProject: "cf-shared" } });
    large = platform.coolify.serverUuid;
    medium = platform.coolify.store.addServer({ team: 0, name: "medium", ip: "10.0.0.11" }).server.uuid;
    await platform.program.stack.removeConfig("coolifyServerUuid");
    await platform.program.stack.setConfig("coolifyServers", { value: JSON.stringify([{ uuid: large, cpus: 4, memoryGb: 5 }, { uuid: medium, cpus: 2, memoryGb: 2 }]) });
    const up = await platform.program.stack.up();
    // The demo's 16 resources, with one shared project instead of the three tenants' own.
    expect(up.summary.resourceChanges).toEqual({ create: 14 });
    const pb = await platform.admin();
    for (const slug of ["acme", "bolt", "chirp"]) ids.set(slug, (await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }))).id);
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("refuses to split before the shard stacks exist, naming init", async () => {
    await platform.program.stack.setConfig("shards", { value: JSON.stringify({ big: [large], small: [medium] }) });
    const { code, stderr } = await shardsCommand(["split"]);
    expect(stderr).toContain("no stack for shard(s) big, small: create them first with npm run shards -- init --stack test");
    expect(code).toBe(1);
  }, ENGINE_TIMEOUT);

  it("init creates each shard's stack with the fleet's passphrase, and refuses one made under another passphrase", async () => {
    const env = { ...process.env, ...workspace().envVars };
    const pulumi = (args: string[], passphrase: string) => execFileSync("pulumi", [...args, "--non-interactive"], { cwd: platform.program.workDir, env: { ...env, PULUMI_CONFIG_PASSPHRASE: passphrase }, stdio: "pipe" });
    pulumi(["stack", "init", "test.small", "--no-select"], "another-passphrase");
    const refused = await shardsCommand(["init"]);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(
      "shards: init: stack test.small cannot encrypt with its own secrets provider (for a passphrase: PULUMI_CONFIG_PASSPHRASE is not the one it was created with): " +
        "a shard needs the fleet's secrets provider (for a passphrase: the same PULUMI_CONFIG_PASSPHRASE as test); if test.small holds nothing yet, remove it (pulumi stack rm test.small) " +
        "and run npm run shards -- init --stack test with the fleet's passphrase set\n",
    );
    expect(refused.code).toBe(1);
    pulumi(["stack", "rm", "test.small", "--yes"], "another-passphrase");
    const { code, stdout, stderr } = await shardsCommand(["init"]);
    expect(stderr).toBe("");
    expect(stdout).toBe("test.big: exists\ntest.small: created (secrets provider passphrase)\n");
    expect(code).toBe(0);
    // No key is copied into a shard's own stack file.
    const [big, small] = await shards();
    expect(await big.workspace.getAllConfig(big.name)).toEqual({});
    expect(await small.workspace.getAllConfig(small.name)).toEqual({});
    expect((await shardsCommand(["init"])).stdout).toBe("test.big: exists\ntest.small: exists\n");
  }, ENGINE_TIMEOUT);

  it("moves every tenant into the shard of its server with zero Coolify requests", async () => {
    const services = Object.fromEntries(["cf-acme", "cf-bolt", "cf-chirp"].map((name) => [name, service(name).uuid]));
    platform.coolify.requests.length = 0;
    const { code, stdout, stderr } = await shardsCommand(["split"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("big (test.big): 2 tenant(s)");
    expect(platform.coolify.requests).toEqual([]);
    const [big, small] = await shards();
    expect(await tenantsIn(big)).toEqual([ids.get("acme"), ids.get("chirp")].sort());
    expect(await tenantsIn(small)).toEqual([ids.get("bolt")]);
    const fleet = (await platform.program.stack.exportStack()).deployment as Deployment;
    expect(fleet.resources?.map((r) => r.type).sort()).toEqual(["pulumi:providers:pulumi-nodejs", "pulumi:pulumi:Stack"]);
    // Secrets stay encrypted in every state the split wrote (the providers' state holds the program's config).
    // (The CLI's export, not the Automation API's, which shows secrets.)
    for (const stack of ["test.big", "test.small", "test"]) {
      const text = execFileSync("pulumi", ["stack", "export", "--stack", stack, "--non-interactive"], { cwd: platform.program.workDir, env: { ...process.env, ...workspace().envVars }, encoding: "utf8" });
      const leaked = [platform.coolify.token, platform.pocketbase.password, AI_ROUTER_KEY, '"plaintext"'].filter((secret) => text.includes(secret));
      expect({ stack, leaked: leaked.length }).toEqual({ stack, leaked: 0 });
    }
    // The guard of each shard knows its tenants only.
    const guardOf = async (stack: Stack) => ((await stack.exportStack()).deployment as Deployment).resources!.find((r) => r.type.endsWith("TeardownGuard"))!;
    expect(Object.keys((await guardOf(small)).outputs!.deployed as object)).toEqual([ids.get("bolt")]);
    expect(Object.fromEntries(["cf-acme", "cf-bolt", "cf-chirp"].map((name) => [name, service(name).uuid]))).toEqual(services);
    const list = await shardsCommand(["list", "--json"]);
    const listing = JSON.parse(list.stdout) as { fleetTenants: number; shards: Array<{ shard: string; exists: boolean; tenants: number; statuses: Record<string, number> }> };
    expect(listing.fleetTenants).toBe(0);
    expect(listing.shards.map(({ shard, exists, tenants, statuses }) => ({ shard, exists, tenants, statuses }))).toEqual([
      { shard: "big", exists: true, tenants: 2, statuses: { "running:healthy": 2 } },
      { shard: "small", exists: true, tenants: 1, statuses: { "running:healthy": 1 } },
    ]);
  }, ENGINE_TIMEOUT);

  it("leaves every shard with nothing to change: a preview of each shows only same", async () => {
    for (const stack of await shards()) {
      const preview = await stack.preview({ configFile: configFile() });
      expect({ stack: stack.name, changes: preview.changeSummary }).toEqual({ stack: stack.name, changes: { same: expect.any(Number) } });
    }
    // The fleet stack itself no longer runs: its program refuses a stack that is no shard of the fleet.
    await expect(platform.program.stack.preview()).rejects.toThrow(/stack test is not a shard of this fleet \(config shards: big, small\)/);
    expect(await shardsCommand(["split"])).toMatchObject({ code: 1, stderr: expect.stringContaining("shard stack(s) test.big (2 tenant(s)), test.small (1 tenant(s)) do: the fleet is split already") });
  }, 2 * ENGINE_TIMEOUT);

  it("applies a tenant's change in PocketBase by an up of its shard only", async () => {
    const bolt = service("cf-bolt");
    await updateTenant(await platform.admin(), "bolt", { settings: { timezone: "Europe/Berlin" } });
    platform.coolify.requests.length = 0;
    const { code, stderr } = await shardsCommand(["up", "small"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(service("cf-bolt").uuid).toBe(bolt.uuid);
    expect(service("cf-bolt").dockerComposeRaw).toContain("Europe/Berlin");
    const others = ["cf-acme", "cf-chirp"].map((name) => service(name).uuid);
    expect(platform.writes().filter((w) => others.some((uuid) => w.path.includes(uuid)))).toEqual([]);
    expect(platform.writes().some((w) => w.path.includes(bolt.uuid))).toBe(true);
    const [big, small] = await shards();
    expect((await big.preview({ configFile: configFile() })).changeSummary).toEqual({ same: expect.any(Number) });
    expect((await small.preview({ configFile: configFile() })).changeSummary).toEqual({ same: expect.any(Number) });
  }, 2 * ENGINE_TIMEOUT);
});
