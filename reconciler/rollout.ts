// The stack's rollout for /metrics: after each run, its agent_rollouts record (written by the program with config
// rollout) as the gauges of metrics.ts. The reconciler's timer itself continues a soaking rollout: each full run lets
// the program move the next wave once the soak is over.
import type { PocketBaseSource } from "../lib/tenants/connection";
import { listRollouts } from "../lib/tenants/rollouts";
import type { Metrics, RolloutGauges } from "./metrics";

/** The gauges of the record whose stack is `<organisation>/<project>/<stack>`, matched on project and stack. */
export function rolloutOf(records: Array<{ stack: string; state: { release: string; status: string; wave: number; waves: string[][] } }>, project: string, stackName: string): RolloutGauges | undefined {
  const short = stackName.split("/").pop() ?? stackName;
  const found = records.find((r) => r.stack.endsWith(`/${project}/${short}`));
  return found ? { release: found.state.release, status: found.state.status, wave: found.state.wave, waves: found.state.waves.length } : undefined;
}

/**
 * Reads agent_rollouts and sets the rollout gauges. A PocketBase without the collection (the migration not applied,
 * config rollout never set) clears them: a missing rollout never fails a run.
 */
export async function observeRollout(source: PocketBaseSource, project: string, stackName: string, metrics: Metrics, shard?: string): Promise<void> {
  const records = await listRollouts(source).catch(() => []);
  metrics.setRollout(rolloutOf(records, project, stackName), shard);
}
