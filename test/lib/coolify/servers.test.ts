import { describe, expect, it } from "vitest";
import { getDestination, getServer, isNotFound, listDestinations, listServerDestinations, listServerDomains, listServers } from "../../../lib/coolify";
import { useEmulator } from "./emulator-harness";

const h = useEmulator();

describe("servers and destinations", () => {
  it("lists the seeded server with its settings", async () => {
    const servers = await listServers(h.conn);
    expect(servers.map((s) => s.uuid)).toContain(h.emulator.serverUuid);
    const server = await getServer(h.conn, h.emulator.serverUuid);
    expect(server).toMatchObject({ uuid: h.emulator.serverUuid, name: "localhost" });
    expect(server.settings?.is_build_server).toBe(false);
  });

  it("lists the server's single default destination, also globally and by uuid", async () => {
    const onServer = await listServerDestinations(h.conn, h.emulator.serverUuid);
    expect(onServer).toEqual([expect.objectContaining({ uuid: h.emulator.destinationUuid, network: "coolify", server_uuid: h.emulator.serverUuid })]);
    expect((await listDestinations(h.conn)).map((d) => d.uuid)).toContain(h.emulator.destinationUuid);
    expect((await getDestination(h.conn, h.emulator.destinationUuid)).network).toBe("coolify");
  });

  it("lists domains per server IP", async () => {
    const [entry] = await listServerDomains(h.conn, h.emulator.serverUuid);
    expect(entry).toMatchObject({ ip: expect.any(String), domains: expect.any(Array) });
  });

  it("reports unknown servers and destinations as not found", async () => {
    await expect(getServer(h.conn, "nosuchserver")).rejects.toSatisfy(isNotFound);
    await expect(getDestination(h.conn, "nosuchdestination")).rejects.toSatisfy(isNotFound);
  });
});
