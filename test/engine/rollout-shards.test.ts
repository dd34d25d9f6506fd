// Config rollout together with config shards (issues 21 and 23), through the real engine, a real PocketBase and the
// Coolify emulator: the fleet in two shards (stacks test.a and test.b, one server each, as test/engine/shards.test.ts),
// acme in the canary ring on shard a's server, echo added beside the demo's tenants. A change of aiRouterUrl moves
// the canary in shard a's up only; shard b's up moves nobody while the canary soaks; once it has soaked, each shard's
// up moves its own part of the next wave; a canary that does not become healthy halts the rollout for both shards.
// Each shard writes only its own agent_rollouts record (`<fleet owner>#<shard>`). The steps share one platform.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../lib/tenants/collections";
import type { RolloutState } from "../../program/rollout";
import { mergeRollout, type ShardProgress } from "../../program/rollout-merge";
import { ENGINE_TIMEOUT } from "../support/engine";
import { provisioningRecordOf, startPlatform, updateTenant, type Platform } from "../support/platform";
import { repoRoot } from "../support/pulumi";
import { shardStacks, type ShardStack } from "../support/shards";

const OWNER = "organization/cloudfreedom-agents/test";
const OLD_URL = "https://ai.cloudfreedom.test/v1";
const NEW_URL = "https://ai2.cloudfreedom.test/v1";
const BAD_URL = "https://ai3.cloudfreedom.test/v1";
const SLUGS = ["acme", "bolt", "chirp", "echo"];

