// The cached adoption lists: one GET per process and connection, our own writes applied on top, `fresh` asks again.
import { describe, expect, it } from "vitest";
import {
  createProject, createService, deleteProject, deleteService, listProjectsCached, listServicesCached, updateProject, updateService,
  type CoolifyConnection,
} from "../../../lib/coolify";
import { ListCache, type Listed } from "../../../lib/coolify/list-cache";
import { COMPOSE, fastConnection, useEmulator } from "./emulator-harness";

const h = useEmulator();

/** A connection of its own (another token of the same team), so each test starts with nothing cached. */
function freshConnection(): CoolifyConnection {
  return { ...fastConnection(h.emulator), token: h.emulator.store.addToken({ team: 0, abilities: ["root"], userId: 0 }) };
}
const gets = (path: string) => h.emulator.requests.filter((r) => r.method === "GET" && r.path === path).length;

describe("cached adoption lists", () => {
  it("lists projects once per connection, and shows our own create, rename and delete without asking again", async () => {
    const conn = freshConnection();
    const before = gets("/api/v1/projects");
    await listProjectsCached(conn);
    const { uuid } = await createProject(conn, { name: "cached-one", description: "first" });
    expect((await listProjectsCached(conn)).find((p) => p.uuid === uuid)).toMatchObject({ name: "cached-one", description: "first" });
    await updateProject(conn, uuid, { name: "cached-two" });
    expect((await listProjectsCached(conn)).find((p) => p.uuid === uuid)).toMatchObject({ name: "cached-two", description: "first" });
    await deleteProject(conn, uuid);
    expect((await listProjectsCached(conn)).some((p) => p.uuid === uuid)).toBe(false);
    expect(gets("/api/v1/projects") - before).toBe(1);
  });

  it("does not see another tool's create until asked for a fresh list", async () => {
    const conn = freshConnection();
    await listProjectsCached(conn);
    const { uuid } = await createProject(fastConnection(h.emulator), { name: "made-elsewhere" });
    expect((await listProjectsCached(conn)).some((p) => p.uuid === uuid)).toBe(false);
    expect((await listProjectsCached(conn, { fresh: true })).some((p) => p.uuid === uuid)).toBe(true);
  });

  it("keys the cache by token: another token of the same instance fetches its own list", async () => {
    const [a, b] = [freshConnection(), freshConnection()];
    const before = gets("/api/v1/projects");
    await listProjectsCached(a);
    await listProjectsCached(b);
    await listProjectsCached(a);
    expect(gets("/api/v1/projects") - before).toBe(2);
  });

  it("shares one GET between concurrent callers, and asks again after a failed one", async () => {
    const conn = freshConnection();
    const before = gets("/api/v1/services");
    await Promise.all(Array.from({ length: 5 }, () => listServicesCached(conn)));
    expect(gets("/api/v1/services") - before).toBe(1);

    const failing = { ...freshConnection(), maxRetries: 0 };
    h.emulator.faults.dropNext({ method: "GET", pathPrefix: "/api/v1/services", count: 1 });
    await expect(listServicesCached(failing)).rejects.toMatchObject({ status: 0 });
    await expect(listServicesCached(failing)).resolves.toEqual(expect.any(Array));
  });

  it("lists a service we created with its name and description, and drops it once we delete it", async () => {
    const conn = freshConnection();
    const { uuid: projectUuid } = await createProject(conn, { name: "services-cache" });
    await listServicesCached(conn);
    const { uuid } = await createService(conn, {
      project_uuid: projectUuid, environment_name: "production", server_uuid: h.emulator.serverUuid, name: "svc-a", description: "mine", compose: COMPOSE,
    });
    expect(await listServicesCached(conn)).toContainEqual({ uuid, name: "svc-a", description: "mine" });
    await updateService(conn, uuid, { description: "still mine" });
    expect((await listServicesCached(conn)).find((s) => s.uuid === uuid)).toMatchObject({ name: "svc-a", description: "still mine" });
    h.emulator.faults.deleteDelayMs = 10_000;
    try {
      await deleteService(conn, uuid);
      // Coolify lists it until the queued delete has run; we never adopt what we deleted.
      expect((await listServicesCached(fastConnection(h.emulator))).some((s) => s.uuid === uuid)).toBe(true);
      expect((await listServicesCached(conn, { fresh: true })).some((s) => s.uuid === uuid)).toBe(false);
    } finally {
      h.emulator.faults.deleteDelayMs = null;
    }
  });
});

describe("ListCache", () => {
  const conn: CoolifyConnection = { url: "https://coolify.example.com", token: "1|token-for-the-cache-tests" };

  it("keeps a write made while the first fetch is under way, and lets a later fetch take over", async () => {
    let release: (items: Listed[]) => void = () => undefined;
    const fetches: Array<Promise<Listed[]>> = [];
    const cache = new ListCache<Listed>(() => {
      const next = new Promise<Listed[]>((resolve) => (release = resolve));
      fetches.push(next);
      return next;
    });
    const listing = cache.list(conn);
    cache.remember(conn, { uuid: "b", name: "ours", description: null });
    release([{ uuid: "a", name: "theirs", description: null }]);
    expect(await listing).toEqual([{ uuid: "a", name: "theirs", description: null }, { uuid: "b", name: "ours", description: null }]);

    // A fetch started after the write reflects it: what Coolify says now wins (renamed out of band).
    const again = cache.list(conn, { fresh: true });
    release([{ uuid: "a", name: "theirs", description: null }, { uuid: "b", name: "renamed", description: null }]);
    expect((await again).find((i) => i.uuid === "b")?.name).toBe("renamed");
    expect(fetches).toHaveLength(2);
  });

  it("notes nothing for a connection it has not listed yet", async () => {
    const cache = new ListCache<Listed>(async () => []);
    cache.remember(conn, { uuid: "x", name: "early", description: null });
    expect(await cache.list(conn)).toEqual([]);
  });
});
