import { describe, expect, it } from "vitest";
import { createService } from "../../lib/coolify";
import { stillPresent, type Evidence } from "../../providers/guard-presence";
import { defaultBudget, judgePlacement, judgeTeardown, previouslyDeployed, provider, undeclared, type GuardTenant, type TeardownGuardInputs } from "../../providers/teardown-guard";
import { COMPOSE, seedService, useEmulator } from "./harness";

const slugs = (n: number) => Array.from({ length: n }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);
const entry = (slug: string): GuardTenant => ({ slug, service: `cf-${slug}` });

/** A run declaring these tenants; in the table, a tenant's id is its slug. */
function run(tenants: string[], fields: Partial<TeardownGuardInputs> = {}): TeardownGuardInputs {
  return { declared: Object.fromEntries(tenants.map((slug) => [slug, entry(slug)])), cancelled: [], allow: [], ...fields };
}

/** judgeTeardown with every undeclared tenant still present in Coolify. */
function judge(olds: TeardownGuardInputs | undefined, news: TeardownGuardInputs) {
  const previous = olds ? olds.declared : {};
  return judgeTeardown(previous, news, undeclared(previous, news));
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
    const failures = judge(olds, news);
    expect(failures).toHaveLength(refuses.length);
    refuses.forEach((patterns, i) => {
      expect(failures[i].property).toBe("tenants");
      for (const pattern of patterns) expect(failures[i].reason).toMatch(pattern);
    });
  });

  it("names the removed tenants in sorted order", () => {
    const [failure] = judge(run(["c", "a", "b", "d"]), run(["d"]));
    expect(failure.reason).toContain("deployed tenant(s) a, b, c are missing");
  });
});

