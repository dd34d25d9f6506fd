// A Service create that fails after its POST succeeded, through the real engine: the engine records the id
// (partial state), so the next up converges the same service and a teardown reaches it. Faults: the emulator's
// drop-after-processing on the start POST and on the env bulk.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { createServicesProgram } from "../support/programs";
import type { TestProgram } from "../support/pulumi";
import { ENGINE_TIMEOUT } from "../support/engine";

describe("a Service create that fails after its POST, through the real engine", () => {
  let emulator: CoolifyEmulator;
  let program: TestProgram;
  const tracked = async (name: string) => {
    const state = await program.stack.exportStack();
    return (state.deployment.resources as Array<{ urn: string; id?: string }>).find((r) => r.urn.endsWith(`::${name}`));
  };

  beforeAll(async () => {
    emulator = await startCoolifyEmulator({ lifecycleDelayMs: 40, deleteDelayMs: 100, rateLimitPerMinute: 100_000 });
    program = await createServicesProgram(emulator, "providers-partial", { projectName: "Tenant partial", healthTimeoutSeconds: "5" });
  });
  afterAll(async () => {
    program?.dispose();
    await emulator?.close();
  });

  it("records the service when the start answer is lost, and the next up converges the same service", async () => {
    emulator.faults.dropNext({ method: "POST", pathPrefix: "/api/v1/services/", count: 1, afterProcessing: true });
    await expect(program.stack.up()).rejects.toThrow(/\/start failed \(no response\)/);
    const [alpha] = emulator.store.findServices({ name: "alpha-web" });
    expect((await tracked("alpha"))?.id).toBe(alpha.uuid);
    emulator.requests.length = 0;
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(emulator.store.findServices({ name: "alpha-web" }).map((s) => s.uuid)).toEqual([alpha.uuid]);
    expect(emulator.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/services")).toEqual([]);
    expect(up.outputs.services.value.alpha).toBe(alpha.uuid);
  }, ENGINE_TIMEOUT);

  it("records the service when the env bulk answers are lost, and a teardown deletes it", async () => {
    await program.stack.setConfig("tenants", { value: "alpha,beta" });
    emulator.faults.dropNext({ method: "PATCH", pathPrefix: "/api/v1/services/", count: 5, afterProcessing: true });
    await expect(program.stack.up()).rejects.toThrow(/envs\/bulk failed \(no response\)/);
    const [beta] = emulator.store.findServices({ name: "beta-web" });
    expect((await tracked("beta"))?.id).toBe(beta.uuid);
    await program.stack.setConfig("tenants", { value: "alpha" });
    emulator.requests.length = 0;
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ delete: 1 });
    expect(emulator.requests.filter((r) => r.method === "DELETE").map((r) => r.path)).toEqual([`/api/v1/services/${beta.uuid}`]);
    expect(emulator.store.findServices({ name: "beta-web" })).toEqual([]);
  }, ENGINE_TIMEOUT);
});
