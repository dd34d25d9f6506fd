import { describe, expect, it } from "vitest";
import { parseReconcileBody, tokenMatches } from "../../reconciler/server";

describe("POST /reconcile input", () => {
  it("accepts only the exact bearer token", () => {
    const token = "s3cret-token-0123456789";
    expect(tokenMatches(`Bearer ${token}`, token)).toBe(true);
    for (const header of [undefined, "", token, `bearer ${token}`, `Bearer ${token} `, `Bearer ${token.slice(0, -1)}`, "Bearer "]) {
      expect(tokenMatches(header, token)).toBe(false);
    }
  });

  it("takes an empty body as a full run and a list of tenants as a targeted one, refusing anything else", () => {
    expect(parseReconcileBody("")).toEqual([]);
    expect(parseReconcileBody("{}")).toEqual([]);
    expect(parseReconcileBody('{"tenants":["acme","k3x9abc"]}')).toEqual(["acme", "k3x9abc"]);
    for (const bad of ["not json", '{"tenants":"acme"}', '{"tenants":["../etc"]}', '{"tenants":[1]}']) {
      expect(parseReconcileBody(bad)).toHaveProperty("error");
    }
  });
});
