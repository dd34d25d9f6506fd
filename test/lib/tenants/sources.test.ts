import { describe, expect, it } from "vitest";
import { DEFAULT_TENANT_SOURCE_COLLECTIONS, tenantSourceCollections, viewSourceTables } from "../../../lib/tenants/sources";

describe("tenantSourceCollections", () => {
  it("defaults to the demo's tenants and plans, and keeps a configured list in order without duplicates", () => {
    expect(tenantSourceCollections(undefined, "agent_tenants")).toEqual(["tenants", "plans"]);
    expect(tenantSourceCollections([], "agent_tenants")).toEqual([...DEFAULT_TENANT_SOURCE_COLLECTIONS]);
    expect(tenantSourceCollections(["subscriptions", "tenants", "subscriptions"], "agent_tenants")).toEqual(["subscriptions", "tenants"]);
  });

  it("refuses the view itself, which never sends realtime events", () => {
    expect(() => tenantSourceCollections(["tenants", "agent_tenants"], "agent_tenants")).toThrow(/not the view itself/);
  });

  it("refuses a name that is not a collection name", () => {
    expect(() => tenantSourceCollections(["tenants/*"], "agent_tenants")).toThrow(/tenantSourceCollections must be a PocketBase collection name/);
  });
});

describe("viewSourceTables", () => {
  it("lists the tables after FROM and JOIN, once each, ignoring comments and string literals", () => {
    const sql = `/* cloudfreedom-agents:tenant-view */ SELECT t.id AS id, 'from fake' AS x -- join comments
      FROM [tenants] t LEFT JOIN "subscriptions" s ON s.tenant = t.id
      inner join plans p on p.id = s.plan JOIN \`subscriptions\` s2 ON s2.id = s.id`;
    expect(viewSourceTables(sql)).toEqual(["tenants", "subscriptions", "plans"]);
  });
});
