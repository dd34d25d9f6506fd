// A split that stopped half-way (killed between its `pulumi state move`s) is continued by running it again: the
// tenants already in a shard's stack stay there and count for its guard, one left in both stacks (killed between the
// two writes of a move) keeps the shard's copy, the rest are moved and the fleet stack is stripped. The plan is pure;
// the command runs against the real pulumi CLI with a local backend and states shaped like the program's.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planSplit, renameToStack, tenantComponents, tenantIdsOf, urnName, withShardResources, type Deployment, type SplitPlan, type StateResource } from "../../scripts/shards/split-plan";

const ROOT = resolve(__dirname, "../..");
const STACK = "urn:pulumi:prod::cf";
const ROOT_URN = `${STACK}::pulumi:pulumi:Stack::cf-prod`;
const PROVIDER = `${STACK}::pulumi:providers:pulumi-nodejs::default`;
const GUARD_URN = `${STACK}::pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard::teardown-guard`;
const component = (id: string): StateResource => ({ urn: `${STACK}::cloudfreedom:tenant:Stack::${id}`, type: "cloudfreedom:tenant:Stack", parent: ROOT_URN, dependencies: [GUARD_URN] });
const service = (id: string, server: string): StateResource => ({
  urn: `${STACK}::cloudfreedom:tenant:Stack$pulumi-nodejs:dynamic/coolify:Service::${id}-service`, type: "pulumi-nodejs:dynamic/coolify:Service", custom: true, id: `${id}-uuid`,
  parent: component(id).urn, provider: `${PROVIDER}::p1`, inputs: { serverUuid: server, tenantId: id }, outputs: { serverUuid: server, tenantId: id },
});
const tenants = { t1: { slug: "acme" }, t2: { slug: "bolt" }, t3: { slug: "chirp" } };
const guardState = { declared: tenants, deployed: tenants, cancelled: [], owner: "organization/cf/prod" };
const GUARD: StateResource = { urn: GUARD_URN, type: "pulumi-nodejs:dynamic/cloudfreedom:TeardownGuard", custom: true, id: "teardown-guard", parent: ROOT_URN, provider: `${PROVIDER}::p1`, inputs: guardState, outputs: guardState };
const SERVERS = { t1: "srv-a", t2: "srv-b", t3: "srv-a" } as const;

function fleet(): Deployment {
  return {
    resources: [
      { urn: ROOT_URN, type: "pulumi:pulumi:Stack", custom: false, outputs: { tenantCount: 3 } },
      { urn: PROVIDER, type: "pulumi:providers:pulumi-nodejs", custom: true, id: "p1" },
      GUARD,
      ...Object.entries(SERVERS).flatMap(([id, server]) => [component(id), service(id, server)]),
    ],
  };
}
const SHARDS = new Map([["eu1", ["srv-a"]], ["eu2", ["srv-b"]]]);
/** A shard's state as a stopped split leaves it: its guard and root, and the tenants moved into it (renamed). */
function shardState(shard: string, ids: string[]): Deployment {
  const plan = planSplit(fleet(), SHARDS, new Map()) as SplitPlan;
  const base = withShardResources({ resources: [] }, fleet(), plan, plan.moves.find((m) => m.shard === shard)!, "prod");
  const moved = fleet().resources!.filter((r) => ids.some((id) => r.urn === component(id).urn || r.parent === component(id).urn)).map((r) => renameToStack(r, `prod.${shard}`));
  return { resources: [...base.resources!, ...moved] };
}

describe("split plan, continuing a split that stopped half-way", () => {
  it("moves only what the fleet stack still holds alone, and counts the moved tenants for their shard's guard", () => {
    const remaining = { resources: fleet().resources!.filter((r) => r.urn !== component("t1").urn && r.parent !== component("t1").urn) };
    const plan = planSplit(remaining, SHARDS, new Map(), new Map(), new Map([["eu1", ["t1"]], ["eu2", []]])) as SplitPlan;
    expect(plan.moves).toEqual([
      { shard: "eu1", urns: [component("t3").urn], tenants: ["t1", "t3"] },
      { shard: "eu2", urns: [component("t2").urn], tenants: ["t2"] },
    ]);
    expect(plan.resumed).toBe(1);
    // The home shard's guard keeps t1 as its own, not as an entry no shard took.
    const guard = withShardResources(shardState("eu1", ["t1"]), remaining, plan, plan.moves[0], "prod").resources!.filter((r) => r.type === GUARD.type);
    expect(guard).toHaveLength(1);
    expect(Object.keys(guard[0].outputs!.deployed as object).sort()).toEqual(["t1", "t3"]);
  });

  it("leaves a tenant found in both stacks where the shard has it: no second move, the fleet's copy goes with the strip", () => {
    const plan = planSplit(fleet(), SHARDS, new Map(), new Map(), new Map([["eu2", ["t2"]]])) as SplitPlan;
    expect(plan.moves[1]).toEqual({ shard: "eu2", urns: [], tenants: ["t2"] });
    expect(plan.resumed).toBe(1);
  });

  it("refuses a shard holding a tenant whose server is in another shard, naming the tenant and the fix, before anything moves", () => {
    const inBoth = planSplit(fleet(), SHARDS, new Map(), new Map([["t2", "bolt"]]), new Map([["eu1", ["t2"]]]));
    expect(inBoth).toEqual({ problems: [expect.stringMatching(/^tenant bolt \(t2\) is in the fleet stack and in shard eu1's stack, but its server is in shard eu2: remove the shard's copy \(pulumi state delete --stack <fleet stack>\.eu1 --target-dependents '.*::t2'\), then split again$/)] });
    const moved = planSplit({ resources: fleet().resources!.filter((r) => !r.urn.includes("t2")) }, SHARDS, new Map([["t2", "srv-b"]]), new Map(), new Map([["eu1", ["t2"]]]));
    expect(moved).toEqual({ problems: [expect.stringContaining("tenant t2 is in shard eu1's stack, but its record's server srv-b is in shard eu2")] });
  });

  it("reads a state's tenant ids as the split names them", () => {
    expect(tenantIdsOf(shardState("eu1", ["t1", "t3"]))).toEqual(["t1", "t3"]);
    expect(tenantIdsOf(undefined)).toEqual([]);
  });
});

