// npm run rollout in a sharded fleet (program/rollout-command.ts): a line per shard under the merged rollout, and a
// steer of the merged rollout that every shard's next decision follows (program/rollout-merge.ts).
import { describe, expect, it } from "vitest";
import { formatShards, steerRollout } from "../../program/rollout-command";
import { mergeRollout, type ShardProgress } from "../../program/rollout-merge";

const WAVES = [["c1"], ["a1", "b1"]];
const owners = new Map([["c1", "a"], ["a1", "a"], ["b1", "b"]]);
const at = (minute: number) => new Date(Date.UTC(2026, 11, 5, 6, minute)).toISOString();

function shard(name: string, fields: Partial<ShardProgress> = {}): ShardProgress {
  return { shard: name, release: "r1", status: "soaking", wave: 0, waves: WAVES, outcomes: {}, startedAt: at(0), moved: {}, landed: {}, members: [], ...fields };
}

describe("npm run rollout in a sharded fleet", () => {
  it("shows per shard the latest wave it moved and saw land, its halt, or that it is not on the rollout yet", () => {
    const a = shard("a", { moved: { 0: at(1), 1: at(40) }, landed: { 0: at(2) } });
    const b = shard("b", { wave: 1, moved: { 1: at(41) }, landed: { 1: at(42) }, halt: { wave: 1, reason: "b1 failed", at: at(42) } });
    const old = shard("c", { release: "r0", status: "done" });
    expect(formatShards([b, old, a], "r1")).toEqual([
      `  shard a: moved wave 2 at ${at(40)}; landed wave 1 at ${at(2)}`,
      `  shard b: moved wave 2 at ${at(41)}; landed wave 2 at ${at(42)}; halted wave 2: b1 failed`,
      "  shard c: not yet on this rollout (last: r0, done)",
    ]);
  });

  it("pauses the merged rollout for every shard, and a resume past a halt goes on with the next wave in every shard", () => {
    const shards = [shard("a", { moved: { 0: at(1) }, landed: { 0: at(2) }, halt: { wave: 0, reason: "c1 failed", at: at(2) } }), shard("b")];
    const halted = mergeRollout({ shards, owners })!;
    expect(halted).toMatchObject({ status: "halted", haltReason: "c1 failed" });
    const resumed = steerRollout("resume", halted, undefined, Date.parse(at(5)));
    expect(mergeRollout({ fleet: resumed, shards, owners })).toMatchObject({ status: "running", wave: 1 });
    const running = mergeRollout({ shards: [shard("a", { moved: { 0: at(1) } })], owners })!;
    expect(mergeRollout({ fleet: steerRollout("pause", running), shards: [shard("a", { moved: { 0: at(1) } })], owners })).toMatchObject({ status: "paused" });
  });
});
