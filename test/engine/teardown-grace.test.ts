// Data safety of one tenant through the real engine, a real PocketBase and the Coolify emulator: the grace
// period of a cancellation (stop, keep, restart on reactivation), delete-time choices taken from the deleting
// run's config, a slug rename in place, stacks named by slug moving to id-based names without a replacement,
// and a setting that would replace every service refused. The steps share one platform and run in order.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisioningRecordOf, startDeployedPlatform, updateTenant, type Platform } from "../support/platform";
import { ENGINE_TIMEOUT, failure } from "../support/engine";

const DAY = 86_400_000;

describe("grace period, delete-time config, renames and replacements", () => {
  let platform: Platform;
  const service = (name: string) => platform.coolify.store.findServices({ name })[0];
  const clearLog = () => (platform.coolify.requests.length = 0);
  const recordOf = async (slug: string) => provisioningRecordOf(await platform.admin(), slug);
  const generated = (name: string) => service(name).envs.find((e) => e.key === "SERVICE_PASSWORD_64_LITELLMMASTER")?.value;

  beforeAll(async () => {
    platform = await startDeployedPlatform();
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("stops a cancelled tenant and keeps it, its record showing the pending deletion and its date", async () => {
    const acme = service("cf-acme");
    const before = Date.now();
    await updateTenant(await platform.admin(), "acme", { status: "cancelled" });
    clearLog();
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    expect(platform.writes()).toContainEqual({ method: "POST", path: `/api/v1/services/${acme.uuid}/stop` });
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
    expect(up.outputs.tenants.value.acme.status).toBe("exited");
    const record = await recordOf("acme");
    expect(record.status).toBe("exited");
    expect(record.status_reason).toBe("pending deletion");
    const deleteAfter = Date.parse(String(record.delete_after).replace(" ", "T"));
    expect(deleteAfter).toBeGreaterThanOrEqual(before + 7 * DAY - 1000);
    expect(deleteAfter).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    // The grace period counts from this run, the first that saw the cancellation.
    expect(Date.parse(String(record.grace_started_at).replace(" ", "T"))).toBe(deleteAfter - 7 * DAY);
    // A second run keeps the dates it recorded.
    await platform.program.stack.up();
    expect([(await recordOf("acme")).delete_after, (await recordOf("acme")).grace_started_at]).toEqual([record.delete_after, record.grace_started_at]);
  }, ENGINE_TIMEOUT);

  it("starts a tenant reactivated within the grace period with the same service, volumes and generated secrets", async () => {
    const acme = service("cf-acme");
    const secret = generated("cf-acme");
    expect(secret).toBeTruthy();
    await updateTenant(await platform.admin(), "acme", { status: "active" });
    clearLog();
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.create).toBeUndefined();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    expect(platform.writes()).toContainEqual({ method: "POST", path: `/api/v1/services/${acme.uuid}/start` });
    expect(service("cf-acme").uuid).toBe(acme.uuid);
    expect(generated("cf-acme")).toBe(secret);
    expect(platform.coolify.store.findVolumes(acme.uuid).every((v) => !v.removed)).toBe(true);
    expect(up.outputs.tenants.value.acme.status).toBe("running:healthy");
    const record = await recordOf("acme");
    expect([record.status, record.status_reason, record.delete_after, record.grace_started_at]).toEqual(["running:healthy", "", "", ""]);
  }, ENGINE_TIMEOUT);

  it("does not delete a cancellation in the run that first sees it, however old its cancelled_at", async () => {
    const pbTime = (ms: number) => new Date(ms).toISOString().replace("T", " ");
    await updateTenant(await platform.admin(), "acme", { status: "cancelled", cancelled_at: pbTime(Date.now() - 30 * DAY) });
    clearLog();
    const before = Date.now();
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
    expect(up.outputs.tenants.value.acme.status).toBe("exited");
    const deleteAfter = Date.parse(String((await recordOf("acme")).delete_after).replace(" ", "T"));
    expect(deleteAfter).toBeGreaterThanOrEqual(before + 7 * DAY - 1000);
  }, ENGINE_TIMEOUT);

  it("never brings a recorded delete_after forward: not with teardownGraceDays lowered to 0, not with cancelled_at moved earlier", async () => {
    const recorded = (await recordOf("acme")).delete_after;
    await updateTenant(await platform.admin(), "acme", { cancelled_at: "2020-01-01 00:00:00.000Z" });
    await platform.program.stack.setConfig("teardownGraceDays", { value: "0" });
    clearLog();
    try {
      const up = await platform.program.stack.up();
      expect(up.summary.resourceChanges?.delete).toBeUndefined();
    } finally {
      await platform.program.stack.removeConfig("teardownGraceDays");
    }
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
    expect((await recordOf("acme")).delete_after).toBe(recorded);
  }, ENGINE_TIMEOUT);

  it("deletes a tenant whose grace period is over, with the volumes when the deleting run's config says so", async () => {
    const acme = service("cf-acme");
    // Eight days on: the grace period the record shows is over.
    const pb = await platform.admin();
    const pbTime = (ms: number) => new Date(ms).toISOString().replace("T", " ");
    await pb.collection("agent_provisioning").update((await recordOf("acme")).id, { grace_started_at: pbTime(Date.now() - 8 * DAY), delete_after: pbTime(Date.now() - DAY) });
    await platform.program.stack.setConfig("deleteVolumesOnTeardown", { value: "true" });
    clearLog();
    try {
      const up = await platform.program.stack.up();
      expect(up.summary.resourceChanges).toMatchObject({ delete: 5 });
    } finally {
      await platform.program.stack.removeConfig("deleteVolumesOnTeardown");
    }
    const deletes = platform.coolify.requests.filter((r) => r.method === "DELETE" && r.path === `/api/v1/services/${acme.uuid}`);
    expect(deletes.map((r) => r.query.delete_volumes)).toEqual(["true"]);
    expect(platform.coolify.store.findVolumes(acme.uuid).every((v) => v.removed)).toBe(true);
  }, ENGINE_TIMEOUT);

  it("renames a tenant's slug in place: same service and volumes, the record kept, the hosts updated", async () => {
    const bolt = service("cf-bolt");
    const recordId = (await recordOf("bolt")).id;
    await updateTenant(await platform.admin(), "bolt", { slug: "bolt-labs" });
    clearLog();
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.create).toBeUndefined();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    expect(up.summary.resourceChanges?.replace).toBeUndefined();
    const renamed = service("cf-bolt-labs");
    expect(renamed.uuid).toBe(bolt.uuid);
    expect(renamed.applications.find((a) => a.name === "openclaw")?.fqdn).toBe("https://bolt-labs.agents.cloudfreedom.test:8080");
    expect(platform.coolify.store.findVolumes(bolt.uuid).every((v) => !v.removed)).toBe(true);
    const record = await recordOf("bolt-labs");
    expect(record.id).toBe(recordId);
    expect(record.urls).toEqual({ primary: "https://bolt-labs.agents.cloudfreedom.test" });
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
  }, ENGINE_TIMEOUT);

  it("moves a stack whose resources are named by slug (before ids) to id-based names without touching Coolify", async () => {
    const pb = await platform.admin();
    const chirp = await pb.collection("tenants").getFirstListItem('slug = "chirp"');
    const state = await platform.program.stack.exportStack();
    // Write the state as the slug-named program left it.
    const text = JSON.stringify(state.deployment).replace(/urn:pulumi:[^"]*/g, (urn) => urn.split(`::${chirp.id}`).join("::chirp"));
    expect(text).toContain("cloudfreedom:tenant:Stack::chirp");
    await platform.program.stack.importStack({ version: state.version, deployment: JSON.parse(text) });
    clearLog();
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.create).toBeUndefined();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    expect(platform.writes()).toEqual([]);
    const after = JSON.stringify((await platform.program.stack.exportStack()).deployment);
    expect(after).toContain(`cloudfreedom:tenant:Stack::${chirp.id}`);
    expect(after).not.toContain("cloudfreedom:tenant:Stack::chirp");
  }, ENGINE_TIMEOUT);

  it("refuses a server change that would replace every service, naming the tenants, and takes the destination the services use as no change", async () => {
    const { stack } = platform.program;
    const serverUuid = (await stack.getConfig("coolifyServerUuid")).value;
    const { server } = platform.coolify.store.addServer({ name: "second", ip: "10.0.0.11" });
    await stack.setConfig("coolifyServerUuid", { value: server.uuid });
    clearLog();
    try {
      const preview = await failure(stack.preview());
      const up = await failure(stack.up());
      for (const text of [preview, up]) {
        expect(text).toMatch(/server "[a-z0-9]+" -> "[a-z0-9]+" would replace the Coolify service of 2 tenant\(s\) \(bolt-labs, chirp\)/);
        expect(text).toContain("CLOUDFREEDOM_ALLOW_REPLACE=bolt-labs,chirp pulumi up");
      }
      expect(platform.writes()).toEqual([]);
    } finally {
      await stack.setConfig("coolifyServerUuid", { value: serverUuid });
    }
    const [only] = platform.coolify.store.destinations.filter((d) => d.serverId === platform.coolify.store.servers.find((s) => s.uuid === serverUuid)!.id);
    await stack.setConfig("coolifyDestinationUuid", { value: only.uuid });
    clearLog();
    // The preview passes (no refusal); it may show bolt-labs' domain as a replace, because a dynamic resource's
    // outputs (the service uuid) are unknown in the preview of an update.
    await stack.preview();
    const up = await stack.up();
    expect(up.summary.resourceChanges?.replace).toBeUndefined();
    expect(up.summary.resourceChanges?.create).toBeUndefined();
    expect(platform.writes().filter((w) => w.method === "POST" && w.path === "/api/v1/services")).toEqual([]);
  }, ENGINE_TIMEOUT);

  it("replaces the services when CLOUDFREEDOM_ALLOW_REPLACE names their tenants: new service, old one deleted, volumes kept", async () => {
    const { stack } = platform.program;
    const env = (stack.workspace as LocalWorkspace).envVars;
    const server = platform.coolify.store.servers.find((s) => s.name === "second")!;
    const chirp = service("cf-chirp");
    await stack.setConfig("coolifyServerUuid", { value: server.uuid });
    // The destination set above is the first server's: the server check refuses it beside another server.
    const [destination] = platform.coolify.store.destinations.filter((d) => d.serverId === server.id);
    await stack.setConfig("coolifyDestinationUuid", { value: destination.uuid });
    env.CLOUDFREEDOM_ALLOW_REPLACE = "bolt-labs,chirp";
    try {
      const up = await stack.up();
      expect(up.summary.resourceChanges).toMatchObject({ replace: 3 }); // 2 services, and bolt-labs' domain with its service
    } finally {
      delete env.CLOUDFREEDOM_ALLOW_REPLACE;
    }
    expect(service("cf-chirp").uuid).not.toBe(chirp.uuid);
    expect(service("cf-chirp").serverId).toBe(server.id);
    expect(platform.coolify.store.findVolumes(chirp.uuid).every((v) => !v.removed)).toBe(true);
  }, ENGINE_TIMEOUT);
});
