// What GET /healthz answers: 503 with every reason listed as soon as one condition holds, else 200.
import type { ProbeResult } from "./probe";

export interface HealthLimits {
  intervalMinutes: number;
  maxRunMinutes: number;
  unhealthyAfterIntervals: number;
  lockBusyMinutes: number;
}

export interface HealthState {
  now: number;
  /** When the reconciler started: the "no run succeeded" clock starts here. */
  startedAt: number;
  pocketbase: ProbeResult;
  /** The superuser login the program and the realtime watcher use. */
  login: ProbeResult;
  backend: ProbeResult;
  /** The reconciler's own event loop answered its heartbeat recently, and it is not stopping. */
  loop: boolean;
  running?: { since: number };
  lastSucceededAt?: number;
  /** Since when every run has found the stack locked by another process (undefined once a run got through). */
  lockBusySince?: number;
  /** Pending operations an interrupted run left that the last attempt could not clear. */
  pendingOperations: number;
}

const MINUTE = 60_000;

function ago(ms: number): string {
  const minutes = Math.floor(ms / MINUTE);
  return minutes >= 1 ? `${minutes} min` : `${Math.floor(ms / 1000)} s`;
}

/** Every reason the reconciler is unhealthy right now; none means healthy. */
export function healthProblems(state: HealthState, limits: HealthLimits): string[] {
  return [...serviceProblems(state), ...stackProblems(state, limits)];
}

/** What concerns the whole reconciler: PocketBase, its login, the state backend, the loop. */
export function serviceProblems(state: Pick<HealthState, "pocketbase" | "login" | "backend" | "loop">): string[] {
  const problems: string[] = [];
  if (!state.pocketbase.ok) problems.push(`PocketBase is unreachable: ${state.pocketbase.detail ?? "no answer"}`);
  else if (!state.login.ok) problems.push(`the PocketBase superuser login fails: ${state.login.detail ?? "no answer"}`);
  if (!state.backend.ok) problems.push(`the state backend does not answer (pulumi whoami): ${state.backend.detail ?? "no answer"}`);
  if (!state.loop) problems.push("the reconciler's loop is stopped or blocked");
  return problems;
}

/** What concerns one stack (a shard's, with config shards): its run, its last success, its lock, its pending operations. */
export function stackProblems(state: Omit<HealthState, "pocketbase" | "login" | "backend" | "loop">, limits: HealthLimits): string[] {
  const problems: string[] = [];
  const { now } = state;
  if (state.running && now - state.running.since > limits.maxRunMinutes * MINUTE) {
    problems.push(`a run has been going for ${ago(now - state.running.since)}, over reconcileMaxRunMinutes (${limits.maxRunMinutes})`);
  }
  const succeededClock = state.lastSucceededAt ?? state.startedAt;
  const window = limits.unhealthyAfterIntervals * limits.intervalMinutes * MINUTE;
  if (now - succeededClock > window) {
    problems.push(
      `no run has succeeded for ${ago(now - succeededClock)} (${state.lastSucceededAt === undefined ? "none since the start" : `last at ${new Date(state.lastSucceededAt).toISOString()}`}), ` +
        `over reconcileUnhealthyAfterIntervals (${limits.unhealthyAfterIntervals}) x reconcileIntervalMinutes (${limits.intervalMinutes}); see the run records`,
    );
  }
  if (state.lockBusySince !== undefined && now - state.lockBusySince > limits.lockBusyMinutes * MINUTE) {
    problems.push(`another process has held the stack lock for ${ago(now - state.lockBusySince)}, over reconcileLockBusyMinutes (${limits.lockBusyMinutes}); see the run records for the holder`);
  }
  if (state.pendingOperations > 0) {
    problems.push(`${state.pendingOperations} pending operation(s) from an interrupted run could not be cleared; see the last run record`);
  }
  return problems;
}

/** One stack's run state, as a lane reports it (lane.ts). */
export interface StackRunState {
  running?: { since: number };
  lastSucceededAt?: number;
  lock?: { since: number };
  pendingOperations: number;
}

/** stackProblems of every stack; with shards, each problem names its shard and stack, so a stuck shard is found. */
export function shardProblems(stacks: Array<{ shard?: string; stackName: string; state: StackRunState }>, clock: { now: number; startedAt: number }, limits: HealthLimits): string[] {
  return stacks.flatMap(({ shard, stackName, state }) =>
    stackProblems({ ...clock, running: state.running, lastSucceededAt: state.lastSucceededAt, lockBusySince: state.lock?.since, pendingOperations: state.pendingOperations }, limits).map((problem) =>
      shard === undefined ? problem : `shard ${shard} (stack ${stackName}): ${problem}`,
    ),
  );
}
