// The emulator seeded with several servers (option `servers`), each usable, with its own destination and proxy, as
// placement needs them (test/engine/placement.test.ts adds its servers to a running emulator with store.addServer).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";

describe("an emulator with three servers", () => {
  let emulator: CoolifyEmulator;
  const get = async (path: string) => {
    const answer = await fetch(`${emulator.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${emulator.token}` } });
    return { status: answer.status, body: (await answer.json()) as unknown };
  };

  beforeAll(async () => {
    emulator = await startCoolifyEmulator({ servers: 3, lifecycleDelayMs: 0, deleteDelayMs: 0 });
  });
  afterAll(async () => emulator?.close());

  it("lists three usable servers, the first the one serverUuid names", async () => {
    expect(emulator.servers.map((s) => s.name)).toEqual(["localhost", "server-2", "server-3"]);
    expect(emulator.servers[0]).toEqual({ name: "localhost", uuid: emulator.serverUuid, destinationUuid: emulator.destinationUuid });
    const { body } = await get("/servers");
    const listed = body as Array<{ uuid: string; proxy: { status: string }; settings?: unknown }>;
    expect(listed.map((s) => s.uuid).sort()).toEqual(emulator.servers.map((s) => s.uuid).sort());
    for (const server of listed) expect(server.proxy.status).toBe("running");
  });

  it("gives each server a destination of its own", async () => {
    for (const server of emulator.servers) {
      const { status, body } = await get(`/servers/${server.uuid}/destinations`);
      expect(status).toBe(200);
      expect((body as Array<{ uuid: string }>).map((d) => d.uuid)).toEqual([server.destinationUuid]);
    }
    expect(new Set(emulator.servers.map((s) => s.destinationUuid)).size).toBe(3);
  });
});
