import { AxiosError, AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from "axios";
import { describe, expect, it } from "vitest";
import { CoolifyApiError, getProject, getVersion, listProjects, request, resolveApiBase, type CoolifyConnection } from "../../../lib/coolify";
import { virtualClock } from "./virtual-clock";

const TOKEN = "3|adapterSecretAdapterSecret";
type Step = { status: number; body?: unknown; headers?: Record<string, string> } | "drop";

/** An axios adapter answering from a script and recording what it was asked. */
function scripted(steps: Step[]) {
  const seen: InternalAxiosRequestConfig[] = [];
  const adapter: AxiosAdapter = async (config) => {
    seen.push(config);
    const step = steps.shift() ?? { status: 200, body: [] };
    if (step === "drop") throw new AxiosError("socket hang up", "ECONNRESET", config);
    const data = typeof step.body === "string" ? step.body : step.body === undefined ? "" : JSON.stringify(step.body);
    return { data, status: step.status, statusText: "", headers: new AxiosHeaders(step.headers ?? {}), config };
  };
  return { adapter, seen };
}

function conn(adapter: AxiosAdapter, extra: Partial<CoolifyConnection> = {}) {
  const clock = virtualClock();
  const c: CoolifyConnection = { url: "https://coolify.test", token: TOKEN, rateLimitPerMinute: 0, transport: { adapter, clock }, ...extra };
  return { c, clock };
}

describe("connection URL", () => {
  it("appends /api/v1 and tolerates a URL that already has it", () => {
    expect(resolveApiBase("https://c.example.com")).toBe("https://c.example.com/api/v1");
    expect(resolveApiBase("https://c.example.com/")).toBe("https://c.example.com/api/v1");
    expect(resolveApiBase("https://c.example.com/api/v1/")).toBe("https://c.example.com/api/v1");
    expect(resolveApiBase("https://c.example.com/sub/api/v1")).toBe("https://c.example.com/sub/api/v1");
  });
});

describe("request", () => {
  it("sends bearer token, JSON headers and URI-encoded path segments", async () => {
    const { adapter, seen } = scripted([{ status: 200, body: { uuid: "a b", name: "x", environments: [] } }]);
    await getProject(conn(adapter).c, "a b/c");
    const h = AxiosHeaders.from(seen[0].headers);
    expect(h.get("Authorization")).toBe(`Bearer ${TOKEN}`);
    expect(h.get("Accept")).toBe("application/json");
    expect(h.get("Content-Type")).toBe("application/json");
    expect(seen[0].url).toBe("https://coolify.test/api/v1/projects/a%20b%2Fc");
    expect(seen[0].timeout).toBe(30_000);
  });

  it("retries 429 on a POST after Retry-After seconds", async () => {
    const { adapter, seen } = scripted([{ status: 429, body: { message: "Too Many Attempts." }, headers: { "retry-after": "7" } }, { status: 201, body: { uuid: "p1" } }]);
    const { c, clock } = conn(adapter);
    await expect(request(c, "POST", "/projects", { body: { name: "abc" } })).resolves.toEqual({ uuid: "p1" });
    expect(seen).toHaveLength(2);
    expect(clock.sleeps).toEqual([7_000]);
  });

  it("never replays a POST after a 503", async () => {
    const { adapter, seen } = scripted([{ status: 503, body: { message: "Service Unavailable" } }]);
    await expect(request(conn(adapter).c, "POST", "/projects", { body: { name: "abc" } })).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
  });

  it("surfaces a POST whose connection dropped as status 0 without retrying", async () => {
    const { adapter, seen } = scripted(["drop"]);
    const err = await request(conn(adapter).c, "POST", "/projects", { body: { name: "abc" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoolifyApiError);
    expect((err as CoolifyApiError).status).toBe(0);
    expect((err as CoolifyApiError).message).toContain("ECONNRESET");
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(err)).not.toContain("adapterSecret");
    expect(String((err as CoolifyApiError).cause)).not.toContain("adapterSecret");
    expect(Object.keys((err as CoolifyApiError).cause ?? {})).not.toContain("config");
  });

  it("retries a GET after 5xx and dropped connections with growing backoff", async () => {
    const { adapter, seen } = scripted([{ status: 502 }, "drop", { status: 500, body: "<h1>Server Error</h1>" }, { status: 200, body: [] }]);
    const { c, clock } = conn(adapter, { transport: undefined });
    c.transport = { adapter, clock, retryBaseDelayMs: 100, retryMaxDelayMs: 300 };
    await expect(listProjects(c)).resolves.toEqual([]);
    expect(seen).toHaveLength(4);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(100);
    expect(clock.sleeps[2]).toBeGreaterThanOrEqual(150);
    expect(clock.sleeps[2]).toBeLessThanOrEqual(300);
  });

  it("waits a 503's Retry-After before retrying a GET", async () => {
    const { adapter } = scripted([{ status: 503, headers: { "retry-after": "3" } }, { status: 200, body: [] }]);
    const { c, clock } = conn(adapter);
    await listProjects(c);
    expect(clock.sleeps).toEqual([3_000]);
  });

  it("gives up after maxRetries and says how many attempts were made", async () => {
    const { adapter, seen } = scripted(Array.from({ length: 5 }, () => ({ status: 503, body: { message: "Down" } })));
    const err = await listProjects(conn(adapter, { maxRetries: 2 }).c).catch((e: unknown) => e as CoolifyApiError);
    expect(seen).toHaveLength(3);
    expect((err as CoolifyApiError).message).toBe("Coolify API GET /api/v1/projects failed (503) after 3 attempts: Down");
  });

  it("does not retry a 501 or a 4xx", async () => {
    for (const status of [400, 404, 422, 501]) {
      const { adapter, seen } = scripted([{ status, body: { message: "no" } }]);
      await expect(listProjects(conn(adapter).c)).rejects.toMatchObject({ status });
      expect(seen).toHaveLength(1);
    }
  });

  it("falls back to X-RateLimit-Reset when Retry-After is missing", async () => {
    const { c, clock } = conn(scripted([]).adapter);
    const reset = String((clock.now() + 5_000) / 1000);
    const { adapter } = scripted([{ status: 429, headers: { "x-ratelimit-reset": reset } }, { status: 200, body: [] }]);
    c.transport = { ...c.transport, adapter };
    await listProjects(c);
    expect(clock.sleeps).toEqual([5_000]);
  });

  it("reports a redirect instead of following it", async () => {
    const { adapter } = scripted([{ status: 301, headers: { location: "https://coolify.test/login" } }]);
    await expect(listProjects(conn(adapter).c)).rejects.toThrow(/redirected to https:\/\/coolify.test\/login/);
  });

  it("rejects a success body that is not JSON", async () => {
    const { adapter } = scripted([{ status: 200, body: "<html>login</html>" }]);
    await expect(listProjects(conn(adapter).c)).rejects.toThrow(/expected JSON/);
  });

  it("reads the plain-text version", async () => {
    const { adapter } = scripted([{ status: 200, body: "4.3.11\n" }]);
    await expect(getVersion(conn(adapter).c)).resolves.toBe("4.3.11");
  });

  it("refuses an empty token before sending", async () => {
    const { adapter, seen } = scripted([]);
    await expect(listProjects(conn(adapter, { token: "" }).c)).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });
});
