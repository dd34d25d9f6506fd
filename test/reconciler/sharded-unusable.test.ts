// A new tenant routed to a shard whose program does not declare it, for real: the reconciler's routing places new
// tenants without knowing which servers the program's server check finds unusable. Two servers, one shard each (as
// test/reconciler/sharded.test.ts: acme and chirp on one, shard a; bolt on two, shard b). Server two stops answering
// (Coolify: not reachable); a new 512 MiB tenant is routed to shard b (most free memory), whose program places it on
// server one, shard a's. Shard b's run declares nothing of it; it must still be deployed without waiting for the timer.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler, type Reconciler } from "../../reconciler/reconciler";
import { ENGINE_TIMEOUT } from "../support/engine";
import { startPlatform, type Platform } from "../support/platform";
import { twoShardPlatform } from "../support/shards";
import { envOf, planId, provisioningOf, routerKey, TOKEN, waitFor } from "./helpers";

describe("a new tenant routed to a shard whose program places it elsewhere", () => {
  let platform: Platform;
  let reconciler: Reconciler;
  let pb: PocketBase;
  let servers: { a: string; b: string };
  const logs: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform({ config: { teardownGraceDays: "0", reconcileDebounceSeconds: "1", healthTimeoutSeconds: "300" } });
    servers = await twoShardPlatform(platform);
    await platform.program.stack.setConfig("reconcilerToken", { value: TOKEN, secret: true });
    reconciler = await startReconciler({ stackName: "test", workDir: platform.program.workDir, port: 0, envVars: envOf(platform), log: (line) => logs.push(line) });
    pb = await platform.admin();
    await reconciler.idle();
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    await reconciler?.stop();
    await platform?.dispose();
  }, ENGINE_TIMEOUT);

  it("is run by every shard once, and deployed by the shard whose program declares it, without the timer", async () => {
    expect((await provisioningOf(pb, "bolt"))?.server_uuid).toBe(servers.b);
    platform.coolify.store.servers.find((s) => s.uuid === servers.b)!.isReachable = false;
    const before = reconciler.runs().length;
    await pb.collection("tenants").create({
      slug: "delta", name: "Delta", status: "active", plan: await planId(pb, "business"), template: "telegram-bot", settings: {},
      telegram_bot_token: "123456782:AAFakeDeltaTokenForUnusableTest0001", telegram_allow_from: ["100000004"], ai_router_key: routerKey("delta"),
    });
    await waitFor("delta deployed", async () => ((await provisioningOf(pb, "delta"))?.status === "running:healthy") || undefined, 300_000);
    await reconciler.idle();
    expect(await provisioningOf(pb, "delta")).toMatchObject({ status: "running:healthy", server_uuid: servers.a });
    const runs = reconciler.runs().slice(before);
    // Routed to b first (its run declared nothing of delta), then once to every shard: a's run created it.
    expect(runs[0]).toMatchObject({ shard: "b", scope: "targeted", counts: { create: 0 } });
    expect(runs.filter((r) => r.shard === "a").map((r) => [r.scope, r.counts.create])).toEqual([["targeted", 1]]);
    expect(runs.every((r) => r.trigger.split("+").every((t) => t !== "timer"))).toBe(true);
    expect(logs.some((line) => line.includes("not declared by this shard's program"))).toBe(true);
  }, 3 * ENGINE_TIMEOUT);
});
