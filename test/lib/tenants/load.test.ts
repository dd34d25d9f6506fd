import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import PocketBase, { BaseAuthStore } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTenants } from "../../../lib/tenants/load";
import { startPocketBase, type PocketBaseInstance } from "../../../pocketbase/local-server";
import { expectSourceError } from "./expect-source-error";
import { startRewritingProxy, type Rewrite } from "./rewriting-proxy";

const TENANT_COUNT = 23;
const SLUGS = Array.from({ length: TENANT_COUNT }, (_, i) => `tenant-${String(i + 1).padStart(2, "0")}`);

let server: PocketBaseInstance;
let admin: PocketBase;
let proxy: Awaited<ReturnType<typeof startRewritingProxy>>;
let miniPlanId: string;
let proPlanId: string;

beforeAll(async () => {
  server = await startPocketBase();
  admin = new PocketBase(server.url, new BaseAuthStore());
  admin.autoCancellation(false);
  await admin.collection("_superusers").authWithPassword(server.email, server.password);
  const all = ["openclaw", "telegram-bot", "llm-stack"];
  proPlanId = (await admin.collection("plans").create({ name: "pro", tier: "pro", allowed_templates: all, models: ["m"] })).id;
  miniPlanId = (await admin.collection("plans").create({ name: "mini", tier: "starter", allowed_templates: ["openclaw"] })).id;
  // Created in reverse so the loader's sort by slug is observable (it pages by id).
  for (const slug of [...SLUGS].reverse()) {
    await admin.collection("tenants").create({ slug, name: slug, status: "active", plan: proPlanId, template: "llm-stack" });
  }
  proxy = await startRewritingProxy(server.url);
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

/** Runs `body` with the proxy rewriting answers, then restores pass-through. */
async function withRewrite<T>(rewrite: Rewrite, body: () => Promise<T>): Promise<T> {
  proxy.setRewrite(rewrite);
  try {
    return await body();
  } finally {
    proxy.setRewrite((_request, response) => response);
  }
}

function isTenantPage(path: string, page: number): boolean {
  return path.startsWith("/api/collections/agent_tenants/records") && new URL(path, "http://x").searchParams.get("page") === String(page);
}

/** Creates a tenant for one test and deletes it afterwards. */
async function withTenant<T>(fields: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
  const created = await admin.collection("tenants").create({ name: "extra", status: "active", plan: proPlanId, ...fields });
  try {
    return await body();
  } finally {
    await admin.collection("tenants").delete(created.id);
  }
}

describe("loadTenants against a real PocketBase", () => {
  it("reads every page and returns exactly totalItems tenants, sorted by slug", async () => {
    const pages: string[] = [];
    const counting: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes("/collections/agent_tenants/records")) pages.push(new URL(url).searchParams.get("page") ?? "?");
      return fetch(input, init);
    };
    const tenants = await loadTenants({ ...server, pageSize: 5, fetch: counting });
    const { totalItems } = await admin.collection("tenants").getList(1, 1);
    expect(totalItems).toBe(TENANT_COUNT);
    expect(tenants).toHaveLength(totalItems);
    expect(tenants.map((tenant) => tenant.slug)).toEqual(SLUGS);
    expect(pages).toEqual(["1", "2", "3", "4", "5"]);
    expect(tenants[0]?.plan).toMatchObject({ id: proPlanId, name: "pro", tier: "pro", models: ["m"] });
  });

  it("reads a page size equal to the tenant count in one page", async () => {
    expect(await loadTenants({ ...server, pageSize: TENANT_COUNT })).toHaveLength(TENANT_COUNT);
  });

  it("fails with short-read when a proxy drops a record from a middle page", async () => {
    const drop: Rewrite = (request, response) => {
      if (!isTenantPage(request.path, 2)) return response;
      const body = JSON.parse(response.body) as { items: unknown[] };
      return { ...response, body: JSON.stringify({ ...body, items: body.items.slice(0, -1) }) };
    };
    const error = await withRewrite(drop, () => expectSourceError(loadTenants({ ...server, url: proxy.url, pageSize: 5 }), "short-read", [server.password]));
    expect(error.message).toContain("page 2 held 4 tenants, expected 5");
  });

  it("fails with short-read when the last page is empty although totalItems promises more", async () => {
    const empty: Rewrite = (request, response) => {
      if (!isTenantPage(request.path, 5)) return response;
      const body = JSON.parse(response.body) as Record<string, unknown>;
      return { ...response, body: JSON.stringify({ ...body, items: [] }) };
    };
    await withRewrite(empty, () => expectSourceError(loadTenants({ ...server, url: proxy.url, pageSize: 5 }), "short-read", [server.password]));
  });

  it("fails with short-read when totalItems changes between pages", async () => {
    const grow: Rewrite = (request, response) => {
      if (!isTenantPage(request.path, 3)) return response;
      const body = JSON.parse(response.body) as Record<string, unknown>;
      return { ...response, body: JSON.stringify({ ...body, totalItems: TENANT_COUNT + 1 }) };
    };
    const error = await withRewrite(grow, () => expectSourceError(loadTenants({ ...server, url: proxy.url, pageSize: 5 }), "short-read", [server.password]));
    expect(error.message).toContain("totalItems changed from 23 to 24");
  });

  it("fails with http when PocketBase answers 500 on a later page", async () => {
    const fail: Rewrite = (request, response) =>
      isTenantPage(request.path, 3)
        ? { status: 500, contentType: "application/json", body: JSON.stringify({ status: 500, message: "Something went wrong.", data: {} }) }
        : response;
    const error = await withRewrite(fail, () => expectSourceError(loadTenants({ ...server, url: proxy.url, pageSize: 5 }), "http", [server.password]));
    expect(error.status).toBe(500);
    expect(error.message).toContain("page 3");
  });

  it("fails with malformed when a maintenance page answers 200 with HTML", async () => {
    const html: Rewrite = (request, response) =>
      isTenantPage(request.path, 1) ? { status: 200, contentType: "text/html", body: "<h1>Down for maintenance</h1>" } : response;
    await withRewrite(html, () => expectSourceError(loadTenants({ ...server, url: proxy.url }), "malformed", [server.password]));
  });

  it("fails with malformed when a 200 JSON body is not a list", async () => {
    const notList: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (!url.includes("/collections/agent_tenants/records")) return fetch(input, init);
      return new Response(JSON.stringify({ items: "none" }), { status: 200, headers: { "content-type": "application/json" } });
    };
    const error = await expectSourceError(loadTenants({ ...server, fetch: notList }), "malformed", [server.password]);
    expect(error.message).toContain("not a PocketBase list response");
  });

  it("loads every tenant and names the field of the one whose plan does not allow its template", async () => {
    const tenants = await withTenant({ slug: "zz-mini", plan: miniPlanId, template: "llm-stack" }, () => loadTenants({ ...server, pageSize: 5 }));
    expect(tenants).toHaveLength(TENANT_COUNT + 1);
    expect(tenants.filter((t) => t.fieldErrors).map((t) => [t.slug, t.fieldErrors!.map((e) => e.field)])).toEqual([["zz-mini", ["template"]]]);
  });

  it("loads every tenant and names the field of a telegram-bot tenant without a bot token", async () => {
    const tenants = await withTenant({ slug: "zz-bot", template: "telegram-bot" }, () => loadTenants({ ...server }));
    expect(tenants.find((t) => t.slug === "zz-bot")?.fieldErrors?.map((e) => e.field)).toEqual(["telegram_bot_token"]);
    expect(tenants.filter((t) => t.fieldErrors)).toHaveLength(1);
  });

  it("loads every tenant when one types @bob as a Telegram id or an array as settings, naming only that tenant's fields", async () => {
    const tenants = await withTenant({ slug: "zz-typed", template: "llm-stack", telegram_allow_from: ["@bob"], settings: ["x"] }, () => loadTenants({ ...server, pageSize: 5 }));
    expect(tenants).toHaveLength(TENANT_COUNT + 1);
    const typed = tenants.find((t) => t.slug === "zz-typed")!;
    expect(typed.fieldErrors?.map((e) => e.field)).toEqual(["settings", "telegram_allow_from[0]"]);
    expect(typed).toMatchObject({ settings: {}, telegramAllowFrom: [] });
    expect(tenants.filter((t) => t.fieldErrors)).toHaveLength(1);
  });

  it("reads pages by id, so a rename during the read neither skips a tenant nor reads one twice", async () => {
    const before = await loadTenants({ ...server, pageSize: 5 });
    const renamed = before.find((t) => t.slug === "tenant-01")!;
    let done = false;
    // After page 1, tenant-01 becomes zz-01: under a sort by slug every later row moves up one place.
    const renaming: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      const response = await fetch(input, init);
      if (!done && url.includes("/collections/agent_tenants/records") && new URL(url).searchParams.get("page") === "1") {
        done = true;
        await admin.collection("tenants").update(renamed.id, { slug: "zz-01" });
      }
      return response;
    };
    try {
      const during = await loadTenants({ ...server, pageSize: 5, fetch: renaming });
      expect(during.map((t) => t.id).sort()).toEqual(before.map((t) => t.id).sort());
    } finally {
      await admin.collection("tenants").update(renamed.id, { slug: "tenant-01" });
    }
  });

  it("fails with malformed, naming them, when two rows carry the same id or the same slug", async () => {
    for (const key of ["id", "slug"] as const) {
      const twice: Rewrite = (request, response) => {
        if (!isTenantPage(request.path, 1)) return response;
        const body = JSON.parse(response.body) as { items: Array<Record<string, unknown>> };
        const items = body.items.map((item, i) => (i === 1 ? { ...item, [key]: body.items[0][key] } : item));
        return { ...response, body: JSON.stringify({ ...body, items }) };
      };
      const error = await withRewrite(twice, () => expectSourceError(loadTenants({ ...server, url: proxy.url, pageSize: 5 }), "malformed", [server.password]));
      expect(error.field).toBe(key);
      expect(error.message).toContain(`the ${key}s "`);
      expect(error.message).toContain("appear on more than one row");
    }
  });

  it("fails with malformed, naming the row, when an id is not a record id", async () => {
    const badId: Rewrite = (request, response) => {
      if (!isTenantPage(request.path, 1)) return response;
      const body = JSON.parse(response.body) as { items: Array<Record<string, unknown>> };
      return { ...response, body: JSON.stringify({ ...body, items: body.items.map((item, i) => (i === 0 ? { ...item, id: "../x" } : item)) }) };
    };
    const error = await withRewrite(badId, () => expectSourceError(loadTenants({ ...server, url: proxy.url, pageSize: 5 }), "malformed", [server.password]));
    expect(error.field).toBe("id");
  });

  it("fails naming the slug when a record bypassed PocketBase's validation", async () => {
    // The schema's pattern stops bad slugs at the API, so write one straight into SQLite.
    const db = new DatabaseSync(join(server.dataDir, "data.db"));
    db.exec("PRAGMA busy_timeout = 5000");
    const setSlug = db.prepare("UPDATE tenants SET slug = ? WHERE slug = ?");
    try {
      setSlug.run("Tenant_07", "tenant-07");
      const error = await expectSourceError(loadTenants({ ...server, pageSize: 5 }), "malformed", [server.password]);
      expect(error.tenant).toBe("Tenant_07");
      expect(error.field).toBe("slug");
    } finally {
      setSlug.run("tenant-07", "Tenant_07");
      db.close();
    }
  });

  it("fails naming the view and the fix when the configured view does not exist", async () => {
    const error = await expectSourceError(loadTenants({ ...server, view: "no_such_view" }), "http", [server.password]);
    expect(error.status).toBe(404);
    expect(error.message).toContain('no collection "no_such_view"');
    expect(error.message).toContain("tenantView");
  });

  it("rejects a view name that is not a collection name before calling PocketBase", async () => {
    await expect(loadTenants({ ...server, view: "agent_tenants/records?x=" })).rejects.toThrow(/tenantView/);
  });

  it("rejects a page size PocketBase would silently cap", async () => {
    await expect(loadTenants({ ...server, pageSize: 5000 })).rejects.toThrow(RangeError);
  });
});
