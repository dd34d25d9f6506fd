// Placement, pure: three servers of different sizes, filled; draining; held upgrades; moves; removed servers.
import { describe, expect, it } from "vitest";
import type { ServerSpec } from "../../lib/servers";
import type { Reservation } from "../../lib/templates/reservation";
import { assertNoOrphans, PlacementError, placeTenants, type PlacementTenant } from "../../program/placement";

const server = (uuid: string, cpus: number, memoryGb: number, extra: Partial<ServerSpec> = {}): ServerSpec => ({ uuid, cpus, memoryGb, reserved: { cpus: 0, memoryGb: 0 }, draining: false, ...extra });
const res = (cpus: number, memoryMb: number, largest = { cpus, memoryMb }): Reservation => ({ cpus, memoryMb, largest });
const fresh = (slug: string, r = res(1, 2048)): PlacementTenant => ({ id: `id-${slug}`, slug, reservation: r });
const deployed = (slug: string, current: string, r = res(1, 2048), applied?: Reservation): PlacementTenant => ({ ...fresh(slug, r), current, ...(applied ? { applied } : {}) });
const NO_OVERCOMMIT = { cpu: 1, memory: 1 };

// 2 + 4 + 6 GiB: 1 + 2 + 3 tenants of 2 GiB; cpus never bind (cpu overcommit 4).
const THREE = [server("srv-s", 2, 2), server("srv-m", 4, 4), server("srv-l", 8, 6)];