describe("the guard provider's check", () => {
  const h = useEmulator();
  const p = provider as Required<typeof provider>;
  const owner = "organization/cloudfreedom-agents/prod";

  /** A tenant's service as this code creates it: its marker names the stack and the tenant id. Returns its uuid. */
  async function deployedService(id: string, name = `cf-${id}`, tenant: string | null = id): Promise<string> {
    const { projectUuid } = await seedService(h, `seed-${id}`);
    const marker = `[cloudfreedom-agents stack=${owner} ${tenant ? `tenant=${tenant} ` : ""}project=${projectUuid} env=production server=${h.emulator.serverUuid}]`;
    const { uuid } = await createService(h.conn, {
      project_uuid: projectUuid, environment_name: "production", server_uuid: h.emulator.serverUuid, name, compose: COMPOSE, description: `test@1.0.0 ${marker}`,
    });
    return uuid;
  }
  /** Guard state as the check writes it: each tenant with the uuid of its service. */
  const state = (uuids: Record<string, string>, fields: Partial<TeardownGuardInputs> = {}): TeardownGuardInputs => ({
    ...run(Object.keys(uuids), { owner, ...fields }),
    deployed: Object.fromEntries(Object.entries(uuids).map(([id, serviceUuid]) => [id, { slug: id, serviceUuid }])),
  });
  const declare = (ids: string[], fields: Partial<TeardownGuardInputs> = {}) => ({
    ...run([], { owner, ...fields }), declared: Object.fromEntries(ids.map((id) => [id, { slug: id }])),
  });

  it("passes any set on the first run, when olds is empty, without asking Coolify", async () => {
    const result = await p.check({} as TeardownGuardInputs, declare(["a"]));
    expect(result.failures).toEqual([]);
    expect(result.inputs!.deployed).toEqual({ a: { slug: "a" } });
    expect(h.emulator.requests).toEqual([]);
  });

  it("asks Coolify nothing and changes nothing in a run that removes no tenant", async () => {
    await deployedService("a");
    const olds = { ...declare(["a", "b"]), deployed: { a: { slug: "a" }, b: { slug: "b" } } };
    h.emulator.requests.length = 0;
    const result = await p.check(olds, declare(["a", "b"]));
    expect(result.inputs!.deployed).toEqual(olds.deployed);
    expect(h.emulator.requests).toEqual([]);
  });

  it("learns each tenant's service uuid from the tenant id in its marker, whatever the service's name, in a run that removes one", async () => {
    const a = await deployedService("a", "cf-renamed-by-hand");
    const c = await deployedService("c");
    const result = await p.check({ ...declare(["a", "b", "c"]), deployed: { a: { slug: "a" }, b: { slug: "b" }, c: { slug: "c" } } }, declare(["a", "b"], { cancelled: ["c"] }));
    expect(result.failures).toEqual([]);
    expect(result.inputs!.deployed).toEqual({ a: { slug: "a", serviceUuid: a }, b: { slug: "b" }, c: { slug: "c", serviceUuid: c } });
  });

  it("keeps counting an approved removal while its service is still in Coolify, and forgets it once its uuid answers 404", async () => {
    const uuids = { a: await deployedService("a"), b: await deployedService("b"), c: await deployedService("c"), d: await deployedService("d") };
    // A run removed b and c (within a budget of 2) and then failed before its deletes: both still count.
    const first = await p.check(state(uuids), declare(["a", "d"], { cancelled: ["b", "c"], budget: 2 }));
    expect(first.failures).toEqual([]);
    expect(Object.keys(first.inputs!.deployed!).sort()).toEqual(["a", "b", "c", "d"]);
    // The next run cancels d as well: three removals, over the budget of 2, all named.
    const second = await p.check(first.inputs!, declare(["a"], { cancelled: ["b", "c", "d"], budget: 2 }));
    expect(second.failures?.[0].reason).toMatch(/would tear down 3 tenants \(b, c, d\), over the budget of 2/);
    // Once b and c are really gone, only d counts.
    h.emulator.store.deleteServiceOutOfBand(uuids.b);
    h.emulator.store.deleteServiceOutOfBand(uuids.c);
    const third = await p.check(first.inputs!, declare(["a"], { cancelled: ["b", "c", "d"], budget: 2 }));
    expect(third.failures).toEqual([]);
    expect(Object.keys(third.inputs!.deployed!).sort()).toEqual(["a", "d"]); // d is approved now, not yet deleted
  });

  it("refuses a removed tenant whose service Coolify shows under another name than the one its slug gives", async () => {
    // b was renamed in PocketBase while held, so Coolify still calls its service cf-b; then b vanished from PocketBase.
    const uuids = { a: await deployedService("a"), b: await deployedService("b") };
    const diverged = { ...state(uuids), declared: { a: { slug: "a" }, b: { slug: "b-renamed" } } };
    diverged.deployed!.b = { slug: "b-renamed", serviceUuid: uuids.b };
    const missing = await p.check(diverged, declare(["a"]));
    expect(missing.failures?.[0].reason).toMatch(/deployed tenant\(s\) b-renamed are missing from PocketBase but not cancelled/);
    const budget = await p.check(diverged, declare([], { cancelled: ["a", "b"] }));
    expect(budget.failures?.[0].reason).toMatch(/would tear down 2 tenants \(a, b-renamed\), over the budget of 1/);
  });

  it("counts a tenant as present while a service marked for it exists, even when the uuid it knew answers 404 (a replacement)", async () => {
    const uuids = { a: await deployedService("a"), b: await deployedService("b") };
    const replacement = await deployedService("b", "cf-b");
    h.emulator.store.deleteServiceOutOfBand(uuids.b);
    const result = await p.check(state(uuids), declare(["a"]));
    expect(result.failures?.[0].reason).toMatch(/deployed tenant\(s\) b are missing/);
    expect(result.inputs!.deployed!.b).toEqual({ slug: "b", serviceUuid: replacement });
  });

  it("reads state from before uuids ({slug, service}); such a tenant counts as present unless the run allows its removal", async () => {
    await deployedService("b", "cf-b", null);
    const legacy = { ...run(["a", "b"], { owner }), deployed: { a: entry("a"), b: entry("b"), c: entry("c") } };
    // b's service still has the recorded name; c's name finds nothing, which proves nothing.
    const refused = await p.check(legacy, declare(["a"], { cancelled: ["b", "c"], budget: 2 }));
    expect(refused.failures).toEqual([]);
    expect(refused.inputs!.deployed).toEqual({ a: entry("a"), b: entry("b"), c: entry("c") });
    const missing = await p.check(legacy, declare(["a"], { cancelled: ["b"] }));
    expect(missing.failures?.[0].reason).toMatch(/deployed tenant\(s\) c are missing from PocketBase but not cancelled/);
    const allowed = await p.check(legacy, declare(["a"], { cancelled: ["b"], allow: ["c"] }));
    expect(allowed.failures).toEqual([]);
    expect(Object.keys(allowed.inputs!.deployed!).sort()).toEqual(["a", "b"]);
  });

  it("reads state written before ids (a list of slugs) as deployed", async () => {
    await deployedService("b", "cf-b", null);
    const legacy = { tenants: ["a", "b"], cancelled: [], allow: [] } as unknown as TeardownGuardInputs;
    expect(previouslyDeployed(legacy, run(["a"]))).toEqual({ a: entry("a"), "slug:b": entry("b") });
    const result = await p.check(legacy, run(["a"]));
    expect(result.failures?.[0].reason).toMatch(/deployed tenant\(s\) b are missing from PocketBase but not cancelled/);
  });
});

