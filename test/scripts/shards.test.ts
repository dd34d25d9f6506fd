// npm run shards: its command line, and the pure split plan (which tenant components go to which shard, the guard
// cut per shard, the fleet stack stripped) from a stack export shaped like the program's.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../lib/cli/args";
import { COMMAND, shardsRequest } from "../../scripts/shards/command-line";
import { cutGuard, planSplit, renameToStack, strippedFleet, tenantComponents, withShardResources, type Deployment, type SplitPlan, type StateResource } from "../../scripts/shards/split-plan";
import { formatListing, statusesByShard } from "../../scripts/shards/stacks";
import type { Provisioning } from "../../lib/tenants/provisioning";

const ROOT = resolve(__dirname, "../..");
const request = (...argv: string[]) => shardsRequest(parseCommandLine(COMMAND, argv));

describe("shards command line", () => {
  it("reads a command, its shard or --all, and the fleet stack", () => {
    expect(request("list", "--stack", "prod", "--json")).toEqual({ command: "list", stack: "prod", all: false, json: true });
    expect(request("up", "eu1", "--stack", "prod")).toEqual({ command: "up", stack: "prod", shard: "eu1", all: false, json: false });
    expect(request("preview", "--all", "--stack", "prod")).toEqual({ command: "preview", stack: "prod", all: true, json: false });
  });

  it.each([
    [[], "name a command: list, init, split, preview or up"],
    [["merge", "--stack", "prod"], 'unknown command "merge"'],
    [["split"], "--stack <fleet stack> is required (the stack whose config sets shards)"],
    [["split", "eu1", "--stack", "prod"], 'unexpected argument "eu1"'],
    [["init", "--all", "--stack", "prod"], "--all is for preview and up, not init"],
    [["up", "--stack", "prod"], "up needs a shard or --all"],
    [["up", "eu1", "--all", "--stack", "prod"], "up takes a shard or --all, not both"],
    [["up", "eu1", "eu2", "--stack", "prod"], 'unexpected argument "eu2"'],
    [["preview", "EU_1", "--stack", "prod"], '"EU_1" is not a shard name (1-20 of a-z, 0-9 and -)'],
    [["split", "--json", "--stack", "prod"], "--json is for list, not split"],
    [["list", "--stack", "org/cf/prod"], '--stack takes the fleet stack\'s short name, as in its config file Pulumi.<name>.yaml, not "org/cf/prod"'],
    [["up", "eu1", "--stack", "prod.eu1"], '--stack names the fleet stack, not a shard\'s ("prod.eu1"): e.g. --stack prod'],
  ])("refuses %j: %s", (argv, message) => {
    expect(() => request(...argv)).toThrow(new UsageError(message));
  });

  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile("bash", ["scripts/with-env.sh", "tsx", "scripts/shards.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
    });
  const USAGE = "usage: npm run shards -- list|init|split|preview <shard>|preview --all|up <shard>|up --all --stack <fleet stack> [--json]\n";

  it("answers a bad flag with one line, its usage line and exit 2", async () => {
    expect(await run(["list", "--bogus"])).toEqual({ code: 2, stdout: "", stderr: `shards: unknown option --bogus\n${USAGE}` });
  });

  it("answers a bad command the same way", async () => {
    expect(await run(["merge", "--stack", "prod"])).toEqual({ code: 2, stdout: "", stderr: `shards: unknown command "merge"\n${USAGE}` });
  });
});