describe("a rollout across two shards", () => {
  let platform: Platform;
  let shards: Record<string, ShardStack>;
  let servers: { a: string; b: string };
  const fleetStack = () => platform.program.stack;
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];
  const serverOf = (slug: string) => platform.coolify.store.servers.find((s) => s.id === service(slug).serverId)?.uuid;
  const runs = (slug: string, url: string) => JSON.stringify(service(slug).envs ?? {}).includes(url) || service(slug).dockerComposeRaw.includes(url);
  const on = (url: string) => SLUGS.filter((slug) => runs(slug, url));
  const snapshot = (slugs: string[]) => Object.fromEntries(slugs.map((slug) => [slug, service(slug).dockerComposeRaw + JSON.stringify(service(slug).envs)]));
  const records = async () => (await (await platform.admin()).collection(ROLLOUTS_COLLECTION).getFullList()).sort((a, b) => (a.stack < b.stack ? -1 : 1));
  /** The rollout as every shard decides from it. */
  const merged = async () => {
    const all = await records();
    const fleet = all.find((r) => r.stack === OWNER)?.state as RolloutState | undefined;
    return mergeRollout({ ...(fleet ? { fleet } : {}), shards: all.filter((r) => r.stack.startsWith(`${OWNER}#`)).map((r) => r.state as ShardProgress) });
  };
  const up = async (shard: ShardStack) => expect((await shard.up()).summary.result).toBe("succeeded");
  /** `npm run rollout -- <args> --stack test`, as an operator runs it in the program's folder. */
  const command = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const env = { ...process.env, ...(fleetStack().workspace as LocalWorkspace).envVars };
    const child = execFile("bash", [join(repoRoot, "scripts/with-env.sh"), "tsx", join(repoRoot, "scripts/rollout.ts"), ...args, "--stack", "test"], { cwd: platform.program.workDir, env, timeout: 120_000 }, (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
  });
  let inA: string[];
  let inB: string[];

  beforeAll(async () => {
    platform = await startPlatform({ config: { rollout: JSON.stringify({ fraction: 1, soakMinutes: 30, maxFailures: 0 }) } });
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({
      slug: "echo", name: "Echo", status: "active", plan: starter.id, template: "telegram-bot", settings: {},
      telegram_bot_token: "223456789:AAFakeDemoTokenForEchoTelegram00005", telegram_allow_from: ["100000005"], ai_router_key: "sk-echo-router-key-not-real-0005",
    });
    await updateTenant(pb, "acme", { rollout_ring: "canary" });
    servers = { a: platform.coolify.serverUuid, b: platform.coolify.store.addServer({ team: 0, name: "two", ip: "10.0.0.11" }).server.uuid };
    await fleetStack().removeConfig("coolifyServerUuid");
    await fleetStack().setConfig("coolifyServers", { value: JSON.stringify([{ uuid: servers.a, cpus: 4, memoryGb: 5 }, { uuid: servers.b, cpus: 2, memoryGb: 3 }]) });
    await fleetStack().setConfig("shards", { value: JSON.stringify({ a: [servers.a], b: [servers.b] }) });
    shards = await shardStacks(platform.program, ["a", "b"]);
    await up(shards.a);
    await up(shards.b);
    inA = SLUGS.filter((slug) => serverOf(slug) === servers.a);
    inB = SLUGS.filter((slug) => serverOf(slug) === servers.b);
  }, 2 * ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("places the canary in shard a and the other tenants in both shards, every one on the old URL", () => {
    expect(inA).toContain("acme");
    expect(inA.length).toBeGreaterThanOrEqual(2);
    expect(inB.length).toBeGreaterThanOrEqual(1);
    expect(on(OLD_URL)).toEqual(SLUGS);
  });

  it("moves only the canary in shard a's up, and nobody in shard b's while the canary soaks", async () => {
    await fleetStack().setConfig("aiRouterUrl", { value: NEW_URL });
    const before = snapshot(SLUGS.filter((slug) => slug !== "acme"));
    await up(shards.a);
    expect(on(NEW_URL)).toEqual(["acme"]);
    await up(shards.b);
    expect(on(NEW_URL)).toEqual(["acme"]);
    expect(snapshot(Object.keys(before))).toEqual(before);
    expect(await merged()).toMatchObject({ status: "soaking", wave: 0, settled: true });
    // One record per shard, each written by its shard alone; none of the fleet's (no operator steered).
    expect((await records()).map((r) => r.stack)).toEqual([`${OWNER}#a`, `${OWNER}#b`]);
    const status = await command(["status"]);
    expect(status.stderr).toBe("");
    expect(status.stdout).toMatch(/^rollout .*: soaking, wave 1 of 2/);
    expect(status.stdout).toMatch(/shard a: moved wave 1 at \S+; landed wave 1 at/);
  }, 3 * ENGINE_TIMEOUT);

  it("moves the next wave once the canary has soaked, each shard its own tenants as it runs, then is done", async () => {
    await fleetStack().setConfig("rollout", { value: JSON.stringify({ fraction: 1, soakMinutes: 0, maxFailures: 0 }) });
    await up(shards.b);
    expect(on(NEW_URL)).toEqual(SLUGS.filter((slug) => slug === "acme" || inB.includes(slug)));
    expect(await merged()).toMatchObject({ status: "running", wave: 1 });
    await up(shards.a);
    expect(on(NEW_URL)).toEqual(SLUGS);
    expect(await merged()).toMatchObject({ status: "soaking", wave: 1, settled: true });
    await up(shards.b);
    expect(await merged()).toMatchObject({ status: "done" });
    for (const slug of SLUGS) expect((await provisioningRecordOf(await platform.admin(), slug)).applied_spec).toMatchObject({ platform: { aiRouterUrl: NEW_URL } });
  }, 4 * ENGINE_TIMEOUT);

  it("halts for both shards when the canary does not become healthy: shard b moves nobody, shard a sends the canary back", async () => {
    await fleetStack().setConfig("aiRouterUrl", { value: BAD_URL });
    const others = snapshot(SLUGS.filter((slug) => slug !== "acme"));
    platform.coolify.faults.markContainer("litellm", "unhealthy", service("acme").uuid);
    await shards.a.up().catch(() => undefined);
    expect(on(BAD_URL)).toEqual(["acme"]);
    expect(await merged()).toMatchObject({ status: "halted", wave: 0, haltReason: expect.stringContaining("not healthy (maxFailures 0): acme") });

    await up(shards.b);
    expect(on(BAD_URL)).toEqual(["acme"]);
    expect(snapshot(Object.keys(others))).toEqual(others);

    platform.coolify.faults.clearContainer("litellm", service("acme").uuid);
    await up(shards.a);
    expect(on(BAD_URL)).toEqual([]);
    expect(on(NEW_URL)).toEqual(SLUGS);
    const halted = await merged();
    expect(halted).toMatchObject({ status: "halted", wave: 0 });
    const acme = await provisioningRecordOf(await platform.admin(), "acme");
    expect(acme.status).toBe("running:healthy");
    expect(acme.status_reason).toContain(`rollout ${halted!.release} halted at wave 1`);
    expect(snapshot(Object.keys(others))).toEqual(others);
  }, 4 * ENGINE_TIMEOUT);
});
