// The reconciler: PocketBase changes, the Admin Portal's POST /reconcile and a timer become runs of this
// project's program (index.ts) through the Automation API, one at a time, each recorded in PocketBase.
import { ConcurrentUpdateError, LocalWorkspace } from "@pulumi/pulumi/automation";
import { connect } from "../lib/tenants/connection";
import { loadTenants } from "../lib/tenants/load";
import { writeObservations, type Observation } from "../lib/tenants/observations";
import { recordRun, type RunRecord } from "../lib/tenants/runs";
import type { Tenant } from "../lib/tenants/tenant";
import { allowVariableProblems, AllowVariableError, forOperatorShell, readReconcilerConfig, scrubSecrets, type ReconcilerConfig } from "./config";
import { observeCapacity, serverFleetOf } from "./capacity";
import { observeRollout } from "./rollout";
import { plainMessage, runEngine, withEnv, type EngineOutcome } from "./engine";
import { healthProblems } from "./health";
import { deleteLocalLock, judgeLock, parseLockHolders } from "./lock";
import { createMetrics } from "./metrics";
import { cachedProbe } from "./probe";
import { allowEnv, RunQueue, type Change, type RunRequest, type Trigger } from "./queue";
import { watchCollections } from "./realtime";
import { planScope, readDeployed, slugOf, withSlugs, type Deployed, type Scope } from "./scope";
import { startServer } from "./server";

export interface ReconcilerOptions {
  stackName: string;
  /** The Pulumi project folder (this repository, or a test's program folder). */
  workDir: string;
  port: number;
  host?: string;
  /** Overrides config reconcileIntervalMinutes. */
  intervalMinutes?: number;
  /** Extra environment of the pulumi CLI (backend, passphrase); the process environment is inherited. */
  envVars?: Record<string, string>;
  log?: (line: string) => void;
}

export interface RunSummary extends RunRecord {
  scope: string;
}

