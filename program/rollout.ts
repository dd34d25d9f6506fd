// Progressive rollouts (issue 21): a change the tenants did not ask for (a template release, a platform value, the
// rendering code under the same version) moves through the fleet in waves (the canary ring, then a fraction, then the
// rest), at most the current wave per run, the next one only after the wave has run healthy for the soak; and it halts
// itself when more than maxFailures tenants of a wave fail, sending those back to what they ran before. A tenant's own
// change (plan, settings, domain, pin) is no part of it: it applies at once, at the version the tenant runs (with the
// current code). Pure and deterministic: the state comes in and goes out; persisting it (agent_rollouts) and the
// operator's pause, resume and abort are the caller's.
import type { RolloutPolicy } from "../lib/rollout-config";
import { sameRenderValues, type AppliedRun, type RenderValues } from "./applied-run";

/** A tenant's health as its record last observed it. */
export type Health = "healthy" | "failed" | "pending";

/** What the decision needs of one deployed or new tenant. */
export interface RolloutTenant {
  id: string;
  slug: string;
  /** The view's `rollout_ring`. */
  ring?: string;
  /** It names its template version (template_version): the rollout never moves its version, only its platform values. */
  pinned: boolean;
  /** It changed something of its own since its last applied run (program/applied-run.ts changedOwnInputs). */
  ownChange: boolean;
  /** What it runs; undefined when never deployed. */
  applied?: AppliedRun;
  /** What it would run now: the latest release with the platform's current values (and, where known, its render digest). */
  target: AppliedRun;
  health: Health;
}

export type RolloutStatus = "running" | "soaking" | "halted" | "paused" | "aborted" | "done";

export interface TenantOutcome {
  wave: number;
  /** What it ran before the rollout moved it: what a halt returns it to. */
  from: AppliedRun;
  result: "moved" | "healthy" | "reverted";
}

/** One rollout, as agent_rollouts would keep it. */
export interface RolloutState {
  /** What it moves the fleet to (the caller's key: the latest versions and the platform values' digest). */
  release: string;
  status: RolloutStatus;
  /** Index into `waves` of the current wave. */
  wave: number;
  /** Tenant ids per wave, fixed when the rollout starts. */
  waves: string[][];
  /** ISO time the current wave's outcome was known (the end of the up that moved it), else the up's start. */
  soakStartedAt?: string;
  /**
   * false from the decision that moves the current wave until the end of that up records its outcome (settleWave);
   * a wave found landed while still false (the run was killed in between) starts its soak at that next run.
   * Absent in states written before it was kept: judged as before.
   */
  settled?: boolean;
  outcomes: Record<string, TenantOutcome>;
  haltReason?: string;
}

/** What a tenant renders this run. */
export type Move =
  /** What it would run now (a new tenant, a pinned one, one already on the release, one in the current wave). */
  | { kind: "target"; reason: string }
  /**
   * Stays at the version and platform values it runs (its own change, if any, applies with them); `render`: the stack
   * it runs, as its record keeps it (program/stored-render.ts), for a tenant without a change of its own.
   */
  | { kind: "stay"; version: string; platform?: RenderValues; render?: string; reason: string }
  /** Back to what it ran before the halted wave moved it. */
  | { kind: "revert"; to: AppliedRun; reason: string };

export interface RolloutDecision {
  /** The state to keep; undefined when no rollout is under way. */
  state?: RolloutState;
  moves: Map<string, Move>;
  /** What changed in this run, one line each (for the log and the record). */
  events: string[];
}

export interface RolloutInput {
  policy: RolloutPolicy;
  release: string;
  tenants: RolloutTenant[];
  state?: RolloutState;
  /** Milliseconds since the epoch. */
  now: number;
  /** The up's health wait (config healthTimeoutSeconds, default 300): bounds how long a wave waits for a pending member. */
  healthTimeoutSeconds?: number;
}

const DEFAULT_HEALTH_TIMEOUT_SECONDS = 300;

/** The same platform values, where both are recorded. */
function samePlatform(a: AppliedRun, b: AppliedRun): boolean {
  return a.platform === undefined || b.platform === undefined || sameRenderValues(a.platform, b.platform);
}

