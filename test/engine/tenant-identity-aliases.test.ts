// The upgrade path's slug aliases through the real engine, a real PocketBase and the Coolify emulator (issue 18
// item 1): a stack whose resources are still named by slug (before ids) holds tenant A as `chirp-*`. In the run that
// upgrades it, A has been renamed while held, and newcomer C signed up as `chirp`. C's resources must not alias A's
// slug-named state (C has no write-back record: no run deployed it), so C cannot update A's project or service; its
// create would be refused by name instead (test/engine/tenant-identity.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TIMEOUT, failure } from "../support/engine";
import { startDeployedPlatform, updateTenant, type Platform } from "../support/platform";

const MARKER_TENANT = / tenant=[a-z0-9]+/;

describe("slug aliases of stacks from before ids", () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startDeployedPlatform();
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("never hand a held tenant's slug-named resources to a newcomer who took its slug", async () => {
    const pb = await platform.admin();
    const a = await pb.collection("tenants").getFirstListItem('slug = "chirp"');
    const before = structuredClone(platform.coolify.store.findServices({ name: "cf-chirp" })[0]);
    const projectA = platform.coolify.store.findProjects({ name: "Tenant chirp" })[0];
    // Write A's state and markers back as the slug-named program before tenant ids left them.
    const state = await platform.program.stack.exportStack();
    const deployment = JSON.parse(JSON.stringify(state.deployment).replace(/urn:pulumi:[^"]*/g, (urn) => urn.split(`::${a.id}`).join("::chirp")));
    for (const resource of deployment.resources as Array<{ type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }>) {
      for (const props of [resource.inputs, resource.outputs]) {
        if (props && /coolify:(Service|Project)$/.test(resource.type)) delete props.tenantId;
        if (props && typeof props.coolifyDescription === "string") props.coolifyDescription = props.coolifyDescription.replace(MARKER_TENANT, "");
      }
    }
    expect(JSON.stringify(deployment)).toContain("cloudfreedom:tenant:Stack::chirp");
    await platform.program.stack.importStack({ version: state.version, deployment });
    for (const object of [...platform.coolify.store.findServices(), ...platform.coolify.store.findProjects()]) object.description = (object.description ?? "").replace(MARKER_TENANT, "");

    await updateTenant(pb, "chirp", { slug: "chirp-msg", template_version: "9.9.9" });
    const pro = await pb.collection("plans").getFirstListItem('name = "pro"');
    const c = await pb.collection("tenants").create({
      slug: "chirp", name: "New Chirp", status: "active", plan: pro.id, template: "telegram-bot", settings: {}, ai_router_key: "sk-test-newcomer-chirp-key",
      telegram_bot_token: "987654321:AAFakeNewcomerTokenForChirpBot00001", telegram_allow_from: ["200000001"],
    });
    platform.coolify.requests.length = 0;
    const up = await failure(platform.program.stack.up());

    // C's resources are new ones (a create, refused by name if it gets that far), never updates of A's state.
    expect(up).not.toMatch(new RegExp(`${c.id}-(project|service) updat`));
    const after = platform.coolify.store.findServices({ name: "cf-chirp" });
    expect(after.map((s) => s.uuid)).toEqual([before.uuid]);
    expect(after[0].dockerComposeRaw).toBe(before.dockerComposeRaw);
    expect(after[0].envs).toEqual(before.envs);
    expect(platform.writes().filter((w) => w.path.includes(before.uuid) || w.path.includes(projectA.uuid))).toEqual([]);
    expect(platform.coolify.store.findProjects({ name: "Tenant chirp" }).map((p) => [p.uuid, p.description])).toEqual([[projectA.uuid, projectA.description]]);
    expect(platform.writes().filter((w) => w.method === "DELETE")).toEqual([]);
  }, 2 * ENGINE_TIMEOUT);
});