export interface Reconciler {
  url: string;
  config: ReconcilerConfig;
  /** Pending operations of interrupted runs found and cleared (by a refresh) since start. */
  readonly recoveredPendingOperations: number;
  lastRun(): RunSummary | undefined;
  /** Runs finished since start (recorded or not). */
  runs(): RunSummary[];
  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void>;
  /** Cancels the run in progress cleanly (the CLI finishes its steps in flight), then stops everything. */
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 5_000;
const BUSY_RETRY_MS = 30_000;
/** The superuser login probe of /healthz: a bcrypt on PocketBase, so its answer is kept a while. */
const LOGIN_PROBE = { ttlMs: 60_000, failureTtlMs: 10_000, timeoutMs: 15_000 };
/** `pulumi whoami` starts the CLI: one at a time, its answer kept. */
const BACKEND_PROBE = { ttlMs: 30_000, failureTtlMs: 10_000, timeoutMs: 30_000 };
/** PocketBase's /api/health is cheap: never cached, only shared by concurrent probes. */
const POCKETBASE_PROBE = { ttlMs: 0, timeoutMs: 3_000 };

function trigger(via: Trigger): RunRequest {
  return { triggers: [via], full: true, changes: [], tenants: [] };
}

function resourceText(counts: RunRecord["counts"]): string {
  return `create ${counts.create}, update ${counts.update}, delete ${counts.delete}, same ${counts.same}`;
}

function scopeText(scope: Scope): string {
  if (scope.kind === "targeted") return `targeted: ${scope.tenants.join(", ")}`;
  return `${scope.kind}: ${scope.reason}`;
}

export async function startReconciler(options: ReconcilerOptions): Promise<Reconciler> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} reconciler: ${line}\n`));
  const refused = allowVariableProblems({ ...process.env, ...options.envVars }, options.stackName);
  if (refused.length > 0) throw new AllowVariableError(refused);
  const stack = await LocalWorkspace.selectStack({ stackName: options.stackName, workDir: options.workDir }, { envVars: options.envVars });
  const project = (await stack.workspace.projectSettings()).name;
  const stackConfig = await stack.getAllConfig();
  const config = readReconcilerConfig(stackConfig, { intervalMinutes: options.intervalMinutes }, project);
  // Servers and overcommit for the per-server gauges (read once, as every other setting).
  const fleet = serverFleetOf(stackConfig, project);
  const say = (line: string) => log(scrubSecrets(line, config.secrets));
  const forOperator = (text: string) => forOperatorShell(scrubSecrets(text, config.secrets), options.stackName);
  const startedAt = Date.now();
  let recovered = 0;
  /** Pending operations the last attempt could not clear (shown by /healthz). */
  let pendingStuck = 0;
  let lastSucceededAt: number | undefined;
  /** Since when runs find the stack locked by a live holder, and who that is. */
  let lockBusy: { since: number; holders: string[] } | undefined;

  const finished: RunSummary[] = [];
  const statuses = new Map<string, string>();
  /** Tenant slug -> when its oldest unapplied change was seen. */
  const changedAt = new Map<string, number>();
  let current: { controller: AbortController; since: number; request: RunRequest } | undefined;
  let heartbeat = Date.now();
  let stopping = false;

  const queue: RunQueue = new RunQueue({ debounceMs: config.debounceSeconds * 1000, maxWaitMs: Math.max(30_000, config.debounceSeconds * 6000), execute: (request) => execute(request) });
  const metrics = createMetrics(() => queue.depth);

  const noteChanges = (changes: Change[], tenants: Tenant[]) => {
    for (const change of changes) {
      const slugs = change.collection === "tenants" ? tenants.filter((t) => t.id === change.id) : change.collection === "plans" ? tenants.filter((t) => t.plan.id === change.id) : [];
      for (const { slug } of slugs) if (!changedAt.has(slug)) changedAt.set(slug, change.seenAt);
    }
  };

  const observe = async (scope: Scope, outcome: EngineOutcome, tenants: Tenant[]): Promise<void> => {
    const desired = tenants.filter((t) => t.status !== "cancelled");
    const inScope = scope.kind === "targeted" ? desired.filter((t) => scope.tenants.includes(t.slug)) : desired;
    // From the state rather than the stack outputs: a failed tenant can keep the program from registering outputs.
    const recorded = withSlugs(readDeployed((await stack.exportStack()).deployment), tenants).serviceStatus;
    const failed = new Map(outcome.failures.filter((f) => f.tenant).map((f) => [slugOf(f.tenant, tenants), scrubSecrets(f.message, config.secrets)]));
    const now = new Date();
    const observations: Observation[] = inScope.map((t) => ({
      tenantId: t.id,
      status: failed.has(t.slug) ? "failed" : (recorded.get(t.slug) ?? "unknown"),
      lastError: failed.get(t.slug) ?? "",
      observedAt: now.toISOString(),
    }));
    await writeObservations(config.pocketbase, observations);
    for (const slug of statuses.keys()) if (!desired.some((t) => t.slug === slug)) statuses.delete(slug);
    inScope.forEach((t, i) => statuses.set(t.slug, observations[i].status));
    metrics.setTenantStatuses(statuses.values());
    await observeCapacity(fleet, config.pocketbase, tenants, metrics);
    await observeRollout(config.pocketbase, project, options.stackName, metrics);
    for (const t of inScope) {
      const since = changedAt.get(t.slug);
      if (since !== undefined && statuses.get(t.slug) === "running:healthy") {
        metrics.changeToHealthy.observe((now.getTime() - since) / 1000);
        changedAt.delete(t.slug);
      }
    }
  };

  async function execute(request: RunRequest): Promise<void> {
    const controller = new AbortController();
    current = { controller, since: Date.now(), request };
    try {
      await reconcile(request, controller);
    } finally {
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
    const attempt = () => stack.refresh({ clearPendingCreates: true, signal }).then(() => undefined, (error: unknown) => error);
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

  async function reconcile(request: RunRequest, controller: AbortController): Promise<void> {
    const started = new Date();
    const notes: string[] = [];
    const end = metrics.duration.startTimer();
    let tenants: Tenant[] | undefined;
    let deployed: Deployed | undefined;
    try {
      tenants = await loadTenants({ ...config.pocketbase, view: config.tenantView });
      noteChanges(request.changes, tenants);
    } catch (error) {
      say(`reading tenants failed (${error instanceof Error ? error.message : String(error)}); running in full, where the program reports it`);
    }
    try {
      deployed = readDeployed((await stack.exportStack()).deployment);
    } catch (error) {
      say(`reading the stack state failed (${String(error)}); running in full`);
    }
    const scope = planScope(config.targetedRuns ? request : { ...request, full: true }, tenants, deployed);
    if (scope.kind === "none") {
      say(`nothing to run for ${request.triggers.join("+")}: ${scope.reason}`);
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
        label: (tenant) => (tenants ? slugOf(tenant, tenants) : tenant),
      });
    const outcome = await withEnv(stack, allowed, async () => {
      const pending = deployed && deployed.pendingOperations > 0 ? await clearPendingOperations(deployed.pendingOperations, controller.signal, notes) : undefined;
      const first = pending ?? (await engine());
      // A stale lock is cleared once, then the engine tried again (clearPendingOperations does the same for its refresh).
      if (pending === undefined && first.result === "busy" && (await clearStaleLocks(first.lock, notes))) return engine();
      return first;
    });
    if (outcome.result === "busy") lockBusy ??= { since: Date.now(), holders: [] };
    else lockBusy = undefined;
    if (outcome.result === "succeeded") lastSucceededAt = Date.now();
    if (outcome.result === "busy" && !stopping) {
      say(`another update holds the stack; retrying in ${BUSY_RETRY_MS / 1000} s`);
      // The retry runs without the allow: an allow is spent by the run it was asked for, even one that found the stack busy.
      setTimeout(() => queue.submit({ ...request, allow: undefined, triggers: [...request.triggers, "retry"] }, false), BUSY_RETRY_MS).unref();
    }
    const result = outcome.result === "busy" ? "cancelled" : outcome.result;
    // Observed only when the engine ran: a run that stopped at its pending operations applied nothing.
    if (tenants !== undefined && (result === "succeeded" || (result === "failed" && outcome.updated))) {
      await observe(scope, outcome, tenants).catch((error: unknown) => say(`writing observations failed: ${String(error)}`));
    }
    const run: RunSummary = {
      trigger: request.triggers.join("+"),
      started: started.toISOString(),
      ended: new Date().toISOString(),
      result,
      counts: outcome.counts,
      failures: outcome.failures.map((f) => ({ tenant: tenants ? slugOf(f.tenant, tenants) : f.tenant, message: forOperator(f.message) })),
      message: forOperator(`${[...notes, scopeText(scope)].join("; ")}; ${outcome.message}; resources: ${resourceText(outcome.resources)}`),
      scope: scope.kind,
    };
    end({ scope: scope.kind });
    metrics.runs.inc({ result, scope: scope.kind });
    finished.push(run);
    if (finished.length > 100) finished.shift();
    say(`run ${result}: ${run.message}; tenants: ${resourceText(run.counts)}`);
    for (const failure of run.failures) say(`  ${failure.tenant || "stack"}: ${failure.message.split("\n")[0]}`);
    await recordRun(config.pocketbase, run).catch((error: unknown) => say(`recording the run failed: ${String(error)}`));
  }

  const watcher = watchCollections({
    source: config.pocketbase,
    collections: config.sourceCollections,
    resubscribeMs: config.resubscribeMinutes * 60_000,
    onChange: (change, via) => queue.submit({ triggers: [via], full: false, changes: [change], tenants: [] }, true),
    log: say,
  });

  const scrubbed = (text: string | undefined) => (text === undefined ? undefined : scrubSecrets(text, config.secrets));
  const pocketbaseProbe = cachedProbe(async () => {
    const answer = await fetch(`${config.pocketbase.url.replace(/\/$/, "")}/api/health`, { signal: AbortSignal.timeout(POCKETBASE_PROBE.timeoutMs) });
    if (!answer.ok) throw new Error(`/api/health answered ${answer.status}`);
  }, POCKETBASE_PROBE);
  const loginProbe = cachedProbe(async () => void (await connect(config.pocketbase)), LOGIN_PROBE);
  const backendProbe = cachedProbe(async () => void (await stack.workspace.whoAmI()), BACKEND_PROBE);

  const server = await startServer(
    {
      token: config.token,
      reconcile: (tenants, allow) => {
        if (allow && queue.allowWaiting) return { error: "a run with an allow is already queued; wait for its run record, then ask again" };
        queue.submit({ triggers: ["api"], full: tenants.length === 0, changes: [], tenants, ...(allow ? { allow } : {}) }, false);
        return undefined;
      },
      health: async () => {
        const [pocketbase, backend] = await Promise.all([pocketbaseProbe.get(), backendProbe.get()]);
        // Only logs in while PocketBase answers: an outage is reported as such, not as a failed login.
        const login = pocketbase.ok ? await loginProbe.get() : { ok: false, detail: "PocketBase is unreachable", at: Date.now() };
        const loop = !stopping && Date.now() - heartbeat < 3 * HEARTBEAT_MS;
        const problems = healthProblems(
          { now: Date.now(), startedAt, pocketbase, login, backend, loop, running: current && { since: current.since }, lastSucceededAt, lockBusySince: lockBusy?.since, pendingOperations: pendingStuck },
          config,
        ).map((p) => scrubSecrets(p, config.secrets));
        const last = finished.at(-1);
        return {
          healthy: problems.length === 0,
          body: {
            problems,
            pocketbase: pocketbase.ok,
            login: login.ok,
            backend: backend.ok,
            loop,
            realtime: watcher.connected(),
            queueDepth: queue.depth,
            running: current ? { since: new Date(current.since).toISOString(), trigger: current.request.triggers.join("+") } : null,
            lastRun: last ?? null,
            lastSucceeded: lastSucceededAt === undefined ? null : new Date(lastSucceededAt).toISOString(),
            lock: lockBusy ? { busySince: new Date(lockBusy.since).toISOString(), holders: lockBusy.holders.map((h) => scrubbed(h)) } : null,
            pendingOperations: pendingStuck,
          },
        };
      },
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    },
    options.port,
    options.host ?? "127.0.0.1",
  );

  const beat = setInterval(() => (heartbeat = Date.now()), HEARTBEAT_MS);
  const timer = setInterval(() => queue.submit(trigger("timer"), false), config.intervalMinutes * 60_000);
  // A restart catches up: whatever changed while the reconciler was away is applied by a full run.
  queue.submit(trigger("startup"), false);
  say(`listening on ${server.url}; stack ${options.stackName}; watching ${config.sourceCollections.join(", ")}; full run every ${config.intervalMinutes} min`);

  return {
    url: server.url,
    config,
    get recoveredPendingOperations() {
      return recovered;
    },
    lastRun: () => finished.at(-1),
    runs: () => [...finished],
    idle: () => queue.idle(),
    stop: async () => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      await watcher.stop();
      current?.controller.abort();
      await queue.stop();
      clearInterval(beat);
      await server.close();
      say("stopped");
    },
  };
}