/** Same version and the same platform values. */
function sameRun(a: AppliedRun, b: AppliedRun): boolean {
  return a.version === b.version && samePlatform(a, b);
}

/**
 * Behind by code: the same version and platform values, no change of its own, yet the stack the current code renders
 * differs from the one applied (where both digests are known): the program or a template's files under that version
 * changed. A tenant with a change of its own is not: its change applies at once, with the current code.
 */
export function isBehindByCode(t: RolloutTenant): boolean {
  const { applied, target } = t;
  if (!applied || t.ownChange || applied.renderedDigest === undefined || target.renderedDigest === undefined) return false;
  return applied.version === target.version && samePlatform(applied, target) && applied.renderedDigest !== target.renderedDigest;
}

/**
 * Deployed and behind what it would run now: a pinned tenant only by the platform values its stack was rendered with
 * or by code (its pin is a version; the code under it changed like everyone's).
 */
export function isBehind(t: RolloutTenant): t is RolloutTenant & { applied: AppliedRun } {
  return t.applied !== undefined && ((t.pinned ? !samePlatform(t.applied, t.target) : !sameRun(t.applied, t.target)) || isBehindByCode(t));
}

/** The waves of a new rollout of the tenants behind: the canary ring, then `fraction` of the others (rounded up), then the rest; by id. */
export function planWaves(tenants: RolloutTenant[], policy: RolloutPolicy): string[][] {
  const behind = tenants.filter(isBehind);
  const byId = (a: RolloutTenant, b: RolloutTenant) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const canaries = behind.filter((t) => t.ring === policy.canaryRing).sort(byId).map((t) => t.id);
  const rest = behind.filter((t) => t.ring !== policy.canaryRing).sort(byId).map((t) => t.id);
  const n = Math.ceil(rest.length * policy.fraction);
  return [canaries, rest.slice(0, n), rest.slice(n)].filter((wave) => wave.length > 0);
}

