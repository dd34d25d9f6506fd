import { describe, expect, it } from "vitest";
import { DEFAULT_ROLLOUT, type RolloutPolicy } from "../../lib/rollout-config";
import type { AppliedRun } from "../../program/applied-run";
import { abortRollout, decideRollout, healthOf, pauseRollout, planWaves, resumeRollout, settleWave, type Health, type RolloutState, type RolloutTenant } from "../../program/rollout";

const OLD: AppliedRun = { version: "1.1.0", renderedDigest: "sha256:old" };
const NEW: AppliedRun = { version: "1.2.0", renderedDigest: "sha256:new" };
const MIN = 60_000;

interface Sim {
  fleet: RolloutTenant[];
  state?: RolloutState;
  /** Tenant ids moved (to the release) and reverted, per run. */
  log: Array<{ at: number; moved: string[]; reverted: string[] }>;
}

function fleetOf(n: number, canaries: string[] = ["t00"], extra: Partial<RolloutTenant> = {}): RolloutTenant[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `t${String(i).padStart(2, "0")}`;
    return { id, slug: `slug-${id}`, pinned: false, ownChange: false, applied: OLD, target: NEW, health: "healthy" as Health, ...(canaries.includes(id) ? { ring: "canary" } : {}), ...extra };
  });
}

/**
 * One run at `minute`: decides, applies what it decided and, at the up's end, records the wave's outcome (settleWave);
 * `healthOn` says how a tenant on the release runs.
 */
function run(sim: Sim, minute: number, healthOn: (id: string, run: AppliedRun) => Health = () => "healthy", policy: RolloutPolicy = DEFAULT_ROLLOUT) {
  const decision = decideRollout({ policy, release: "openclaw@1.2.0", tenants: sim.fleet, state: sim.state, now: minute * MIN });
  const moved: string[] = [];
  const reverted: string[] = [];
  sim.fleet = sim.fleet.map((t) => {
    const move = decision.moves.get(t.id)!;
    const next = move.kind === "target" ? t.target : move.kind === "revert" ? move.to : t.applied!;
    if (next.version !== t.applied?.version) (move.kind === "revert" ? reverted : moved).push(t.id);
    return { ...t, applied: next, health: healthOn(t.id, next) };
  });
  sim.state = decision.state && settleWave(decision.state, new Map(sim.fleet.map((t) => [t.id, t.health])), new Map(sim.fleet.map((t) => [t.id, t.slug])), policy, minute * MIN);
  sim.log.push({ at: minute, moved, reverted });
  return decision;
}

describe("planWaves", () => {
  it("puts the canary ring first, then the fraction (rounded up), then the rest, by id", () => {
    const fleet = fleetOf(9, ["t05", "t07"]);
    expect(planWaves(fleet, DEFAULT_ROLLOUT)).toEqual([["t05", "t07"], ["t00", "t01"], ["t02", "t03", "t04", "t06", "t08"]]);
    expect(planWaves(fleetOf(4, []), { ...DEFAULT_ROLLOUT, fraction: 1 })).toEqual([["t00", "t01", "t02", "t03"]]);
  });
});

