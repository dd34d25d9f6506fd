// Identity through the real engine, a real PocketBase and the Coolify emulator (issue 18 items 1 and 2). Markers
// from before tenant ids are upgraded in place; the takeover: tenants A (`acme`, `chirp`) renamed while held keep
// `cf-acme` and `cf-chirp` in Coolify, and newcomers signing up with those slugs must not get A's service, data or
// generated secrets; the guard: a removed tenant whose recorded slug no longer names its service in Coolify is still
// refused. The steps share one platform and run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVISIONING_COLLECTION } from "../../lib/tenants/collections";
import { ENGINE_TIMEOUT, failure } from "../support/engine";
import { startDeployedPlatform, updateTenant, type Platform } from "../support/platform";

const MARKER_TENANT = / tenant=[a-z0-9]+/;

describe("tenant identity: marker upgrade, takeover, guard", () => {
  let platform: Platform;
  const ids: Record<string, string> = {};
  const service = (name: string) => platform.coolify.store.findServices({ name })[0];
  const clearLog = () => (platform.coolify.requests.length = 0);
  const masterKey = (name: string) => service(name).envs.find((e) => e.key === "SERVICE_PASSWORD_64_LITELLMMASTER")?.value;

  beforeAll(async () => {
    platform = await startDeployedPlatform();
    const pb = await platform.admin();
    for (const slug of ["acme", "bolt", "chirp"]) ids[slug] = (await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }))).id;
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("marks every project and service with its tenant's id, and upgrades markers from before tenant ids in place", async () => {
    for (const slug of ["acme", "bolt", "chirp"]) {
      expect(service(`cf-${slug}`).description).toContain(`tenant=${ids[slug]} project=`);
      expect(platform.coolify.store.findProjects({ name: `Tenant ${slug}` })[0].description).toContain(`tenant=${ids[slug]})`);
    }
    // Write Coolify and the state back as the code before tenant ids left them.
    for (const object of [...platform.coolify.store.findServices(), ...platform.coolify.store.findProjects()]) object.description = (object.description ?? "").replace(MARKER_TENANT, "");
    const state = await platform.program.stack.exportStack();
    const deployment = state.deployment as { resources: Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> };
    for (const resource of deployment.resources) {
      for (const props of [resource.inputs, resource.outputs]) {
        if (!props) continue;
        if (/coolify:(Service|Project)$/.test(resource.type)) delete props.tenantId;
        if (typeof props.coolifyDescription === "string") props.coolifyDescription = props.coolifyDescription.replace(MARKER_TENANT, "");
        if (!resource.type.endsWith(":TeardownGuard")) continue;
        for (const key of ["declared", "deployed"]) {
          const tenants = props[key] as Record<string, { slug: string }> | undefined;
          if (tenants) props[key] = Object.fromEntries(Object.entries(tenants).map(([id, t]) => [id, { slug: t.slug, service: `cf-${t.slug}` }]));
        }
      }
    }
    await platform.program.stack.importStack(state);

    // Only in-place updates: each project and service (its marker), the guard's state, and what reads a service's
    // outputs (unknown in a preview while the service updates). Nothing is created, replaced or deleted.
    const preview = await platform.program.stack.preview();
    expect(Object.keys(preview.changeSummary).sort()).toEqual(["same", "update"]);
    clearLog();
    const up = await platform.program.stack.up();
    expect(Object.keys(up.summary.resourceChanges ?? {}).sort()).toEqual(["same", "update"]);
    expect(platform.writes().map((w) => `${w.method} ${w.path.replace(/[a-z0-9]{24}/g, "<uuid>")}`).sort()).toEqual([
      ...Array(3).fill("PATCH /api/v1/projects/<uuid>"), ...Array(3).fill("PATCH /api/v1/services/<uuid>"),
    ]);
    for (const slug of ["acme", "bolt", "chirp"]) expect(service(`cf-${slug}`).description).toContain(`tenant=${ids[slug]} project=`);
    // The next run learns the services' uuids into the guard (state only), then nothing changes.
    await platform.program.stack.up();
    expect((await platform.program.stack.preview()).changeSummary).toEqual({ same: expect.any(Number) });
  }, 2 * ENGINE_TIMEOUT);

  it("refuses a newcomer the service of a held tenant whose old slug it took: A's service, compose and secrets stay A's", async () => {
    const pb = await platform.admin();
    const before = { acme: structuredClone(service("cf-acme")), chirp: structuredClone(service("cf-chirp")) };
    const secret = masterKey("cf-acme");
    expect(secret).toBeTruthy();
    // A renames while making its record invalid: held, so Coolify keeps cf-acme and cf-chirp.
    await updateTenant(pb, "acme", { slug: "acme-corp", template_version: "9.9.9" });
    await updateTenant(pb, "chirp", { slug: "chirp-msg", template_version: "9.9.9" });
    await failure(platform.program.stack.up());
    expect(service("cf-acme").uuid).toBe(before.acme.uuid);
    // Newcomers take the freed slugs.
    const pro = await pb.collection("plans").getFirstListItem('name = "pro"');
    const acme = await pb.collection("tenants").create({ slug: "acme", name: "New Acme", status: "active", plan: pro.id, template: "llm-stack", settings: {}, ai_router_key: "sk-test-newcomer-acme-key" });
    const chirp = await pb.collection("tenants").create({
      slug: "chirp", name: "New Chirp", status: "active", plan: pro.id, template: "telegram-bot", settings: {}, ai_router_key: "sk-test-newcomer-chirp-key",
      telegram_bot_token: "987654321:AAFakeNewcomerTokenForChirpBot00001", telegram_allow_from: ["200000001"],
    });
    clearLog();
    const up = await failure(platform.program.stack.up());
    // The bot has no domain, so no policy stands between it and the providers: its project is refused by name.
    const project = platform.coolify.store.findProjects({ name: "Tenant chirp" })[0];
    expect(up).toContain(`Coolify project "Tenant chirp" (${project.uuid}) belongs to another tenant (the tenant= of the marker in its Coolify description), not to tenant ${chirp.id}; refusing to adopt it`);
    for (const slug of ["acme", "chirp"] as const) {
      const now = service(`cf-${slug}`);
      expect(platform.coolify.store.findServices({ name: `cf-${slug}` })).toHaveLength(1);
      expect(now.uuid).toBe(before[slug].uuid);
      expect(now.dockerComposeRaw).toBe(before[slug].dockerComposeRaw);
      expect(now.envs).toEqual(before[slug].envs);
      expect(platform.writes().filter((w) => w.path.includes(now.uuid))).toEqual([]);
    }
    expect(masterKey("cf-acme")).toBe(secret);
    // Nothing of A's reaches a newcomer's write-back record.
    const records = await pb.collection(PROVISIONING_COLLECTION).getFullList();
    expect(records.filter((r) => r.tenant !== ids.acme && JSON.stringify(r).includes(secret!))).toEqual([]);
    const newcomers = records.filter((r) => r.tenant === acme.id || r.tenant === chirp.id);
    expect(newcomers.filter((r) => [before.acme.uuid, before.chirp.uuid].includes(r.coolify_service_uuid))).toEqual([]);
  }, ENGINE_TIMEOUT);

  it("refuses to tear down a tenant that vanished from PocketBase while Coolify still shows its service under its old slug's name", async () => {
    const pb = await platform.admin();
    for (const slug of ["acme", "chirp"]) {
      const newcomer = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
      await pb.collection("tenants").delete(newcomer.id);
    }
    const held = service("cf-acme");
    // A (recorded by the guard as acme-corp, its service still cf-acme in Coolify) disappears without being cancelled.
    await pb.collection("tenants").delete(ids.acme);
    clearLog();
    const preview = await failure(platform.program.stack.preview());
    const up = await failure(platform.program.stack.up());
    for (const text of [preview, up]) {
      expect(text).toContain("deployed tenant(s) acme-corp are missing from PocketBase but not cancelled; refusing to tear them down");
      expect(text).toContain("CLOUDFREEDOM_ALLOW_TEARDOWN=acme-corp pulumi up");
    }
    expect(platform.writes()).toEqual([]);
    expect(service("cf-acme")?.uuid).toBe(held.uuid);
  }, ENGINE_TIMEOUT);
});
