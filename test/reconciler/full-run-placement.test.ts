// Whether a full run of a shard takes the fleet's placement lock (reconciler/lane.ts mayPlace).
import { describe, expect, it } from "vitest";
import { mayPlace } from "../../reconciler/lane";
import type { Tenant } from "../../lib/tenants/tenant";

const tenant = (slug: string, status: Tenant["status"] = "active") => ({ id: `id${slug}`, slug, status }) as Tenant;
const deployed = { components: new Map([["idacme", "urn:acme"]]), parents: new Map(), serviceStatus: new Map(), pendingOperations: 0 };
const full = { kind: "full", reason: "timer" } as const;

describe("a full run of a shard", () => {
  it("places nothing when every tenant of the fleet has a write-back record, so it needs no placement lock", () => {
    const records = new Map([["idacme", {}], ["idbolt", {}]]);
    expect(mayPlace(full, deployed, [tenant("acme"), tenant("bolt")], records)).toBe(false);
  });

  it("may place while a tenant of the fleet has no record (new, or refused before), and when the records are unknown", () => {
    const records = new Map([["idacme", {}]]);
    expect(mayPlace(full, deployed, [tenant("acme"), tenant("delta")], records)).toBe(true);
    expect(mayPlace(full, deployed, [tenant("acme")], undefined)).toBe(true);
    expect(mayPlace(full, deployed, undefined, records)).toBe(true);
  });

  it("does not count a cancelled tenant without a record as one to place", () => {
    expect(mayPlace(full, deployed, [tenant("acme"), tenant("gone", "cancelled")], new Map([["idacme", {}]]))).toBe(false);
  });
});
