// Planning the fleet in a run: as always without config `rollout`; with it, through the stack's rollout
// (program/rollout-fleet.ts), whose state is read from agent_rollouts first and written back by an up that changed
// it (a preview writes nothing). It is written twice: before the up's steps run (the wave moved, its outcome not yet
// known: `settled: false`), so a wave whose up fails or is refused is moved again by the next run; and once the up's
// tenant steps are over (recordWaveOutcome), with the soak counted from then and a failed wave halted at once. A run
// killed in between leaves the first: the next run finds the wave landed and starts its soak then
// (program/rollout.ts).
//
// In a sharded fleet (config shards) each shard decides from the merge of the fleet's record and every shard's own
// (program/rollout-merge.ts), and writes only its own record, `<owner>#<shard>`, both times; the fleet's record is
// the operator's alone (npm run rollout).
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../lib/config";
import type { RolloutPolicy } from "../lib/rollout-config";
import type { PocketBaseSource } from "../lib/tenants/connection";
import type { Provisioning } from "../lib/tenants/provisioning";
import { declaringShard, type ShardMap } from "../lib/shards";
import { getRollout, listShardRollouts, putRollout, shardRolloutKey } from "../lib/tenants/rollouts";
import type { Tenant } from "../lib/tenants/tenant";
import { appliedRunOf } from "./applied-run";
import { recordedServer, type PlacementConfig } from "./capacity";
import { planTenants, type FleetPlan } from "./plan";
import type { RolloutState } from "./rollout";
import { planWithRollout, settleFleet } from "./rollout-fleet";
import { mergeRollout, progressAfterDecision, progressAfterSettle, settlesWave, type ShardProgress } from "./rollout-merge";
import { shardRole } from "./shard";

export interface FleetPlanInput {
  source: PocketBaseSource;
  /** `<organisation>/<project>/<stack>`: the key of the stack's agent_rollouts record. */
  stack: string;
  tenants: Tenant[];
  records: Map<string, Provisioning>;
  config: PlatformConfig;
  routed: Map<string, string[]>;
  appliedSecrets: Map<string, Record<string, string>>;
  /** This run's shard (config shards); taken from the stack's name when not given. */
  shard?: string;
}

/** What recording the wave's outcome after the up needs: present only when this up moved a wave. */
export interface RolloutRun {
  source: PocketBaseSource;
  stack: string;
  state: RolloutState;
  tenants: Tenant[];
  policy: RolloutPolicy;
  /** In a sharded fleet: this shard's own record as written before the up, and its key. */
  shard?: { key: string; progress: ShardProgress };
}

/** The fleet's plan for this run, and the rollout whose wave this up moves (for recordWaveOutcome). */
export async function planFleet(input: FleetPlanInput): Promise<FleetPlan & { rollout?: RolloutRun }> {
  const { source, stack, tenants, records, config, routed, appliedSecrets } = input;
  if (!config.rollout) return planTenants(tenants, config, routed, appliedSecrets);
  const shard = config.shards ? (input.shard ?? shardRole(pulumi.getStack(), config.shards).shard) : undefined;
  if (config.shards && shard !== undefined) return planShardFleet({ ...input, shard }, config.shards, config.rollout);
  const stored = await getRollout<RolloutState>(source, stack);
  const { fleet, decision } = planWithRollout({ tenants, records, platform: config, routed, appliedSecrets, policy: config.rollout, ...(stored ? { state: stored.state } : {}), now: Date.now(), ...(config.healthTimeoutSeconds !== undefined ? { healthTimeoutSeconds: config.healthTimeoutSeconds } : {}) });
  for (const event of decision.events) pulumi.log.info(`rollout: ${event}`);
  if (!decision.state || pulumi.runtime.isDryRun()) return fleet;
  if (JSON.stringify(decision.state) !== JSON.stringify(stored?.state)) await putRollout(source, stack, decision.state);
  return decision.state.settled === false ? { ...fleet, rollout: { source, stack, state: decision.state, tenants, policy: config.rollout } } : fleet;
}