const STACK = "urn:pulumi:prod::cf";
const ROOT_URN = `${STACK}::pulumi:pulumi:Stack::cf-prod`;
const PROVIDER = `${STACK}::pulumi:providers:pulumi-nodejs::default`;
const component = (id: string): StateResource => ({ urn: `${STACK}::cloudfreedom:tenant:Stack::${id}`, type: "cloudfreedom:tenant:Stack", parent: ROOT_URN, dependencies: [`${STACK}::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard`] });
const child = (id: string, kind: string, inputs: Record<string, unknown> = {}): StateResource => ({
  urn: `${STACK}::cloudfreedom:tenant:Stack$pulumi-nodejs:dynamic/${kind}::${id}-${kind.split(":")[1].toLowerCase()}`, type: `pulumi-nodejs:dynamic/${kind}`, custom: true, id: `${id}-x`,
  parent: `${STACK}::cloudfreedom:tenant:Stack::${id}`, provider: `${PROVIDER}::p1`, inputs, outputs: inputs,
});
const guardState = { declared: { t1: { slug: "acme" }, t2: { slug: "bolt" }, t3: { slug: "chirp" } }, deployed: { t1: { slug: "acme" }, t2: { slug: "bolt" }, t3: { slug: "chirp" } }, cancelled: ["t9"], owner: "org/cf/prod" };
const GUARD: StateResource = { urn: `${STACK}::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard`, type: "pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard", custom: true, id: "teardown-guard", parent: ROOT_URN, provider: `${PROVIDER}::p1`, inputs: guardState, outputs: guardState };
const SHARED: StateResource = { urn: `${STACK}::pulumi-nodejs:dynamic/coolify:Project::shared-project`, type: "pulumi-nodejs:dynamic/coolify:Project", custom: true, id: "proj-1", parent: ROOT_URN, provider: `${PROVIDER}::p1`, dependencies: [GUARD.urn], inputs: { name: "cf-shared" }, outputs: { name: "cf-shared" } };

function fleet(extra: StateResource[] = []): Deployment {
  return {
    resources: [
      { urn: ROOT_URN, type: "pulumi:pulumi:Stack", outputs: { tenantCount: 3 } },
      { urn: PROVIDER, type: "pulumi:providers:pulumi-nodejs", custom: true, id: "p1" },
      GUARD, SHARED,
      component("t1"), child("t1", "coolify:Service", { serverUuid: "srv-a" }), child("t1", "cloudfreedom:ProvisioningRecord"),
      component("t2"), child("t2", "coolify:Service", { serverUuid: "srv-b" }),
      component("t3"), child("t3", "coolify:Service", { serverUuid: "srv-a" }),
      // A new tenant refused for capacity: a record and no service.
      component("t4"), child("t4", "cloudfreedom:ProvisioningRecord"),
      ...extra,
    ],
  };
}
const SHARDS = new Map([["eu1", ["srv-a"]], ["eu2", ["srv-b", "srv-c"]]]);