describe("npm run shards -- split, run again after it stopped half-way", () => {
  let dir: string;
  const env = () => ({ ...process.env, PULUMI_BACKEND_URL: `file://${join(dir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "split-resume-test", PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_HOME: join(dir, "home") });
  const pulumi = (args: string[], input?: string) => execFileSync("pulumi", [...args, "--non-interactive"], { cwd: dir, env: env(), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], ...(input ? { input } : {}) });
  const exported = (stack: string) => (JSON.parse(pulumi(["stack", "export", "--stack", stack])) as { deployment: Deployment }).deployment;
  const imported = (stack: string, deployment: Deployment) => {
    const state = JSON.parse(pulumi(["stack", "export", "--stack", stack])) as { version: number; deployment: Deployment };
    pulumi(["stack", "import", "--stack", stack], JSON.stringify({ ...state, deployment: { ...state.deployment, ...deployment } }));
  };
  const shards = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile("bash", [`${ROOT}/scripts/with-env.sh`, `${ROOT}/node_modules/.bin/tsx`, `${ROOT}/scripts/shards.ts`, ...args, "--stack", "prod"], { cwd: dir, env: env(), timeout: 120_000 }, (_e, stdout, stderr) =>
        done({ code: child.exitCode, stdout, stderr }));
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cf-split-resume-"));
    writeFileSync(join(dir, "Pulumi.yaml"), "name: cf\nruntime: nodejs\n");
    writeFileSync(join(dir, "Pulumi.prod.yaml"), "config:\n");
    execFileSync("mkdir", ["-p", join(dir, "state"), join(dir, "home")]);
    for (const stack of ["prod", "prod.eu1", "prod.eu2"]) pulumi(["stack", "init", stack, "--secrets-provider", "passphrase", "--no-select"]);
    pulumi(["config", "set", "--stack", "prod", "coolifyServers", JSON.stringify([{ uuid: "srv-a", cpus: 4, memoryGb: 8 }, { uuid: "srv-b", cpus: 4, memoryGb: 8 }])]);
    pulumi(["config", "set", "--stack", "prod", "shards", JSON.stringify({ eu1: ["srv-a"], eu2: ["srv-b"] })]);
    // What a split killed after its first state move leaves: every shard's guard written, t1 moved into eu1, and t2
    // written into eu2 but not yet removed from the fleet stack.
    imported("prod", fleet());
    imported("prod.eu1", shardState("eu1", ["t1"]));
    imported("prod.eu2", shardState("eu2", ["t2"]));
    imported("prod", { resources: fleet().resources!.filter((r) => r.urn !== component("t1").urn && r.parent !== component("t1").urn) });
  }, 120_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("continues the split: each shard holds its servers' tenants once, its guard knows them, the fleet stack is stripped", async () => {
    const { code, stdout, stderr } = await shards(["split"]);
    expect(stderr).toBe("");
    expect(stdout).toContain("(continuing a split that stopped half-way: 2 of them were moved already)");
    expect(code).toBe(0);
    const ids = (stack: string) => tenantComponents(exported(stack).resources ?? []).map((r) => urnName(r.urn)).sort();
    expect(ids("prod.eu1")).toEqual(["t1", "t3"]);
    expect(ids("prod.eu2")).toEqual(["t2"]);
    const eu2 = exported("prod.eu2").resources!;
    expect(eu2.filter((r) => r.type === service("t2", "").type)).toHaveLength(1);
    const guardOf = (stack: string) => Object.keys(exported(stack).resources!.find((r) => r.type === GUARD.type)!.outputs!.deployed as object).sort();
    expect(guardOf("prod.eu1")).toEqual(["t1", "t3"]);
    expect(guardOf("prod.eu2")).toEqual(["t2"]);
    expect(exported("prod").resources!.map((r) => r.type).sort()).toEqual(["pulumi:providers:pulumi-nodejs", "pulumi:pulumi:Stack"]);
  }, 120_000);

  it("a third run says the fleet is split already and changes nothing", async () => {
    const before = ["prod", "prod.eu1", "prod.eu2"].map((s) => JSON.stringify(exported(s).resources));
    const { code, stderr } = await shards(["split"]);
    expect(stderr).toContain("shards: split: the fleet stack prod holds no tenant and shard stack(s) prod.eu1 (2 tenant(s)), prod.eu2 (1 tenant(s)) do: the fleet is split already");
    expect(code).toBe(1);
    expect(["prod", "prod.eu1", "prod.eu2"].map((s) => JSON.stringify(exported(s).resources))).toEqual(before);
  }, 120_000);
});
