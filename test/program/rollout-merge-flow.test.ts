// A rollout in a fleet of two shards, run through the real decision (program/rollout.ts) and the merge
// (program/rollout-merge.ts): each shard's run decides from the merged state, applies only its own tenants' moves,
// and writes only its own record. Shard a holds the canary c1 and a1; shard b holds b1 and b2.
import { describe, expect, it } from "vitest";
import type { RolloutPolicy } from "../../lib/rollout-config";
import type { AppliedRun } from "../../program/applied-run";
import { decideRollout, settleWave, type Health, type RolloutState, type RolloutTenant } from "../../program/rollout";
import { mergeRollout, progressAfterDecision, progressAfterSettle, settlesWave, type ShardProgress } from "../../program/rollout-merge";

const OLD: AppliedRun = { version: "1.1.0", renderedDigest: "sha256:old" };
const NEW: AppliedRun = { version: "1.2.0", renderedDigest: "sha256:new" };
const MIN = 60_000;
const POLICY: RolloutPolicy = { canaryRing: "canary", fraction: 1, soakMinutes: 10, maxFailures: 0 };
const SHARD_OF: Record<string, string> = { c1: "a", a1: "a", b1: "b", b2: "b" };
const owners = new Map(Object.entries(SHARD_OF));

interface Fleet {
  tenants: RolloutTenant[];
  records: Map<string, ShardProgress>;
  fleetRecord?: RolloutState;
}

function fleet(): Fleet {
  const tenants = Object.keys(SHARD_OF).map((id) => ({ id, slug: id, pinned: false, ownChange: false, applied: OLD, target: NEW, health: "healthy" as Health, ...(id === "c1" ? { ring: "canary" } : {}) }));
  return { tenants, records: new Map() };
}

const merged = (f: Fleet) => mergeRollout({ ...(f.fleetRecord ? { fleet: f.fleetRecord } : {}), shards: [...f.records.values()], owners });

/**
 * Shard `shard`'s run at `minute`: decides from the merged records, writes its own record (before its up), and returns
 * its up, which applies its own tenants' moves and records the wave's outcome half a minute later. `killed`: the up
 * applies, but dies before recording the outcome. `healthOn`: how a tenant runs after the up.
 */
function decide(f: Fleet, shard: string, minute: number) {
  const shards = [...f.records.values()];
  const state = merged(f);
  const decision = decideRollout({ policy: POLICY, release: "openclaw@1.2.0", tenants: f.tenants, ...(state ? { state } : {}), now: minute * MIN });
  const previous = f.records.get(shard);
  const progress = decision.state && progressAfterDecision({ ...(previous ? { previous } : {}), shards, ...(state ? { merged: state } : {}), decided: decision.state, shard, owners, now: minute * MIN });
  if (progress) f.records.set(shard, progress);
  const nextOf = (t: RolloutTenant): AppliedRun => {
    const move = decision.moves.get(t.id)!;
    return move.kind === "target" ? t.target : move.kind === "revert" ? move.to : t.applied!;
  };
  const applying = new Set(f.tenants.filter((t) => nextOf(t).version !== t.applied?.version).map((t) => t.id));
  return (healthOn: (id: string) => Health = () => "healthy", killed = false): { moved: string[]; reverted: string[] } => {
    const moved: string[] = [];
    const reverted: string[] = [];
    if (!decision.state || !progress) return { moved, reverted };
    f.tenants = f.tenants.map((t) => {
      if (SHARD_OF[t.id] !== shard) return t;
      const next = nextOf(t);
      if (next.version !== t.applied?.version) (decision.moves.get(t.id)!.kind === "revert" ? reverted : moved).push(t.id);
      return { ...t, applied: next, health: healthOn(t.id) };
    });
    if (!killed && settlesWave(decision.state, progress, owners, applying)) {
      const own = f.tenants.filter((t) => SHARD_OF[t.id] === shard);
      const settled = settleWave(decision.state, new Map(own.map((t) => [t.id, t.health])), new Map(own.map((t) => [t.id, t.slug])), POLICY, minute * MIN + MIN / 2);
      f.records.set(shard, progressAfterSettle(f.records.get(shard)!, settled, minute * MIN + MIN / 2));
    }
    return { moved, reverted };
  };
}

const run = (f: Fleet, shard: string, minute: number, healthOn?: (id: string) => Health, killed?: boolean) => decide(f, shard, minute)(healthOn, killed);

