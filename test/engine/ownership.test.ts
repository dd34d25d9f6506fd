// Markers name the stack, through the real engine: a second stack of the program (another checkout or backend,
// say a dev stack pointed at production) pointed at the same Coolify and PocketBase refuses every tenant it
// finds under the first stack's marker, takes them over only when told to, and the first stack then cannot
// delete what it no longer owns.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AI_ROUTER_KEY, startPlatform, type Platform } from "../support/platform";
import { createProgram, repoRoot, type TestProgram } from "../support/pulumi";
import { ENGINE_TIMEOUT, failure } from "../support/engine";

const FIRST = "organization/cloudfreedom-agents/test";
const SECOND = "organization/cloudfreedom-agents/dev";

describe("two stacks against one Coolify", () => {
  let platform: Platform;
  let second: TestProgram;
  const uuids = () => platform.coolify.store.findServices().map((s) => s.uuid).sort();
  const clearLog = () => (platform.coolify.requests.length = 0);

  beforeAll(async () => {
    platform = await startPlatform();
    await platform.program.stack.up();
    const config = Object.fromEntries(
      Object.entries(await platform.program.stack.getAllConfig()).filter(([, v]) => !v.secret).map(([k, v]) => [k.split(":")[1], v.value]),
    );
    second = await createProgram({
      project: "cloudfreedom-agents",
      stackName: "dev",
      source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
      config,
      secrets: { coolifyToken: platform.coolify.token, pocketbasePassword: platform.pocketbase.password, aiRouterKey: AI_ROUTER_KEY },
    });
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    second?.dispose();
    await platform?.dispose();
  });

  it("refuses to adopt or restart the first stack's tenants, naming that stack, writing nothing to Coolify", async () => {
    const before = uuids();
    clearLog();
    const up = await failure(second.stack.up());
    expect(up).toContain(`belongs to the Pulumi stack ${FIRST}, not to this one (${SECOND}); refusing to adopt it`);
    expect(up).toContain(`CLOUDFREEDOM_CLAIM_FROM=${FIRST} pulumi up`);
    expect(platform.writes()).toEqual([]);
    expect(uuids()).toEqual(before);
  }, ENGINE_TIMEOUT);

  it("takes the tenants over with CLOUDFREEDOM_CLAIM_FROM, same services, and the first stack can then delete none of them", async () => {
    const before = uuids();
    const env = (second.stack.workspace as LocalWorkspace).envVars;
    env.CLOUDFREEDOM_CLAIM_FROM = FIRST;
    try {
      await second.stack.up();
    } finally {
      delete env.CLOUDFREEDOM_CLAIM_FROM;
    }
    expect(uuids()).toEqual(before);
    expect(platform.coolify.store.findServices().every((s) => (s.description ?? "").includes(`stack=${SECOND}`))).toBe(true);
    clearLog();
    const destroy = await failure(platform.program.stack.destroy());
    expect(destroy).toContain(`belongs to the Pulumi stack ${SECOND}, not to this one (${FIRST})`);
    expect(platform.writes().filter((w) => w.path.startsWith("/api/v1/services") || w.path.startsWith("/api/v1/projects"))).toEqual([]);
    expect(uuids()).toEqual(before);
  }, ENGINE_TIMEOUT);
});
