import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import PocketBase, { BaseAuthStore } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTenants } from "../../../lib/tenants/load";
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

describe("PocketBase schema from pocketbase/migrations", () => {
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

  it("keeps every collection superuser-only and hides the secret fields", async () => {
    for (const name of ["plans", "tenants", "provisioning"]) {
      const collection = await admin.collections.getOne(name);
      expect([collection.listRule, collection.viewRule, collection.createRule, collection.updateRule, collection.deleteRule], name).toEqual([null, null, null, null, null]);
    }
    const hidden = async (collection: string) =>
      (await admin.collections.getOne(collection)).fields.filter((field) => field.hidden).map((field) => field.name);
    expect(await hidden("tenants")).toEqual(["telegram_bot_token", "ai_router_key"]);
    expect(await hidden("provisioning")).toEqual(["credentials"]);
    const anonymous = new PocketBase(server.url, new BaseAuthStore());
    await expect(anonymous.collection("tenants").getList(1, 1)).rejects.toMatchObject({ status: 403 });
  });
});
