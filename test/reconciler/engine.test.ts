// reconciler/engine.ts with the real engine: the preview runs without the engine's checkpoints, the up with them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withoutCheckpoints } from "../../reconciler/engine";
import { ENGINE_TIMEOUT } from "../support/engine";
import { createProgram, type TestProgram } from "../support/pulumi";

// The program reports the variable as the engine handed it down (CLI -> language host -> program).
const SOURCE = `
import * as pulumi from "@pulumi/pulumi";
pulumi.log.info("skip-checkpoints=" + (process.env.PULUMI_SKIP_CHECKPOINTS ?? "unset"));
export const seen = process.env.PULUMI_SKIP_CHECKPOINTS ?? "unset";
`;

describe("withoutCheckpoints", () => {
  let program: TestProgram;
  beforeAll(async () => {
    program = await createProgram({ project: "checkpoints", source: SOURCE });
  }, ENGINE_TIMEOUT);
  afterAll(() => program?.dispose());

  it("sets PULUMI_SKIP_CHECKPOINTS for the preview only, and restores the workspace's own value after", async () => {
    const { stack } = program;
    const preview = await withoutCheckpoints(stack, () => stack.preview());
    expect(preview.stdout).toContain("skip-checkpoints=true");
    expect(stack.workspace.envVars).not.toHaveProperty("PULUMI_SKIP_CHECKPOINTS");
    const up = await stack.up();
    expect(up.outputs.seen.value).toBe("unset");

    stack.workspace.envVars.PULUMI_SKIP_CHECKPOINTS = "false";
    await expect(withoutCheckpoints(stack, () => Promise.reject(new Error("preview failed")))).rejects.toThrow("preview failed");
    expect(stack.workspace.envVars.PULUMI_SKIP_CHECKPOINTS).toBe("false");
  }, ENGINE_TIMEOUT);
});
