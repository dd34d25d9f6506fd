import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, serviceBody, serviceStatus, startEmulator, waitFor } from "./helpers";

describe("emulator fault injection and control routes", () => {
  let emu: CoolifyEmulator;
  let project: string;
  beforeAll(async () => {
    emu = await startEmulator();
    project = await createProject(emu);
  });
  afterEach(() => emu.faults.reset());
  afterAll(() => emu.close());

  it("adds latency to every API response", async () => {
    emu.faults.latencyMs = 80;
    const started = Date.now();
    await call(emu, "GET", "/projects");
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
  });

  it("answers a burst of 5xx only for the matching method and path prefix, then recovers", async () => {
    emu.faults.failNext({ count: 2, status: 502, method: "GET", pathPrefix: "/api/v1/projects" });
    expect((await call(emu, "GET", "/servers")).status).toBe(200);
    expect((await call(emu, "GET", "/projects")).status).toBe(502);
    expect((await call(emu, "GET", "/projects")).status).toBe(502);
    expect((await call(emu, "GET", "/projects")).status).toBe(200);
  });

  it("answers a burst of 429 with Retry-After", async () => {
    emu.faults.failNext({ count: 1, status: 429, retryAfterSeconds: 3 });
    const res = await call(emu, "GET", "/projects");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
  });

  it("drops the connection without processing the request", async () => {
    emu.faults.dropNext({ count: 1, method: "POST", pathPrefix: "/api/v1/projects" });
    const before = emu.store.projects.length;
    await expect(call(emu, "POST", "/projects", { name: "never-made" })).rejects.toThrow();
    expect(emu.store.projects.length).toBe(before);
    expect(emu.requests[emu.requests.length - 1]).toMatchObject({ method: "POST", status: 0, dropped: true });
  });

  it("drops the connection after creating the service, so a client can re-list and adopt it", async () => {
    emu.faults.dropNext({ count: 1, method: "POST", pathPrefix: "/api/v1/services", afterProcessing: true });
    await expect(call(emu, "POST", "/services", serviceBody(emu, project, { name: "lost-response" }))).rejects.toThrow();
    const list = await call<Array<{ uuid: string; name: string }>>(emu, "GET", "/services");
    const adopted = list.body.filter((s) => s.name === "lost-response");
    expect(adopted).toHaveLength(1);
    expect(emu.requests.find((r) => r.method === "POST" && r.path === "/api/v1/services" && r.dropped)?.status).toBe(201);
  });

  it("slows down a queued delete with the deleteDelayMs override", async () => {
    const uuid = await createService(emu, project);
    emu.faults.deleteDelayMs = 250;
    await call(emu, "DELETE", `/services/${uuid}`);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await call(emu, "GET", `/services/${uuid}`)).status).toBe(200);
    await waitFor(() => call(emu, "GET", `/services/${uuid}`), (r) => r.status === 404);
  });

  it("logs every API request in order with method, path, query, status and body", async () => {
    emu.requests.length = 0;
    await call(emu, "GET", "/projects?x=1");
    await call(emu, "POST", "/projects", { name: "logged" });
    expect(emu.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["GET", "/api/v1/projects", 200],
      ["POST", "/api/v1/projects", 201],
    ]);
    expect(emu.requests[0].query).toEqual({ x: "1" });
    expect(emu.requests[1].body).toEqual({ name: "logged" });
  });

  it("is driven over HTTP through the unauthenticated /_emulator control routes", async () => {
    const state = await call<{ serverUuid: string }>(emu, "GET", "/_emulator/state", undefined, { token: null });
    expect(state.body.serverUuid).toBe(emu.serverUuid);
    await call(emu, "POST", "/_emulator/faults", { fail: { count: 1, status: 503 } }, { token: null });
    expect((await call(emu, "GET", "/projects")).status).toBe(503);
    const token = await call<{ token: string }>(emu, "POST", "/_emulator/tokens", { abilities: ["read"] }, { token: null });
    expect((await call(emu, "GET", "/projects", undefined, { token: token.body.token })).status).toBe(200);
    await call(emu, "POST", "/_emulator/api-enabled", { enabled: false }, { token: null });
    expect((await call(emu, "GET", "/projects")).status).toBe(403);
    await call(emu, "POST", "/_emulator/api-enabled", { enabled: true }, { token: null });
    const uuid = await createService(emu, project, { instant_deploy: true });
    await waitFor(() => serviceStatus(emu, uuid), (s) => s === "running:healthy");
    await call(emu, "POST", "/_emulator/faults", { unhealthy: { container: "web" } }, { token: null });
    expect(await serviceStatus(emu, uuid)).toBe("running:unhealthy");
    await call(emu, "DELETE", "/_emulator/faults", undefined, { token: null });
    const volumes = await call<Array<{ name: string }>>(emu, "GET", `/_emulator/volumes?service=${uuid}`, undefined, { token: null });
    expect(volumes.body.length).toBe(2);
    expect((await call(emu, "DELETE", `/_emulator/services/${uuid}`, undefined, { token: null })).status).toBe(200);
    expect((await call(emu, "GET", `/services/${uuid}`)).status).toBe(404);
    const log = await call<unknown[]>(emu, "GET", "/_emulator/requests", undefined, { token: null });
    expect(log.body.length).toBe(emu.requests.length);
  });
});
