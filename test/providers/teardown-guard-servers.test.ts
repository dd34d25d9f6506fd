// The guard's placement check with coolifyServers: tenants are placed one by one, so an empty server is no change.
import { describe, expect, it } from "vitest";
import { judgePlacement, type TeardownGuardInputs } from "../../providers/teardown-guard";

const inputs = (server: string): TeardownGuardInputs => ({
  declared: { "id-a": { slug: "a" } }, cancelled: [], allow: [],
  placement: { server, environment: "production", sharedProject: "", destination: "" },
});

describe("judgePlacement with coolifyServers", () => {
  it("does not refuse a stack moving from coolifyServerUuid to coolifyServers (placement per tenant)", () => {
    const olds = inputs("srv-1");
    expect(judgePlacement(olds, inputs(""), olds.declared)).toEqual([]);
  });

  it("still refuses a changed coolifyServerUuid", () => {
    const olds = inputs("srv-1");
    expect(judgePlacement(olds, inputs("srv-2"), olds.declared)[0].reason).toMatch(/^server "srv-1" -> "srv-2" would replace/);
  });
});