describe("placement", () => {
  it("fills three servers of different sizes, none above its allocatable, and refuses the next with the numbers", () => {
    const tenants = ["t1", "t2", "t3", "t4", "t5", "t6", "t7"].map((slug) => fresh(slug));
    const result = placeTenants({ servers: THREE, overcommit: { cpu: 4, memory: 1 }, tenants });
    expect(Object.fromEntries(result.usage.map((u) => [u.uuid, u.tenants]))).toEqual({ "srv-l": ["t1", "t2", "t4"], "srv-m": ["t3", "t5"], "srv-s": ["t6"] });
    for (const usage of result.usage) {
      expect(usage.reserved.memoryMb).toBeLessThanOrEqual(usage.allocatable.memoryMb);
      expect(usage.reserved.cpus).toBeLessThanOrEqual(usage.allocatable.cpus);
    }
    expect(result.refused).toEqual([{ id: "id-t7", slug: "t7", fix: expect.any(String), reason: expect.stringContaining("it needs 1 cpus and 2048 MiB and fits on no server") }]);
    expect(result.refused[0].reason).toContain("srv-l: 29 cpus and 0 MiB free; srv-m: 14 cpus and 0 MiB free; srv-s: 7 cpus and 0 MiB free");
    expect(result.placed.size).toBe(6);
  });

  it("goes to the server with the most free memory after the tenant, ties to the lowest uuid", () => {
    const even = placeTenants({ servers: [server("b", 4, 8), server("a", 4, 8)], overcommit: NO_OVERCOMMIT, tenants: [fresh("x")] });
    expect(even.placed.get("id-x")).toEqual({ server: "a", moved: false });
    const uneven = placeTenants({ servers: [server("a", 4, 4), server("b", 4, 8)], overcommit: NO_OVERCOMMIT, tenants: [fresh("x")] });
    expect(uneven.placed.get("id-x")?.server).toBe("b");
  });

  it("counts cpus as well as memory, with the server's reserved share left out", () => {
    const servers = [server("a", 4, 64, { reserved: { cpus: 1, memoryGb: 0 } })];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: ["p", "q", "r", "s"].map((slug) => fresh(slug, res(1, 1024))) });
    expect(result.usage[0].tenants).toEqual(["p", "q", "r"]);
    expect(result.refused.map((r) => r.slug)).toEqual(["s"]);
  });

  it("never puts a tenant whose largest container exceeds a server's cores or memory on that server", () => {
    const big = fresh("big", res(3, 3072, { cpus: 3, memoryMb: 1024 }));
    const result = placeTenants({ servers: [server("two-cores", 2, 64), server("four-cores", 4, 8)], overcommit: { cpu: 4, memory: 1 }, tenants: [big] });
    expect(result.placed.get("id-big")?.server).toBe("four-cores");
    const nowhere = placeTenants({ servers: [server("two-cores", 2, 64)], overcommit: { cpu: 4, memory: 1 }, tenants: [big] });
    expect(nowhere.refused[0].reason).toContain("two-cores: 8 cpus and 65536 MiB free, its largest container (3 cpus and 1024 MiB) exceeds its 2 cores or 64 GiB");
  });

  it("gives a draining server no new tenant and keeps its own there", () => {
    const servers = [server("old", 8, 64, { draining: true }), server("new", 2, 4)];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("stay", "old"), fresh("n1"), fresh("n2"), fresh("n3")] });
    expect(result.placed.get("id-stay")?.server).toBe("old");
    expect(result.usage.find((u) => u.uuid === "old")?.tenants).toEqual(["stay"]);
    expect(result.usage.find((u) => u.uuid === "new")?.tenants).toEqual(["n1", "n2"]);
    expect(result.refused.map((r) => r.slug)).toEqual(["n3"]);
    expect(result.refused[0].reason).toContain("old: 7 cpus and 63488 MiB free, draining");
  });

  it("gives a server Coolify reports unusable no new tenant, keeps its own there, and places the others elsewhere", () => {
    const servers = [server("down", 8, 64), server("up", 4, 8)];
    const unusable = new Map([["down", "server down (down) is not reachable"]]);
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("stay", "down"), fresh("n1"), fresh("n2"), fresh("n3"), fresh("n4"), fresh("n5")], unusable });
    expect(result.placed.get("id-stay")).toEqual({ server: "down", moved: false });
    expect(result.usage.find((u) => u.uuid === "down")?.tenants).toEqual(["stay"]);
    expect(result.usage.find((u) => u.uuid === "up")?.tenants).toEqual(["n1", "n2", "n3", "n4"]);
    expect(result.refused.map((r) => r.slug)).toEqual(["n5"]);
    expect(result.refused[0].reason).toContain("down: 7 cpus and 63488 MiB free, not usable: server down (down) is not reachable");
    expect(result.refused[0].fix).toMatch(/^make the unusable server\(s\) usable in Coolify/);
    // Without the verdict the same tenants go to the larger server.
    const usable = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("stay", "down"), fresh("n1")] });
    expect(usable.placed.get("id-n1")?.server).toBe("down");
  });

  it("refuses a move to an unusable server and keeps the tenant where it is", () => {
    const servers = [server("a", 4, 8), server("b", 4, 8)];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("m", "a")], move: { slug: "m", server: "b" }, unusable: new Map([["b", "server b (b) has no destination"]]) });
    expect(result.placed.get("id-m")).toEqual({ server: "a", moved: false });
    expect(result.held[0].reason).toBe("CLOUDFREEDOM_MOVE to server b refused: the server is not usable: server b (b) has no destination; it stays on a");
  });

  it("keeps deployed tenants where they are before placing new ones, even on a server shrunk in config", () => {
    const result = placeTenants({ servers: [server("a", 2, 2), server("b", 8, 16)], overcommit: NO_OVERCOMMIT, tenants: [deployed("x", "a"), deployed("y", "a"), fresh("z")] });
    expect(result.placed.get("id-x")?.server).toBe("a");
    expect(result.placed.get("id-y")?.server).toBe("a");
    expect(result.placed.get("id-z")?.server).toBe("b");
    expect(result.usage.find((u) => u.uuid === "a")?.free.memoryMb).toBe(-2048);
  });

  it("holds a plan upgrade that no longer fits on the tenant's server, and never moves it", () => {
    const servers = [server("a", 4, 4), server("b", 8, 64)];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("up", "a", res(2, 4096), res(1, 2048)), deployed("other", "a")] });
    expect(result.placed.get("id-up")).toEqual({ server: "a", moved: false });
    expect(result.held).toEqual([{ id: "id-up", slug: "up", fix: expect.stringContaining("CLOUDFREEDOM_MOVE=up:"), reason: expect.stringContaining("its plan's new limits no longer fit on its server a: it needs 2 cpus and 4096 MiB, the server has 3 cpus and 2048 MiB free") }]);
    expect(result.usage.find((u) => u.uuid === "a")?.reserved).toEqual({ cpus: 2, memoryMb: 4096 });
  });

  it("applies an upgrade that fits, after the downgrades that make room", () => {
    const servers = [server("a", 4, 4)];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("grow", "a", res(1, 3072), res(1, 2048)), deployed("shrink", "a", res(1, 1024), res(1, 2048))] });
    expect(result.held).toEqual([]);
    expect(result.usage[0].reserved).toEqual({ cpus: 2, memoryMb: 4096 });
  });

  it("moves the one tenant CLOUDFREEDOM_MOVE names and nothing else", () => {
    const servers = [server("a", 4, 8), server("b", 4, 8)];
    const tenants = [deployed("m", "a"), deployed("n", "a"), fresh("o")];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants, move: { slug: "m", server: "b" } });
    expect(result.placed.get("id-m")).toEqual({ server: "b", moved: true });
    expect(result.placed.get("id-n")).toEqual({ server: "a", moved: false });
    expect([...result.placed.values()].filter((p) => p.moved)).toHaveLength(1);
    const without = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants });
    expect(without.placed.get("id-m")).toEqual({ server: "a", moved: false });
  });

  it("holds a tenant whose move does not fit where it would go, on its own server", () => {
    const servers = [server("a", 4, 8), server("b", 4, 4)];
    const result = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [deployed("m", "a", res(1, 4096)), deployed("q", "b")], move: { slug: "m", server: "b" } });
    expect(result.placed.get("id-m")).toEqual({ server: "a", moved: false });
    expect(result.held[0].reason).toMatch(/^CLOUDFREEDOM_MOVE to server b refused: the server cannot take it: it needs 1 cpus and 4096 MiB, the server has 3 cpus and 2048 MiB free; it stays on a$/);
  });

  it("keeps a tenant on its server across a slug rename (placement goes by the recorded server, not the slug)", () => {
    const servers = [server("a", 4, 8), server("b", 4, 16)];
    const before = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [fresh("old-name")] });
    const placedOn = before.placed.get("id-old-name")!.server;
    const renamed = { ...deployed("new-name", placedOn), id: "id-old-name" };
    const after = placeTenants({ servers, overcommit: NO_OVERCOMMIT, tenants: [renamed, fresh("aaa", res(1, 8192))] });
    expect(after.placed.get("id-old-name")?.server).toBe(placedOn);
  });

  it("refuses tenants on a server removed from config, naming them", () => {
    const result = placeTenants({ servers: [server("a", 4, 8)], overcommit: NO_OVERCOMMIT, tenants: [deployed("x", "gone"), deployed("y", "gone"), deployed("z", "a")] });
    expect([...result.orphaned]).toEqual([["gone", ["x", "y"]]]);
    expect(() => assertNoOrphans(result)).toThrow(PlacementError);
    expect(() => assertNoOrphans(result)).toThrow(/server gone is no longer in coolifyServers, but tenant\(s\) x, y live on it/);
  });

  it("counts nothing against a server whose size is not configured (coolifyServerUuid alone)", () => {
    const legacy = server("only", Infinity, Infinity);
    const result = placeTenants({ servers: [legacy], overcommit: NO_OVERCOMMIT, tenants: Array.from({ length: 50 }, (_, i) => fresh(`t${i}`, res(8, 65536))) });
    expect(result.refused).toEqual([]);
    expect(result.usage[0].sized).toBe(false);
  });

  it("is deterministic: input order does not change the outcome", () => {
    const tenants = Array.from({ length: 30 }, (_, i) => fresh(`t${String(i).padStart(2, "0")}`, res(1 + (i % 3), 512 * (1 + (i % 4)))));
    const a = placeTenants({ servers: THREE, overcommit: { cpu: 4, memory: 1 }, tenants });
    const b = placeTenants({ servers: [...THREE].reverse(), overcommit: { cpu: 4, memory: 1 }, tenants: [...tenants].reverse() });
    expect([...b.placed].sort()).toEqual([...a.placed].sort());
    expect(b.refused).toEqual(a.refused);
  });
});
