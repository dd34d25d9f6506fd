// The shards' own rollout records (`<fleet owner>#<shard>`, program/rollout-merge.ts) on a real PocketBase: listed
// by exact owner prefix, so another fleet's records (one whose name contains the owner's, or near it) never mix in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listShardRollouts, putRollout, shardRolloutKey } from "../../../lib/tenants/rollouts";
import type { RolloutState } from "../../../program/rollout";
import { startPocketBase, type PocketBaseInstance } from "../../../pocketbase/local-server";

let server: PocketBaseInstance;

beforeAll(async () => {
  server = await startPocketBase();
});

afterAll(async () => {
  await server?.stop();
});

const state = (release: string): RolloutState => ({ release, status: "soaking", wave: 0, waves: [["t1"]], outcomes: {} });

describe("the shards' rollout records", () => {
  it("lists every shard's record of one fleet, by shard, and none of another fleet", async () => {
    const owner = "org/proj/p_d";
    await putRollout(server, shardRolloutKey(owner, "b"), state("b"));
    await putRollout(server, shardRolloutKey(owner, "a"), state("a"));
    await putRollout(server, owner, state("fleet"));
    await putRollout(server, shardRolloutKey("org/proj/pxd", "a"), state("other"));
    await putRollout(server, shardRolloutKey("org/proj/p_d2", "a"), state("longer"));
    await putRollout(server, shardRolloutKey("x/org/proj/p_d", "a"), state("containing"));
    const listed = await listShardRollouts<RolloutState>(server, owner);
    expect(listed.map((r) => [r.stack, r.state.release])).toEqual([["org/proj/p_d#a", "a"], ["org/proj/p_d#b", "b"]]);
    expect(await listShardRollouts(server, "org/proj/none")).toEqual([]);
  });
});
