import { describe, expect, it } from "vitest";
import { allocatableOf, DEFAULT_OVERCOMMIT, readMove, readServerFleet } from "../../lib/servers";

const servers = (list: unknown) => JSON.stringify(list);

describe("coolifyServers and overcommit", () => {
  it("reads coolifyServerUuid alone as one server whose size is not configured", () => {
    const fleet = readServerFleet({ coolifyServerUuid: "srv-a", coolifyDestinationUuid: "dst-a" });
    expect(fleet.problems).toEqual([]);
    expect(fleet.servers).toEqual([{ uuid: "srv-a", cpus: Infinity, memoryGb: Infinity, reserved: { cpus: 0, memoryGb: 0 }, draining: false, destinationUuid: "dst-a" }]);
  });

  it("reads a list of servers with reserved capacity and draining", () => {
    const fleet = readServerFleet({ coolifyServers: servers([{ uuid: "a", cpus: 8, memoryGb: 32, reserved: { cpus: 1, memoryGb: 2 } }, { uuid: "b", cpus: 4, memoryGb: 16, draining: true }]) });
    expect(fleet.problems).toEqual([]);
    expect(fleet.servers.map((s) => [s.uuid, s.reserved, s.draining])).toEqual([["a", { cpus: 1, memoryGb: 2 }, false], ["b", { cpus: 0, memoryGb: 0 }, true]]);
  });

  it("defaults to memory 1.0 and cpu 4.0 overcommit, and computes allocatable from them", () => {
    const fleet = readServerFleet({ coolifyServers: servers([{ uuid: "a", cpus: 8, memoryGb: 32, reserved: { cpus: 1, memoryGb: 2 } }]) });
    expect(fleet.overcommit).toEqual({ cpu: 4, memory: 1 });
    expect(DEFAULT_OVERCOMMIT).toEqual({ cpu: 4, memory: 1 });
    expect(allocatableOf(fleet.servers[0], fleet.overcommit)).toEqual({ cpus: 28, memoryMb: 30 * 1024 });
    expect(readServerFleet({ coolifyServerUuid: "a", overcommit: '{"cpu":2}' }).overcommit).toEqual({ cpu: 2, memory: 1 });
  });

  it("names the key and the fix for every problem", () => {
    const cases: Array<[Parameters<typeof readServerFleet>[0], RegExp]> = [
      [{}, /^coolifyServers is missing .*pulumi config set coolifyServers '\[/],
      [{ coolifyServers: "[{uuid: a}" }, /^coolifyServers is not JSON: pulumi config set coolifyServers/],
      [{ coolifyServers: servers([{ uuid: "a", cpus: 0, memoryGb: 4 }]) }, /^coolifyServers\[0\]\.cpus .*pulumi config set coolifyServers/],
      [{ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4, colour: "red" }]) }, /^coolifyServers\[0\] .*colour/],
      [{ coolifyServers: servers([]) }, /^coolifyServers must list at least one server/],
      [{ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4 }, { uuid: "a", cpus: 2, memoryGb: 4 }]) }, /^coolifyServers\[1\]\.uuid a is listed twice/],
      [{ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4, reserved: { cpus: 2, memoryGb: 1 } }]) }, /^coolifyServers\[0\] \(a\) reserves all/],
      [{ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4 }]), coolifyServerUuid: "old" }, /^coolifyServerUuid old is not in coolifyServers.*pulumi config rm coolifyServerUuid/],
      [{ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4 }, { uuid: "b", cpus: 2, memoryGb: 4 }]), coolifyDestinationUuid: "d" }, /^coolifyDestinationUuid .*"destinationUuid"/],
      [{ coolifyServerUuid: "a", overcommit: '{"cpu":-1}' }, /^overcommit\.cpu .*pulumi config set overcommit '\{"cpu":4,"memory":1\}'/],
      [{ coolifyServerUuid: "a", overcommit: "4" }, /^overcommit .*pulumi config set overcommit/],
    ];
    for (const [keys, expected] of cases) {
      const { problems } = readServerFleet(keys);
      expect(problems, JSON.stringify(keys)).toHaveLength(1);
      expect(problems[0]).toMatch(expected);
    }
  });

  it("accepts coolifyServerUuid beside coolifyServers when it is listed", () => {
    expect(readServerFleet({ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4 }]), coolifyServerUuid: "a" }).problems).toEqual([]);
  });

  it("warns when memory is overcommitted", () => {
    expect(readServerFleet({ coolifyServerUuid: "a", overcommit: '{"memory":1.5}' }).warnings[0]).toMatch(/OOM killer/);
  });
});

describe("CLOUDFREEDOM_MOVE", () => {
  const list = readServerFleet({ coolifyServers: servers([{ uuid: "a", cpus: 2, memoryGb: 4 }, { uuid: "b", cpus: 2, memoryGb: 4, draining: true }]) }).servers;

  it("reads <slug>:<server uuid>", () => {
    const problems: string[] = [];
    expect(readMove("acme:a", list, problems)).toEqual({ slug: "acme", server: "a" });
    expect(readMove(undefined, list, problems)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it("refuses a malformed value, an unknown server and a draining one", () => {
    for (const [raw, expected] of [["acme", /is not <slug>:<server uuid>/], ["acme:zzz", /not in coolifyServers \(a, b\)/], ["acme:b", /is draining/]] as const) {
      const problems: string[] = [];
      readMove(raw, list, problems);
      expect(problems[0]).toMatch(expected);
    }
  });
});
