// A stack deployed on coolifyServerUuid alone moves to coolifyServers: nothing is moved or replaced. The records of the
// old runs name no server; each tenant keeps the server its Service has in state, and its record learns it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TIMEOUT } from "../support/engine";
import { provisioningRecordOf, startDeployedPlatform, type Platform } from "../support/platform";

describe("from coolifyServerUuid to coolifyServers", () => {
  let platform: Platform;
  const services = () => platform.coolify.store.findServices().map((s) => ({ name: s.name, uuid: s.uuid, serverId: s.serverId })).sort((a, b) => (a.name < b.name ? -1 : 1));

  beforeAll(async () => {
    platform = await startDeployedPlatform();
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("keeps every tenant's service on its server and records that server, with no replacement", async () => {
    const before = services();
    const old = platform.coolify.serverUuid;
    for (const slug of ["acme", "bolt", "chirp"]) expect((await provisioningRecordOf(await platform.admin(), slug)).server_uuid).toBe("");
    // A larger new server that placement would prefer for a new tenant; the old one is kept in the list.
    const bigger = platform.coolify.store.addServer({ team: 0, name: "bigger", ip: "10.0.0.20" }).server.uuid;
    await platform.program.stack.removeConfig("coolifyServerUuid");
    await platform.program.stack.setConfig("coolifyServers", { value: JSON.stringify([{ uuid: old, cpus: 8, memoryGb: 16 }, { uuid: bigger, cpus: 16, memoryGb: 64 }]) });
    platform.coolify.requests.length = 0;
    const up = await platform.program.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges).not.toHaveProperty("replace");
    expect(up.summary.resourceChanges).not.toHaveProperty("create");
    expect(services()).toEqual(before);
    expect(platform.writes().filter((w) => w.path.startsWith("/api/v1/services"))).toEqual([]);
    for (const slug of ["acme", "bolt", "chirp"]) expect((await provisioningRecordOf(await platform.admin(), slug)).server_uuid).toBe(old);
    // The next run reads the server from the records and changes nothing.
    const again = await platform.program.stack.up();
    expect(again.summary.resourceChanges).not.toHaveProperty("update");
  }, 2 * ENGINE_TIMEOUT);
});
