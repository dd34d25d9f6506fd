// The reconciler: PocketBase changes, the Admin Portal's POST /reconcile and a timer become runs of this
// project's program (index.ts) through the Automation API, one at a time, each recorded in PocketBase.
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { loadTenants } from "../lib/tenants/load";
import { writeObservations, type Observation } from "../lib/tenants/observations";
import { recordRun, type RunRecord } from "../lib/tenants/runs";
import type { Tenant } from "../lib/tenants/tenant";
import { readReconcilerConfig, scrubSecrets, type ReconcilerConfig } from "./config";
import { runEngine, type EngineOutcome } from "./engine";
import { createMetrics } from "./metrics";
import { RunQueue, type Change, type RunRequest, type Trigger } from "./queue";
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
  /** Pending operations found (and cleared by a refresh) at start. */
  recoveredPendingOperations: number;
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
const HEALTH_CACHE_MS = 10_000;

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

/** Clears pending operations a killed run left behind: creates are dropped (the providers adopt by name on the next create). */
async function recoverPendingOperations(stack: Stack, log: (line: string) => void): Promise<number> {
  const deployed = readDeployed((await stack.exportStack()).deployment);
  if (deployed.pendingOperations === 0) return 0;
  log(`the state has ${deployed.pendingOperations} pending operation(s) from an interrupted run; refreshing with --clear-pending-creates`);
  await stack.refresh({ clearPendingCreates: true });
  return deployed.pendingOperations;
}

export async function startReconciler(options: ReconcilerOptions): Promise<Reconciler> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} reconciler: ${line}\n`));
  const stack = await LocalWorkspace.selectStack({ stackName: options.stackName, workDir: options.workDir }, { envVars: options.envVars });
  const project = (await stack.workspace.projectSettings()).name;
  const config = readReconcilerConfig(await stack.getAllConfig(), { intervalMinutes: options.intervalMinutes }, project);
  const say = (line: string) => log(scrubSecrets(line, config.secrets));
  const recovered = await recoverPendingOperations(stack, say);

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

  async function reconcile(request: RunRequest, controller: AbortController): Promise<void> {
    const started = new Date();
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
    const refresh = scope.kind === "full" && request.triggers.includes("timer") && config.refreshOnTimer;
    const outcome = await runEngine(stack, {
      exclude: scope.kind === "targeted" ? scope.exclude : [],
      refresh,
      signal: controller.signal,
      parents: deployed?.parents ?? new Map(),
      log: say,
    });
    if (outcome.result === "busy" && !stopping) {
      say(`another update holds the stack; retrying in ${BUSY_RETRY_MS / 1000} s`);
      setTimeout(() => queue.submit({ ...request, triggers: [...request.triggers, "retry"] }, false), BUSY_RETRY_MS).unref();
    }
    const result = outcome.result === "busy" ? "cancelled" : outcome.result;
    if (tenants !== undefined && (result === "succeeded" || result === "failed")) {
      await observe(scope, outcome, tenants).catch((error: unknown) => say(`writing observations failed: ${String(error)}`));
    }
    const run: RunSummary = {
      trigger: request.triggers.join("+"),
      started: started.toISOString(),
      ended: new Date().toISOString(),
      result,
      counts: outcome.counts,
      failures: outcome.failures.map((f) => ({ tenant: tenants ? slugOf(f.tenant, tenants) : f.tenant, message: scrubSecrets(f.message, config.secrets) })),
      message: scrubSecrets(`${scopeText(scope)}; ${outcome.message}; resources: ${resourceText(outcome.resources)}`, config.secrets),
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

  let backendCheck: { at: number; ok: boolean } | undefined;
  const backendReachable = async () => {
    if (backendCheck && Date.now() - backendCheck.at < HEALTH_CACHE_MS) return backendCheck.ok;
    const ok = await stack.workspace.whoAmI().then(() => true, () => false);
    backendCheck = { at: Date.now(), ok };
    return ok;
  };
  const pocketbaseReachable = () =>
    fetch(`${config.pocketbase.url.replace(/\/$/, "")}/api/health`, { signal: AbortSignal.timeout(3000) }).then((r) => r.ok, () => false);

  const server = await startServer(
    {
      token: config.token,
      reconcile: (tenants) => queue.submit({ triggers: ["api"], full: tenants.length === 0, changes: [], tenants }, false),
      health: async () => {
        const [pocketbase, backend] = await Promise.all([pocketbaseReachable(), backendReachable()]);
        const loop = !stopping && Date.now() - heartbeat < 3 * HEARTBEAT_MS;
        const last = finished.at(-1);
        return {
          healthy: pocketbase && backend && loop,
          body: {
            pocketbase,
            backend,
            loop,
            realtime: watcher.connected(),
            queueDepth: queue.depth,
            running: current ? { since: new Date(current.since).toISOString(), trigger: current.request.triggers.join("+") } : null,
            lastRun: last ?? null,
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
    recoveredPendingOperations: recovered,
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
