// What `npm run rollout` shows and does to the stack's rollout (agent_rollouts): pure, so scripts/rollout.ts only
// reads, writes and prints. In a sharded fleet it shows and steers the merged rollout (program/rollout-merge.ts); a
// steer is written to the fleet's record, which every shard's next run reads.
import { abortRollout, pauseRollout, resumeRollout, type RolloutState } from "./rollout";
import type { ShardProgress } from "./rollout-merge";

export const ROLLOUT_ACTIONS = ["status", "pause", "resume", "abort"] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** A steering action the state does not allow, or one naming another release. */
export class RolloutCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RolloutCommandError";
  }
}

/** The parts of a rollout's key: each `<template>@<version>` it moves, and the platform values' digest. */
export function releaseParts(release: string): string[] {
  return release.split(",").filter(Boolean);
}

/**
 * The state after the operator's action at `now` (milliseconds since the epoch; a resume soaks from then). `release`,
 * when given, must name the rollout: its whole key, or one `<template>@<version>` of it (as `status` shows it), so a
 * command typed for one rollout never steers the next.
 */
export function steerRollout(action: Exclude<RolloutAction, "status">, state: RolloutState | undefined, release?: string, now: number = Date.now()): RolloutState {
  if (!state) throw new RolloutCommandError(`rollout ${action}: this stack has no rollout (none was recorded in agent_rollouts); nothing to ${action}`);
  if (release !== undefined && release !== state.release && !releaseParts(state.release).includes(release)) {
    const parts = releaseParts(state.release).filter((part) => !part.startsWith("platform@"));
    throw new RolloutCommandError(
      `rollout ${action}: ${release} is not part of the stack's rollout ${state.release} (${state.status}); name ${parts.length > 0 ? `one of ${parts.join(", ")}` : "its key"}, or none`,
    );
  }
  const next = action === "pause" ? pauseRollout(state) : action === "resume" ? resumeRollout(state, now) : abortRollout(state);
  if (next === state) throw new RolloutCommandError(`rollout ${action}: the rollout ${state.release} is ${state.status}, which ${action} does not change`);
  return next;
}

/**
 * The rollout as `status --json` prints it: the state, with a halt reason that is history (the rollout was halted,
 * then aborted) as `wasHaltedReason`, so `haltReason` is there only while the rollout is halted.
 */
export function rolloutJson(state: RolloutState | undefined): Record<string, unknown> | null {
  if (!state) return null;
  if (state.status === "halted" || state.haltReason === undefined) return { ...state };
  const { haltReason, ...rest } = state;
  return { ...rest, wasHaltedReason: haltReason };
}

/** The rollout in a few lines: release, status, wave, halt reason, and each wave's tenants with their outcome. */
export function formatRollout(state: RolloutState | undefined, slugs: Map<string, string> = new Map(), updated?: string): string {
  if (!state) return "no rollout recorded for this stack";
  const lines = [
    `rollout ${state.release}: ${state.status}, wave ${Math.min(state.wave + 1, state.waves.length)} of ${state.waves.length}${updated ? ` (updated ${updated})` : ""}`,
    ...(state.soakStartedAt && state.status === "soaking" ? [`  soaking since ${state.soakStartedAt}`] : []),
    ...(state.haltReason ? [`  ${state.status === "halted" ? "halted" : "was halted"}: ${state.haltReason}`] : []),
  ];
  state.waves.forEach((wave, i) => {
    const tenants = wave.map((id) => `${slugs.get(id) ?? id}${state.outcomes[id] ? ` (${state.outcomes[id].result}${state.outcomes[id].result === "reverted" ? ` to ${state.outcomes[id].from.version}` : ""})` : ""}`);
    lines.push(`  wave ${i + 1}: ${tenants.join(", ")}`);
  });
  return lines.join("\n");
}

/** Each shard's part of a sharded fleet's rollout, one line each: the latest wave it moved and saw land, and its halt. */
export function formatShards(shards: ShardProgress[], release: string | undefined): string[] {
  return [...shards].sort((a, b) => (a.shard < b.shard ? -1 : 1)).map((s) => {
    if (s.release !== release) return `  shard ${s.shard}: not yet on this rollout (last: ${s.release}, ${s.status})`;
    const last = (times: Record<string, string> | undefined) => Object.keys(times ?? {}).map(Number).sort((a, b) => a - b).pop();
    const moved = last(s.moved);
    const landed = last(s.landed);
    const parts = [
      moved === undefined ? "moved no wave yet" : `moved wave ${moved + 1} at ${s.moved[String(moved)]}`,
      ...(landed === undefined ? [] : [`landed wave ${landed + 1} at ${s.landed[String(landed)]}`]),
      ...(s.halt ? [`halted wave ${s.halt.wave + 1}: ${s.halt.reason}`] : []),
    ];
    return `  shard ${s.shard}: ${parts.join("; ")}`;
  });
}
