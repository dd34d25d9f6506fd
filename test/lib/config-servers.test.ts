// readConfig's server keys: coolifyServers, coolifyServerUuid alone, overcommit and CLOUDFREEDOM_MOVE.
import { describe, expect, it } from "vitest";
import { readConfig } from "../../lib/config";
import { CONFIG_BASE, configOf, problemsOf } from "./config-fixtures";

const BASE: Record<string, string> = {
  ...CONFIG_BASE,
};
const SERVERS = JSON.stringify([{ uuid: "srv-a", cpus: 8, memoryGb: 32, reserved: { cpus: 1, memoryGb: 2 } }, { uuid: "srv-b", cpus: 4, memoryGb: 16, draining: true }]);

describe("readConfig: servers", () => {
  it("keeps coolifyServerUuid alone valid as a one-server list", () => {
    const config = readConfig(configOf({ ...BASE, coolifyServerUuid: "srv-1" }), {});
    expect(config.servers.map((s) => s.uuid)).toEqual(["srv-1"]);
    expect(config.overcommitRatios).toEqual({ cpu: 4, memory: 1 });
    expect(config.move).toBeUndefined();
  });

  it("reads coolifyServers, overcommit and CLOUDFREEDOM_MOVE", () => {
    const config = readConfig(configOf({ ...BASE, coolifyServers: SERVERS, overcommit: '{"cpu":2,"memory":1}' }), { CLOUDFREEDOM_MOVE: "acme:srv-a" });
    expect(config.servers.map((s) => [s.uuid, s.cpus, s.memoryGb, s.draining])).toEqual([["srv-a", 8, 32, false], ["srv-b", 4, 16, true]]);
    expect(config.overcommitRatios).toEqual({ cpu: 2, memory: 1 });
    expect(config.move).toEqual({ slug: "acme", server: "srv-a" });
  });

  it("reports a missing server key, a bad list and a bad move with the rest, each naming its key", () => {
    expect(problemsOf(BASE)).toEqual([expect.stringMatching(/^coolifyServers is missing \(or the older coolifyServerUuid\): pulumi config set coolifyServers '/)]);
    const problems = problemsOf({ ...BASE, baseDomain: "Not A Domain", coolifyServers: '[{"uuid":"a","cpus":"many","memoryGb":4}]' });
    expect(problems.map((p) => p.split(/[ [.]/)[0]).sort()).toEqual(["baseDomain", "coolifyServers"]);
    expect(problemsOf({ ...BASE, coolifyServers: SERVERS }, { CLOUDFREEDOM_MOVE: "acme:srv-b" })).toEqual([expect.stringMatching(/^CLOUDFREEDOM_MOVE names server srv-b, which is draining/)]);
  });

  it("refuses a placeholder server list like any other key", () => {
    expect(problemsOf({ ...BASE, coolifyServers: "<servers>" })).toEqual([expect.stringMatching(/^coolifyServers "<servers>" is a placeholder: pulumi config set coolifyServers /)]);
  });
});
