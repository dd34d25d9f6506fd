// A targeted run (the lane's --exclude of every other tenant) goes straight to the up, with the real engine: no
// preview first, and an up the program refuses before any step changes nothing and comes back "refused", as the
// preview did. Before, every run previewed first, which cost a targeted run as much as its up.
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEngine } from "../../reconciler/engine";
import { ENGINE_TIMEOUT } from "../support/engine";
import { createProgram, type TestProgram } from "../support/pulumi";

// Tenants as components of the reconciler's type; config "refuse" throws before anything is registered (as the
// program's checks do), config "refused" warns a tenant refused and fails the up's end (as index.ts does).
const SOURCE = `
import * as pulumi from "@pulumi/pulumi";
const config = new pulumi.Config();
if (config.get("refuse")) throw new Error("2 tenants to tear down, over the budget of 1");
class Tenant extends pulumi.ComponentResource {
  constructor(name: string) {
    super("cloudfreedom:tenant:Stack", name, {}, {});
    this.registerOutputs({});
  }
}
for (const name of (config.get("tenants") ?? "").split(",").filter(Boolean)) new Tenant(name);
const refused = config.get("refused");
if (refused) pulumi.log.warn("tenant " + refused + " is refused (never deployed): plan: unknown plan: fix it in PocketBase");
export const outcome = pulumi.output("converged").apply((o) => {
  if (!refused || pulumi.runtime.isDryRun()) return o;
  // As index.ts throws it: a RunError without a stack (Node's inspect of one takes a minute, pulumi/pulumi#20567).
  const error = new pulumi.RunError("1 tenant(s) did not converge; every other tenant did:\\n  - " + refused);
  error.stack = "";
  throw error;
});
`;

describe("a targeted run of the engine", () => {
  let program: TestProgram;
  let previews = 0;
  const urnOf = (name: string) => `urn:pulumi:${program.stack.name}::targeted::cloudfreedom:tenant:Stack::${name}`;
  const urns = async (stack: Stack) => ((await stack.exportStack()).deployment.resources as Array<{ urn: string }>).map((r) => r.urn).sort();
  const run = () => runEngine(program.stack, { exclude: [urnOf("alpha")], refresh: false, signal: new AbortController().signal, parents: new Map(), log: () => undefined });

  beforeAll(async () => {
    program = await createProgram({ project: "targeted", source: SOURCE, config: { tenants: "alpha" } });
    await program.stack.up();
    const preview = program.stack.preview.bind(program.stack);
    program.stack.preview = (...args) => ((previews += 1), preview(...args));
  }, ENGINE_TIMEOUT);
  afterAll(() => program?.dispose());

  it("runs the up without a preview first, with each tenant's counts from the up's events", async () => {
    await program.stack.setConfig("tenants", { value: "alpha,bravo" });
    const outcome = await run();
    expect(previews).toBe(0);
    expect(outcome).toMatchObject({ result: "succeeded", updated: true, counts: { create: 1, update: 0, delete: 0, same: 1 }, failures: [] });
    expect(await urns(program.stack)).toContain(urnOf("bravo"));
  }, ENGINE_TIMEOUT);

  it("comes back refused, and changes nothing, when the program refuses the run before any step", async () => {
    const before = await urns(program.stack);
    await program.stack.setConfig("tenants", { value: "alpha,charlie" });
    await program.stack.setConfig("refuse", { value: "yes" });
    const outcome = await run();
    expect(previews).toBe(0);
    expect(outcome).toMatchObject({ result: "refused", updated: false, counts: { create: 0, update: 0, delete: 0, same: 0 } });
    expect(outcome.message).toMatch(/^up refused, nothing changed: .*over the budget of 1/s);
    expect(outcome.failures.map((f) => f.message).join("\n")).toMatch(/over the budget of 1/);
    expect(await urns(program.stack)).toEqual(before);
    await program.stack.removeConfig("refuse");
  }, ENGINE_TIMEOUT);

  it("records the tenants the program refused, as a preview without changes did, when only the up's end failed for them", async () => {
    await program.stack.setConfig("tenants", { value: "alpha,bravo" });
    await program.stack.setConfig("refused", { value: "delta" });
    const outcome = await run();
    expect(previews).toBe(0);
    expect(outcome).toMatchObject({ result: "succeeded", updated: true, failures: [{ tenant: "delta", message: "refused (never deployed): plan: unknown plan: fix it in PocketBase" }] });
    expect(outcome.message).toBe("up made no changes; refused: delta: refused (never deployed): plan: unknown plan: fix it in PocketBase");
  }, ENGINE_TIMEOUT);
});