/** Tenant id -> the shard that declares it: its recorded server's (none: the home shard's), for every deployed tenant. */
export function rolloutOwners(tenants: Tenant[], records: Map<string, Provisioning>, config: PlacementConfig, shards: ShardMap): Map<string, string> {
  const owners = new Map<string, string>();
  for (const t of tenants) {
    if (!records.has(t.id)) continue;
    const server = recordedServer(records.get(t.id), config);
    const shard = declaringShard(shards, server);
    if (shard !== undefined) owners.set(t.id, shard);
  }
  return owners;
}

/** planFleet in one shard of a sharded fleet: decides from the merged state, writes this shard's record only. */
async function planShardFleet(input: FleetPlanInput & { shard: string }, shards: ShardMap, policy: RolloutPolicy): Promise<FleetPlan & { rollout?: RolloutRun }> {
  const { source, stack, tenants, records, config, routed, appliedSecrets, shard } = input;
  const [fleetRecord, shardRecords] = await Promise.all([getRollout<RolloutState>(source, stack), listShardRollouts<ShardProgress>(source, stack)]);
  const progresses = shardRecords.map((r) => r.state);
  const owners = rolloutOwners(tenants, records, config, shards);
  const merged = mergeRollout({ ...(fleetRecord ? { fleet: fleetRecord.state } : {}), shards: progresses, owners });
  const now = Date.now();
  const { fleet, decision } = planWithRollout({ tenants, records, platform: config, routed, appliedSecrets, policy, ...(merged ? { state: merged } : {}), now, ...(config.healthTimeoutSeconds !== undefined ? { healthTimeoutSeconds: config.healthTimeoutSeconds } : {}) });
  for (const event of decision.events) pulumi.log.info(`rollout (shard ${shard}): ${event}`);
  if (!decision.state || pulumi.runtime.isDryRun()) return fleet;
  const key = shardRolloutKey(stack, shard);
  const previous = progresses.find((p) => p.shard === shard);
  const progress = progressAfterDecision({ ...(previous ? { previous } : {}), shards: progresses, ...(merged ? { merged } : {}), decided: decision.state, shard, owners, now });
  if (JSON.stringify(progress) !== JSON.stringify(previous)) await putRollout(source, key, progress);
  const applying = new Set(fleet.plans.filter((p) => p.recorded?.renderedDigest === undefined || p.recorded.renderedDigest !== appliedRunOf(records.get(p.tenant.id))?.renderedDigest).map((p) => p.tenant.id));
  return settlesWave(decision.state, progress, owners, applying) ? { ...fleet, rollout: { source, stack, state: decision.state, tenants, policy, shard: { key, progress } } } : fleet;
}

/**
 * Once the up's tenant steps are over: the wave's outcome from the status each tenant's stack reported (by tenant id),
 * written to agent_rollouts. Never throws: a PocketBase that does not answer leaves the state written before the up,
 * which the next run continues from (a warning says so). Returns what it recorded, one line.
 */
export async function recordWaveOutcome(run: RolloutRun | undefined, statuses: Map<string, string>): Promise<string> {
  if (!run || pulumi.runtime.isDryRun()) return "";
  const now = Date.now();
  const next = settleFleet(run.state, run.tenants, statuses, run.policy, now);
  const where = run.shard ? ` in shard ${run.shard.progress.shard}` : "";
  const line = next.status === "halted" ? `rollout ${next.release} halted${where}: ${next.haltReason}` : `rollout ${next.release}: wave ${next.wave + 1} landed${where}, soaking since ${next.soakStartedAt}`;
  try {
    if (run.shard) await putRollout(run.source, run.shard.key, progressAfterSettle(run.shard.progress, next, now));
    else await putRollout(run.source, run.stack, next);
    pulumi.log.info(line);
    return line;
  } catch (error) {
    pulumi.log.warn(`rollout: the outcome of wave ${run.state.wave + 1}${where} was not recorded (${error instanceof Error ? error.message : String(error)}); the next run judges it from the tenants' records and starts its soak then`);
    return "";
  }
}
