// Config shards and a stack's role in a sharded fleet (lib/shards.ts), pure.
import { describe, expect, it } from "vitest";
import type { ServerSpec } from "../../lib/servers";
import { declaresServer, homeShard, readShards, shardOfServer, stackRole, type ShardMap } from "../../lib/shards";

const server = (uuid: string): ServerSpec => ({ uuid, cpus: 4, memoryGb: 8, reserved: { cpus: 0, memoryGb: 0 }, draining: false });
const SERVERS = [server("s1"), server("s2"), server("s3")];

function read(raw: string | undefined, servers = SERVERS) {
  const problems: string[] = [];
  return { shards: readShards(raw, servers, problems), problems };
}

describe("readShards", () => {
  it("reads shard name -> servers, names sorted, servers in config order", () => {
    const { shards, problems } = read(`{"eu2":["s3","s2"],"eu1":["s1"]}`);
    expect(problems).toEqual([]);
    expect([...shards!]).toEqual([["eu1", ["s1"]], ["eu2", ["s3", "s2"]]]);
  });

  it("is undefined when unset: one stack holds every tenant", () => {
    expect(read(undefined)).toEqual({ shards: undefined, problems: [] });
  });

  it("refuses what is not JSON, or not an object of lists, naming the key and the command", () => {
    for (const raw of ["eu1=s1", "[]", "{}", "null", `"s1"`]) {
      const { shards, problems } = read(raw);
      expect(shards).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^shards (is not JSON|must be an object).*pulumi config set shards '/);
    }
  });

  it("refuses a bad shard name and an empty or non-string server list, by shard", () => {
    const { shards, problems } = read(`{"EU 1":["s1"],"eu2":[],"eu3":[7],"eu4":["s2","s3"]}`);
    expect(shards).toBeUndefined();
    expect(problems.join("\n")).toContain(`shards."EU 1" is not a shard name`);
    expect(problems.join("\n")).toContain("shards.eu2 must be a non-empty list of server uuids");
    expect(problems.join("\n")).toContain("shards.eu3 must be a non-empty list of server uuids");
    expect(problems.join("\n")).toContain("server s1 is in coolifyServers but in no shard");
  });

  it("refuses an unknown server, a server in two shards and a server in none", () => {
    const { shards, problems } = read(`{"a":["s1","s9"],"b":["s1","s2"]}`);
    expect(shards).toBeUndefined();
    expect(problems).toEqual([
      "shards.a lists server s9, which is not in coolifyServers: add the server there or remove it from shards.a",
      "server s1 is in shards.a and shards.b: a server belongs to one shard; remove it from one",
      expect.stringMatching(/^server s3 is in coolifyServers but in no shard: add it to one \(pulumi config set --path 'shards\.<name>\[<n>\]' s3\)$/),
    ]);
  });
});

const SHARDS: ShardMap = new Map([["a", ["s1"]], ["b", ["s2", "s3"]]]);

describe("stackRole", () => {
  it("unsharded: the stack is the fleet, with no shard", () => {
    expect(stackRole("prod", undefined)).toEqual({ fleetStack: "prod" });
  });

  it("sharded: <fleet>.<shard> of a configured shard runs as that shard of the fleet", () => {
    expect(stackRole("prod.a", SHARDS)).toEqual({ fleetStack: "prod", shard: "a" });
    expect(stackRole("eu.prod.b", SHARDS)).toEqual({ fleetStack: "eu.prod", shard: "b" });
  });

  it("refuses a stack named like a shard without config shards, with the command that runs it as one", () => {
    const role = stackRole("prod.a", undefined);
    expect(role).toEqual({ problem: expect.stringContaining("stack prod.a is named like a shard of prod, but config shards is not set") });
    expect((role as { problem: string }).problem).toContain("pulumi up --stack prod.a --config-file Pulumi.prod.yaml");
  });

  it("refuses the fleet stack itself and an unknown shard once shards are set, naming the shards", () => {
    for (const [name, fleet] of [["prod", "prod"], ["prod.c", "prod"]]) {
      const role = stackRole(name, SHARDS) as { problem: string };
      expect(role.problem).toContain(`stack ${name} is not a shard of this fleet (config shards: a, b)`);
      expect(role.problem).toContain(`pulumi up --stack ${fleet}.a --config-file Pulumi.${fleet}.yaml`);
    }
  });
});

describe("which shard declares a tenant", () => {
  it("the shard of its server; what is on no server, the home shard (first by name) only", () => {
    expect(shardOfServer(SHARDS, "s3")).toBe("b");
    expect(homeShard(SHARDS)).toBe("a");
    const a = { fleetStack: "prod", shard: "a" };
    const b = { fleetStack: "prod", shard: "b" };
    expect([declaresServer(a, SHARDS, "s1"), declaresServer(a, SHARDS, "s2"), declaresServer(b, SHARDS, "s2")]).toEqual([true, false, true]);
    expect([declaresServer(a, SHARDS, undefined), declaresServer(b, SHARDS, undefined)]).toEqual([true, false]);
    expect(declaresServer({ fleetStack: "prod" }, undefined, "s2")).toBe(true);
  });
});
