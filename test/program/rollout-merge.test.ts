// The merge of a sharded fleet's rollout records (program/rollout-merge.ts): table-like cases, no decision run.
import { describe, expect, it } from "vitest";
import type { RolloutState, TenantOutcome } from "../../program/rollout";
import { mergeRollout, ownersFromMembers, progressAfterDecision, progressAfterSettle, settlesWave, type ShardProgress } from "../../program/rollout-merge";

const FROM = { version: "1.1.0" };
const WAVES = [["c1"], ["a1", "b1"]];
const owners = new Map([["c1", "a"], ["a1", "a"], ["b1", "b"]]);
const at = (minute: number) => new Date(minute * 60_000).toISOString();
const moved = (wave: number): TenantOutcome => ({ wave, from: FROM, result: "moved" });

function shard(name: string, fields: Partial<ShardProgress> = {}): ShardProgress {
  return { shard: name, release: "r1", status: "soaking", wave: 0, waves: WAVES, outcomes: {}, startedAt: at(0), moved: {}, landed: {}, members: [], ...fields };
}

describe("mergeRollout", () => {
  it("is undefined without records, and the fleet's record alone (a fleet sharded mid-rollout) as it is", () => {
    expect(mergeRollout({ shards: [], owners })).toBeUndefined();
    const unsharded: RolloutState = { release: "r1", status: "soaking", wave: 0, waves: WAVES, outcomes: { c1: moved(0) }, soakStartedAt: at(3), settled: true };
    expect(mergeRollout({ fleet: unsharded, shards: [], owners })).toEqual(unsharded);
  });

  it("keeps a wave running until every shard with a member in it moved it, and soaking unsettled until each recorded its landing", () => {
    const a = shard("a", { wave: 1, moved: { 0: at(0), 1: at(20) }, landed: { 0: at(1), 1: at(21) } });
    expect(mergeRollout({ shards: [a, shard("b", { moved: { 0: at(2) } })], owners })).toMatchObject({ status: "running", wave: 1 });
    const b = shard("b", { wave: 1, moved: { 0: at(2), 1: at(22) } });
    expect(mergeRollout({ shards: [a, b], owners })).toMatchObject({ status: "soaking", wave: 1, settled: false, soakStartedAt: at(22) });
    const landed = { ...b, landed: { 1: at(23) } };
    expect(mergeRollout({ shards: [landed, a], owners })).toMatchObject({ status: "soaking", wave: 1, settled: true, soakStartedAt: at(23) });
  });

  it("needs only the shards that declare a member of the wave: the canary's shard settles the canary wave alone", () => {
    const a = shard("a", { moved: { 0: at(0) }, landed: { 0: at(1) } });
    expect(mergeRollout({ shards: [a, shard("b")], owners })).toMatchObject({ status: "soaking", wave: 0, settled: true, soakStartedAt: at(1) });
  });

  it("halts for all when any shard halted, at its wave and with its reason, its reverted members winning over moved", () => {
    const a = shard("a", { wave: 1, moved: { 0: at(0), 1: at(20) }, outcomes: { c1: { ...moved(0), result: "healthy" }, a1: moved(1), b1: moved(1) } });
    const b = shard("b", { wave: 1, moved: { 1: at(22) }, status: "halted", halt: { wave: 1, reason: "1 of 1 tenant(s) of wave 2 not healthy (maxFailures 0): b1", at: at(23) }, outcomes: { b1: { ...moved(1), result: "reverted" } } });
    const merged = mergeRollout({ shards: [a, b], owners })!;
    expect(merged).toMatchObject({ status: "halted", wave: 1, haltReason: "1 of 1 tenant(s) of wave 2 not healthy (maxFailures 0): b1" });
    expect(Object.fromEntries(Object.entries(merged.outcomes).map(([id, o]) => [id, o.result]))).toEqual({ c1: "healthy", a1: "moved", b1: "reverted" });
  });

  it("takes the operator's steer from the fleet's record: abort and pause stand, a resume past a halt leaves it as history", () => {
    const halted = shard("a", { moved: { 0: at(0) }, landed: { 0: at(1) }, halt: { wave: 0, reason: "c1 failed", at: at(1) } });
    const base: RolloutState = { release: "r1", status: "running", wave: 0, waves: WAVES, outcomes: {} };
    expect(mergeRollout({ fleet: { ...base, status: "aborted" }, shards: [halted], owners })).toMatchObject({ status: "aborted" });
    expect(mergeRollout({ fleet: { ...base, status: "paused" }, shards: [shard("a", { moved: { 0: at(0) } })], owners })).toMatchObject({ status: "paused" });
    expect(mergeRollout({ fleet: { ...base, wave: 1 }, shards: [halted], owners })).toMatchObject({ status: "running", wave: 1 });
    // A resume after a pause soaks the wave again from the resume.
    const resumed = mergeRollout({ fleet: { ...base, status: "soaking", soakStartedAt: at(30) }, shards: [shard("a", { moved: { 0: at(0) }, landed: { 0: at(1) } })], owners });
    expect(resumed).toMatchObject({ status: "soaking", soakStartedAt: at(30), settled: true });
  });

  it("follows the newest release among the shards' records and leaves the fleet's record of another release aside", () => {
    const old = shard("b", { release: "r1", halt: { wave: 0, reason: "old", at: at(1) } });
    const next = shard("a", { release: "r2", startedAt: at(50), moved: { 0: at(50) } });
    const merged = mergeRollout({ fleet: { release: "r1", status: "paused", wave: 0, waves: WAVES, outcomes: {} }, shards: [old, next], owners });
    expect(merged).toMatchObject({ release: "r2", status: "soaking", settled: false });
  });

  it("leaves aside a steer of an earlier rollout of the same release (the shards took the release up again since)", () => {
    const again = shard("a", { startedAt: at(90), moved: { 0: at(90) } });
    const aborted = { release: "r1", status: "aborted" as const, wave: 0, waves: WAVES, outcomes: {}, startedAt: at(0) };
    expect(mergeRollout({ fleet: aborted, shards: [again], owners })).toMatchObject({ status: "soaking", startedAt: at(90) });
    expect(mergeRollout({ fleet: { ...aborted, startedAt: at(90) }, shards: [again], owners })).toMatchObject({ status: "aborted" });
  });

  it("is done once the wave index is past the last wave", () => {
    expect(mergeRollout({ shards: [shard("a", { wave: 2, status: "done" })], owners })).toMatchObject({ status: "done", wave: 2 });
  });

  it("without the fleet's owners (status, /metrics), takes each shard's members", () => {
    const a = shard("a", { members: ["a1", "c1"], wave: 1, moved: { 1: at(20) } });
    const b = shard("b", { members: ["b1"] });
    expect([...ownersFromMembers([a, b])].sort()).toEqual([["a1", "a"], ["b1", "b"], ["c1", "a"]]);
    expect(mergeRollout({ shards: [a, b] })).toMatchObject({ status: "running", wave: 1 });
  });
});

