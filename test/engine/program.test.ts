// The program as operators run it: tenants from a real PocketBase, the real engine, the Coolify emulator.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AI_ROUTER_KEY, startPlatform, updateTenant, type Platform } from "../support/platform";
import { DEMO_BOT_TOKEN } from "../../pocketbase/seed";
import { ENGINE_TIMEOUT } from "../support/engine";

describe("the program against PocketBase and Coolify", () => {
  let platform: Platform;
  beforeAll(async () => {
    // Cancelled tenants go at once here; test/engine/teardown-grace.test.ts covers the grace period.
    platform = await startPlatform({ config: { teardownGraceDays: "0" } });
  });
  afterAll(async () => platform?.dispose());

  it("creates exactly the seeded tenants' projects, services and domains, with write-back records", async () => {
    const up = await platform.program.stack.up();
    // 3 tenants x (component, project, service, record) + 2 domains (the bot has none) + guard + stack.
    expect(up.summary.resourceChanges).toEqual({ create: 16 });
    const { coolify } = platform;
    expect(coolify.store.findServices().map((s) => s.name).sort()).toEqual(["cf-acme", "cf-bolt", "cf-chirp"]);
    expect(coolify.store.findProjects().map((p) => p.name).sort()).toEqual(["Tenant acme", "Tenant bolt", "Tenant chirp"]);
    const acme = coolify.store.findServices({ name: "cf-acme" })[0];
    expect(acme.applications.find((a) => a.name === "openwebui")?.fqdn).toBe("https://acme.agents.cloudfreedom.test:8080");
    const records = await (await platform.admin()).collection("agent_provisioning").getFullList();
    expect(records).toHaveLength(3);
    expect(up.outputs.tenants.value.acme.status).toBe("running:healthy");
    // The LiteLLM master key Coolify generated reaches the Admin Portal through the hidden field.
    const generated = acme.envs.find((e) => e.key === "SERVICE_PASSWORD_64_LITELLMMASTER")?.value;
    const acmeRecord = records.find((r) => r.coolify_service_uuid === acme.uuid);
    expect(generated).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(acmeRecord?.credentials).toMatchObject({ SERVICE_PASSWORD_64_LITELLMMASTER: generated });
  });

  it("changes nothing on a second preview and up", async () => {
    platform.coolify.requests.length = 0;
    // A preview sees every output it reads as known: one left out of a resource's state would show as an update.
    expect((await platform.program.stack.preview()).changeSummary).toEqual({ same: 16 });
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges).toEqual({ same: 16 });
    expect(platform.writes()).toEqual([]);
  });

  it("keeps every secret out of the exported state", async () => {
    const exported = platform.program.cli(["stack", "export"]);
    const generated = platform.coolify.store.findServices({ name: "cf-acme" })[0].envs.find((e) => e.key === "SERVICE_PASSWORD_64_LITELLMMASTER")?.value;
    expect(generated).toBeTruthy();
    for (const secret of [platform.coolify.token, platform.pocketbase.password, AI_ROUTER_KEY, DEMO_BOT_TOKEN, generated!]) {
      expect(exported).not.toContain(secret);
    }
  });

  it("records where each resource was declared, and no frame of the Pulumi SDK, in its call stack", async () => {
    const { deployment } = JSON.parse(platform.program.cli(["stack", "export"])) as { deployment: { resources: Array<Record<string, unknown>> } };
    const declared = deployment.resources.filter((r) => !String(r.type).startsWith("pulumi:"));
    expect(declared).toHaveLength(15);
    for (const resource of declared) {
      expect(resource.sourcePosition, String(resource.urn)).toMatch(/^project:\/\/\/.*(index|program\/tenant-stack|providers\/teardown-guard)\.ts#\d+,\d+$/);
      const frames = (resource.stackTrace as Array<{ sourcePosition?: string }>).map((f) => f.sourcePosition ?? "");
      expect(frames.filter((f) => f.includes("node_modules")), String(resource.urn)).toEqual([]);
    }
  });

  it("upgrades a plan in place, touching only that tenant", async () => {
    const pb = await platform.admin();
    const business = await pb.collection("plans").getFirstListItem('name = "business"');
    await updateTenant(pb, "bolt", { plan: business.id });
    platform.coolify.requests.length = 0;
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    const bolt = platform.coolify.store.findServices({ name: "cf-bolt" })[0];
    expect(platform.writes().every((w) => w.path.includes(bolt.uuid))).toBe(true);
    expect(platform.writes().filter((w) => w.path.endsWith("/restart"))).toHaveLength(1);
  });

  it("moves a tenant to another template version with an in-place update and one restart", async () => {
    await updateTenant(await platform.admin(), "chirp", { template_version: "1.1.1" });
    platform.coolify.requests.length = 0;
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 2 }); // the service and its write-back record
    const chirp = platform.coolify.store.findServices({ name: "cf-chirp" })[0];
    expect(platform.writes().filter((w) => w.path === `/api/v1/services/${chirp.uuid}`)).toHaveLength(1); // the compose PATCH
    expect(platform.writes().filter((w) => w.path.endsWith("/restart"))).toEqual([{ method: "POST", path: `/api/v1/services/${chirp.uuid}/restart` }]);
    expect(chirp.dockerComposeRaw).toMatch(/interval: .?300s/);
  });

  it("tears down a cancelled tenant only, its record too, keeping its volumes", async () => {
    const chirp = platform.coolify.store.findServices({ name: "cf-chirp" })[0];
    await updateTenant(await platform.admin(), "chirp", { status: "cancelled" });
    const preview = await platform.program.stack.preview();
    expect(preview.changeSummary.delete).toBe(4);
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ delete: 4 });
    expect(platform.coolify.store.findServices().map((s) => s.name).sort()).toEqual(["cf-acme", "cf-bolt"]);
    expect(platform.coolify.store.findVolumes(chirp.uuid).every((v) => !v.removed)).toBe(true);
    const records = await (await platform.admin()).collection("agent_provisioning").getFullList();
    expect(records).toHaveLength(2);
  }, ENGINE_TIMEOUT);

  it("refuses to tear down more tenants than the budget, naming them, unless allowed for the run", async () => {
    const pb = await platform.admin();
    await updateTenant(pb, "acme", { status: "cancelled" });
    await updateTenant(pb, "bolt", { status: "cancelled" });
    platform.coolify.requests.length = 0;
    await expect(platform.program.stack.preview()).rejects.toThrow(/2 tenants \(acme, bolt\), over the budget of 1/);
    await expect(platform.program.stack.up()).rejects.toThrow(/CLOUDFREEDOM_ALLOW_TEARDOWN=acme,bolt/);
    expect(platform.writes()).toEqual([]);
    const env = (platform.program.stack.workspace as LocalWorkspace).envVars;
    env.CLOUDFREEDOM_ALLOW_TEARDOWN = "acme,bolt";
    const up = await platform.program.stack.up();
    delete env.CLOUDFREEDOM_ALLOW_TEARDOWN;
    expect(up.summary.resourceChanges).toMatchObject({ delete: 10 }); // 2 tenants x (component, project, service, domain, record)
    expect(platform.coolify.store.findServices()).toEqual([]);
    expect(platform.coolify.store.findProjects()).toEqual([]);
  }, ENGINE_TIMEOUT);
});
