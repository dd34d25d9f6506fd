import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import PocketBase, { BaseAuthStore } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TENANT_VIEW, PROVISIONING_COLLECTION, PROVISIONING_RUNS_COLLECTION } from "../../../lib/tenants/collections";
import { loadTenants } from "../../../lib/tenants/load";
import { OPTIONAL_VIEW_FIELDS, TENANT_VIEW_FIELDS } from "../../../lib/tenants/view-fields";
import { DEMO_BOT_TOKEN, DEMO_ROUTER_KEYS, seedDemo } from "../../../pocketbase/seed";
import { startPocketBase, type PocketBaseInstance } from "../../../pocketbase/local-server";

let server: PocketBaseInstance;
let admin: PocketBase;

beforeAll(async () => {
  server = await startPocketBase();
  admin = new PocketBase(server.url, new BaseAuthStore());
  admin.autoCancellation(false);
  await admin.collection("_superusers").authWithPassword(server.email, server.password);
});

afterAll(async () => {
  await server?.stop();
});

async function counts(): Promise<[number, number]> {
  const plans = await admin.collection("plans").getList(1, 1);
  const tenants = await admin.collection("tenants").getList(1, 1);
  return [plans.totalItems, tenants.totalItems];
}

describe("demo seed", () => {
  it("creates three plans and one active tenant per template that the loader accepts", async () => {
    await seedDemo(admin);
    expect(await counts()).toEqual([3, 3]);
    const tenants = await loadTenants(server);
    expect(tenants.map((tenant) => [tenant.slug, tenant.template, tenant.plan.tier, tenant.status])).toEqual([
      ["acme", "llm-stack", "pro", "active"],
      ["bolt", "openclaw", "starter", "active"],
      ["chirp", "telegram-bot", "business", "active"],
    ]);
    expect(tenants[2]?.secrets.telegramBotToken).toBe(DEMO_BOT_TOKEN);
    // Each tenant has its own AI Router key (hidden field, read as superuser).
    expect(tenants.map((tenant) => tenant.routerKey)).toEqual([DEMO_ROUTER_KEYS.acme, DEMO_ROUTER_KEYS.bolt, DEMO_ROUTER_KEYS.chirp]);
    expect(new Set(tenants.map((tenant) => tenant.routerKey)).size).toBe(3);
  });

  it("is idempotent: seeding again keeps the same records", async () => {
    const first = await seedDemo(admin);
    const second = await seedDemo(admin);
    expect(second).toEqual(first);
    expect(await counts()).toEqual([3, 3]);
  });

  it("runs from the command line against the same records", async () => {
    const before = await seedDemo(admin);
    const seedScript = resolve(__dirname, "../../../pocketbase/seed.ts");
    const { stdout } = await promisify(execFile)("tsx", [seedScript, "--url", server.url, "--email", server.email], {
      env: { ...process.env, POCKETBASE_PASSWORD: server.password },
    });
    expect(stdout).toContain("Seeded 3 plans and 3 tenants");
    expect(stdout).not.toContain(server.password);
    expect(await seedDemo(admin)).toEqual(before);
    expect(await counts()).toEqual([3, 3]);
  });
});

describe("the demo's schema (pocketbase/demo-migrations) with the product's collections (pocketbase/migrations)", () => {
  const tenant = (slug: string, plan: string) => ({ slug, name: "x", status: "active", plan, template: "openclaw" });

  it("rejects a slug that is not DNS-safe and a duplicate slug", async () => {
    const starter = (await admin.collection("plans").getFirstListItem('name = "starter"')).id;
    for (const slug of ["Bad_Slug", "-lead", "ab", "trail-", "a".repeat(33)]) {
      await expect(admin.collection("tenants").create(tenant(slug, starter)), slug).rejects.toMatchObject({
        status: 400,
        response: { data: { slug: expect.anything() } },
      });
    }
    await expect(admin.collection("tenants").create(tenant("acme", starter))).rejects.toMatchObject({
      response: { data: { slug: { code: "validation_not_unique" } } },
    });
  });

  it("requires a plan and rejects a duplicate plan name", async () => {
    await expect(admin.collection("tenants").create({ slug: "no-plan", name: "x", status: "active", template: "openclaw" })).rejects.toMatchObject({
      response: { data: { plan: expect.anything() } },
    });
    await expect(admin.collection("plans").create({ name: "starter", tier: "starter" })).rejects.toMatchObject({
      response: { data: { name: { code: "validation_not_unique" } } },
    });
  });

  it("keeps every collection superuser-only and hides the secret fields, in the view too", async () => {
    for (const name of ["plans", "tenants", DEFAULT_TENANT_VIEW, PROVISIONING_COLLECTION, PROVISIONING_RUNS_COLLECTION]) {
      const collection = await admin.collections.getOne(name);
      const rules = [collection.listRule, collection.viewRule, collection.createRule, collection.updateRule, collection.deleteRule];
      expect(rules, name).toEqual([null, null, null, null, null]);
    }
    const hidden = async (collection: string) =>
      (await admin.collections.getOne(collection)).fields.filter((field) => field.hidden).map((field) => field.name).sort();
    expect(await hidden("tenants")).toEqual(["ai_router_key", "telegram_bot_token"]);
    expect(await hidden(DEFAULT_TENANT_VIEW)).toEqual(["ai_router_key", "telegram_bot_token"]);
    expect(await hidden(PROVISIONING_COLLECTION)).toEqual(["applied_spec", "credentials"]);
    const anonymous = new PocketBase(server.url, new BaseAuthStore());
    await expect(anonymous.collection("tenants").getList(1, 1)).rejects.toMatchObject({ status: 403 });
    await expect(anonymous.collection(DEFAULT_TENANT_VIEW).getList(1, 1)).rejects.toMatchObject({ status: 403 });
  });

  it("has a tenant view with exactly the columns the loader reads, typed as it accepts them", async () => {
    const view = await admin.collections.getOne(DEFAULT_TENANT_VIEW);
    expect(view.type).toBe("view");
    // Plus the optional columns the loader reads when present (rollout_ring).
    expect(view.fields.map((field) => field.name)).toEqual([...TENANT_VIEW_FIELDS.map((spec) => spec.name), ...OPTIONAL_VIEW_FIELDS]);
    for (const spec of TENANT_VIEW_FIELDS) {
      expect(spec.types, spec.name).toContain(view.fields.find((field) => field.name === spec.name)?.type);
    }
  });
});
