// The stack's rollout for /metrics: after each run, its agent_rollouts record (written by the program with config
// rollout) as the gauges of metrics.ts. The reconciler's timer itself continues a soaking rollout: each full run lets
// the program move the next wave once the soak is over. In a sharded fleet every lane shows the fleet's rollout as
// the shards decide from it: the merge of the fleet's record and every shard's own (program/rollout-merge.ts).
import type { PocketBaseSource } from "../lib/tenants/connection";
import { listRollouts, ownerOfShardRolloutKey } from "../lib/tenants/rollouts";
import type { RolloutState } from "../program/rollout";
import { mergeRollout, type ShardProgress } from "../program/rollout-merge";
import type { Metrics, RolloutGauges } from "./metrics";

type StoredRecord = { stack: string; state: { release: string; status: string; wave: number; waves: string[][] } };

const gaugesOf = (state: StoredRecord["state"]): RolloutGauges => ({ release: state.release, status: state.status, wave: state.wave, waves: state.waves.length });

/**
 * The gauges of the record whose stack is `<organisation>/<project>/<stack>`, matched on project and stack. With
 * `shard`, `stackName` is that shard's stack (`<fleet stack>.<shard>`): the gauges are of the fleet's merged rollout.
 */
export function rolloutOf(records: StoredRecord[], project: string, stackName: string, shard?: string): RolloutGauges | undefined {
  const short = stackName.split("/").pop() ?? stackName;
  if (shard === undefined) {
    const found = records.find((r) => r.stack.endsWith(`/${project}/${short}`));
    return found ? gaugesOf(found.state) : undefined;
  }
  const fleet = short.endsWith(`.${shard}`) ? short.slice(0, -shard.length - 1) : short;
  const fleetRecord = records.find((r) => r.stack.endsWith(`/${project}/${fleet}`));
  const shards = records.filter((r) => ownerOfShardRolloutKey(r.stack)?.endsWith(`/${project}/${fleet}`));
  const merged = mergeRollout({ ...(fleetRecord ? { fleet: fleetRecord.state as RolloutState } : {}), shards: shards.map((r) => r.state as ShardProgress) });
  return merged ? gaugesOf(merged) : undefined;
}

/**
 * Reads agent_rollouts and sets the rollout gauges. A PocketBase without the collection (the migration not applied,
 * config rollout never set) clears them: a missing rollout never fails a run.
 */
export async function observeRollout(source: PocketBaseSource, project: string, stackName: string, metrics: Metrics, shard?: string): Promise<void> {
  const records = await listRollouts(source).catch(() => []);
  metrics.setRollout(rolloutOf(records, project, stackName, shard), shard);
}
