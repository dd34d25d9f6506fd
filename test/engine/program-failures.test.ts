// How the program fails, end to end: a real PocketBase, the real engine, the Coolify emulator. Every
// refusal must leave Coolify untouched (the emulator logs no write), and nothing may be torn down for
// lack of a tenant list. Runs in order on one platform: the first up deploys acme, bolt and chirp.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceStatus } from "../../emulator/model/status";
import { DEMO_BOT_TOKEN } from "../../pocketbase/seed";
import { startDeployedPlatform, updateTenant, type Platform } from "../support/platform";
import { ENGINE_TIMEOUT, failure } from "../support/engine";

const SERVICES = ["cf-acme", "cf-bolt", "cf-chirp"];

describe("the program's failure modes against PocketBase and Coolify", () => {
  let platform: Platform;
  const services = () => platform.coolify.store.findServices().map((s) => s.name).sort();
  const clearLog = () => (platform.coolify.requests.length = 0);

  beforeAll(async () => {
    platform = await startDeployedPlatform();
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("refuses preview and up while PocketBase is down, without a write to Coolify", async () => {
    clearLog();
    await platform.pocketbase.stop();
    try {
      const preview = await failure(platform.program.stack.preview());
      const up = await failure(platform.program.stack.up());
      for (const text of [preview, up]) {
        expect(text).toContain("PocketBase tenant source failed [unreachable]");
        expect(text).toContain("no answer from PocketBase at");
        expect(text).not.toContain(platform.pocketbase.password);
      }
    } finally {
      await platform.pocketbase.restart();
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);
  }, ENGINE_TIMEOUT);

  it("lists every missing config key with its pulumi config set command, before any Coolify request", async () => {
    const { stack } = platform.program;
    const serverUuid = (await stack.getConfig("coolifyServerUuid")).value;
    const routerKey = (await stack.getConfig("aiRouterKey")).value;
    await stack.removeConfig("coolifyServerUuid");
    await stack.removeConfig("aiRouterKey");
    // The shared key is needed only as the fallback for tenants without their own.
    await stack.setConfig("sharedRouterKeyFallback", { value: "true" });
    clearLog();
    try {
      const preview = await failure(stack.preview());
      const up = await failure(stack.up());
      for (const text of [preview, up]) {
        expect(text).toContain("Stack configuration is incomplete");
        expect(text).toContain("coolifyServers is missing (or the older coolifyServerUuid): pulumi config set coolifyServers ");
        expect(text).toContain("aiRouterKey is missing: pulumi config set --secret aiRouterKey ");
        expect(text).not.toMatch(/(coolifyUrl|baseDomain|pocketbaseUrl|coolifyToken|pocketbasePassword) is missing/);
      }
    } finally {
      await stack.setConfig("coolifyServerUuid", { value: serverUuid });
      await stack.setConfig("aiRouterKey", { value: routerKey, secret: true });
      await stack.removeConfig("sharedRouterKeyFallback");
    }
    expect(platform.coolify.requests).toEqual([]);
  }, ENGINE_TIMEOUT);

  it("holds only a telegram-bot tenant whose bot token was cleared, naming it and the field, touching no service", async () => {
    await updateTenant(await platform.admin(), "chirp", { telegram_bot_token: "" });
    clearLog();
    try {
      const up = await failure(platform.program.stack.up());
      expect(up).toContain("1 tenant(s) did not converge");
      expect(up).toContain('- chirp: held: tenant "chirp": telegram_bot_token: a active telegram-bot tenant needs one');
      expect(up).not.toContain("PocketBase tenant source failed");
    } finally {
      await updateTenant(await platform.admin(), "chirp", { telegram_bot_token: DEMO_BOT_TOKEN });
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);
  }, ENGINE_TIMEOUT);

  it("stops on a tenant whose slug is not DNS-safe, naming it and the field, touching no tenant", async () => {
    // The schema's pattern stops bad slugs at the API, so write one straight into SQLite.
    const db = new DatabaseSync(join(platform.pocketbase.dataDir, "data.db"));
    db.exec("PRAGMA busy_timeout = 5000");
    const setSlug = db.prepare("UPDATE tenants SET slug = ? WHERE slug = ?");
    clearLog();
    try {
      setSlug.run("Bolt_Labs", "bolt");
      const up = await failure(platform.program.stack.up());
      expect(up).toContain('(tenant "Bolt_Labs", field "slug")');
      expect(up).toContain("slug must match");
    } finally {
      setSlug.run("bolt", "Bolt_Labs");
      db.close();
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);
  }, ENGINE_TIMEOUT);

  it("stops a suspended tenant's service and keeps its resources", async () => {
    await updateTenant(await platform.admin(), "bolt", { status: "suspended" });
    clearLog();
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    expect(up.summary.resourceChanges?.create).toBeUndefined();
    const bolt = platform.coolify.store.findServices({ name: "cf-bolt" })[0];
    expect(serviceStatus(bolt, () => undefined)).toBe("exited");
    expect(up.outputs.tenants.value.bolt.status).toBe("exited");
    expect(platform.writes()).toContainEqual({ method: "POST", path: `/api/v1/services/${bolt.uuid}/stop` });
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
    expect(platform.writes().every((w) => w.path.includes(bolt.uuid))).toBe(true);
    expect(services()).toEqual(SERVICES);
    expect(platform.coolify.store.findVolumes(bolt.uuid).every((v) => !v.removed)).toBe(true);
  }, ENGINE_TIMEOUT);

  it("refuses to tear down a tenant that vanished from PocketBase without being cancelled, unless allowed", async () => {
    const pb = await platform.admin();
    const acme = await pb.collection("tenants").getFirstListItem('slug = "acme"');
    // The write-back record refers to the tenant by text id, so the tenant goes while its record stays.
    await pb.collection("tenants").delete(acme.id);
    clearLog();
    const preview = await failure(platform.program.stack.preview());
    const up = await failure(platform.program.stack.up());
    for (const text of [preview, up]) {
      expect(text).toContain("deployed tenant(s) acme are missing from PocketBase but not cancelled");
      expect(text).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=acme pulumi up");
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);

    const service = platform.coolify.store.findServices({ name: "cf-acme" })[0];
    const env = (platform.program.stack.workspace as LocalWorkspace).envVars;
    env.CLOUDFREEDOM_ALLOW_TEARDOWN = "acme";
    try {
      const allowed = await platform.program.stack.up();
      // acme's component, project, service, domain and record.
      expect(allowed.summary.resourceChanges).toMatchObject({ delete: 5 });
    } finally {
      delete env.CLOUDFREEDOM_ALLOW_TEARDOWN;
    }
    expect(services()).toEqual(["cf-bolt", "cf-chirp"]);
    expect(await pb.collection("agent_provisioning").getFullList({ filter: pb.filter("tenant = {:id}", { id: acme.id }) })).toEqual([]);
    const deletes = platform.writes().filter((w) => w.method === "DELETE");
    expect(deletes.map((w) => w.path)).toEqual(expect.arrayContaining([`/api/v1/services/${service.uuid}`]));
    expect(deletes.every((w) => !w.path.startsWith("/api/v1/services/") || w.path.includes(service.uuid))).toBe(true);
  }, ENGINE_TIMEOUT);
});
