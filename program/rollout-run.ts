// Planning the fleet in a run: as always without config `rollout`; with it, through the stack's rollout
// (program/rollout-fleet.ts), whose state is read from agent_rollouts first and written back by an up that changed
// it (a preview writes nothing). The state is written before the up's steps run, so a wave whose up fails or is
// refused is moved again by the next run (program/rollout.ts: a wave that has not landed).
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../lib/config";
import type { PocketBaseSource } from "../lib/tenants/connection";
import type { Provisioning } from "../lib/tenants/provisioning";
import { getRollout, putRollout } from "../lib/tenants/rollouts";
import type { Tenant } from "../lib/tenants/tenant";
import { planTenants, type FleetPlan } from "./plan";
import type { RolloutState } from "./rollout";
import { planWithRollout } from "./rollout-fleet";

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

/** The fleet's plan for this run. */
export async function planFleet({ source, stack, tenants, records, config, routed, appliedSecrets }: FleetPlanInput): Promise<FleetPlan> {
  if (!config.rollout) return planTenants(tenants, config, routed, appliedSecrets);
  const stored = await getRollout<RolloutState>(source, stack);
  const { fleet, decision } = planWithRollout({ tenants, records, platform: config, routed, appliedSecrets, policy: config.rollout, ...(stored ? { state: stored.state } : {}), now: Date.now() });
  for (const event of decision.events) pulumi.log.info(`rollout: ${event}`);
  if (decision.state && !pulumi.runtime.isDryRun() && JSON.stringify(decision.state) !== JSON.stringify(stored?.state)) await putRollout(source, stack, decision.state);
  return fleet;
}