describe("decideRollout", () => {
  it("moves a good release in waves and no faster: the canaries, a soak, the fraction, a soak, the rest", () => {
    const sim: Sim = { fleet: fleetOf(9), log: [] };
    for (const minute of [0, 15, 29, 30, 45, 59, 60, 75, 90]) run(sim, minute);
    expect(sim.log.map((r) => [r.at, r.moved])).toEqual([
      [0, ["t00"]], [15, []], [29, []],
      [30, ["t01", "t02"]], [45, []], [59, []],
      [60, ["t03", "t04", "t05", "t06", "t07", "t08"]], [75, []], [90, []],
    ]);
    expect(sim.state).toMatchObject({ status: "done", wave: 3 });
    expect(sim.fleet.every((t) => t.applied?.version === "1.2.0")).toBe(true);
  });

  it("halts a bad release after the canary wave, returns the canaries to the previous version and moves no one else", () => {
    const sim: Sim = { fleet: fleetOf(9, ["t00", "t01"]), log: [] };
    const bad = (_id: string, on: AppliedRun): Health => (on.version === "1.2.0" ? "failed" : "healthy");
    for (const minute of [0, 15, 30, 45, 60, 120]) run(sim, minute, bad);
    expect(sim.log[0]).toEqual({ at: 0, moved: ["t00", "t01"], reverted: [] });
    expect(sim.log[1]).toEqual({ at: 15, moved: [], reverted: ["t00", "t01"] });
    expect(sim.log.slice(2).every((r) => r.moved.length === 0 && r.reverted.length === 0)).toBe(true);
    expect(sim.state).toMatchObject({ status: "halted", wave: 0, outcomes: { t00: { result: "reverted", from: OLD }, t01: { result: "reverted", from: OLD } } });
    expect(sim.state!.haltReason).toContain("2 of 2 tenant(s) of wave 1 not healthy (maxFailures 0): slug-t00, slug-t01");
    expect(sim.fleet.map((t) => [t.applied, t.health])).toEqual(sim.fleet.map(() => [OLD, "healthy"]));
  });

  it("keeps a wave soaking past its soak while a member is still pending, and moves the next once it is healthy", () => {
    // The demo: a 1 min soak, a canary whose record still says "starting" when it ends.
    const short = { ...DEFAULT_ROLLOUT, soakMinutes: 1 };
    const sim: Sim = { fleet: fleetOf(4, ["t00"]), log: [] };
    // Its record says "starting" after the up that moved it and after the next; the one after says healthy.
    const slow = (minute: number) => (id: string, on: AppliedRun): Health => (id === "t00" && on.version === "1.2.0" && minute < 2 ? "pending" : "healthy");
    run(sim, 0, slow(0), short);
    const soaked = run(sim, 1, slow(1), short);
    expect(soaked.events).toEqual(["wave 1 soaked; waiting for slug-t00 to become healthy before the next wave"]);
    run(sim, 2, slow(2), short);
    expect(sim.state).toMatchObject({ status: "soaking", wave: 0 });
    expect(sim.log.flatMap((r) => [...r.moved, ...r.reverted])).toEqual(["t00"]);
    run(sim, 3, slow(3), short);
    expect(sim.log[3]).toEqual({ at: 3, moved: ["t01"], reverted: [] });
    expect(sim.state).toMatchObject({ status: "soaking", wave: 1, outcomes: { t00: { result: "healthy" } } });
  });

  it("counts a member still pending after the soak plus the health timeout as failed, and tolerates maxFailures", () => {
    const pending = (id: string, on: AppliedRun): Health => (id === "t00" && on.version === "1.2.0" ? "pending" : "healthy");
    const strict: Sim = { fleet: fleetOf(4, ["t00", "t01"]), log: [] };
    // Soak 30 min, health timeout 300 s: waited for at 30 and 34, failed at 35.
    for (const minute of [0, 15, 30, 34]) run(strict, minute, pending);
    expect(strict.state).toMatchObject({ status: "soaking", wave: 0 });
    run(strict, 35, pending);
    expect(strict.state).toMatchObject({ status: "halted", wave: 0, outcomes: { t00: { result: "reverted" }, t01: { result: "moved" } } });
    expect(strict.state!.haltReason).toBe("1 of 2 tenant(s) of wave 1 not healthy (maxFailures 0): slug-t00 (slug-t00 still not healthy 30 min + 300 s after the wave landed: soakMinutes plus healthTimeoutSeconds)");
    expect(strict.log[4].reverted).toEqual(["t00"]);
    const quick: Sim = { fleet: fleetOf(4, ["t00", "t01"]), log: [] };
    run(quick, 0, pending);
    const late = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.2.0", tenants: quick.fleet, state: quick.state, now: 31 * MIN, healthTimeoutSeconds: 60 });
    expect(late.state).toMatchObject({ status: "halted" });
    const lenient: Sim = { fleet: fleetOf(4, ["t00", "t01"]), log: [] };
    for (const minute of [0, 15, 30, 35]) run(lenient, minute, pending, { ...DEFAULT_ROLLOUT, maxFailures: 1 });
    expect(lenient.state).toMatchObject({ status: "soaking", wave: 1 });
    expect(lenient.log[3].moved).toEqual(["t02"]);
  });

  it("moves a wave again, and restarts its soak, when the up that moved it did not land", () => {
    const sim: Sim = { fleet: fleetOf(5), log: [] };
    const first = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.2.0", tenants: sim.fleet, now: 0 });
    // The up was refused: every record still shows the old release.
    const again = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.2.0", tenants: sim.fleet, state: first.state, now: 40 * MIN });
    expect(again.moves.get("t00")).toMatchObject({ kind: "target" });
    expect(again.moves.get("t01")).toMatchObject({ kind: "stay" });
    expect(again.state).toMatchObject({ status: "soaking", wave: 0, soakStartedAt: new Date(40 * MIN).toISOString() });
  });

  it("counts the soak from the end of the up that moved the wave, when its outcome is known, not from its start", () => {
    const fleet = fleetOf(4);
    const moved = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet, now: 0 });
    expect(moved.state).toMatchObject({ status: "soaking", settled: false });
    const landed = fleet.map((t) => (t.id === "t00" ? { ...t, applied: NEW } : t));
    const settled = settleWave(moved.state!, new Map([["t00", "healthy"]]), new Map(), DEFAULT_ROLLOUT, 10 * MIN);
    expect(settled).toMatchObject({ status: "soaking", settled: true, soakStartedAt: new Date(10 * MIN).toISOString() });
    const at = (minute: number) => decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: landed, state: settled, now: minute * MIN });
    expect(at(30).state).toMatchObject({ status: "soaking", wave: 0 });
    expect(at(40).state).toMatchObject({ status: "soaking", wave: 1 });
  });

  it("halts a wave whose tenants failed when its up ends, and the next run sends them back", () => {
    const fleet = fleetOf(4);
    const moved = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet, now: 0 });
    const halted = settleWave(moved.state!, new Map([["t00", "failed"]]), new Map([["t00", "slug-t00"]]), DEFAULT_ROLLOUT, 5 * MIN);
    expect(halted).toMatchObject({ status: "halted", haltReason: "1 of 1 tenant(s) of wave 1 not healthy (maxFailures 0): slug-t00", outcomes: { t00: { result: "reverted" } } });
    const next = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet.map((t) => (t.id === "t00" ? { ...t, applied: NEW, health: "failed" as Health } : t)), state: halted, now: 6 * MIN });
    expect(next.moves.get("t00")).toMatchObject({ kind: "revert", to: OLD });
    expect([...next.moves.values()].filter((m) => m.kind === "target")).toEqual([]);
  });

  it("a run killed between moving a wave and recording its outcome: the next run finds it landed and starts the soak then", () => {
    const fleet = fleetOf(4);
    const moved = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet, now: 0 });
    const landed = fleet.map((t) => (t.id === "t00" ? { ...t, applied: NEW } : t));
    const next = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: landed, state: moved.state, now: 20 * MIN });
    expect(next.state).toMatchObject({ status: "soaking", wave: 0, settled: true, soakStartedAt: new Date(20 * MIN).toISOString() });
    expect(next.events.join("\n")).toContain("outcome was not recorded");
    expect(decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: landed, state: next.state, now: 45 * MIN }).state).toMatchObject({ wave: 0 });
    expect(decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: landed, state: next.state, now: 50 * MIN }).state).toMatchObject({ wave: 1 });
  });

  it("a run that moved no wave leaves the recorded soak as it is", () => {
    const state: RolloutState = { release: "r", status: "soaking", wave: 0, waves: [["t00"]], soakStartedAt: new Date(0).toISOString(), settled: true, outcomes: { t00: { wave: 0, from: OLD, result: "moved" } } };
    expect(settleWave(state, new Map([["t00", "failed"]]), new Map(), DEFAULT_ROLLOUT, 20 * MIN)).toBe(state);
  });

  it("never moves a pinned tenant", () => {
    const fleet = fleetOf(3, ["t00"]);
    fleet[1] = { ...fleet[1], pinned: true, target: OLD };
    const sim: Sim = { fleet, log: [] };
    for (const minute of [0, 30, 60, 90]) run(sim, minute);
    expect(sim.log.flatMap((r) => r.moved)).not.toContain("t01");
    expect(sim.fleet[1].applied).toBe(OLD);
    expect(planWaves(fleet, DEFAULT_ROLLOUT).flat()).not.toContain("t01");
  });

  it("a tenant changing its own plan during a rollout applies it at once, at the version it runs", () => {
    const sim: Sim = { fleet: fleetOf(9), log: [] };
    run(sim, 0);
    sim.fleet = sim.fleet.map((t) => (t.id === "t08" ? { ...t, ownChange: true } : t));
    const decision = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.2.0", tenants: sim.fleet, state: sim.state, now: 5 * MIN });
    expect(decision.moves.get("t08")).toEqual({ kind: "stay", version: "1.1.0", reason: "its own change applies at once, at the version it runs" });
    expect(decision.state).toMatchObject({ status: "soaking", wave: 0 });
  });

  it("applies a new tenant at once and leaves a fleet already on the release without a rollout", () => {
    const fleet: RolloutTenant[] = [{ id: "new", slug: "new", pinned: false, ownChange: false, target: NEW, health: "pending" }, ...fleetOf(2, []).map((t) => ({ ...t, applied: NEW }))];
    const decision = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.2.0", tenants: fleet, now: 0 });
    expect(decision.state).toBeUndefined();
    expect([...decision.moves.values()].every((m) => m.kind === "target")).toBe(true);
  });

  it("moves a platform change (same version, another rendered stack) in the same waves", () => {
    const sim: Sim = { fleet: fleetOf(4, ["t00"]).map((t) => ({ ...t, target: { version: "1.1.0", renderedDigest: "sha256:router2" } })), log: [] };
    const d = decideRollout({ policy: DEFAULT_ROLLOUT, release: "router2", tenants: sim.fleet, now: 0 });
    expect([...d.moves].filter(([, m]) => m.kind === "target").map(([id]) => id)).toEqual(["t00"]);
    expect(d.moves.get("t01")).toMatchObject({ kind: "stay", version: "1.1.0" });
  });

  it("moves a change of platform values in waves, a pinned tenant's too, and never its version", () => {
    const was = { aiRouterUrl: "https://ai.test/v1", baseDomain: "agents.test" };
    const now = { aiRouterUrl: "https://ai2.test/v1", baseDomain: "agents.test" };
    const fleet = fleetOf(3, ["t00"]).map((t) => ({ ...t, applied: { ...OLD, platform: was }, target: { ...OLD, platform: now } }));
    fleet[1] = { ...fleet[1], pinned: true, applied: { version: "1.0.0", platform: was }, target: { version: "1.0.0", platform: now } };
    expect(planWaves(fleet, { ...DEFAULT_ROLLOUT, fraction: 0.5 })).toEqual([["t00"], ["t01"], ["t02"]]);
    const d = decideRollout({ policy: DEFAULT_ROLLOUT, release: "platform@x", tenants: fleet, now: 0 });
    expect(d.moves.get("t00")).toMatchObject({ kind: "target" });
    expect(d.moves.get("t01")).toEqual({ kind: "stay", version: "1.0.0", platform: was, reason: "waits for its rollout wave" });
    // Same values: a pinned tenant is not behind, whatever its version.
    expect(planWaves([{ ...fleet[1], target: { version: "1.0.0", platform: was } }], DEFAULT_ROLLOUT)).toEqual([]);
  });

  it("a reverted tenant's move names the rollout, that it halted and why", () => {
    const sim: Sim = { fleet: fleetOf(3, ["t00"]), log: [] };
    run(sim, 0);
    const d = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.2.0", tenants: sim.fleet.map((t) => (t.id === "t00" ? { ...t, health: "failed" as Health } : t)), state: sim.state, now: MIN });
    expect(d.moves.get("t00")).toEqual({
      kind: "revert", to: OLD,
      reason: "rollout openclaw@1.2.0 halted at wave 1 (1 of 1 tenant(s) of wave 1 not healthy (maxFailures 0): slug-t00); returned to what it ran before: version 1.1.0",
    });
  });

  it("a newer release supersedes a rollout under way; a halted one waits for the operator", () => {
    const sim: Sim = { fleet: fleetOf(4), log: [] };
    run(sim, 0);
    const newer = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.3.0", tenants: sim.fleet, state: sim.state, now: MIN });
    expect(newer.state).toMatchObject({ release: "openclaw@1.3.0", status: "soaking", wave: 0 });
    const halted: RolloutState = { ...sim.state!, status: "halted", haltReason: "x" };
    const waiting = decideRollout({ policy: DEFAULT_ROLLOUT, release: "openclaw@1.3.0", tenants: sim.fleet, state: halted, now: MIN });
    expect(waiting.state).toEqual(halted);
    expect([...waiting.moves.values()].filter((m) => m.kind === "target").length).toBe(1);
  });

  it("pause and abort hold every tenant not yet moved; resume soaks the current wave again, then goes on", () => {
    const sim: Sim = { fleet: fleetOf(9), log: [] };
    run(sim, 0);
    sim.state = pauseRollout(sim.state!);
    run(sim, 60);
    expect(sim.log[1].moved).toEqual([]);
    sim.state = resumeRollout(sim.state!, 61 * MIN);
    expect(sim.state).toMatchObject({ status: "soaking", wave: 0, soakStartedAt: new Date(61 * MIN).toISOString() });
    run(sim, 62);
    run(sim, 90);
    expect(sim.log.slice(2).map((r) => r.moved)).toEqual([[], []]);
    run(sim, 91);
    expect(sim.log[4].moved).toEqual(["t01", "t02"]);
    sim.state = abortRollout(sim.state!);
    run(sim, 200);
    expect(sim.log[5].moved).toEqual([]);
    expect(sim.state).toMatchObject({ status: "aborted" });
  });

  it("resume keeps a recorded soak start later than the resume; a pause before its wave moved resumes running", () => {
    const soaking: RolloutState = { release: "r", status: "paused", wave: 1, waves: [["t00"], ["t01"]], soakStartedAt: new Date(50 * MIN).toISOString(), settled: true, outcomes: { t00: { wave: 0, from: OLD, result: "healthy" }, t01: { wave: 1, from: OLD, result: "moved" } } };
    expect(resumeRollout(soaking, 40 * MIN)).toMatchObject({ status: "soaking", soakStartedAt: new Date(50 * MIN).toISOString() });
    const notMoved: RolloutState = { ...soaking, outcomes: { t00: soaking.outcomes.t00 } };
    expect(resumeRollout(notMoved, 40 * MIN)).toMatchObject({ status: "running", wave: 1 });
  });

  it("is deterministic: the same input decides the same, and the input state is not changed", () => {
    const fleet = fleetOf(9, ["t03"]);
    const state = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet, now: 0 }).state!;
    const frozen = structuredClone(state);
    const a = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet, state, now: 31 * MIN });
    const b = decideRollout({ policy: DEFAULT_ROLLOUT, release: "r", tenants: fleet, state, now: 31 * MIN });
    expect(a).toEqual(b);
    expect(state).toEqual(frozen);
  });
});

describe("healthOf", () => {
  it.each([["running:healthy", "healthy"], ["failed", "failed"], ["exited", "failed"], ["running:unhealthy", "failed"], ["starting", "pending"], [undefined, "pending"]] as const)("%s is %s", (status, health) => {
    expect(healthOf(status)).toBe(health);
  });
});
