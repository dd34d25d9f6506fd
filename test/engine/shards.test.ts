// Shards through the real engine, a real PocketBase and the Coolify emulator: two servers, one shard each (config
// shards), the shard stacks `test.a` and `test.b` run with the fleet stack's config file. The demo's tenants reserve
// acme 2 cpus 4095 MiB, bolt 1 cpu 2048 MiB, chirp 1 cpu 512 MiB; server one has 5 GiB, server two 3 GiB, so acme
// lands on one and bolt on two (chirp where placement puts it). The steps share one platform and run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TIMEOUT, failure } from "../support/engine";
import { startPlatform, updateTenant, type Platform } from "../support/platform";
import { shardStacks, type ShardStack } from "../support/shards";

interface StateResource { urn: string; type: string; outputs?: Record<string, unknown> }

describe("shards: one fleet in two shard stacks", () => {
  let platform: Platform;
  let shards: Record<string, ShardStack>;
  let servers: { a: string; b: string };
  /** Tenant id -> slug, of the demo's tenants. */
  let slugs: Map<string, string>;
  const fleetStack = () => platform.program.stack;
  const serverOfService = (serverId: number) => platform.coolify.store.servers.find((s) => s.id === serverId)?.uuid;
  /** The slugs of the services the emulator has on a server (services are named cf-<slug>). */
  const servicesOn = (uuid: string) => platform.coolify.store.findServices().filter((s) => serverOfService(s.serverId) === uuid).map((s) => s.name.replace(/^cf-/, "")).sort();
  const resourcesOf = async (shard: ShardStack) => (await shard.stack.exportStack()).deployment.resources as StateResource[];
  /** The slugs of the tenant components in a shard's state. */
  const tenantsInState = async (shard: ShardStack) =>
    (await resourcesOf(shard)).filter((r) => r.type === "cloudfreedom:tenant:Stack").map((r) => slugs.get(r.urn.split("::").pop()!) ?? r.urn).sort();

  beforeAll(async () => {
    platform = await startPlatform();
    servers = { a: platform.coolify.serverUuid, b: platform.coolify.store.addServer({ team: 0, name: "two", ip: "10.0.0.11" }).server.uuid };
    await fleetStack().removeConfig("coolifyServerUuid");
    await fleetStack().setConfig("coolifyServers", { value: JSON.stringify([{ uuid: servers.a, cpus: 4, memoryGb: 5 }, { uuid: servers.b, cpus: 2, memoryGb: 3 }]) });
    await fleetStack().setConfig("shards", { value: JSON.stringify({ a: [servers.a], b: [servers.b] }) });
    shards = await shardStacks(platform.program, ["a", "b"]);
    const pb = await platform.admin();
    slugs = new Map((await pb.collection("tenants").getFullList()).map((t) => [t.id, t.slug as string]));
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("refuses the fleet stack itself once shards are set, before anything is declared", async () => {
    const error = await failure(fleetStack().preview());
    expect(error).toContain("stack test is not a shard of this fleet (config shards: a, b)");
    expect(error).toContain("pulumi up --stack test.a --config-file Pulumi.test.yaml");
    expect(platform.coolify.store.findServices()).toEqual([]);
  }, ENGINE_TIMEOUT);

  it("deploys each shard's tenants on its own servers only, each in its own stack's state, owned by the fleet stack", async () => {
    const upA = await shards.a.up();
    expect(upA.summary.result).toBe("succeeded");
    // Shard a alone: only its servers' tenants exist.
    const onA = servicesOn(servers.a);
    expect(onA).toContain("acme");
    expect(servicesOn(servers.b)).toEqual([]);
    const uuidsOfA = platform.coolify.store.findServices().map((s) => s.uuid);
    platform.coolify.requests.length = 0;
    const upB = await shards.b.up();
    // Shard b's run wrote nothing to shard a's services.
    expect(platform.writes().filter((w) => uuidsOfA.some((uuid) => w.path.includes(uuid)))).toEqual([]);
    expect(upB.summary.result).toBe("succeeded");
    const onB = servicesOn(servers.b);
    expect(onB).toContain("bolt");
    expect([...onA, ...onB].sort()).toEqual(["acme", "bolt", "chirp"]);
    expect(servicesOn(servers.a)).toEqual(onA);

    for (const [shard, own] of [[shards.a, onA], [shards.b, onB]] as const) {
      const outputs = await shard.stack.outputs();
      expect(Object.keys(outputs.tenants.value as object).sort()).toEqual(own);
      expect(outputs.tenantCount.value).toBe(own.length);
      expect(outputs.shard.value).toBe(shard.name.split(".")[1]);
      expect(await tenantsInState(shard)).toEqual(own);
      const guard = (await resourcesOf(shard)).find((r) => r.type.endsWith(":TeardownGuard"))!;
      expect(Object.values(guard.outputs!.declared as Record<string, { slug: string }>).map((t) => t.slug).sort()).toEqual(own);
    }
    // Every marker names the fleet stack, so a tenant's state can move between shard stacks without a Coolify change.
    for (const service of platform.coolify.store.findServices()) expect(service.description).toContain("stack=organization/cloudfreedom-agents/test ");
    // Every tenant converged in the shard that declared it.
    const pb = await platform.admin();
    const records = await pb.collection("agent_provisioning").getFullList();
    expect(records.map((r) => [slugs.get(r.tenant), r.status, r.server_uuid]).sort()).toEqual(
      [...onA.map((slug) => [slug, "running:healthy", servers.a]), ...onB.map((slug) => [slug, "running:healthy", servers.b])].sort(),
    );
  }, ENGINE_TIMEOUT);

  it("previews no change in either shard afterwards", async () => {
    for (const shard of [shards.a, shards.b]) {
      const preview = await shard.preview();
      expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    }
  }, ENGINE_TIMEOUT);

  it("refuses the run of every shard when PocketBase shows more removals than the fleet-wide budget, though each shard's own would allow it", async () => {
    const pb = await platform.admin();
    await fleetStack().setConfig("teardownGraceDays", { value: "0" });
    await fleetStack().setConfig("fleetTeardownBudget", { value: "1" });
    // One cancelled tenant per shard: each shard's own guard (budget 1) would let its one go.
    await updateTenant(pb, "acme", { status: "cancelled" });
    await updateTenant(pb, "bolt", { status: "cancelled" });
    const before = platform.writes().length;
    for (const shard of [shards.a, shards.b]) {
      const error = await failure(shard.up());
      expect(error).toContain("this cycle would tear down 2 deployed tenant(s) across all shards (acme, bolt), over the fleet-wide budget of 1");
      expect(error).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=acme,bolt");
    }
    expect(platform.writes().length).toBe(before);
    expect(servicesOn(servers.a)).toContain("acme");
    expect(servicesOn(servers.b)).toContain("bolt");
    // The control: with the fleet-wide budget at 2, each shard's own guard lets its one removal through (a preview).
    await fleetStack().setConfig("fleetTeardownBudget", { value: "2" });
    for (const shard of [shards.a, shards.b]) expect((await shard.preview()).changeSummary.delete).toBeGreaterThan(0);
    expect(platform.writes().length).toBe(before);
    await updateTenant(pb, "acme", { status: "active" });
    await updateTenant(pb, "bolt", { status: "active" });
  }, ENGINE_TIMEOUT);

  it("refuses a stack named like a shard when config shards is unset, naming the fix", async () => {
    await fleetStack().removeConfig("shards");
    const error = await failure(shards.a.preview());
    expect(error).toContain("stack test.a is named like a shard of test, but config shards is not set");
    expect(error).toContain("pulumi up --stack test.a --config-file Pulumi.test.yaml");
  }, ENGINE_TIMEOUT);
});
