// Which shard a change reaches (reconciler/shard-routing.ts): the shard of the tenant's recorded server; for a tenant
// without a record, the shard of the server the program's placement would give it; every shard when that cannot be told.
import { describe, expect, it } from "vitest";
import type { ServerSpec } from "../../lib/servers";
import type { Provisioning } from "../../lib/tenants/provisioning";
import type { Tenant } from "../../lib/tenants/tenant";
import type { RunRequest } from "../../reconciler/queue";
import { routeRequest, splitForeign, tenantShards, type ShardedFleet } from "../../reconciler/shard-routing";

function tenant(slug: string, fields: Partial<Tenant> = {}): Tenant {
  return {
    id: `id${slug}`, slug, name: slug, status: "active", template: "openclaw", customDomainVerified: false, settings: {}, secrets: {}, telegramAllowFrom: [],
    plan: { id: "plan-pro", name: "pro", tier: "pro", allowedTemplates: ["openclaw"], models: [], limits: {} },
    ...fields,
  };
}

function record(slug: string, serverUuid: string | undefined): Provisioning {
  return {
    id: `rec${slug}`, tenantId: `id${slug}`, coolifyProjectUuid: `p-${slug}`, coolifyServiceUuid: `s-${slug}`, templateRef: "openclaw", status: "running:healthy", statusReason: "",
    urls: {}, lastError: "", credentials: {}, ...(serverUuid ? { serverUuid, reservation: { cpus: 1, memoryMb: 512 } } : {}),
  };
}

const server = (uuid: string, fields: Partial<ServerSpec> = {}): ServerSpec => ({ uuid, cpus: 8, memoryGb: 16, reserved: { cpus: 0, memoryGb: 0 }, draining: false, ...fields });

function fleet(servers: ServerSpec[]): ShardedFleet {
  return { shards: new Map([["eu1", ["srv-a"]], ["eu2", ["srv-b"]]]), servers, overcommit: { cpu: 4, memory: 1 } };
}

const change = (collection: string, id: string): RunRequest => ({ triggers: ["realtime"], full: false, changes: [{ collection, id, action: "update", seenAt: 0 }], tenants: [] });
const SHARDS = ["eu1", "eu2"];

function route(request: RunRequest, servers: ServerSpec[], tenants: Tenant[], records: Provisioning[]) {
  const shardOf = tenantShards(fleet(servers), tenants, new Map(records.map((r) => [r.tenantId, r])));
  return routeRequest(request, SHARDS, tenants, shardOf);
}

