import { describe, expect, it } from "vitest";
import { defaultBudget, judgeTeardown, provider, type TeardownGuardInputs } from "../../providers/teardown-guard";

const slugs = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);

function run(tenants: string[], fields: Partial<TeardownGuardInputs> = {}): TeardownGuardInputs {
  return { tenants, cancelled: [], allow: [], ...fields };
}

describe("defaultBudget", () => {
  it.each([
    [0, 1],
    [1, 1],
    [9, 1],
    [19, 1],
    [20, 2],
    [105, 10],
  ])("after %i tenants, a run may remove %i (max(1, 10%%))", (previous, budget) => {
    expect(defaultBudget(previous)).toBe(budget);
  });
});

describe("judgeTeardown", () => {
  // `refuses`: one list of patterns per expected failure, in order.
  const cases: Array<{ name: string; olds: TeardownGuardInputs | undefined; news: TeardownGuardInputs; refuses: RegExp[][] }> = [
    { name: "first run: nothing deployed, nothing to guard", olds: undefined, news: run([]), refuses: [] },
    { name: "no change", olds: run(["a", "b"]), news: run(["a", "b"]), refuses: [] },
    { name: "a new tenant", olds: run(["a"]), news: run(["a", "b"]), refuses: [] },
    { name: "one cancelled tenant within the default budget", olds: run(["a", "b", "c"]), news: run(["a", "b"], { cancelled: ["c"] }), refuses: [] },
    {
      name: "two cancelled of three, over the default budget of 1",
      olds: run(["a", "b", "c"]),
      news: run(["c"], { cancelled: ["a", "b"] }),
      refuses: [[/would tear down 2 tenants \(a, b\), over the budget of 1/, /CLOUDFREEDOM_ALLOW_TEARDOWN=a,b pulumi up/]],
    },
    { name: "two cancelled of twenty, within the default budget of 2", olds: run(slugs(20)), news: run(slugs(18), { cancelled: ["t19", "t20"] }), refuses: [] },
    {
      name: "three cancelled of twenty, over the default budget of 2",
      olds: run(slugs(20)),
      news: run(slugs(17), { cancelled: ["t18", "t19", "t20"] }),
      refuses: [[/over the budget of 2/]],
    },
    { name: "an explicit budget above the default", olds: run(["a", "b", "c"]), news: run([], { cancelled: ["a", "b", "c"], budget: 3 }), refuses: [] },
    {
      name: "an explicit budget of 0 refuses even a cancelled tenant",
      olds: run(["a", "b"]),
      news: run(["a"], { cancelled: ["b"], budget: 0 }),
      refuses: [[/1 tenants \(b\), over the budget of 0/]],
    },
    { name: "over the budget but each removal allowed by name", olds: run(["a", "b", "c"]), news: run(["c"], { cancelled: ["a", "b"], allow: ["a", "b"] }), refuses: [] },
    { name: "over the budget but allowed with *", olds: run(["a", "b", "c"]), news: run([], { cancelled: ["a", "b", "c"], allow: ["*"] }), refuses: [] },
    {
      name: "over the budget with only part of the removals allowed",
      olds: run(["a", "b", "c"]),
      news: run(["c"], { cancelled: ["a", "b"], allow: ["a"] }),
      refuses: [[/over the budget of 1/]],
    },
    {
      name: "a tenant missing from PocketBase but not cancelled",
      olds: run(["a", "b", "c"]),
      news: run(["a", "c"]),
      refuses: [[/deployed tenant\(s\) b are missing from PocketBase but not cancelled/, /CLOUDFREEDOM_ALLOW_TEARDOWN=b pulumi up/]],
    },
    { name: "a missing tenant allowed by name", olds: run(["a", "b", "c"]), news: run(["a", "c"], { allow: ["b"] }), refuses: [] },
    { name: "a missing tenant allowed with *", olds: run(["a", "b", "c"]), news: run(["a", "c"], { allow: ["*"] }), refuses: [] },
    {
      name: "a missing tenant next to an allowed one: the unallowed one is named, and the pair is over the budget",
      olds: run(["a", "b", "c"]),
      news: run(["c"], { allow: ["a"] }),
      refuses: [[/tenant\(s\) b are missing/], [/2 tenants \(a, b\), over the budget of 1/]],
    },
    {
      name: "both refusals at once: missing and over the budget",
      olds: run(["a", "b", "c"]),
      news: run([], { cancelled: ["a", "b"] }),
      refuses: [[/tenant\(s\) c are missing/], [/would tear down 3 tenants \(a, b, c\), over the budget of 1/]],
    },
    { name: "an allow list naming tenants that are not removed changes nothing", olds: run(["a"]), news: run(["a"], { allow: ["zzz"] }), refuses: [] },
  ];

  it.each(cases)("$name", ({ olds, news, refuses }) => {
    const failures = judgeTeardown(olds, news);
    expect(failures).toHaveLength(refuses.length);
    refuses.forEach((patterns, i) => {
      expect(failures[i].property).toBe("tenants");
      for (const pattern of patterns) expect(failures[i].reason).toMatch(pattern);
    });
  });

  it("names the removed tenants in sorted order", () => {
    const [failure] = judgeTeardown(run(["c", "a", "b", "d"]), run(["d"]));
    expect(failure.reason).toContain("deployed tenant(s) a, b, c are missing");
  });
});

describe("the guard provider's check", () => {
  it("passes any set on the first run, when olds is empty", async () => {
    const result = await provider.check!({} as TeardownGuardInputs, run(["a"]));
    expect(result.failures).toEqual([]);
  });

  it("refuses against the previously stored set", async () => {
    const result = await provider.check!(run(["a", "b"]), run(["a"]));
    expect(result.failures?.[0].reason).toMatch(/b are missing from PocketBase/);
  });
});
