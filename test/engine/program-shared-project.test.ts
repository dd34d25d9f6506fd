// Config `sharedProject`: every tenant's service goes into one Coolify project instead of one project each.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, type Platform } from "../support/platform";

describe("the program with a shared Coolify project", () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform();
    await platform.program.stack.setConfig("sharedProject", { value: "CloudFreedom agents" });
  });
  afterAll(async () => platform?.dispose());

  it("puts every tenant's service into the one project it creates", async () => {
    const up = await platform.program.stack.up();
    // guard + shared project + 3 x (component, service, record) + 2 domains + the stack.
    expect(up.summary.resourceChanges).toEqual({ create: 14 });
    const projects = platform.coolify.store.findProjects();
    expect(projects.map((p) => p.name)).toEqual(["CloudFreedom agents"]);
    expect(platform.coolify.store.findServices({ projectUuid: projects[0].uuid }).map((s) => s.name).sort()).toEqual(["cf-acme", "cf-bolt", "cf-chirp"]);
    expect(platform.coolify.requests.filter((r) => r.method === "POST" && r.path === "/api/v1/projects")).toHaveLength(1);
  });

  it("destroys every tenant service first, then the shared project", async () => {
    const destroy = await platform.program.stack.destroy();
    expect(destroy.summary.resourceChanges).toMatchObject({ delete: 14 });
    expect(platform.coolify.store.findServices()).toEqual([]);
    expect(platform.coolify.store.findProjects()).toEqual([]);
  });
});
