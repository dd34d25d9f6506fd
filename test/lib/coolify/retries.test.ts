import { afterEach, describe, expect, it } from "vitest";
import { createProject, deleteProject, getProject, listProjects, updateProject } from "../../../lib/coolify";
import { fastConnection, useEmulator } from "./emulator-harness";
import { virtualClock } from "./virtual-clock";

const h = useEmulator();
afterEach(() => h.emulator.faults.reset());

function sentSince(before: number, method: string, path: string) {
  return h.emulator.requests.slice(before).filter((r) => r.method === method && r.path === path);
}

describe("retry policy against the emulator", () => {
  it("never sends a POST twice after a 5xx", async () => {
    h.emulator.faults.failNext({ count: 1, method: "POST", pathPrefix: "/api/v1/projects", status: 503 });
    const before = h.emulator.requests.length;
    await expect(createProject(h.conn, { name: "once only" })).rejects.toMatchObject({ status: 503 });
    expect(sentSince(before, "POST", "/api/v1/projects")).toHaveLength(1);
    expect((await listProjects(h.conn)).some((p) => p.name === "once only")).toBe(false);
  });

  it("retries a GET through a 5xx burst", async () => {
    h.emulator.faults.failNext({ count: 3, method: "GET", pathPrefix: "/api/v1/projects", status: 502 });
    const before = h.emulator.requests.length;
    await expect(listProjects(h.conn)).resolves.toEqual(expect.any(Array));
    expect(sentSince(before, "GET", "/api/v1/projects").map((r) => r.status)).toEqual([502, 502, 502, 200]);
  });

  it("gives up on a GET after maxRetries", async () => {
    h.emulator.faults.failNext({ count: 10, method: "GET", pathPrefix: "/api/v1/projects", status: 500 });
    const before = h.emulator.requests.length;
    const conn = fastConnection(h.emulator, { maxRetries: 2 });
    await expect(listProjects(conn)).rejects.toThrow("Coolify API GET /api/v1/projects failed (500) after 3 attempts: Server Error");
    expect(sentSince(before, "GET", "/api/v1/projects")).toHaveLength(3);
  });

  it("retries PATCH and DELETE after 5xx and dropped connections", async () => {
    const { uuid } = await createProject(h.conn, { name: "patch retry" });
    h.emulator.faults.failNext({ count: 1, method: "PATCH", status: 503 });
    h.emulator.faults.dropNext({ count: 1, method: "PATCH" });
    await updateProject(h.conn, uuid, { name: "patched retry" });
    expect((await getProject(h.conn, uuid)).name).toBe("patched retry");
    h.emulator.faults.dropNext({ count: 1, method: "DELETE", afterProcessing: true });
    const before = h.emulator.requests.length;
    // The replayed DELETE finds the project gone: callers treat that 404 as success.
    await expect(deleteProject(h.conn, uuid)).rejects.toMatchObject({ status: 404 });
    expect(sentSince(before, "DELETE", `/api/v1/projects/${uuid}`)).toHaveLength(2);
  });

  it("retries a GET whose connection dropped", async () => {
    h.emulator.faults.dropNext({ count: 2, method: "GET", pathPrefix: "/api/v1/projects" });
    await expect(listProjects(h.conn)).resolves.toEqual(expect.any(Array));
  });

  it("honours Retry-After on a 429, for a POST too", async () => {
    h.emulator.faults.failNext({ count: 1, method: "POST", pathPrefix: "/api/v1/projects", status: 429, retryAfterSeconds: 1 });
    const before = h.emulator.requests.length;
    await createProject(h.conn, { name: "after 429" });
    const posts = sentSince(before, "POST", "/api/v1/projects");
    expect(posts.map((r) => r.status)).toEqual([429, 201]);
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(950);
  });

  it("waits the server's Retry-After on the injected clock", async () => {
    const clock = virtualClock();
    h.emulator.faults.failNext({ count: 2, method: "GET", pathPrefix: "/api/v1/projects", status: 429, retryAfterSeconds: 30 });
    await listProjects(fastConnection(h.emulator, { transport: { clock } }));
    expect(clock.sleeps).toEqual([30_000, 30_000]);
  });

  it("retries a GET that timed out, but not a POST", async () => {
    h.emulator.faults.latencyMs = 200;
    const slow = fastConnection(h.emulator, { timeoutMs: 50, maxRetries: 1 });
    const before = h.emulator.requests.length;
    await expect(listProjects(slow)).rejects.toThrow(/GET \/api\/v1\/projects failed \(no response\) after 2 attempts: .*timeout of 50ms exceeded/);
    await expect(createProject(slow, { name: "slow create" })).rejects.toMatchObject({ status: 0 });
    expect(sentSince(before, "GET", "/api/v1/projects")).toHaveLength(2);
    expect(sentSince(before, "POST", "/api/v1/projects")).toHaveLength(1);
  });
});