/** Decides which tenants move this run, and the rollout's next state. */
export function decideRollout({ policy, release, tenants, state, now, healthTimeoutSeconds = DEFAULT_HEALTH_TIMEOUT_SECONDS }: RolloutInput): RolloutDecision {
  const events: string[] = [];
  const moves = new Map<string, Move>();
  const byId = new Map(tenants.map((t) => [t.id, t]));
  for (const t of tenants) moves.set(t.id, baseMove(t));

  let s = state ? structuredClone(state) : undefined;
  // A newer release supersedes a rollout under way; a halted or paused one waits for the operator.
  if (s && s.release !== release && !["halted", "paused"].includes(s.status)) {
    events.push(`rollout ${s.release} superseded by ${release}`);
    s = undefined;
  }
  if (!s) {
    const waves = planWaves(tenants, policy);
    if (waves.length === 0) return { state: state && state.release === release ? state : undefined, moves, events };
    s = { release, status: "running", wave: 0, waves, outcomes: {} };
    events.push(`rollout ${release} starts: ${waves.map((w) => w.length).join(" + ")} tenant(s) in ${waves.length} wave(s)`);
  }

  const wave = () => s!.waves[s!.wave] ?? [];
  const moveWave = () => {
    for (const id of wave()) {
      const t = byId.get(id);
      if (!t || !isBehind(t)) continue;
      s!.outcomes[id] = { wave: s!.wave, from: t.applied, result: "moved" };
      moves.set(id, { kind: "target", reason: `wave ${s!.wave + 1} of rollout ${release}` });
    }
    s!.status = "soaking";
    s!.soakStartedAt = new Date(now).toISOString();
    s!.settled = false;
    events.push(`wave ${s!.wave + 1}/${s!.waves.length} moves: ${wave().map((id) => byId.get(id)?.slug ?? id).join(", ")}`);
  };

  if (s.status === "soaking") {
    const members = wave().filter((id) => s!.outcomes[id]?.wave === s!.wave && byId.has(id));
    // A member whose record does not show the move yet (the up that moved it failed or was refused) is moved again,
    // and the soak counts from now.
    const landed = members.every((id) => !isBehind(byId.get(id)!));
    if (!landed) {
      s.soakStartedAt = new Date(now).toISOString();
      s.settled = false;
    } else if (s.settled === false) {
      // Landed, yet the up that moved it never recorded its outcome (killed in between): the soak counts from now.
      s.soakStartedAt = new Date(now).toISOString();
      s.settled = true;
      events.push(`wave ${s.wave + 1}'s outcome was not recorded by the run that moved it: its soak starts now`);
    }
    const soakedFor = now - Date.parse(s.soakStartedAt ?? new Date(now).toISOString());
    const soaked = soakedFor >= policy.soakMinutes * 60_000;
    // A member still pending (its record says "starting", say) when the soak ends is waited for, not counted as failed:
    // a short soak must not halt a healthy release. The wait is bounded: when the up's health wait gives up it records
    // the service's own status (record mode keeps "starting"), which stays pending for ever, so a member pending past
    // the soak plus the health timeout never came up and counts as failed.
    const overdue = soakedFor >= policy.soakMinutes * 60_000 + healthTimeoutSeconds * 1000;
    const healthOfMember = (id: string): Health => (byId.get(id)!.health === "pending" && overdue ? "failed" : byId.get(id)!.health);
    const failed = members.filter((id) => healthOfMember(id) === "failed");
    const pending = members.filter((id) => healthOfMember(id) === "pending");
    if (!landed) {
      events.push(`wave ${s.wave + 1} has not landed on every tenant yet: moved again, soak restarts`);
    } else if (failed.length > policy.maxFailures) {
      for (const id of failed) s.outcomes[id].result = "reverted";
      s.status = "halted";
      const late = failed.filter((id) => byId.get(id)!.health === "pending");
      s.haltReason = `${failed.length} of ${members.length} tenant(s) of wave ${s.wave + 1} not healthy (maxFailures ${policy.maxFailures}): ${failed.map((id) => byId.get(id)!.slug).join(", ")}${late.length > 0 ? ` (${late.map((id) => byId.get(id)!.slug).join(", ")} still not healthy ${policy.soakMinutes} min + ${healthTimeoutSeconds} s after the wave landed: soakMinutes plus healthTimeoutSeconds)` : ""}`;
      events.push(`rollout ${s.release} halted: ${s.haltReason}`);
    } else if (soaked && pending.length > 0) {
      events.push(`wave ${s.wave + 1} soaked; waiting for ${pending.map((id) => byId.get(id)!.slug).join(", ")} to become healthy before the next wave`);
    } else if (soaked) {
      for (const id of members) s.outcomes[id] = healthyOutcome(s.outcomes[id]);
      s.wave += 1;
      s.status = s.wave < s.waves.length ? "running" : "done";
      if (s.status === "done") events.push(`rollout ${s.release} done`);
    }
  }
  if (s.status === "running") {
    // A wave whose tenants are all gone or no longer behind is passed over.
    while (s.wave < s.waves.length && !wave().some((id) => byId.has(id) && isBehind(byId.get(id)!))) s.wave += 1;
    if (s.wave < s.waves.length) moveWave();
    else s.status = "done";
  }

  for (const [id, outcome] of Object.entries(s.outcomes)) {
    // Moved and not sent back: it keeps the release even before its record says so (an apply that did not land).
    if (outcome.result !== "reverted" && byId.has(id) && s.release === release) moves.set(id, { kind: "target", reason: `moved by wave ${outcome.wave + 1} of rollout ${release}` });
    if (outcome.result === "reverted" && byId.has(id)) moves.set(id, { kind: "revert", to: outcome.from, reason: revertReason(s, outcome) });
  }
  // After the last wave, a tenant that fell behind since the waves were fixed (none of its own) moves too.
  if (s.status === "done" && s.release === release) {
    for (const t of tenants) if (isBehind(t) && moves.get(t.id)?.kind === "stay") moves.set(t.id, { kind: "target", reason: `rollout ${release} done` });
  }
  return { state: s, moves, events };
}

