// A held tenant through the real engine, a real PocketBase and the Coolify emulator: a field of its own row that does
// not parse (a Telegram id typed as @bob) holds that tenant alone, and the hold freezes only its own inputs: the
// platform's decisions (suspend, reactivate, a plan's lower limits, a rotated router key) still reach its service.
// The steps share one platform and run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisioningRecordOf, startDeployedPlatform, updateTenant, type Platform } from "../support/platform";
import { ENGINE_TIMEOUT, failure } from "../support/engine";

describe("a held tenant", () => {
  let platform: Platform;
  const service = (name: string) => platform.coolify.store.findServices({ name })[0];
  const clearLog = () => (platform.coolify.requests.length = 0);
  const recordOf = async (slug: string) => provisioningRecordOf(await platform.admin(), slug);
  const writesTo = (uuid: string) => platform.writes().filter((w) => w.path.includes(uuid));

  beforeAll(async () => {
    platform = await startDeployedPlatform();
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("is held alone for a Telegram id typed as @bob: the others converge, the run fails naming it, nothing is deleted", async () => {
    const bolt = service("cf-bolt");
    await updateTenant(await platform.admin(), "bolt", { telegram_allow_from: ["@bob"] });
    clearLog();
    const up = await failure(platform.program.stack.up());
    expect(up).toContain("1 tenant(s) did not converge");
    expect(up).toMatch(/- bolt: held: tenant "bolt": telegram_allow_from\[0\]: must be numeric Telegram user ids/);
    expect(writesTo(bolt.uuid)).toEqual([]);
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
    const record = await recordOf("bolt");
    expect(record.status).toBe("held");
    expect(record.status_reason).toMatch(/^held: tenant "bolt": telegram_allow_from\[0\]/);
    expect(record.coolify_service_uuid).toBe(bolt.uuid);
  }, ENGINE_TIMEOUT);

  it("is stopped when suspended while held, with no other write to its service, and started when reactivated", async () => {
    const bolt = service("cf-bolt");
    const compose = bolt.dockerComposeRaw;
    await updateTenant(await platform.admin(), "bolt", { status: "suspended" });
    clearLog();
    const suspended = await failure(platform.program.stack.up());
    expect(suspended).toMatch(/- bolt: held: /);
    expect(writesTo(bolt.uuid)).toEqual([{ method: "POST", path: `/api/v1/services/${bolt.uuid}/stop` }]);
    expect(service("cf-bolt").dockerComposeRaw).toBe(compose);
    expect(service("cf-bolt").uuid).toBe(bolt.uuid);
    expect((await recordOf("bolt")).status).toBe("held");

    await updateTenant(await platform.admin(), "bolt", { status: "active" });
    clearLog();
    await failure(platform.program.stack.up());
    expect(writesTo(bolt.uuid)).toEqual([{ method: "POST", path: `/api/v1/services/${bolt.uuid}/start` }]);
    expect(service("cf-bolt").dockerComposeRaw).toBe(compose);
  }, ENGINE_TIMEOUT);

  it("gets its plan's lower limits and a rotated router key while held, and none of its own edits", async () => {
    const bolt = service("cf-bolt");
    expect(bolt.dockerComposeRaw).toContain("memory: 2048M");
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("plans").update(starter.id, { limits: { openclaw: { cpus: 0.5, memoryMb: 1536 } } });
    await updateTenant(pb, "bolt", { ai_router_key: "sk-test-bolt-rotated-key-0002", settings: { timezone: "Europe/Berlin" } });
    clearLog();
    const up = await failure(platform.program.stack.up());
    expect(up).toMatch(/- bolt: held: tenant "bolt": telegram_allow_from\[0\]/);
    const after = service("cf-bolt");
    expect(after.uuid).toBe(bolt.uuid);
    expect(after.dockerComposeRaw).toContain("memory: 1536M");
    expect(after.dockerComposeRaw).not.toContain("Europe/Berlin");
    expect(after.envs.find((e) => e.key === "CF_AI_ROUTER_KEY")?.value).toBe("sk-test-bolt-rotated-key-0002");
    expect(writesTo(bolt.uuid)).toContainEqual({ method: "POST", path: `/api/v1/services/${bolt.uuid}/restart` });
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
    expect((await recordOf("bolt")).status).toBe("held");
  }, ENGINE_TIMEOUT);

  it("converges again once its row is corrected", async () => {
    await updateTenant(await platform.admin(), "bolt", { telegram_allow_from: [] });
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.create).toBeUndefined();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    const record = await recordOf("bolt");
    expect([record.status, record.status_reason]).toEqual(["running:healthy", ""]);
    // Its own edit made while held reaches it now (and the compose text shows it, so the check above is no blind spot).
    expect(service("cf-bolt").dockerComposeRaw).toContain("Europe/Berlin");
  }, ENGINE_TIMEOUT);

  it("is refused, never created, when this stack lost its service (deleted out of band, dropped by a refresh)", async () => {
    const bolt = service("cf-bolt");
    await updateTenant(await platform.admin(), "bolt", { telegram_allow_from: ["@bob"] });
    expect(platform.coolify.store.deleteServiceOutOfBand(bolt.uuid)).toBe(true);
    await platform.program.stack.refresh();
    clearLog();
    const up = await failure(platform.program.stack.up());
    expect(up).toMatch(/tenant bolt is held \(its record is invalid\) and this stack has no applied spec of its service: refused, nothing is created or adopted/);
    expect(platform.writes().filter((w) => w.path === "/api/v1/services" || w.path.includes(bolt.uuid))).toEqual([]);
    expect(platform.coolify.store.findServices({ name: "cf-bolt" })).toHaveLength(0);
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
  }, ENGINE_TIMEOUT);
});
