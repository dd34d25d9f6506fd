import { describe, expect, it } from "vitest";
import { allowEnv } from "../../reconciler/queue";
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
    expect(parseReconcileBody("")).toEqual({ tenants: [] });
    expect(parseReconcileBody("{}")).toEqual({ tenants: [] });
    expect(parseReconcileBody('{"tenants":["acme","k3x9abc"]}')).toEqual({ tenants: ["acme", "k3x9abc"] });
    for (const bad of ["not json", "null", "[]", '{"tenants":"acme"}', '{"tenants":["../etc"]}', '{"tenants":[1]}']) {
      expect(parseReconcileBody(bad)).toHaveProperty("error");
    }
  });

  it("takes a one-run allow as the allow variables' values, and refuses an empty, unknown or malformed one", () => {
    const body = '{"tenants":["acme"],"allow":{"teardown":["acme","bolt"],"replace":["*"],"claimFrom":"organization/cloudfreedom-agents/old","deleteVolumes":false}}';
    const parsed = parseReconcileBody(body);
    expect(parsed).toEqual({ tenants: ["acme"], allow: { teardown: ["acme", "bolt"], replace: ["*"], claimFrom: "organization/cloudfreedom-agents/old", deleteVolumes: false } });
    expect(allowEnv("allow" in parsed ? parsed.allow : undefined)).toEqual({
      CLOUDFREEDOM_ALLOW_TEARDOWN: "acme,bolt",
      CLOUDFREEDOM_ALLOW_REPLACE: "*",
      CLOUDFREEDOM_CLAIM_FROM: "organization/cloudfreedom-agents/old",
      CLOUDFREEDOM_DELETE_VOLUMES: "false",
    });
    expect(allowEnv({ teardown: ["acme"], replace: [] })).toEqual({ CLOUDFREEDOM_ALLOW_TEARDOWN: "acme" });
    for (const bad of ['{"allow":{}}', '{"allow":true}', '{"allow":{"teardown":"acme"}}', '{"allow":{"teardown":["a,b"]}}', '{"allow":{"everything":true}}', '{"allow":{"claimFrom":"prod"}}', '{"allow":{"deleteVolumes":"yes"}}']) {
      expect(parseReconcileBody(bad), bad).toHaveProperty("error");
    }
  });
});
