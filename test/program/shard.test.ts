// A run in a sharded fleet (program/shard.ts): its role, its owner, and which of the fleet's placed tenants it declares.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config";
import type { ServerSpec } from "../../lib/servers";
import type { ShardMap } from "../../lib/shards";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { placeFleet, type PlacementConfig } from "../../program/capacity";
import { planTenants } from "../../program/plan";
import { holdOrRefuse } from "../../program/report";
import { assertMoveWithinShard, fleetOwner, readStackConfig, shardFleet, shardRole } from "../../program/shard";
import { PLATFORM, tenant } from "./fixtures";

const server = (uuid: string, memoryGb = 64): ServerSpec => ({ uuid, cpus: 16, memoryGb, reserved: { cpus: 0, memoryGb: 0 }, draining: false });
const record = (id: string, serverUuid: string): Provisioning => ({
  id: `rec-${id}`, tenantId: id, coolifyProjectUuid: "p", coolifyServiceUuid: `svc-${id}`, templateRef: "openclaw@1.1.0", status: "running:healthy",
  statusReason: "", urls: {}, lastError: "", credentials: {}, serverUuid,
});
const SHARDS: ShardMap = new Map([["a", ["s1"]], ["b", ["s2"]]]);
const config = (extra: Partial<PlacementConfig> = {}): PlacementConfig & { shards: ShardMap } => ({
  servers: [server("s1"), server("s2", 128)], overcommitRatios: { cpu: 4, memory: 1 }, coolifyServerUuid: undefined, shards: SHARDS, ...extra,
});

/**
 * The fleet every shard plans: on1 (deployed on s1), on2 (deployed on s2), new (not deployed; placed on s2, the larger),
 * held (deployed on s2, its template now unknown), bad (never deployed, its template unknown) and big (fits nowhere).
 */
function placedFleet() {
  const records = new Map([["id-on1", record("id-on1", "s1")], ["id-on2", record("id-on2", "s2")], ["id-held", record("id-held", "s2")]]);
  const tenants = [
    tenant("on1", "openclaw"), tenant("on2", "openclaw"), tenant("new", "openclaw"), tenant("held", "no-such-template"), tenant("bad", "no-such-template"),
    tenant("big", "openclaw", { plan: { ...tenant("x", "openclaw").plan, limits: { openclaw: { cpus: 1, memoryMb: 150_000 } } } }),
  ];
  const { plans, invalid } = planTenants(tenants, PLATFORM);
  const { held, refused } = holdOrRefuse(invalid, records);
  return { records, placed: placeFleet(plans, held, refused, records, config()) };
}

const slugsOf = (fleet: ReturnType<typeof shardFleet>) => ({
  plans: fleet.plans.map((p) => p.tenant.slug).sort(),
  held: fleet.held.map((h) => h.invalid.tenant.slug),
  refused: fleet.refused.map((r) => r.tenant.slug).sort(),
  capacityRefused: fleet.capacityRefused.map((r) => r.invalid.tenant.slug),
  placements: [...fleet.placements.keys()].sort(),
});

describe("shardFleet", () => {
  it("declares in each shard only the tenants on its servers, and what is on no server in the home shard only", () => {
    const { records, placed } = placedFleet();
    expect(placed.placements.get("id-new")?.server).toBe("s2");
    const a = slugsOf(shardFleet(placed, { fleetStack: "prod", shard: "a" }, config(), records));
    const b = slugsOf(shardFleet(placed, { fleetStack: "prod", shard: "b" }, config(), records));
    expect(a).toEqual({ plans: ["on1"], held: [], refused: ["bad", "big"], capacityRefused: ["big"], placements: ["id-on1"] });
    expect(b).toEqual({ plans: ["new", "on2"], held: ["held"], refused: [], capacityRefused: [], placements: ["id-held", "id-new", "id-on2"] });
  });

  it("never declares a tenant in two shards, and every declared tenant in one", () => {
    const { records, placed } = placedFleet();
    const declared = ["a", "b"].flatMap((shard) => {
      const own = shardFleet(placed, { fleetStack: "prod", shard }, config(), records);
      return [...own.plans.map((p) => p.tenant.slug), ...own.held.map((h) => h.invalid.tenant.slug)];
    });
    expect(declared.sort()).toEqual(["held", "new", "on1", "on2"]);
  });

  it("unsharded, declares the whole fleet as before", () => {
    const { records, placed } = placedFleet();
    const all = shardFleet(placed, { fleetStack: "prod" }, { ...config(), shards: undefined }, records);
    expect(all).toBe(placed);
  });
});

describe("shardRole and the owner", () => {
  it("is the fleet's owner in every shard, so moving state between shard stacks changes no marker", () => {
    const [a, b] = [shardRole("prod.a", SHARDS), shardRole("prod.b", SHARDS)];
    expect(fleetOwner("organization", "cloudfreedom-agents", a)).toBe("organization/cloudfreedom-agents/prod");
    expect(fleetOwner("organization", "cloudfreedom-agents", b)).toBe("organization/cloudfreedom-agents/prod");
    expect(fleetOwner("organization", "cloudfreedom-agents", shardRole("prod", undefined))).toBe("organization/cloudfreedom-agents/prod");
  });

  it("refuses a stack that may not run as a ConfigError naming it and the fix", () => {
    expect(() => shardRole("prod.a", undefined)).toThrow(ConfigError);
    expect(() => shardRole("prod.a", undefined)).toThrow(/stack prod\.a is named like a shard of prod, but config shards is not set/);
    expect(() => shardRole("prod", SHARDS)).toThrow(/stack prod is not a shard of this fleet \(config shards: a, b\)/);
  });

  it("adds to a config error of a shard-named stack that it runs with its fleet's config file", () => {
    const missing = () => {
      throw new ConfigError(["coolifyUrl is missing: pulumi config set coolifyUrl https://coolify.cloudfreedom.de"]);
    };
    expect(() => readStackConfig("prod.a", missing)).toThrow(/- stack prod\.a is named like a shard of prod: a shard runs with its fleet's config file \(pulumi up --stack prod\.a --config-file Pulumi\.prod\.yaml\)/);
    expect(() => readStackConfig("prod", missing)).toThrow(/^Stack configuration is incomplete:\n {2}- coolifyUrl is missing[^\n]*$/);
    expect(readStackConfig("prod.a", () => 7)).toBe(7);
  });
});

describe("assertMoveWithinShard", () => {
  const tenants = [tenant("on1", "openclaw")];
  const records = new Map([["id-on1", record("id-on1", "s1")]]);

  it("refuses CLOUDFREEDOM_MOVE to a server of another shard, naming both shards", () => {
    const move = { slug: "on1", server: "s2" };
    expect(() => assertMoveWithinShard(config({ move }), tenants, records)).toThrow(/CLOUDFREEDOM_MOVE=on1:s2 moves on1 from shard a \(server s1\) to shard b: a run moves a tenant only within its shard/);
  });

  it("lets a move within a shard, and any move unsharded, through", () => {
    const shards: ShardMap = new Map([["a", ["s1", "s2"]]]);
    expect(() => assertMoveWithinShard({ ...config({ move: { slug: "on1", server: "s2" } }), shards }, tenants, records)).not.toThrow();
    expect(() => assertMoveWithinShard({ ...config({ move: { slug: "on1", server: "s2" } }), shards: undefined }, tenants, records)).not.toThrow();
  });
});
