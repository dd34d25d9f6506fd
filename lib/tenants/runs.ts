import { PROVISIONING_RUNS_COLLECTION } from "./collections";
import { toSourceError, withSession, type PocketBaseSource } from "./connection";
import { cut } from "./provisioning";

// The reconciler's audit trail: one record per run in `agent_provisioning_runs`. Never a secret: the caller
// scrubs messages before they get here, and nothing else in a record comes from configuration.

export const RUNS_COLLECTION = PROVISIONING_RUNS_COLLECTION;

export type RunResult = "succeeded" | "failed" | "refused" | "cancelled";

/** Tenants a run created, updated (any of their resources changed), deleted, or left the same. */
export interface RunCounts {
  create: number;
  update: number;
  delete: number;
  same: number;
}

export interface RunFailure {
  /** Tenant slug, or "" when the failure concerns the whole stack (a refused preview, a program error). */
  tenant: string;
  message: string;
}

export interface RunRecord {
  /** What started the run, e.g. "realtime", "timer", "api", "startup", joined with "+" when merged. */
  trigger: string;
  /** ISO 8601. */
  started: string;
  ended: string;
  result: RunResult;
  counts: RunCounts;
  failures: RunFailure[];
  /** One line for the Admin Portal: the scope and outcome, or why the run was refused. */
  message: string;
  /** The shard whose stack ran (config shards); absent in an unsharded fleet. */
  shard?: string;
}

const MESSAGE_MAX = 4000;

/** Appends one run record; returns its id. */
export async function recordRun(source: PocketBaseSource, run: RunRecord): Promise<string> {
  const body = {
    trigger: cut(run.trigger, 200),
    started: run.started,
    ended: run.ended,
    result: run.result,
    counts: run.counts,
    failures: run.failures.map((f) => ({ tenant: f.tenant, message: cut(f.message, MESSAGE_MAX) })),
    message: cut(run.message, MESSAGE_MAX),
    ...(run.shard !== undefined ? { shard: cut(run.shard, 20) } : {}),
  };
  try {
    return (await withSession(source, (pb) => pb.collection(RUNS_COLLECTION).create(body))).id;
  } catch (error) {
    throw toSourceError(error, source, { operation: `recording a provisioning run in ${RUNS_COLLECTION}` });
  }
}
