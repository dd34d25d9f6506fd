// readConfig's shard keys: shards (read by lib/shards.ts against the servers) and fleetTeardownBudget.
import { describe, expect, it } from "vitest";
import { readConfig } from "../../lib/config";
import { CONFIG_BASE, configOf, problemsOf } from "./config-fixtures";

const BASE: Record<string, string> = {
  ...CONFIG_BASE,
  coolifyServers: JSON.stringify([{ uuid: "srv-a", cpus: 8, memoryGb: 32 }, { uuid: "srv-b", cpus: 4, memoryGb: 16 }]),
};

describe("readConfig: shards", () => {
  it("leaves shards and fleetTeardownBudget unset by default: one stack, as before", () => {
    const config = readConfig(configOf(BASE), {});
    expect(config.shards).toBeUndefined();
    expect(config.fleetTeardownBudget).toBeUndefined();
  });

  it("reads shards against coolifyServers, and fleetTeardownBudget as a whole number", () => {
    const config = readConfig(configOf({ ...BASE, shards: `{"b":["srv-b"],"a":["srv-a"]}`, fleetTeardownBudget: "0" }), {});
    expect([...config.shards!]).toEqual([["a", ["srv-a"]], ["b", ["srv-b"]]]);
    expect(config.fleetTeardownBudget).toBe(0);
  });

  it("reports shard problems with the others, and none while the servers themselves are wrong", () => {
    const problems = problemsOf({ ...BASE, shards: `{"a":["srv-a"]}`, fleetTeardownBudget: "1.5", teardownBudget: "-1" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(["fleetTeardownBudget", "server", "teardownBudget"]);
    expect(problems).toContain("server srv-b is in coolifyServers but in no shard: add it to one (pulumi config set --path 'shards.<name>[<n>]' srv-b)");
    expect(problemsOf({ ...BASE, coolifyServers: "[", shards: `{"a":["srv-a"]}` })).toEqual([expect.stringMatching(/^coolifyServers is not JSON/)]);
  });

  it("takes rollout together with shards (each shard decides from the merged rollout: program/rollout-merge.ts)", () => {
    const shards = `{"a":["srv-a"],"b":["srv-b"]}`;
    const config = readConfig(configOf({ ...BASE, shards, rollout: "{}" }), {});
    expect(config.rollout).toBeDefined();
    expect([...config.shards!.keys()]).toEqual(["a", "b"]);
  });
});
