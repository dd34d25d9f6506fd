// One stack's runs: its queue (one run at a time), its lock handling, its scope planning against its own state, its
// records. Unsharded, the reconciler has one lane, the fleet stack; with config shards, one per shard stack, each
// entering the fleet's gate (gate.ts) before it runs.
import { ConcurrentUpdateError, type Stack } from "@pulumi/pulumi/automation";
import { loadTenants } from "../lib/tenants/load";
import { writeObservations, type Observation } from "../lib/tenants/observations";
import { getProvisioning, listProvisioning, type Provisioning } from "../lib/tenants/provisioning";
import { recordRun, type RunRecord } from "../lib/tenants/runs";
import type { Tenant } from "../lib/tenants/tenant";
import { observeCapacity, type serverFleetOf } from "./capacity";
import { forOperatorShell, scrubSecrets, type ReconcilerConfig } from "./config";
import { plainMessage, runEngine, withEnv, type EngineOutcome } from "./engine";
import type { Pass, RunGate } from "./gate";
import { deleteLocalLock, judgeLock, parseLockHolders } from "./lock";
import { shardLabel, type Metrics } from "./metrics";
import { allowEnv, RunQueue, type Change, type RunRequest } from "./queue";
import { observeRollout } from "./rollout";
import { planScope, readDeployed, slugOf, withSlugs, type Deployed, type Scope } from "./scope";
import { splitForeign, undeclaredNewTenants, tenantShards, type ShardedFleet, type TenantShard } from "./shard-routing";

export interface RunSummary extends RunRecord {
  scope: string;
}

/** What every lane of one reconciler shares. */
export interface LaneContext {
  config: ReconcilerConfig;
  project: string;
  fleet: ReturnType<typeof serverFleetOf>;
  metrics: Metrics;
  gate: RunGate;
  /** Set with config shards: a lane then plans and observes only its shard's tenants. */
  sharded?: ShardedFleet;
  /** Tenant slug -> when its oldest unapplied change was seen. */
  changedAt: Map<string, number>;
  /** Runs finished since start, every lane's (the last 100). */
  finished: RunSummary[];
  /** Routes a request again (shard-routing.ts): what a lane found, with fresh records, to be another shard's. */
  reroute(request: RunRequest): void;
  stopping(): boolean;
  log(line: string): void;
}

export interface LaneOptions {
  stack: Stack;
  stackName: string;
  /** Undefined in an unsharded fleet. */
  shard?: string;
  /** A shard's stack runs with its fleet's config file. */
  configFile?: string;
}

/** One stack's state for /healthz (health.ts stackProblems) and its body. */
export interface LaneHealth {
  running?: { since: number; trigger: string };
  lastSucceededAt?: number;
  lock?: { since: number; holders: string[] };
  pendingOperations: number;
  queueDepth: number;
  lastRun?: RunSummary;
}

export interface Lane {
  shard?: string;
  stackName: string;
  stack: Stack;
  queue: RunQueue;
  readonly recovered: number;
  health(): LaneHealth;
  /** Cancels the run in progress cleanly and drops what waits. */
  stop(): Promise<void>;
}

const BUSY_RETRY_MS = 30_000;

function resourceText(counts: RunRecord["counts"]): string {
  return `create ${counts.create}, update ${counts.update}, delete ${counts.delete}, same ${counts.same}`;
}

export function scopeText(scope: Scope): string {
  if (scope.kind === "targeted") return `targeted: ${scope.tenants.join(", ")}`;
  return `${scope.kind}: ${scope.reason}`;
}

/**
 * Whether a run of this scope may place a new tenant: a targeted one that adds a tenant; a full one while the fleet has
 * a tenant to place (not cancelled, no write-back record: new, or refused before), or when `records` (the fleet's,
 * sharded only) are unknown. Full runs of a placed fleet (the start, the timer) then go in parallel, not one at a time
 * behind the placement lock: 40 shards took 13 minutes in a row.
 */
export function mayPlace(scope: Scope, deployed: Deployed | undefined, tenants: Tenant[] | undefined, records?: ReadonlyMap<string, unknown>): boolean {
  if (scope.kind === "none") return false;
  if (scope.kind === "full") return tenants === undefined || records === undefined || tenants.some((t) => t.status !== "cancelled" && !records.has(t.id));
  if (deployed === undefined || tenants === undefined) return true;
  const components = withSlugs(deployed, tenants).components;
  return scope.tenants.some((slug) => !components.has(slug));
}