describe("stillPresent: a removed tenant is gone only when shown gone", () => {
  const evidence = (fields: Partial<{ byTenant: [string, string][]; byUuid: [string, boolean][]; names: string[] }> = {}): Evidence => ({
    byTenant: new Map(fields.byTenant ?? []), byUuid: new Map(fields.byUuid ?? []), names: new Set(fields.names ?? []),
  });
  it.each([
    ["its uuid answers 200 as ours", { slug: "b", serviceUuid: "u1" }, evidence({ byUuid: [["u1", true]] }), false, true],
    ["its uuid answers 404", { slug: "b", serviceUuid: "u1" }, evidence({ byUuid: [["u1", false]] }), false, false],
    ["its uuid answers 404 but a service of ours is marked for it (a replacement)", { slug: "b", serviceUuid: "u1" }, evidence({ byUuid: [["u1", false]], byTenant: [["b", "u2"]] }), false, true],
    ["no uuid yet, a service of ours is marked for it, under any name", { slug: "b" }, evidence({ byTenant: [["b", "u2"]] }), false, true],
    ["no uuid, nothing marked for it: it never had a service", { slug: "b" }, evidence(), false, false],
    ["state from before uuids whose name still finds a service", { slug: "b", service: "cf-b" }, evidence({ names: ["cf-b"] }), true, true],
    ["state from before uuids whose name finds nothing: not proof", { slug: "b", service: "cf-b" }, evidence(), false, true],
    ["state from before uuids whose name finds nothing, and the run allows it", { slug: "b", service: "cf-b" }, evidence(), true, false],
  ] as Array<[string, GuardTenant, Evidence, boolean, boolean]>)("%s", (_name, entry, seen, allowed, present) => {
    expect(stillPresent("b", entry, seen, allowed)).toBe(present);
  });
});

describe("judgePlacement", () => {
  const placement = { server: "s1", environment: "production", sharedProject: "", destination: "" };

  it("refuses a placement change that replaces the services of tenants that stay, naming them and the allow variable", () => {
    const olds = { ...run(["a", "b", "c"]), placement };
    const news = { ...run(["a", "b"]), placement: { ...placement, server: "s2" } };
    const [failure] = judgePlacement(olds, news, olds.declared);
    expect(failure.reason).toMatch(/^server "s1" -> "s2" would replace the Coolify service of 2 tenant\(s\) \(a, b\): a replacement is a teardown/);
    expect(failure.reason).toContain("CLOUDFREEDOM_ALLOW_REPLACE=a,b pulumi up");
  });

  it.each([
    ["no placement stored yet (state from before)", { ...run(["a"]) }, { ...run(["a"]), placement: { ...placement, server: "s2" } }],
    ["the same placement", { ...run(["a"]), placement }, { ...run(["a"]), placement }],
    ["a destination change (the Service provider judges it)", { ...run(["a"]), placement }, { ...run(["a"]), placement: { ...placement, destination: "d1" } }],
    ["allowed by name", { ...run(["a"]), placement }, { ...run(["a"]), placement: { ...placement, sharedProject: "Agents" }, allowReplace: ["a"] }],
    ["allowed with *", { ...run(["a"]), placement }, { ...run(["a"]), placement: { ...placement, environment: "staging" }, allowReplace: ["*"] }],
  ])("lets %s through", (_name, olds, news) => {
    expect(judgePlacement(olds as TeardownGuardInputs, news as TeardownGuardInputs, (olds as TeardownGuardInputs).declared)).toEqual([]);
  });
});
