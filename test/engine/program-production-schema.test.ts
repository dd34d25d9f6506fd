// The program, unchanged, against a PocketBase shaped like production: tenants + subscriptions + plans that
// it does not own, the product's migrations and the operator's view (pocketbase/examples). It deploys from
// the view, writes back only to agent_provisioning, follows the subscription's status, and leaves the
// operator's collections exactly as they were.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVISIONING_COLLECTION } from "../../lib/tenants/collections";
import { startPlatform, type Platform } from "../support/platform";
import { ENGINE_TIMEOUT } from "../support/engine";
import { BOT_TOKEN, ROUTER_KEYS, setSubscriptionStatus, startProductionLike } from "../pocketbase/production-like";

const OPERATOR_COLLECTIONS = ["tenants", "subscriptions", "plans"];

/** The operator's collections, definitions and records (hidden fields included), for before/after comparison. */
async function operatorData(pb: PocketBase): Promise<unknown> {
  const result: Record<string, unknown> = {};
  for (const name of OPERATOR_COLLECTIONS) {
    const { fields, indexes, listRule, viewRule, createRule, updateRule, deleteRule } = await pb.collections.getOne(name);
    result[name] = { fields, indexes, rules: [listRule, viewRule, createRule, updateRule, deleteRule], records: await pb.collection(name).getFullList({ sort: "id" }) };
  }
  return result;
}

describe("the program against a production-like PocketBase through the operator's view", () => {
  let platform: Platform;
  let tenantIds: Record<string, string>;
  const services = () => platform.coolify.store.findServices().map((s) => s.name).sort();

  beforeAll(async () => {
    platform = await startPlatform({
      pocketbase: async () => {
        const started = await startProductionLike();
        tenantIds = started.tenantIds;
        return started.pocketbase;
      },
      // A canceled subscription goes at once here; test/engine/teardown-grace.test.ts covers the grace period.
      config: { teardownGraceDays: "0" },
      // The other platform tests load the program with tsx, for speed; this one as `pulumi up` does, with ts-node.
      loader: "ts-node",
    });
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("deploys every tenant whose subscription is live, writes back by tenant id, and leaves the operator's collections as they were", async () => {
    const pb = await platform.admin();
    const before = await operatorData(pb);
    const up = await platform.program.stack.up();
    // acme, bolt, chirp x (component, project, service, record) + 2 domains (the bot has none) + guard + stack; dora is cancelled.
    expect(up.summary.resourceChanges).toEqual({ create: 16 });
    expect(services()).toEqual(["cf-acme", "cf-bolt", "cf-chirp"]);
    expect(up.outputs.tenants.value.acme.status).toBe("running:healthy");
    const chirp = platform.coolify.store.findServices({ name: "cf-chirp" })[0];
    expect(chirp.envs.find((env) => env.value === BOT_TOKEN)).toBeDefined();
    const records = await pb.collection(PROVISIONING_COLLECTION).getFullList({ sort: "tenant" });
    expect(records.map((record) => record.tenant).sort()).toEqual([tenantIds.acme, tenantIds.bolt, tenantIds.chirp].sort());
    expect(await operatorData(pb)).toEqual(before);

    const exported = platform.program.cli(["stack", "export"]);
    for (const secret of [BOT_TOKEN, ...Object.values(ROUTER_KEYS), platform.pocketbase.password]) expect(exported).not.toContain(secret);
  }, ENGINE_TIMEOUT);

  it("stops a paused subscription's stack and tears down a canceled one, with its record", async () => {
    const pb = await platform.admin();
    await setSubscriptionStatus(pb, "acme", "paused");
    await setSubscriptionStatus(pb, "bolt", "canceled");
    const acme = platform.coolify.store.findServices({ name: "cf-acme" })[0];
    platform.coolify.requests.length = 0;
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ delete: 5 }); // bolt's component, project, service, domain, record
    expect(services()).toEqual(["cf-acme", "cf-chirp"]);
    expect(platform.writes()).toContainEqual({ method: "POST", path: `/api/v1/services/${acme.uuid}/stop` });
    const records = await pb.collection(PROVISIONING_COLLECTION).getFullList();
    expect(records.map((record) => record.tenant).sort()).toEqual([tenantIds.acme, tenantIds.chirp].sort());
  }, ENGINE_TIMEOUT);
});
