// A new tenant routed to a shard whose program did not declare it (placed on another shard's server, or refused):
// reconciler/shard-routing.ts undeclaredNewTenants, routeRequest and splitForeign with `anywhere`, queue.ts merging.
import { describe, expect, it } from "vitest";
import { mergeRequests, type RunRequest } from "../../reconciler/queue";
import { routeRequest, splitForeign, undeclaredNewTenants, type TenantShard } from "../../reconciler/shard-routing";
import type { Tenant } from "../../lib/tenants/tenant";

const tenant = (slug: string, status: Tenant["status"] = "active") => ({ id: `id${slug}`, slug, status }) as Tenant;
const [acme, delta, echo] = [tenant("acme"), tenant("delta"), tenant("echo")];

describe("the new tenants a shard's targeted run did not declare", () => {
  it("are those in scope without a record before the run, absent from its state and not failed", () => {
    const found = undeclaredNewTenants({ inScope: [acme, delta, echo], recordsBefore: new Map([["idacme", {}]]), declared: new Set(["acme", "echo"]), failed: new Set() });
    expect(found).toEqual(["iddelta"]);
  });

  it("leave out a failed one, a cancelled one and one already sent to every shard", () => {
    const gone = tenant("gone", "cancelled");
    expect(undeclaredNewTenants({ inScope: [delta, gone], recordsBefore: new Map(), declared: new Set(), failed: new Set(["delta"]) })).toEqual([]);
    expect(undeclaredNewTenants({ inScope: [delta], recordsBefore: new Map(), declared: new Set(), failed: new Set(), anywhere: ["iddelta"] })).toEqual([]);
  });
});

describe("a request for tenants to run anywhere", () => {
  const shardOf = new Map<string, TenantShard>([["idacme", { shard: "a", placing: false }], ["iddelta", { shard: "b", placing: true }]]);
  const request: RunRequest = { triggers: ["realtime"], full: false, changes: [], tenants: ["iddelta"], anywhere: ["iddelta"], placing: true };

  it("goes to every shard, as one that may place, though routing names one shard for the tenant", () => {
    const routed = routeRequest(request, ["a", "b", "c"], [acme, delta], shardOf);
    expect([...routed.keys()]).toEqual(["a", "b", "c"]);
    expect([...routed.values()].every((r) => r.placing && r.anywhere?.includes("iddelta"))).toBe(true);
  });

  it("is not split off to the tenant's routed shard when it runs in another", () => {
    expect(splitForeign(request, "a", [acme, delta], shardOf)).toEqual({ own: request });
    const plain = { ...request, anywhere: undefined };
    expect(splitForeign(plain, "a", [acme, delta], shardOf).foreign?.tenants).toEqual(["iddelta"]);
  });

  it("keeps its tenants when merged with other requests in a shard's queue", () => {
    const merged = mergeRequests(mergeRequests(undefined, { triggers: ["timer"], full: false, changes: [], tenants: ["acme"] }), request);
    expect(merged.anywhere).toEqual(["iddelta"]);
    expect(mergeRequests({ triggers: ["timer"], full: false, changes: [], tenants: [] }, { triggers: ["api"], full: false, changes: [], tenants: [] }).anywhere).toBeUndefined();
  });
});
