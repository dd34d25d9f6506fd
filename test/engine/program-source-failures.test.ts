// The program when PocketBase answers wrongly, end to end: a proxy in front of the real PocketBase
// rewrites the tenants list; the real engine runs the program against the Coolify emulator. A bad answer
// must stop the run with no write to Coolify, and never read as "fewer tenants" (which would tear down).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRewritingProxy, type Rewrite } from "../lib/tenants/rewriting-proxy";
import { startDeployedPlatform, type Platform } from "../support/platform";
import { ENGINE_TIMEOUT, failure } from "../support/engine";

const SERVICES = ["cf-acme", "cf-bolt", "cf-chirp"];
const isTenantList = (request: { method: string; path: string }) => request.method === "GET" && request.path.startsWith("/api/collections/agent_tenants/records");

/** Rewrites the tenants list body (parsed JSON) and passes every other answer through. */
function rewriteList(edit: (list: { items: Array<{ slug: string }>; totalItems: number; totalPages: number }) => void): Rewrite {
  return (request, response) => {
    if (!isTenantList(request) || response.status !== 200) return response;
    const list = JSON.parse(response.body);
    edit(list);
    return { ...response, body: JSON.stringify(list) };
  };
}

describe("the program when PocketBase answers wrongly", () => {
  let platform: Platform;
  let proxy: Awaited<ReturnType<typeof startRewritingProxy>>;
  const services = () => platform.coolify.store.findServices().map((s) => s.name).sort();

  beforeAll(async () => {
    platform = await startDeployedPlatform({ pocketbaseUrl: async (pb) => (proxy = await startRewritingProxy(pb.url)).url });
    platform.coolify.requests.length = 0;
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    await proxy?.close();
    await platform?.dispose();
  });

  it("refuses preview and up when the tenants list answers 500, without a write to Coolify", async () => {
    const body = JSON.stringify({ status: 500, message: "Something went wrong while processing your request.", data: {} });
    proxy.setRewrite((request, response) => (isTenantList(request) ? { status: 500, contentType: "application/json", body } : response));
    try {
      const preview = await failure(platform.program.stack.preview());
      const up = await failure(platform.program.stack.up());
      for (const text of [preview, up]) {
        expect(text).toContain("PocketBase tenant source failed [http]");
        expect(text).toMatch(/listing tenants from agent_tenants \(page 1, \d+ per page\): PocketBase at \S+ answered HTTP 500/);
        expect(text).not.toContain(platform.pocketbase.password);
      }
    } finally {
      proxy.setRewrite((_request, response) => response);
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);
  }, ENGINE_TIMEOUT);

  it("refuses preview and up on a short page (a record dropped, totalItems kept), tearing nothing down", async () => {
    proxy.setRewrite(rewriteList((list) => (list.items = list.items.filter((tenant) => tenant.slug !== "bolt"))));
    try {
      const preview = await failure(platform.program.stack.preview());
      const up = await failure(platform.program.stack.up());
      for (const text of [preview, up]) {
        expect(text).toContain("PocketBase tenant source failed [short-read]");
        expect(text).toContain("page 1 held 2 tenants, expected 3 of 3 in total");
        expect(text).toContain("nothing was deployed or deleted");
      }
    } finally {
      proxy.setRewrite((_request, response) => response);
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);
  }, ENGINE_TIMEOUT);

  it("refuses an up when a consistent-looking list leaves out a deployed tenant that is not cancelled", async () => {
    proxy.setRewrite(
      rewriteList((list) => {
        list.items = list.items.filter((tenant) => tenant.slug !== "bolt");
        list.totalItems = list.items.length;
      }),
    );
    try {
      const up = await failure(platform.program.stack.up());
      expect(up).toContain("deployed tenant(s) bolt are missing from PocketBase but not cancelled");
    } finally {
      proxy.setRewrite((_request, response) => response);
    }
    expect(platform.writes()).toEqual([]);
    expect(services()).toEqual(SERVICES);
  }, ENGINE_TIMEOUT);
});