describe("a shard's own record", () => {
  const merged: RolloutState = { release: "r1", status: "running", wave: 1, waves: WAVES, outcomes: { c1: { ...moved(0), result: "healthy" } } };

  it("records the wave it moved, its own outcomes and another shard's until that shard has them, its members", () => {
    const decided: RolloutState = { ...merged, status: "soaking", settled: false, soakStartedAt: at(20), outcomes: { ...merged.outcomes, a1: moved(1), b1: moved(1) } };
    const b = shard("b", { outcomes: { b1: moved(1) } });
    const previous = shard("a", { moved: { 0: at(0) }, landed: { 0: at(1) }, outcomes: { c1: moved(0) } });
    const progress = progressAfterDecision({ previous, shards: [previous, b], merged, decided, shard: "a", owners, now: 20 * 60_000 });
    expect(progress).toMatchObject({ shard: "a", wave: 1, moved: { 0: at(0), 1: at(20) }, landed: { 0: at(1) }, startedAt: at(0), members: ["a1", "c1"] });
    expect(Object.keys(progress.outcomes).sort()).toEqual(["a1", "c1"]);
    const before = progressAfterDecision({ previous, shards: [previous], merged, decided, shard: "a", owners, now: 20 * 60_000 });
    expect(Object.keys(before.outcomes).sort()).toEqual(["a1", "b1", "c1"]);
  });

  it("keeps the waves once, in the record of the first shard that took the rollout up", () => {
    const decided: RolloutState = { ...merged, status: "soaking", settled: false, soakStartedAt: at(20) };
    const first = shard("a", { startedAt: at(0) });
    const b = progressAfterDecision({ shards: [first], merged, decided, shard: "b", owners, now: 20 * 60_000 });
    expect(b.waves).toEqual([]);
    expect(progressAfterDecision({ previous: first, shards: [first, b], merged, decided, shard: "a", owners, now: 20 * 60_000 }).waves).toEqual(WAVES);
    expect(progressAfterSettle(b, { ...decided, settled: true }, 21 * 60_000).waves).toEqual([]);
    expect(mergeRollout({ shards: [b, first], owners })!.waves).toEqual(WAVES);
  });

  it("starts afresh for a new release, and records a halt only when its own run decided it", () => {
    const decided: RolloutState = { release: "r2", status: "halted", wave: 0, waves: WAVES, outcomes: { c1: { ...moved(0), result: "reverted" } }, haltReason: "c1 failed" };
    const previous = shard("a", { moved: { 0: at(0) } });
    const progress = progressAfterDecision({ previous, shards: [previous], merged: { ...decided, status: "soaking" }, decided, shard: "a", owners, now: 60 * 60_000 });
    expect(progress).toMatchObject({ release: "r2", startedAt: at(60), moved: {}, halt: { wave: 0, reason: "c1 failed" } });
    expect(progressAfterDecision({ shards: [], merged: decided, decided, shard: "b", owners, now: 0 }).halt).toBeUndefined();
  });

  it("records the landing of a wave its killed up never recorded, when the decision starts the soak now", () => {
    const previous = shard("a", { moved: { 0: at(0) } });
    const unsettled: RolloutState = { release: "r1", status: "soaking", wave: 0, waves: WAVES, outcomes: { c1: moved(0) }, settled: false, soakStartedAt: at(0) };
    const decided = { ...unsettled, settled: true, soakStartedAt: at(12) };
    expect(progressAfterDecision({ previous, shards: [previous], merged: unsettled, decided, shard: "a", owners, now: 12 * 60_000 }).landed).toEqual({ 0: at(12) });
    expect(progressAfterDecision({ shards: [previous], merged: unsettled, decided, shard: "b", owners, now: 12 * 60_000 }).landed).toEqual({});
  });

  it("settles a wave in the up of a shard that declares a member and has not landed it, or applies one again", () => {
    const decided: RolloutState = { release: "r1", status: "soaking", wave: 1, waves: WAVES, outcomes: {}, settled: false };
    expect(settlesWave(decided, shard("a"), owners, new Set())).toBe(true);
    expect(settlesWave(decided, shard("a", { landed: { 1: at(5) } }), owners, new Set())).toBe(false);
    expect(settlesWave(decided, shard("a", { landed: { 1: at(5) } }), owners, new Set(["a1"])) ).toBe(true);
    expect(settlesWave({ ...decided, wave: 0 }, shard("b"), owners, new Set())).toBe(false);
    expect(settlesWave({ ...decided, settled: true }, shard("a"), owners, new Set())).toBe(false);
  });

  it("after its up: the wave landed now, and a halt with the members it sends back", () => {
    const progress = shard("a", { wave: 0, moved: { 0: at(0) }, outcomes: { c1: moved(0) } });
    const settled: RolloutState = { release: "r1", status: "halted", wave: 0, waves: WAVES, outcomes: { c1: { ...moved(0), result: "reverted" } }, settled: true, soakStartedAt: at(1), haltReason: "c1 failed" };
    expect(progressAfterSettle(progress, settled, 60_000)).toMatchObject({ landed: { 0: at(1) }, halt: { wave: 0, reason: "c1 failed", at: at(1) }, outcomes: { c1: { result: "reverted" } }, shard: "a" });
  });
});
