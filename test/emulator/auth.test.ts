import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, startEmulator, type EnvJson, type ServiceJson } from "./helpers";

describe("emulator auth, instance switches and catch-alls", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it("answers /health without a token as text/html OK on both paths", async () => {
    for (const path of ["/api/health", "/api/v1/health"]) {
      const res = await call(emu, "GET", path, undefined, { token: null });
      expect(res.status).toBe(200);
      expect(res.text).toBe("OK");
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
    }
  });

  it("returns the bare version string with read ability", async () => {
    const res = await call(emu, "GET", "/version");
    expect(res.status).toBe(200);
    expect(res.text).toBe("4.3.11");
  });

  it("rejects a missing, unknown or expired token with 401 Unauthenticated", async () => {
    const expired = emu.store.addToken({ abilities: ["read"], expired: true });
    for (const token of [null, "1|nope", expired]) {
      const res = await call(emu, "GET", "/projects", undefined, { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: "Unauthenticated." });
    }
  });

  it("rejects a token without a team, or whose user left the team, with 401 Invalid token.", async () => {
    for (const token of [emu.store.addToken({ team: null }), emu.store.addToken({ userInTeam: false })]) {
      const res = await call(emu, "GET", "/projects", undefined, { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: "Invalid token." });
    }
  });

  it("rejects an elevated token held by a plain member with 403 Missing required team role.", async () => {
    const token = emu.store.addToken({ abilities: ["write"], role: "member" });
    const res = await call(emu, "GET", "/projects", undefined, { token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: "Missing required team role." });
  });

  it("does not let write imply read, and names the missing ability", async () => {
    const token = emu.store.addToken({ abilities: ["write"] });
    const read = await call(emu, "GET", "/projects", undefined, { token });
    expect(read.status).toBe(403);
    expect(read.body).toEqual({ message: "Missing required permissions: read" });
    const write = await call(emu, "POST", "/projects", { name: "by-writer" }, { token });
    expect(write.status).toBe(201);
    const project = await createProject(emu, "deploy-check");
    const service = await createService(emu, project);
    const start = await call(emu, "POST", `/services/${service}/start`, undefined, { token });
    expect(start.body).toEqual({ message: "Missing required permissions: deploy" });
  });

  it("scopes every lookup to the token's team, answering 404 for another team's uuids", async () => {
    const project = await createProject(emu, "team-zero-project");
    const other = emu.store.addToken({ team: 7, abilities: ["root"] });
    const res = await call(emu, "GET", `/projects/${project}`, undefined, { token: other });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: "Project not found." });
    const list = await call<unknown[]>(emu, "GET", "/projects", undefined, { token: other });
    expect(list.body).toEqual([]);
    const servers = await call<unknown[]>(emu, "GET", "/servers", undefined, { token: other });
    expect(servers.body).toEqual([]);
  });

  it("hides compose text and env values without read:sensitive", async () => {
    const project = await createProject(emu, "sensitive");
    const service = await createService(emu, project);
    const reader = emu.store.addToken({ abilities: ["read"] });
    const plain = await call<ServiceJson>(emu, "GET", `/services/${service}`, undefined, { token: reader });
    expect(plain.body).not.toHaveProperty("docker_compose_raw");
    expect(plain.body).not.toHaveProperty("docker_compose");
    const envs = await call<EnvJson[]>(emu, "GET", `/services/${service}/envs`, undefined, { token: reader });
    expect(envs.body.length).toBeGreaterThan(0);
    expect(envs.body.every((e) => !("value" in e) && !("real_value" in e))).toBe(true);
    const sensitive = emu.store.addToken({ abilities: ["read", "read:sensitive"], role: "admin" });
    const full = await call<ServiceJson>(emu, "GET", `/services/${service}`, undefined, { token: sensitive });
    expect(full.body.docker_compose_raw).toContain("services:");
  });

  it("answers every route but /enable with the API-disabled 403 while the API is off", async () => {
    emu.store.setApiEnabled(false);
    try {
      const res = await call(emu, "GET", "/projects");
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ success: true, message: "API is disabled." });
      const teamToken = emu.store.addToken({ team: 3, abilities: ["root"] });
      expect((await call(emu, "POST", "/enable", undefined, { token: teamToken })).status).toBe(403);
      const enable = await call(emu, "POST", "/enable");
      expect(enable.status).toBe(200);
      expect((await call(emu, "GET", "/projects")).status).toBe(200);
    } finally {
      emu.store.setApiEnabled(true);
    }
  });

  it("answers unknown routes and unsupported methods with the catch-all 404", async () => {
    for (const [method, path] of [["GET", "/nope"], ["PUT", "/projects"], ["DELETE", "/servers"]]) {
      const res = await call(emu, method, path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: "Not found.", docs: "https://coolify.io/docs" });
    }
  });

  it("answers a GET on a lifecycle route with 405 and Allow: POST", async () => {
    const project = await createProject(emu, "moved");
    const service = await createService(emu, project);
    const res = await call(emu, "GET", `/services/${service}/start`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    expect(res.body).toEqual({ message: "This endpoint has changed to a POST request." });
  });
});

describe("emulator rate limit", () => {
  it("throttles per user with 429, Retry-After and rate-limit headers; tokens of one user share a bucket", async () => {
    const emu = await startEmulator({ rateLimitPerMinute: 5 });
    try {
      const first = await call(emu, "GET", "/projects");
      expect(first.headers.get("x-ratelimit-limit")).toBe("5");
      expect(first.headers.get("x-ratelimit-remaining")).toBe("4");
      const sibling = emu.store.addToken({ userId: 0, abilities: ["read"] });
      for (let i = 0; i < 4; i++) expect((await call(emu, "GET", "/projects", undefined, { token: sibling })).status).toBe(200);
      const limited = await call(emu, "GET", "/projects");
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ message: "Too Many Attempts." });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(limited.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/);
      const otherUser = emu.store.addToken({ abilities: ["read"] });
      expect((await call(emu, "GET", "/projects", undefined, { token: otherUser })).status).toBe(200);
      expect((await call(emu, "GET", "/health", undefined, { token: null })).status).toBe(200);
    } finally {
      await emu.close();
    }
  });
});