export function createLane(ctx: LaneContext, options: LaneOptions): Lane {
  const { config, metrics } = ctx;
  const { stack, shard, stackName } = options;
  const prefix = shard === undefined ? "" : `[${shard}] `;
  const say = (line: string) => ctx.log(`${prefix}${scrubSecrets(line, config.secrets)}`);
  const forOperator = (text: string) => forOperatorShell(scrubSecrets(text, config.secrets), stackName);
  const labels = shardLabel(shard);
  let recovered = 0;
  let pendingStuck = 0;
  let lastSucceededAt: number | undefined;
  let lockBusy: { since: number; holders: string[] } | undefined;
  let current: { controller: AbortController; since?: number; request: RunRequest } | undefined;
  const statuses = new Map<string, string>();

  const queue: RunQueue = new RunQueue({ debounceMs: config.debounceSeconds * 1000, maxWaitMs: Math.max(30_000, config.debounceSeconds * 6000), execute: (request) => execute(request) });

  const noteChanges = (changes: Change[], tenants: Tenant[]) => {
    for (const change of changes) {
      const slugs = change.collection === "tenants" ? tenants.filter((t) => t.id === change.id) : change.collection === "plans" ? tenants.filter((t) => t.plan.id === change.id) : [];
      for (const { slug } of slugs) if (!ctx.changedAt.has(slug)) ctx.changedAt.set(slug, change.seenAt);
    }
  };

  /**
   * Tenant id -> shard with the records as they are now (read beside the tenants); undefined unsharded, or when the
   * records cannot be read.
   */
  const shardsNow = (tenants: Tenant[], records: PromiseSettledResult<Map<string, Provisioning>>): Map<string, TenantShard> | undefined => {
    if (ctx.sharded === undefined) return undefined;
    if (records.status === "rejected") {
      say(`reading the write-back records failed (${records.reason instanceof Error ? records.reason.message : String(records.reason)}); running in full`);
      return undefined;
    }
    return tenantShards(ctx.sharded, tenants, records.value);
  };

  /** Writes what the run left of the tenants in scope; returns the slugs its state holds and those that failed. */
  const observe = async (scope: Scope, outcome: EngineOutcome, tenants: Tenant[], all: Tenant[], anywhere: string[] = []): Promise<{ declared: Set<string>; failed: Set<string> }> => {
    const desired = tenants.filter((t) => t.status !== "cancelled");
    const targeted = scope.kind === "targeted" ? desired.filter((t) => scope.tenants.includes(t.slug)) : desired;
    // From the state rather than the stack outputs: a failed tenant can keep the program from registering outputs.
    // The up's own events carry what it recorded of the tenants it stepped; the state is exported only when they
    // leave a tenant in scope out (a full run's preview without changes, a failed step).
    const fromEvents = withSlugs(readDeployed({ resources: outcome.stepped ?? [] }), all).serviceStatus;
    const covered = targeted.every((t) => fromEvents.has(t.slug) || outcome.failures.some((f) => f.tenant && slugOf(f.tenant, all) === t.slug));
    const recorded = covered ? fromEvents : withSlugs(readDeployed((await stack.exportStack()).deployment), all).serviceStatus;
    // A tenant sent to every shard is observed only by the shard that declared it: the others would write "unknown".
    const inScope = targeted.filter((t) => !anywhere.includes(t.id) || recorded.has(t.slug) || outcome.failures.some((f) => f.tenant && slugOf(f.tenant, all) === t.slug));
    const failed = new Map(outcome.failures.filter((f) => f.tenant).map((f) => [slugOf(f.tenant, all), scrubSecrets(f.message, config.secrets)]));
    const now = new Date();
    const observations: Observation[] = inScope.map((t) => ({
      tenantId: t.id,
      status: failed.has(t.slug) ? "failed" : (recorded.get(t.slug) ?? "unknown"),
      lastError: failed.get(t.slug) ?? "",
      observedAt: now.toISOString(),
    }));
    // The capacity and rollout gauges read what the run wrote, not the observations: all three at once.
    const gauges = Promise.all([observeCapacity(ctx.fleet, config.pocketbase, all, metrics), observeRollout(config.pocketbase, ctx.project, stackName, metrics, shard)]);
    gauges.catch(() => undefined);
    await writeObservations(config.pocketbase, observations);
    for (const slug of statuses.keys()) if (!desired.some((t) => t.slug === slug)) statuses.delete(slug);
    inScope.forEach((t, i) => statuses.set(t.slug, observations[i].status));
    metrics.setTenantStatuses(statuses.values(), shard);
    await gauges;
    for (const t of inScope) {
      const since = ctx.changedAt.get(t.slug);
      if (since !== undefined && statuses.get(t.slug) === "running:healthy") {
        metrics.changeToHealthy.observe(labels, (now.getTime() - since) / 1000);
        ctx.changedAt.delete(t.slug);
      }
    }
    return { declared: new Set(recorded.keys()), failed: new Set(failed.keys()) };
  };

  async function execute(request: RunRequest): Promise<void> {
    const controller = new AbortController();
    current = { controller, request };
    let pass: Pass | undefined;
    try {
      // A full run learns whether it may place once it has read the fleet (mayPlace), as a targeted one does.
      pass = await ctx.gate.enter(request.placing === true);
      if (controller.signal.aborted) return;
      current.since = Date.now();
      await reconcile(request, controller, pass);
    } finally {
      pass?.release();
      current = undefined;
    }
  }

  /**
   * Clears the locks a concurrent-update refusal names when every holder is provably dead (lock.ts); true when
   * cleared, so the operation can be tried again. Each clearing is logged and noted for the run record.
   */
  const clearStaleLocks = async (refusal: string | undefined, notes: string[]): Promise<boolean> => {
    const holders = parseLockHolders(refusal ?? "");
    if (holders.length === 0) return false;
    const verdicts = holders.map((holder) => judgeLock(holder, { now: Date.now(), staleAfterMs: config.staleLockMinutes * 60_000 }));
    if (!verdicts.every((v) => v.dead)) {
      const since = lockBusy?.since ?? Date.now();
      lockBusy = { since, holders: verdicts.filter((v) => !v.dead).map((v) => v.reason) };
      notes.push(`the stack is locked: ${lockBusy.holders.join("; ")}`);
      return false;
    }
    let cancelled = false;
    for (const verdict of verdicts) {
      try {
        let how = "deleted";
        if (!(await deleteLocalLock(verdict.holder.url))) {
          if (!cancelled) await stack.cancel();
          cancelled = true;
          how = "removed with pulumi cancel";
        }
        const line = `cleared a stale stack lock (${how} ${verdict.holder.url}): ${verdict.reason}`;
        say(line);
        notes.push(line);
      } catch (error) {
        const line = `clearing the stale stack lock ${verdict.holder.url} failed: ${error instanceof Error ? error.message : String(error)}`;
        say(line);
        notes.push(line);
        return false;
      }
    }
    return true;
  };

  /**
   * Clears the pending operations a killed run left in the state (refresh --clear-pending-creates; the providers
   * adopt what a lost create made). Undefined when cleared; otherwise the outcome that ends this run.
   */
  const clearPendingOperations = async (count: number, signal: AbortSignal, notes: string[]): Promise<EngineOutcome | undefined> => {
    say(`the state has ${count} pending operation(s) from an interrupted run; refreshing with --clear-pending-creates`);
    const refresh = { clearPendingCreates: true, signal, ...(options.configFile ? { configFile: options.configFile } : {}) };
    const attempt = () => stack.refresh(refresh).then(() => undefined, (error: unknown) => error);
    let error = await attempt();
    if (error instanceof ConcurrentUpdateError && (await clearStaleLocks(plainMessage(error.message), notes))) error = await attempt();
    const none = { create: 0, update: 0, delete: 0, same: 0 };
    if (error === undefined) {
      recovered += count;
      pendingStuck = 0;
      notes.push(`cleared ${count} pending operation(s) an interrupted run left (refresh --clear-pending-creates)`);
      return undefined;
    }
    pendingStuck = count;
    const base = { counts: none, resources: none, updated: false };
    if (signal.aborted) return { ...base, result: "cancelled", failures: [], message: "stopped by a signal while clearing pending operations" };
    if (error instanceof ConcurrentUpdateError) {
      return { ...base, result: "busy", failures: [], lock: plainMessage(error.message), message: `${count} pending operation(s) from an interrupted run wait: another update holds the stack` };
    }
    const text = plainMessage(error instanceof Error ? error.message : String(error)).split("\n").filter((l) => /error:/i.test(l)).slice(0, 5).join("\n") || String(error).slice(0, 500);
    return {
      ...base,
      result: "failed",
      failures: [{ tenant: "", message: `clearing ${count} pending operation(s) failed: ${text}` }],
      message: `the state has ${count} pending operation(s) from an interrupted run and clearing them failed, so no up ran; the next run tries again (pulumi refresh --clear-pending-creates by hand clears them too)`,
    };
  };

  async function reconcile(asked: RunRequest, controller: AbortController, pass: Pass): Promise<void> {
    let request = asked;
    const started = new Date();
    const notes: string[] = [];
    const end = metrics.duration.startTimer();
    let all: Tenant[] | undefined;
    let tenants: Tenant[] | undefined;
    let deployed: Deployed | undefined;
    // Tenants, write-back records and the stack's state do not depend on each other: read at once.
    const [loaded, records, exported] = await Promise.allSettled([
      loadTenants({ ...config.pocketbase, view: config.tenantView }),
      ctx.sharded === undefined ? new Map<string, Provisioning>() : listProvisioning(config.pocketbase),
      stack.exportStack(),
    ]);
    try {
      if (loaded.status === "rejected") throw loaded.reason;
      all = loaded.value;
      noteChanges(request.changes, all);
      const shardOf = shardsNow(all, records);
      if (ctx.sharded === undefined) tenants = all;
      else if (shardOf !== undefined) {
        // This lane's tenants: those of its shard, and those whose shard cannot be told (they make the run full).
        // And those sent to every shard (request.anywhere): this shard's program may be the one that declares them.
        tenants = all.filter((t) => [undefined, shard].includes(shardOf.get(t.id)?.shard) || request.anywhere?.includes(t.id));
        const split = splitForeign(request, shard!, all, shardOf);
        if (split.foreign) {
          say(`${[...split.foreign.changes.map((c) => `${c.collection}/${c.id}`), ...split.foreign.tenants].join(", ")} now belong(s) to another shard; routing there`);
          ctx.reroute(split.foreign);
          request = split.own;
        }
      }
    } catch (error) {
      say(`reading tenants failed (${error instanceof Error ? error.message : String(error)}); running in full, where the program reports it`);
    }
    try {
      if (exported.status === "rejected") throw exported.reason;
      deployed = readDeployed(exported.value.deployment);
    } catch (error) {
      say(`reading the stack state failed (${String(error)}); running in full`);
    }
    const routed = Date.now();
    const scope = planScope(config.targetedRuns ? request : { ...request, full: true }, tenants, deployed);
    if (scope.kind === "none") {
      say(`nothing to run for ${request.triggers.join("+")}: ${scope.reason}`);
      return;
    }
    const fleetRecords = ctx.sharded !== undefined && records.status === "fulfilled" ? records.value : undefined;
    if (!pass.placing && mayPlace(scope, deployed, all, fleetRecords) && !pass.tryPlacement()) {
      // Learnt only now (a tenant to add, a full run): waits for the placement lock as a placing request.
      say(`run (${request.triggers.join("+")}) ${scopeText(scope)} may place a new tenant; it waits for the fleet's placement lock`);
      queue.submit({ ...request, placing: true }, false);
      return;
    }
    say(`run (${request.triggers.join("+")}) ${scopeText(scope)}`);
    // A one-run allow from POST /reconcile: in this run's CLI environment only, and in its record.
    const allowed = allowEnv(request.allow);
    const allowText = Object.entries(allowed).map(([key, value]) => `${key}=${value}`).join(" ");
    if (allowText) {
      notes.push(`allowed for this run only by POST /reconcile: ${allowText}`);
      say(`this run is allowed by POST /reconcile: ${allowText}`);
    }
    const refresh = scope.kind === "full" && request.triggers.includes("timer") && config.refreshOnTimer;
    const engine = () =>
      runEngine(stack, {
        exclude: scope.kind === "targeted" ? scope.exclude : [],
        refresh,
        signal: controller.signal,
        parents: deployed?.parents ?? new Map(),
        log: say,
        label: (tenant) => (all ? slugOf(tenant, all) : tenant),
        configFile: options.configFile,
      });
    const outcome = await withEnv(stack, allowed, async () => {
      const pending = deployed && deployed.pendingOperations > 0 ? await clearPendingOperations(deployed.pendingOperations, controller.signal, notes) : undefined;
      const first = pending ?? (await engine());
      // A stale lock is cleared once, then the engine tried again (clearPendingOperations does the same for its refresh).
      if (pending === undefined && first.result === "busy" && (await clearStaleLocks(first.lock, notes))) return engine();
      return first;
    });
    const ran = Date.now();
    if (outcome.result === "busy") lockBusy ??= { since: Date.now(), holders: [] };
    else lockBusy = undefined;
    if (outcome.result === "succeeded") lastSucceededAt = Date.now();
    if (outcome.result === "busy" && !ctx.stopping()) {
      say(`another update holds the stack; retrying in ${BUSY_RETRY_MS / 1000} s`);
      // The retry runs without the allow: an allow is spent by the run it was asked for, even one that found the stack busy.
      setTimeout(() => queue.submit({ ...request, allow: undefined, triggers: [...request.triggers, "retry"] }, false), BUSY_RETRY_MS).unref();
    }
    const result = outcome.result === "busy" ? "cancelled" : outcome.result;
    // Observed only when the engine ran: a run that stopped at its pending operations applied nothing.
    if (tenants !== undefined && all !== undefined && (result === "succeeded" || (result === "failed" && outcome.updated))) {
      const seen = await observe(scope, outcome, tenants, all, request.anywhere).catch((error: unknown) => void say(`writing observations failed: ${String(error)}`));
      if (seen && scope.kind === "targeted" && ctx.sharded !== undefined && records.status === "fulfilled") {
        const candidates = undeclaredNewTenants({ inScope: all.filter((t) => scope.tenants.includes(t.slug)), recordsBefore: records.value, ...seen, ...(request.anywhere ? { anywhere: request.anywhere } : {}) });
        // One with a record now was written meanwhile (refused by this run as the home shard, or deployed elsewhere).
        const ids = (await Promise.all(candidates.map(async (id) => ((await getProvisioning(config.pocketbase, id).catch(() => null)) === null ? [id] : [])))).flat();
        if (ids.length > 0) {
          say(`${ids.map((id) => slugOf(id, all!)).join(", ")}: new, routed here and not declared by this shard's program (placed on another shard's server, or refused); every shard runs it once`);
          ctx.reroute({ triggers: request.triggers, full: false, changes: [], tenants: ids, anywhere: ids, placing: true });
        }
      }
    }
    const seconds = (from: number, to: number) => `${((to - from) / 1000).toFixed(1)} s`;
    const took = `reads ${seconds(started.getTime(), routed)}, engine ${seconds(routed, ran)}, observation ${seconds(ran, Date.now())}`;
    const run: RunSummary = {
      trigger: request.triggers.join("+"),
      started: started.toISOString(),
      ended: new Date().toISOString(),
      result,
      counts: outcome.counts,
      failures: outcome.failures.map((f) => ({ tenant: all ? slugOf(f.tenant, all) : f.tenant, message: forOperator(f.message) })),
      message: forOperator(`${[...notes, scopeText(scope)].join("; ")}; ${outcome.message}; resources: ${resourceText(outcome.resources)}`),
      scope: scope.kind,
      ...(shard !== undefined ? { shard } : {}),
    };
    end({ scope: scope.kind, ...labels });
    metrics.runs.inc({ result, scope: scope.kind, ...labels });
    ctx.finished.push(run);
    if (ctx.finished.length > 100) ctx.finished.shift();
    say(`run ${result}: ${run.message}; tenants: ${resourceText(run.counts)} (${took})`);
    for (const failure of run.failures) say(`  ${failure.tenant || "stack"}: ${failure.message.split("\n")[0]}`);
    await recordRun(config.pocketbase, run).catch((error: unknown) => say(`recording the run failed: ${String(error)}`));
  }

  return {
    shard,
    stackName,
    stack,
    queue,
    get recovered() {
      return recovered;
    },
    health: () => ({
      running: current?.since !== undefined ? { since: current.since, trigger: current.request.triggers.join("+") } : undefined,
      lastSucceededAt,
      lock: lockBusy,
      pendingOperations: pendingStuck,
      queueDepth: queue.depth,
      lastRun: [...ctx.finished].reverse().find((r) => r.shard === shard),
    }),
    stop: async () => {
      current?.controller.abort();
      await queue.stop();
    },
  };
}