describe("a rollout across two shards", () => {
  it("moves the canary in its shard, nobody in the other until the canary has soaked, then each shard its own part of the next wave", () => {
    const f = fleet();
    expect(run(f, "a", 0).moved).toEqual(["c1"]);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 0, settled: true });
    expect(run(f, "b", 1).moved).toEqual([]);
    expect(run(f, "b", 9).moved).toEqual([]);
    expect(run(f, "b", 11).moved).toEqual(["b1", "b2"]);
    // Shard b moved its part of wave 2; shard a has not yet: the wave is not moved everywhere, so nothing soaks.
    expect(merged(f)).toMatchObject({ status: "running", wave: 1 });
    expect(run(f, "a", 12).moved).toEqual(["a1"]);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 1, settled: true, soakStartedAt: new Date(12.5 * MIN).toISOString() });
    // The soak counts from the last shard's landing (12.5), not from shard b's (11.5).
    run(f, "b", 22);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 1 });
    run(f, "b", 23);
    expect(merged(f)).toMatchObject({ status: "done" });
    expect(Object.values(merged(f)!.outcomes).map((o) => o.result)).toEqual(["healthy", "healthy", "healthy", "healthy"]);
  });

  it("keeps the wave unsettled while one shard's up is still running, and soaks it from that up's end", () => {
    const f = fleet();
    run(f, "a", 0);
    run(f, "b", 11);
    // Shard a decides its part of wave 2 at minute 12; its up ends at 12.5. Shard b runs in between.
    const upOfA = decide(f, "a", 12);
    expect(run(f, "b", 12.2).moved).toEqual([]);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 1, settled: false });
    expect(upOfA().moved).toEqual(["a1"]);
    expect(merged(f)!.soakStartedAt).toBe(new Date(12.5 * MIN).toISOString());
  });

  it("loses no shard's write when both decide from the same records at once", () => {
    const f = fleet();
    run(f, "a", 0);
    const [upOfA, upOfB] = [decide(f, "a", 11), decide(f, "b", 11)];
    expect(upOfB().moved).toEqual(["b1", "b2"]);
    expect(upOfA().moved).toEqual(["a1"]);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 1, settled: true });
    expect(Object.fromEntries(Object.entries(merged(f)!.outcomes).map(([id, o]) => [id, `${o.result}@${o.wave}`]))).toEqual({ c1: "healthy@0", a1: "moved@1", b1: "moved@1", b2: "moved@1" });
  });

  it("starts the soak at the next run of a shard whose up died before recording the wave's outcome", () => {
    const f = fleet();
    run(f, "a", 0, undefined, true);
    expect(merged(f)).toMatchObject({ status: "soaking", settled: false });
    // Shard b's run does not settle shard a's wave.
    run(f, "b", 11);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 0, settled: false });
    run(f, "a", 12);
    expect(merged(f)).toMatchObject({ status: "soaking", wave: 0, settled: true, soakStartedAt: new Date(12 * MIN).toISOString() });
    expect(run(f, "b", 21).moved).toEqual([]);
    expect(run(f, "b", 22).moved).toEqual(["b1", "b2"]);
  });

  it("halts for both shards when the canary fails: the other shard moves nobody, the canary's shard sends it back", () => {
    const f = fleet();
    run(f, "a", 0, (id) => (id === "c1" ? "failed" : "healthy"));
    expect(merged(f)).toMatchObject({ status: "halted", wave: 0, haltReason: expect.stringContaining("not healthy (maxFailures 0): c1") });
    expect(run(f, "b", 30)).toEqual({ moved: [], reverted: [] });
    expect(run(f, "a", 31)).toEqual({ moved: [], reverted: ["c1"] });
    expect(run(f, "b", 60)).toEqual({ moved: [], reverted: [] });
    expect(merged(f)).toMatchObject({ status: "halted", wave: 0 });
  });

  it("sends back another shard's member that a shard's run found failed, through the merged outcomes", () => {
    const f = fleet();
    run(f, "a", 0);
    run(f, "b", 11);
    run(f, "a", 12, (id) => (id === "a1" ? "pending" : "healthy"));
    // a1 fails after its up recorded it pending: shard b's run judges the wave from the records and halts it.
    f.tenants = f.tenants.map((t) => (t.id === "a1" ? { ...t, health: "failed" } : t));
    expect(run(f, "b", 13)).toEqual({ moved: [], reverted: [] });
    expect(merged(f)).toMatchObject({ status: "halted", wave: 1, haltReason: expect.stringContaining("a1") });
    expect(run(f, "a", 14)).toEqual({ moved: [], reverted: ["a1"] });
    expect(f.tenants.filter((t) => t.applied?.version === NEW.version).map((t) => t.id)).toEqual(["c1", "b1", "b2"]);
  });

  it("goes on with the next wave after the operator's resume, the halt kept as history", () => {
    const f = fleet();
    run(f, "a", 0, (id) => (id === "c1" ? "failed" : "healthy"));
    run(f, "a", 1);
    // npm run rollout -- resume: the fleet's record takes the merged state, resumed.
    const halted = merged(f)!;
    f.fleetRecord = { ...halted, status: "running", wave: 1 };
    delete f.fleetRecord.haltReason;
    expect(merged(f)).toMatchObject({ status: "running", wave: 1 });
    expect(run(f, "b", 2).moved).toEqual(["b1", "b2"]);
    expect(run(f, "a", 3).moved).toEqual(["a1"]);
    expect(merged(f)!.outcomes.c1.result).toBe("reverted");
  });

  it("moves nobody while the operator's pause stands, and soaks the wave again from the resume", () => {
    const f = fleet();
    run(f, "a", 0);
    f.fleetRecord = { ...merged(f)!, status: "paused" };
    expect(run(f, "b", 20).moved).toEqual([]);
    expect(merged(f)).toMatchObject({ status: "paused" });
    f.fleetRecord = { ...merged(f)!, status: "soaking", soakStartedAt: new Date(21 * MIN).toISOString() };
    expect(run(f, "b", 30).moved).toEqual([]);
    expect(run(f, "b", 31).moved).toEqual(["b1", "b2"]);
  });
});