function baseMove(t: RolloutTenant): Move {
  if (!t.applied) return { kind: "target", reason: "new tenant" };
  if (!isBehind(t)) return { kind: "target", reason: t.pinned ? "pinned to its own version" : "runs the release" };
  // Its own change renders with the current code: the stored render cannot take a new input.
  const render = !t.ownChange && t.applied.render !== undefined ? { render: t.applied.render } : {};
  return { kind: "stay", version: t.applied.version, ...(t.applied.platform ? { platform: t.applied.platform } : {}), ...render, reason: t.ownChange ? "its own change applies at once, at the version it runs" : "waits for its rollout wave" };
}

/** A member of a healthy wave: what it ran before is no longer needed to send it back, so its stored render is dropped (the state stays small). */
function healthyOutcome(outcome: TenantOutcome): TenantOutcome {
  const { render: _render, ...from } = outcome.from;
  return { ...outcome, from, result: "healthy" };
}

/** What a reverted tenant's record says (its status_reason): the rollout, that it halted, why, and what it runs again. */
function revertReason(s: RolloutState, outcome: TenantOutcome): string {
  const why = s.status === "halted" && s.haltReason ? s.haltReason : `wave ${outcome.wave + 1} did not become healthy`;
  return `rollout ${s.release} halted at wave ${outcome.wave + 1} (${why}); returned to what it ran before: version ${outcome.from.version}${outcome.from.platform ? ", with the platform values it ran with" : ""}${outcome.from.render ? ", the stack as its record kept it" : ""}`;
}

/**
 * The rollout once the up that moved its current wave is over, from each member's health as that up left it: the soak
 * counts from now, when the wave's outcome is known (not from the up's start), and more than maxFailures failed
 * members halt it at once, recorded before the next run sends them back. Unchanged when this up moved no wave.
 */
export function settleWave(state: RolloutState, health: Map<string, Health>, slugs: Map<string, string>, policy: RolloutPolicy, now: number): RolloutState {
  if (state.status !== "soaking" || state.settled !== false) return state;
  const s = structuredClone(state);
  const members = (s.waves[s.wave] ?? []).filter((id) => s.outcomes[id]?.wave === s.wave && s.outcomes[id].result === "moved" && health.has(id));
  const failed = members.filter((id) => health.get(id) === "failed");
  s.settled = true;
  s.soakStartedAt = new Date(now).toISOString();
  if (failed.length > policy.maxFailures) {
    for (const id of failed) s.outcomes[id].result = "reverted";
    s.status = "halted";
    s.haltReason = `${failed.length} of ${members.length} tenant(s) of wave ${s.wave + 1} not healthy (maxFailures ${policy.maxFailures}): ${failed.map((id) => slugs.get(id) ?? id).join(", ")}`;
  }
  return s;
}

/** The operator's `pause`: a running or soaking rollout moves no further tenant. */
export function pauseRollout(state: RolloutState): RolloutState {
  return ["running", "soaking"].includes(state.status) ? { ...state, status: "paused" } : state;
}

/**
 * The operator's `resume`: a halted rollout goes on with its next wave in the next run; a paused one whose current wave
 * was moved soaks that wave again, from the resume (or from its recorded soak start, if later) before the next moves.
 */
export function resumeRollout(state: RolloutState, now: number): RolloutState {
  if (state.status === "paused") {
    const moved = Object.values(state.outcomes).some((o) => o.wave === state.wave);
    if (!moved) return { ...state, status: "running" };
    const recorded = state.soakStartedAt ? Date.parse(state.soakStartedAt) : now;
    return { ...state, status: "soaking", soakStartedAt: new Date(Math.max(now, recorded)).toISOString() };
  }
  if (state.status !== "halted") return state;
  const { haltReason: _reason, ...rest } = state;
  return { ...rest, status: "running", wave: state.wave + 1 };
}

/** The operator's `abort`: no further tenant moves for this release; the next release starts a new rollout. */
export function abortRollout(state: RolloutState): RolloutState {
  return state.status === "done" ? state : { ...state, status: "aborted" };
}

/** `running:healthy` is healthy; a failed, exited or unhealthy status failed; anything else is still pending. */
export function healthOf(status: string | undefined): Health {
  const s = (status ?? "").toLowerCase();
  if (s === "running:healthy" || s === "running") return "healthy";
  if (/failed|exited|unhealthy|degraded|error/.test(s)) return "failed";
  return "pending";
}