describe("split plan", () => {
  it("sends each tenant component to the shard of its recorded server, else its service's, and one on no server to the home shard", () => {
    // t3's record says it now lives on srv-c (eu2), whatever its state said.
    const plan = planSplit(fleet(), SHARDS, new Map([["t3", "srv-c"]])) as SplitPlan;
    expect(plan.moves).toEqual([
      { shard: "eu1", urns: [component("t1").urn, component("t4").urn], tenants: ["t1", "t4"] },
      { shard: "eu2", urns: [component("t2").urn, component("t3").urn], tenants: ["t2", "t3"] },
    ]);
    expect(plan.guard?.urn).toBe(GUARD.urn);
    expect(plan.sharedProject?.urn).toBe(SHARED.urn);
  });

  it("knows a tenant by the id its children record when its component still has a slug's name", () => {
    const state = fleet();
    const slugNamed = (r: StateResource) => ({ ...r, urn: r.urn.replace("::t2", "::bolt"), parent: r.parent?.replace("::t2", "::bolt"), ...(r.inputs ? { inputs: { ...r.inputs, tenantId: "t2" } } : {}) });
    state.resources = state.resources!.map((r) => (r.urn.includes("::t2") ? slugNamed(r) : r));
    const plan = planSplit(state, SHARDS, new Map([["t2", "srv-a"]])) as SplitPlan;
    expect(plan.moves[0]).toMatchObject({ shard: "eu1", tenants: ["t1", "t2", "t3", "t4"], urns: expect.arrayContaining([`${STACK}::cloudfreedom:tenant:Stack::bolt`]) });
  });

  it("refuses a tenant on a server in no shard, naming it by slug and the fix", () => {
    const result = planSplit(fleet(), new Map([["eu1", ["srv-a"]]]), new Map(), new Map([["t2", "bolt"]]));
    expect(result).toEqual({ problems: ["tenant bolt (t2) lives on server srv-b, which is in no shard: add the server to a shard (pulumi config set --path 'shards.<name>[<n>]' srv-b), then split again"] });
  });

  it("refuses a fleet stack with pending operations, and a top-level resource it cannot place", () => {
    const stray: StateResource = { urn: `${STACK}::random:index/randomPassword:RandomPassword::x`, type: "random:index/randomPassword:RandomPassword", parent: ROOT_URN };
    const result = planSplit({ ...fleet([stray]), pending_operations: [{ resource: { urn: component("t1").urn }, type: "creating" }] }, SHARDS, new Map()) as { problems: string[] };
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toMatch(/^the fleet stack has 1 pending operation\(s\) \(creating t1\), left by an interrupted run: resolve them first/);
    expect(result.problems[1]).toContain(`resource ${stray.urn} is neither a tenant, the teardown guard nor the shared project`);
  });

  it("refuses a tenant whose service has no server anywhere", () => {
    const state = fleet();
    const service = state.resources!.find((r) => r.urn.includes("t2-service"))!;
    service.inputs = {};
    expect(planSplit(state, SHARDS, new Map())).toEqual({ problems: [expect.stringContaining("tenant t2 has a service but no server in its record or its state")] });
  });

  it("renames a resource's URNs, parent, provider and dependencies to the shard's stack", () => {
    expect(renameToStack(SHARED, "prod.eu1")).toMatchObject({
      urn: "urn:pulumi:prod.eu1::cf::pulumi-nodejs:dynamic/coolify:Project::shared-project",
      parent: "urn:pulumi:prod.eu1::cf::pulumi:pulumi:Stack::cf-prod.eu1",
      provider: "urn:pulumi:prod.eu1::cf::pulumi:providers:pulumi-nodejs::default::p1",
      dependencies: ["urn:pulumi:prod.eu1::cf::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard"],
      id: "proj-1",
    });
  });

  it("cuts the guard to the shard's tenants and keeps the rest of it", () => {
    const cut = cutGuard(GUARD, ["t2"]);
    expect(cut.inputs).toEqual({ ...guardState, declared: { t2: { slug: "bolt" } }, deployed: { t2: { slug: "bolt" } } });
    expect(cut.outputs).toEqual(cut.inputs);
    expect(GUARD.inputs).toEqual(guardState);
  });

  it("gives a shard without tenants its root, provider, guard and shared project; a moved-into shard keeps its own root", () => {
    const plan = planSplit(fleet(), new Map([["eu1", ["srv-a", "srv-b"]], ["eu2", ["srv-c"]]]), new Map()) as SplitPlan;
    const empty = withShardResources({ resources: [] }, fleet(), plan, plan.moves[1], "prod");
    expect(empty.resources!.map((r) => r.urn)).toEqual([
      "urn:pulumi:prod.eu2::cf::pulumi:pulumi:Stack::cf-prod.eu2",
      "urn:pulumi:prod.eu2::cf::pulumi:providers:pulumi-nodejs::default",
      "urn:pulumi:prod.eu2::cf::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard",
      "urn:pulumi:prod.eu2::cf::pulumi-nodejs:dynamic/coolify:Project::shared-project",
    ]);
    expect(empty.resources![2].outputs?.deployed).toEqual({});
    // The fleet root's outputs (which name every tenant) are not copied.
    expect(empty.resources![0].outputs).toEqual({});
    // A shard holding a root, provider and tenant already (written by pulumi state move) keeps them.
    const moved = { resources: [
      { urn: "urn:pulumi:prod.eu1::cf::pulumi:pulumi:Stack::cf-prod.eu1", type: "pulumi:pulumi:Stack" },
      { ...renameToStack(fleet().resources![1], "prod.eu1") },
      renameToStack(component("t1"), "prod.eu1"),
    ] };
    const eu1 = withShardResources(moved, fleet(), plan, plan.moves[0], "prod");
    expect(eu1.resources!.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack", "pulumi:providers:pulumi-nodejs", GUARD.type, SHARED.type, "cloudfreedom:tenant:Stack"]);
    expect(plan.moves[0].tenants).toEqual(["t1", "t2", "t3", "t4"]);
    // The guard knew t1-t3 (t4 was only refused, never declared); eu2's knows none.
    expect(Object.keys(eu1.resources![2].inputs!.declared as object)).toEqual(["t1", "t2", "t3"]);
    // Run again (a retried import): no second guard.
    expect(withShardResources(eu1, fleet(), plan, plan.moves[0], "prod").resources).toHaveLength(5);
  });

  it("keeps in the home shard's guard the entries of tenants no shard took (a removal still counted), in no other", () => {
    const guard = { ...GUARD, outputs: { ...guardState, deployed: { ...guardState.deployed, t7: { slug: "gone" } } } };
    const plan = planSplit({ resources: fleet().resources!.map((r) => (r.urn === GUARD.urn ? guard : r)) }, SHARDS, new Map()) as SplitPlan;
    expect(plan.home).toBe("eu1");
    const guardIn = (i: number) => withShardResources({ resources: [] }, fleet(), plan, plan.moves[i], "prod").resources!.find((r) => r.type === GUARD.type)!;
    expect(Object.keys(guardIn(0).outputs!.deployed as object).sort()).toEqual(["t1", "t3", "t7"]);
    expect(Object.keys(guardIn(1).outputs!.deployed as object)).toEqual(["t2"]);
  });

  it("strips the fleet stack to its root, without outputs, and providers", () => {
    const stripped = strippedFleet(fleet());
    expect(stripped.resources).toEqual([{ urn: ROOT_URN, type: "pulumi:pulumi:Stack", outputs: {} }, fleet().resources![1]]);
    expect(tenantComponents(stripped.resources!)).toEqual([]);
  });
});

describe("shards list", () => {
  it("counts the records of each shard's servers by status", () => {
    const record = (tenantId: string, serverUuid: string | undefined, status: string) => ({ tenantId, serverUuid, status }) as Provisioning;
    const records = new Map([record("t1", "srv-a", "running:healthy"), record("t2", "srv-b", "held"), record("t3", "srv-c", "running:healthy"), record("t4", undefined, "refused")].map((r) => [r.tenantId, r]));
    expect(statusesByShard({ shards: SHARDS }, records)).toEqual(new Map([["eu1", { "running:healthy": 1 }], ["eu2", { held: 1, "running:healthy": 1 }]]));
  });

  it("prints the fleet stack's own tenants, then per shard its stack, whether it exists, its tenants, records and servers", () => {
    const text = formatListing({
      stack: "prod", configFile: "Pulumi.prod.yaml", fleetTenants: 3,
      shards: [
        { shard: "eu1", servers: ["srv-a"], stack: "prod.eu1", exists: true, tenants: 0, statuses: { "running:healthy": 2, held: 1 } },
        { shard: "eu2", servers: ["srv-b", "srv-c"], stack: "prod.eu2", exists: false, tenants: 0, statuses: {} },
      ],
    });
    expect(text).toBe([
      "fleet stack prod (config file Pulumi.prod.yaml): 3 tenant(s) in its own state (npm run shards -- split moves them)",
      "shard eu1: stack prod.eu1 exists, 0 tenant(s) in its state; records: held 1, running:healthy 2",
      "  servers: srv-a",
      "shard eu2: stack prod.eu2 missing (npm run shards -- init), 0 tenant(s) in its state; records: none",
      "  servers: srv-b, srv-c",
    ].join("\n"));
  });
});
