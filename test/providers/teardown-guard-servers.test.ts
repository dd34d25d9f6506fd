// The guard's placement check with coolifyServers: tenants are placed one by one, so an empty server is no change.
import { describe, expect, it } from "vitest";
import { judgePlacement, judgeTeardown, type TeardownGuardInputs } from "../../providers/teardown-guard";

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

describe("a move through the guard", () => {
  const previous = { "id-a": { slug: "a", serviceUuid: "s-a" }, "id-b": { slug: "b", serviceUuid: "s-b" } };
  const news = (moving: string[], extra: Partial<TeardownGuardInputs> = {}): TeardownGuardInputs => ({
    declared: { "id-a": { slug: "a" }, "id-b": { slug: "b" } }, cancelled: [], allow: [], budget: 1, moving, ...extra,
  });

  it("counts a moved tenant's old service as a teardown within the budget", () => {
    expect(judgeTeardown(previous, news(["id-a"]), [])).toEqual([]);
  });

  it("refuses a move beyond the budget, naming it, unless this run allows it", () => {
    const [failure] = judgeTeardown(previous, news(["id-a", "id-b"]), []);
    expect(failure.reason).toMatch(/^this run would tear down 2 tenants \(a, b; moving a, b tears down its old service\), over the budget of 1/);
    expect(failure.reason).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=a,b pulumi up");
    expect(judgeTeardown(previous, news(["id-a", "id-b"], { allow: ["a", "b"] }), [])).toEqual([]);
  });
});
