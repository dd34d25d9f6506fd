// The reconciler over a sharded fleet, for real: a real PocketBase, the Coolify emulator with two servers, one shard
// each (config shards: a, b), the shard stacks test.a and test.b run by the real engine with the fleet's config file.
// The demo's tenants reserve acme 4095 MiB, bolt 2048 MiB, chirp 512 MiB; server one has 5 GiB, server two 3 GiB,
// so placement (most free memory left) puts acme and chirp on one (shard a) and bolt on two (shard b), and a new
// 512 MiB tenant on two. The cases share one platform and build on each other in order.
import { writeFileSync } from "node:fs";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler, type Reconciler } from "../../reconciler/reconciler";
import { serviceStatus } from "../../emulator/model/status";
import { ENGINE_TIMEOUT } from "../support/engine";
import { startPlatform, updateTenant, type Platform } from "../support/platform";
import { shardStacks, twoShardPlatform } from "../support/shards";
import { envOf, planId, provisioningOf, routerKey, runRecords, TOKEN, waitFor } from "./helpers";

const DELTA_BOT_TOKEN = "123456781:AAFakeDeltaTokenForShardedTest00001";

describe("the reconciler over shards", () => {
  let platform: Platform;
  let reconciler: Reconciler;
  let pb: PocketBase;
  let servers: { a: string; b: string };
  let coolifyBefore = 0;
  const logs: string[] = [];
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];
  const statusOf = (slug: string) => {
    const found = service(slug);
    return found && serviceStatus(found, (uuid, container) => platform.coolify.faults.healthOf(uuid, container));
  };
  const serverOf = (slug: string) => platform.coolify.store.servers.find((s) => s.id === service(slug)?.serverId)?.uuid;
  const health = async () => (await fetch(`${reconciler.url}/healthz`)).json() as Promise<Record<string, any>>;

  beforeAll(async () => {
    platform = await startPlatform({ config: { teardownGraceDays: "0", reconcileDebounceSeconds: "1", healthTimeoutSeconds: "300" } });
    servers = await twoShardPlatform(platform);
    await platform.program.stack.setConfig("reconcilerToken", { value: TOKEN, secret: true });
    coolifyBefore = platform.coolify.requests.length;
    reconciler = await startReconciler({ stackName: "test", workDir: platform.program.workDir, port: 0, envVars: envOf(platform), log: (line) => logs.push(`${new Date().toISOString()} ${line}`) });
    pb = await platform.admin();
    await reconciler.idle();
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    if (process.env.RECONCILER_TEST_LOG) writeFileSync(process.env.RECONCILER_TEST_LOG, `${logs.join("\n")}\n`);
    // A failed case can leave acme unhealthy, and shard a's run waiting for it: stop lets that run finish its steps.
    platform?.coolify.faults.reset();
    await reconciler?.stop();
    await platform?.dispose();
  }, ENGINE_TIMEOUT);

  it("deploys every shard's tenants at start, one run per shard stack, each recorded with its shard", async () => {
    expect(reconciler.shards).toEqual(["a", "b"]);
    const startup = reconciler.runs().map((r) => [r.shard, r.trigger, r.result, r.counts.create]);
    expect(startup.sort()).toEqual([["a", "startup", "succeeded", 2], ["b", "startup", "succeeded", 1]]);
    expect([serverOf("acme"), serverOf("chirp"), serverOf("bolt")]).toEqual([servers.a, servers.a, servers.b]);
    expect((await runRecords(pb)).map((r) => [r.shard, r.result]).sort()).toEqual([["a", "succeeded"], ["b", "succeeded"]]);
    expect(await provisioningOf(pb, "bolt")).toMatchObject({ status: "running:healthy", server_uuid: servers.b });
    const body = await health();
    expect(body).toMatchObject({ problems: [], parallelShards: 2, coolifyRateLimitPerRun: 100, shards: { a: { stack: "test.a", running: null, lastRun: { shard: "a" } }, b: { stack: "test.b", lastRun: { shard: "b" } } } });
    // Every Coolify request of both runs (programs and providers) took its slot from the reconciler's one budget.
    expect(body.coolifyRateBudget.limitPerMinute).toBe(200);
    expect(body.coolifyRateBudget.granted).toBeGreaterThanOrEqual(platform.coolify.requests.length - coolifyBefore);
    expect(platform.coolify.requests.length - coolifyBefore).toBeGreaterThan(0);
    const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
    expect(metrics).toMatch(/cloudfreedom_reconciler_runs_total\{result="succeeded",scope="full",shard="a"\} 1\b/);
    expect(metrics).toMatch(/cloudfreedom_reconciler_tenants\{status="running:healthy",shard="a"\} 2\b/);
    expect(metrics).toMatch(/cloudfreedom_reconciler_tenants\{status="running:healthy",shard="b"\} 1\b/);
  }, ENGINE_TIMEOUT);

  it("deploys a tenant created in PocketBase by a run of its shard only, while another shard's run is in progress", async () => {
    const before = reconciler.runs().length;
    // Shard a's run restarts acme, whose container stays unhealthy until the fault is cleared: the run waits for it.
    platform.coolify.faults.markContainer("openwebui", "unhealthy", service("acme").uuid);
    await updateTenant(pb, "acme", { settings: { webuiName: "Acme Chat Two" } });
    await waitFor("shard a's run in progress", async () => (await health()).shards.a.running?.trigger === "realtime" || undefined);

    await pb.collection("tenants").create({
      slug: "delta", name: "Delta", status: "active", plan: await planId(pb, "business"), template: "telegram-bot", settings: {},
      telegram_bot_token: DELTA_BOT_TOKEN, telegram_allow_from: ["100000004"], ai_router_key: routerKey("delta"),
    });
    await waitFor("a run that deployed delta", () => reconciler.runs().slice(before).length > 0 || undefined, 240_000);
    // Delta's run is over while shard a's run still waits for acme: the two shards ran at once.
    expect((await health()).shards.a.running).toMatchObject({ trigger: "realtime" });
    expect(reconciler.runs().slice(before).map((r) => r.shard)).toEqual(["b"]);
    expect(await provisioningOf(pb, "delta")).toMatchObject({ status: "running:healthy", server_uuid: servers.b });
    expect(statusOf("delta")).toBe("running:healthy");
    expect(reconciler.runs().at(-1)).toMatchObject({ shard: "b", trigger: "realtime", result: "succeeded", scope: "targeted", counts: { create: 1, update: 0, delete: 0 } });
    expect(serverOf("delta")).toBe(servers.b);

    platform.coolify.faults.clearContainer("openwebui", service("acme").uuid);
    await waitFor("shard a's run finished", () => reconciler.runs().slice(before).some((r) => r.shard === "a") || undefined, 240_000);
    await reconciler.idle();
    const ofA = reconciler.runs().slice(before).filter((r) => r.shard === "a");
    expect(ofA.map((r) => [r.result, r.scope, r.counts.create, r.counts.update])).toEqual([["succeeded", "targeted", 0, 1]]);
    expect(statusOf("acme")).toBe("running:healthy");
    // Shard a's state never held delta; shard b's now does.
    const inState = async (name: string) => JSON.stringify((await (await shardStacks(platform.program, [name]))[name].stack.exportStack()).deployment.resources.map((r: { urn: string }) => r.urn));
    const deltaId = (await pb.collection("tenants").getFirstListItem('slug = "delta"')).id;
    expect(await inState("a")).not.toContain(deltaId);
    expect(await inState("b")).toContain(deltaId);
  }, 3 * ENGINE_TIMEOUT);
});
