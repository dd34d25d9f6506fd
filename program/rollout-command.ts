// What `npm run rollout` shows and does to the stack's rollout (agent_rollouts): pure, so scripts/rollout.ts only
// reads, writes and prints.
import { abortRollout, pauseRollout, resumeRollout, type RolloutState } from "./rollout";

export const ROLLOUT_ACTIONS = ["status", "pause", "resume", "abort"] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

/** A steering action the state does not allow, or one naming another release. */
export class RolloutCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RolloutCommandError";
  }
}

/**
 * The state after the operator's action. `release`, when given, must be the rollout's own (`<template>@<version>`, as
 * `status` shows it), so a command typed for one rollout never steers the next.
 */
export function steerRollout(action: Exclude<RolloutAction, "status">, state: RolloutState | undefined, release?: string): RolloutState {
  if (!state) throw new RolloutCommandError(`rollout ${action}: this stack has no rollout (none was recorded in agent_rollouts); nothing to ${action}`);
  if (release !== undefined && release !== state.release) {
    throw new RolloutCommandError(`rollout ${action}: the stack's rollout is ${state.release}, not ${release}; run \`npm run rollout -- status\` and name that one, or none`);
  }
  const next = action === "pause" ? pauseRollout(state) : action === "resume" ? resumeRollout(state) : abortRollout(state);
  if (next === state) throw new RolloutCommandError(`rollout ${action}: the rollout ${state.release} is ${state.status}, which ${action} does not change`);
  return next;
}

/** The rollout in a few lines: release, status, wave, halt reason, and each wave's tenants with their outcome. */
export function formatRollout(state: RolloutState | undefined, slugs: Map<string, string> = new Map(), updated?: string): string {
  if (!state) return "no rollout recorded for this stack";
  const lines = [
    `rollout ${state.release}: ${state.status}, wave ${Math.min(state.wave + 1, state.waves.length)} of ${state.waves.length}${updated ? ` (updated ${updated})` : ""}`,
    ...(state.soakStartedAt && state.status === "soaking" ? [`  soaking since ${state.soakStartedAt}`] : []),
    ...(state.haltReason ? [`  halted: ${state.haltReason}`] : []),
  ];
  state.waves.forEach((wave, i) => {
    const tenants = wave.map((id) => `${slugs.get(id) ?? id}${state.outcomes[id] ? ` (${state.outcomes[id].result}${state.outcomes[id].result === "reverted" ? ` to ${state.outcomes[id].from.version}` : ""})` : ""}`);
    lines.push(`  wave ${i + 1}: ${tenants.join(", ")}`);
  });
  return lines.join("\n");
}