describe("routing a change to its shard", () => {
  const tenants = [tenant("acme"), tenant("bolt"), tenant("chirp")];
  const records = [record("acme", "srv-a"), record("bolt", "srv-b"), record("chirp", "srv-b")];
  const servers = [server("srv-a"), server("srv-b")];

  it("sends a recorded tenant's change only to the shard of its recorded server, as a run that places nothing", () => {
    const routed = route(change("tenants", "idbolt"), servers, tenants, records);
    expect([...routed.keys()]).toEqual(["eu2"]);
    expect(routed.get("eu2")).toMatchObject({ full: false, changes: [{ collection: "tenants", id: "idbolt" }], tenants: [] });
    expect(routed.get("eu2")?.placing).toBeUndefined();
  });

  it("sends a new tenant's change to the shard of the server placement gives it, marked as placing", () => {
    const delta = tenant("delta");
    const drainingA = [server("srv-a", { draining: true }), server("srv-b")];
    expect([...route(change("tenants", "iddelta"), drainingA, [...tenants, delta], records)]).toEqual([["eu2", expect.objectContaining({ placing: true })]]);
    const drainingB = [server("srv-a"), server("srv-b", { draining: true })];
    expect([...route(change("tenants", "iddelta"), drainingB, [...tenants, delta], records).keys()]).toEqual(["eu1"]);
  });

  it("sends a new tenant that fits on no server to the home shard, which declares its refusal", () => {
    const tiny = [server("srv-a", { cpus: 0.01, memoryGb: 0.01 }), server("srv-b", { cpus: 0.01, memoryGb: 0.01 })];
    expect([...route(change("tenants", "iddelta"), tiny, [...tenants, tenant("delta")], records).keys()]).toEqual(["eu1"]);
  });

  it("sends a deleted tenant's change to the shard its record names", () => {
    expect([...route(change("tenants", "idchirp"), servers, tenants.filter((t) => t.slug !== "chirp"), records).keys()]).toEqual(["eu2"]);
  });

  it("sends a plan change to the shards of the tenants on that plan, each with the change", () => {
    const onStarter = [tenant("acme", { plan: { ...tenants[0].plan, id: "plan-starter" } }), tenants[1], tenant("chirp", { plan: { ...tenants[0].plan, id: "plan-starter" } })];
    const routed = route(change("plans", "plan-starter"), servers, onStarter, records);
    expect([...routed.keys()].sort()).toEqual(["eu1", "eu2"]);
    expect(routed.get("eu1")?.changes).toEqual([expect.objectContaining({ collection: "plans", id: "plan-starter" })]);
  });

  it("sends a POST /reconcile naming tenants to their shards only, each with its own names and the allow", () => {
    const request: RunRequest = { triggers: ["api"], full: false, changes: [], tenants: ["acme", "idbolt"], allow: { teardown: ["acme"], replace: [] } };
    const routed = route(request, servers, tenants, records);
    expect(routed.get("eu1")).toMatchObject({ tenants: ["acme"], allow: { teardown: ["acme"] } });
    expect(routed.get("eu2")).toMatchObject({ tenants: ["idbolt"] });
  });

  it("sends what cannot be told to every shard: an unknown tenant named, another collection, a record without a server", () => {
    const unknown: RunRequest = { triggers: ["api"], full: false, changes: [], tenants: ["nobody"] };
    expect([...route(unknown, servers, tenants, records).keys()]).toEqual(SHARDS);
    expect([...route(change("settings", "x1"), servers, tenants, records).keys()]).toEqual(SHARDS);
    expect([...route(change("tenants", "idacme"), servers, tenants, [record("acme", undefined), records[1]]).keys()]).toEqual(SHARDS);
    expect(route(change("settings", "x1"), servers, tenants, records).get("eu1")?.placing).toBe(true);
  });

  it("sends a full request, or any request when tenants or records could not be read, to every shard as placing", () => {
    const full: RunRequest = { triggers: ["timer"], full: true, changes: [], tenants: [] };
    expect([...routeRequest(full, SHARDS, [], new Map())]).toEqual(SHARDS.map((s) => [s, { ...full, placing: true }]));
    expect([...routeRequest(change("tenants", "idacme"), SHARDS, undefined, undefined).keys()]).toEqual(SHARDS);
  });

  it("hands a new tenant back when, by the records at its run's start, another shard's placement now takes it", () => {
    // Routed to eu2 while srv-b had the most room; since then srv-b filled up (a record now reserves 15,000 MiB there).
    const big = { ...record("bolt", "srv-b"), reservation: { cpus: 1, memoryMb: 15_000 } };
    const delta = tenant("delta");
    const shardOf = tenantShards(fleet(servers), [...tenants, delta], new Map([records[0], big, records[2]].map((r) => [r.tenantId, r])));
    const request: RunRequest = { triggers: ["realtime"], full: false, changes: [change("tenants", "iddelta").changes[0], change("tenants", "idbolt").changes[0]], tenants: [], placing: true };
    const split = splitForeign(request, "eu2", [...tenants, delta], shardOf);
    expect(split.foreign).toMatchObject({ full: false, changes: [{ id: "iddelta" }], tenants: [] });
    expect(split.own.changes.map((c) => c.id)).toEqual(["idbolt"]);
    expect(splitForeign(request, "eu1", [...tenants, delta], shardOf).foreign?.changes.map((c) => c.id)).toEqual(["idbolt"]);
    const full: RunRequest = { triggers: ["timer"], full: true, changes: [], tenants: [] };
    expect(splitForeign(full, "eu2", tenants, shardOf)).toEqual({ own: full });
  });
});
