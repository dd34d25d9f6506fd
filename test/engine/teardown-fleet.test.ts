// A fleet of 20 tenants through the real engine, a real PocketBase and the Coolify emulator: removals approved
// by a run that then failed still count against the next run's budget until their services are really gone,
// and one unhealthy, invalid or never-deployable tenant never stops the others. The steps run in order.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { PROVISIONING_COLLECTION } from "../../lib/tenants/collections";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlatform, updateTenant, type Platform } from "../support/platform";
import { ENGINE_TIMEOUT, failure } from "../support/engine";

const FLEET = Array.from({ length: 17 }, (_, i) => `fl${String(i + 1).padStart(2, "0")}`);

describe("teardown across failed runs, and isolation within a run, for a fleet of 20", () => {
  let platform: Platform;
  const services = () => platform.coolify.store.findServices().map((s) => s.name);
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];
  const env = () => (platform.program.stack.workspace as LocalWorkspace).envVars;
  const clearLog = () => (platform.coolify.requests.length = 0);
  const deletes = () => platform.writes().filter((w) => w.method === "DELETE");

  beforeAll(async () => {
    platform = await startPlatform({ config: { teardownGraceDays: "0", healthTimeoutSeconds: "3" } });
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    for (const slug of FLEET) {
      await pb.collection("tenants").create({ slug, name: `Fleet ${slug}`, status: "active", plan: starter.id, template: "openclaw", settings: {}, ai_router_key: `sk-test-${slug}-router-key` });
    }
    const up = await platform.program.stack.up();
    // 20 tenants x (component, project, service, record) + 19 domains (the bot has none) + guard + stack.
    expect(up.summary.resourceChanges).toEqual({ create: 101 });
    expect(services()).toHaveLength(20);
  }, 2 * ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("cancels 2 while a third turns unhealthy: the up fails at its end, the others converge, nothing is deleted", async () => {
    const pb = await platform.admin();
    const pro = await pb.collection("plans").getFirstListItem('name = "pro"');
    await updateTenant(pb, "fl01", { status: "cancelled" });
    await updateTenant(pb, "fl02", { status: "cancelled" });
    await updateTenant(pb, "fl03", { plan: pro.id });
    await updateTenant(pb, "fl04", { plan: pro.id });
    platform.coolify.faults.markContainer("openclaw", "unhealthy", service("fl03").uuid);
    clearLog();
    const up = await failure(platform.program.stack.up());
    expect(up).toContain("1 tenant(s) did not converge; every other tenant did, and no tenant was deleted in this run");
    expect(up).toMatch(/- fl03: Coolify service "cf-fl03" did not become running:healthy within 3s \(status running:unhealthy/);
    expect(deletes()).toEqual([]);
    expect(services()).toHaveLength(20);
    // fl04's upgrade went through beside the unhealthy fl03, and fl03's record says what is wrong.
    expect(platform.writes()).toContainEqual({ method: "POST", path: `/api/v1/services/${service("fl04").uuid}/restart` });
    const fl03 = await pb.collection("tenants").getFirstListItem('slug = "fl03"');
    const record = await pb.collection(PROVISIONING_COLLECTION).getFirstListItem(pb.filter("tenant = {:id}", { id: fl03.id }));
    expect(record.status).toBe("running:unhealthy");
    expect(record.status_reason).toContain("did not become running:healthy");
  }, ENGINE_TIMEOUT);

  it("refuses the next run that cancels 2 more, naming all 4 removals against the budget of 2", async () => {
    platform.coolify.faults.clearContainer("openclaw", service("fl03").uuid);
    const pb = await platform.admin();
    await updateTenant(pb, "fl05", { status: "cancelled" });
    await updateTenant(pb, "fl06", { status: "cancelled" });
    clearLog();
    const preview = await failure(platform.program.stack.preview());
    const up = await failure(platform.program.stack.up());
    for (const text of [preview, up]) {
      expect(text).toContain("this run would tear down 4 tenants (fl01, fl02, fl05, fl06), over the budget of 2");
      expect(text).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=fl01,fl02,fl05,fl06 pulumi up");
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toHaveLength(20);
  }, ENGINE_TIMEOUT);

  it("tears the 4 down when allowed, and then forgets them: the next single cancellation is within budget", async () => {
    env().CLOUDFREEDOM_ALLOW_TEARDOWN = "fl01,fl02,fl05,fl06";
    try {
      const up = await platform.program.stack.up();
      expect(up.summary.resourceChanges?.delete).toBe(20); // 4 x (component, project, service, domain, record)
    } finally {
      delete env().CLOUDFREEDOM_ALLOW_TEARDOWN;
    }
    expect(services()).toHaveLength(16);
    expect(services()).not.toEqual(expect.arrayContaining(["cf-fl01"]));
    await updateTenant(await platform.admin(), "fl07", { status: "cancelled" });
    const up = await platform.program.stack.up();
    expect(up.summary.resourceChanges?.delete).toBe(5);
    expect(services()).toHaveLength(15);
  }, ENGINE_TIMEOUT);

  it("holds a tenant that became invalid, refuses a never-deployed invalid one, and converges every other tenant", async () => {
    const pb = await platform.admin();
    const pro = await pb.collection("plans").getFirstListItem('name = "pro"');
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    const held = service("fl08");
    await updateTenant(pb, "fl08", { template_version: "9.9.9" });
    await updateTenant(pb, "fl09", { plan: pro.id });
    await pb.collection("tenants").create({
      slug: "fresh", name: "Fresh", status: "active", plan: starter.id, template: "openclaw", template_version: "9.9.9", settings: {}, ai_router_key: "sk-test-fresh-router-key",
    });
    const preview = await platform.program.stack.preview();
    expect(preview.stdout + preview.stderr).toContain("tenant fl08 is held at its last applied spec");
    expect(preview.changeSummary.delete).toBeUndefined();
    clearLog();
    const up = await failure(platform.program.stack.up());
    expect(up).toContain("2 tenant(s) did not converge");
    expect(up).toMatch(/- fl08: held: .*9\.9\.9/);
    expect(up).toMatch(/- fresh: refused \(never deployed\): .*9\.9\.9/);
    // fl08: same service, untouched; fresh: nothing created; fl09: upgraded.
    expect(service("fl08").uuid).toBe(held.uuid);
    expect(platform.writes().filter((w) => w.path.includes(held.uuid))).toEqual([]);
    expect(services()).not.toContain("cf-fresh");
    expect(platform.writes()).toContainEqual({ method: "POST", path: `/api/v1/services/${service("fl09").uuid}/restart` });
    expect(deletes()).toEqual([]);
    const fl08 = await pb.collection("tenants").getFirstListItem('slug = "fl08"');
    const record = await pb.collection(PROVISIONING_COLLECTION).getFirstListItem(pb.filter("tenant = {:id}", { id: fl08.id }));
    expect(record.status).toBe("held");
    expect(record.status_reason).toMatch(/^held: .*9\.9\.9/);
    expect(record.coolify_service_uuid).toBe(held.uuid);
  }, ENGINE_TIMEOUT);
});
