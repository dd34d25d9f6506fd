// The version gate in the real dynamic-provider process: `pulumi up` against a Coolify outside the supported range
// stops before any write with the version, the range and the fix, and the run's CLOUDFREEDOM_ALLOW_COOLIFY_VERSION
// (an environment variable of the CLI, inherited by the provider process) lets it through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../../emulator/server";
import { createServicesProgram } from "../../support/programs";
import type { TestProgram } from "../../support/pulumi";

describe("pulumi up against an unsupported Coolify version", () => {
  let emulator: CoolifyEmulator;
  let program: TestProgram;

  beforeAll(async () => {
    emulator = await startCoolifyEmulator({ coolifyVersion: "4.2.0", lifecycleDelayMs: 20 });
    program = await createServicesProgram(emulator, "version-gate", { projectName: "Gate", tenants: "" });
  });
  afterAll(async () => {
    program?.dispose();
    await emulator?.close();
  });

  it("stops before any write, naming the version, the range and the fix", async () => {
    const error = await program.stack.up().then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain('answers version "4.2.0", outside the supported range 4.3.8 to 4.3.11');
    expect(error?.message).toContain("CLOUDFREEDOM_ALLOW_COOLIFY_VERSION=4.2.0 pulumi up");
    expect(emulator.requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("writes when the run allows that version", async () => {
    program.stack.workspace.envVars.CLOUDFREEDOM_ALLOW_COOLIFY_VERSION = "4.2.0";
    const up = await program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ create: 1 });
    expect(emulator.store.findProjects({ name: "Gate" })).toHaveLength(1);
  });
});
