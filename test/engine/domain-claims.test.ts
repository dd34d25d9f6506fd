// Host claims by tenant id through the real engine, a real PocketBase and the Coolify emulator: a host still
// routed to a tenant (the URLs on its write-back record, held or not) stays that tenant's, so a newcomer that signs
// up with a freed slug cannot take `<slug>.<baseDomain>` until the old tenant's change has been applied.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TIMEOUT, failure } from "../support/engine";
import { provisioningRecordOf, startDeployedPlatform, updateTenant, type Platform } from "../support/platform";

const HOST = "bolt.agents.cloudfreedom.test";

describe("hosts still routed to a tenant are claimed by its id", () => {
  let platform: Platform;
  const service = (name: string) => platform.coolify.store.findServices({ name })[0];
  const fqdnOf = (name: string) => service(name)?.applications.find((a) => a.fqdn)?.fqdn;
  const clearLog = () => (platform.coolify.requests.length = 0);

  beforeAll(async () => {
    platform = await startDeployedPlatform();
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("refuses a newcomer with a freed slug while the old host still routes to the held tenant that had it, naming nobody", async () => {
    const pb = await platform.admin();
    const old = service("cf-bolt");
    const oldFqdn = fqdnOf("cf-bolt");
    expect(oldFqdn).toBe(`https://${HOST}:8080`);
    // bolt renames to bolt-labs in an edit that also makes it invalid: it is held, its service keeps routing HOST.
    await updateTenant(pb, "bolt", { slug: "bolt-labs", telegram_allow_from: ["@bob"] });
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({ slug: "bolt", name: "Bolt Newco", status: "active", plan: starter.id, template: "openclaw", ai_router_key: "sk-newco-router-key-not-real-0009" });
    clearLog();
    const up = await failure(platform.program.stack.up());
    expect(up).toContain(`tenant "bolt": slug: its host "${HOST}" still routes to another tenant's service`);
    expect(up).not.toMatch(/bolt-labs"?'s|tenant "bolt-labs": slug/);
    expect(platform.writes().filter((w) => w.method === "POST" && w.path === "/api/v1/services")).toEqual([]);
    expect(service("cf-bolt").uuid).toBe(old.uuid);
    expect(fqdnOf("cf-bolt")).toBe(oldFqdn);
    expect((await provisioningRecordOf(pb, "bolt-labs")).urls).toEqual({ primary: `https://${HOST}` });
  }, ENGINE_TIMEOUT);

  it("gives the newcomer the host once the old tenant's rename has been applied and its record no longer routes it", async () => {
    const pb = await platform.admin();
    const old = service("cf-bolt");
    await updateTenant(pb, "bolt-labs", { telegram_allow_from: [] });
    // The rename is applied in this run; the host counts as the old tenant's until its record says otherwise.
    await failure(platform.program.stack.up());
    expect(service("cf-bolt-labs").uuid).toBe(old.uuid);
    expect(fqdnOf("cf-bolt-labs")).toBe("https://bolt-labs.agents.cloudfreedom.test:8080");
    expect((await provisioningRecordOf(pb, "bolt-labs")).urls).toEqual({ primary: "https://bolt-labs.agents.cloudfreedom.test" });
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.delete).toBeUndefined();
    const newco = service("cf-bolt");
    expect(newco.uuid).not.toBe(old.uuid);
    expect(fqdnOf("cf-bolt")).toBe(`https://${HOST}:8080`);
  }, ENGINE_TIMEOUT);
});
