// Planning the fleet in a run: as always without config `rollout`; with it, through the stack's rollout
// (program/rollout-fleet.ts), whose state is read from agent_rollouts first and written back by an up that changed
// it (a preview writes nothing). It is written twice: before the up's steps run (the wave moved, its outcome not yet
// known: `settled: false`), so a wave whose up fails or is refused is moved again by the next run; and once the up's
// tenant steps are over (recordWaveOutcome), with the soak counted from then and a failed wave halted at once. A run
// killed in between leaves the first: the next run finds the wave landed and starts its soak then
// (program/rollout.ts).
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../lib/config";
import type { RolloutPolicy } from "../lib/rollout-config";
import type { PocketBaseSource } from "../lib/tenants/connection";
import type { Provisioning } from "../lib/tenants/provisioning";
import { getRollout, putRollout } from "../lib/tenants/rollouts";
import type { Tenant } from "../lib/tenants/tenant";
import { planTenants, type FleetPlan } from "./plan";
import type { RolloutState } from "./rollout";
import { planWithRollout, settleFleet } from "./rollout-fleet";

export interface FleetPlanInput {
  source: PocketBaseSource;
  /** `<organisation>/<project>/<stack>`: the key of the stack's agent_rollouts record. */
  stack: string;
  tenants: Tenant[];
  records: Map<string, Provisioning>;
  config: PlatformConfig;
  routed: Map<string, string[]>;
  appliedSecrets: Map<string, Record<string, string>>;
}

/** What recording the wave's outcome after the up needs: present only when this up moved a wave. */
export interface RolloutRun {
  source: PocketBaseSource;
  stack: string;
  state: RolloutState;
  tenants: Tenant[];
  policy: RolloutPolicy;
}

/** The fleet's plan for this run, and the rollout whose wave this up moves (for recordWaveOutcome). */
export async function planFleet({ source, stack, tenants, records, config, routed, appliedSecrets }: FleetPlanInput): Promise<FleetPlan & { rollout?: RolloutRun }> {
  if (!config.rollout) return planTenants(tenants, config, routed, appliedSecrets);
  const stored = await getRollout<RolloutState>(source, stack);
  const { fleet, decision } = planWithRollout({ tenants, records, platform: config, routed, appliedSecrets, policy: config.rollout, ...(stored ? { state: stored.state } : {}), now: Date.now(), ...(config.healthTimeoutSeconds !== undefined ? { healthTimeoutSeconds: config.healthTimeoutSeconds } : {}) });
  for (const event of decision.events) pulumi.log.info(`rollout: ${event}`);
  if (!decision.state || pulumi.runtime.isDryRun()) return fleet;
  if (JSON.stringify(decision.state) !== JSON.stringify(stored?.state)) await putRollout(source, stack, decision.state);
  return decision.state.settled === false ? { ...fleet, rollout: { source, stack, state: decision.state, tenants, policy: config.rollout } } : fleet;
}

/**
 * Once the up's tenant steps are over: the wave's outcome from the status each tenant's stack reported (by tenant id),
 * written to agent_rollouts. Never throws: a PocketBase that does not answer leaves the state written before the up,
 * which the next run continues from (a warning says so). Returns what it recorded, one line.
 */
export async function recordWaveOutcome(run: RolloutRun | undefined, statuses: Map<string, string>): Promise<string> {
  if (!run || pulumi.runtime.isDryRun()) return "";
  const next = settleFleet(run.state, run.tenants, statuses, run.policy, Date.now());
  const line = next.status === "halted" ? `rollout ${next.release} halted: ${next.haltReason}` : `rollout ${next.release}: wave ${next.wave + 1} landed, soaking since ${next.soakStartedAt}`;
  try {
    await putRollout(run.source, run.stack, next);
    pulumi.log.info(line);
    return line;
  } catch (error) {
    pulumi.log.warn(`rollout: the outcome of wave ${run.state.wave + 1} was not recorded (${error instanceof Error ? error.message : String(error)}); the next run judges it from the tenants' records and starts its soak then`);
    return "";
  }
}
