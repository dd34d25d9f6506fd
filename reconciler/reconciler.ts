// The reconciler: PocketBase changes, the Admin Portal's POST /reconcile and a timer become runs of this
// project's program (index.ts) through the Automation API, one at a time per stack, each recorded in PocketBase.
// With config shards (lib/shards.ts) every shard's stack has its own lane (lane.ts): a change goes to the shard of
// its tenant (shard-routing.ts), and shards run in parallel within config reconcileParallelShards (gate.ts).
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { startRateBudget } from "../lib/coolify/rate-budget-server";
import { fleetConfigFile, readShards, shardStackName, type ShardMap } from "../lib/shards";
import { connect } from "../lib/tenants/connection";
import { loadTenants } from "../lib/tenants/load";
import { listProvisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { serverFleetOf } from "./capacity";
import { allowVariableProblems, AllowVariableError, readReconcilerConfig, ReconcilerConfigError, RUN_RATE_LIMIT_VARIABLE, scrubSecrets, shardRunPlan, type ReconcilerConfig } from "./config";
import { RunGate } from "./gate";
import { serviceProblems, shardProblems } from "./health";
import { createLane, type Lane, type LaneHealth, type RunSummary } from "./lane";
import { createMetrics } from "./metrics";
import { cachedProbe } from "./probe";
import type { RunRequest, Trigger } from "./queue";
import { watchCollections } from "./realtime";
import { routeRequest, tenantShards, type ShardedFleet, type TenantShard } from "./shard-routing";
import { startServer } from "./server";

export type { RunSummary } from "./lane";

export interface ReconcilerOptions {
  /** The fleet's stack (with config shards, the one whose config file every shard runs with). */
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

export interface Reconciler {
  url: string;
  config: ReconcilerConfig;
  /** The shards run, in name order; none in an unsharded fleet. */
  shards: string[];
  /** Pending operations of interrupted runs found and cleared (by a refresh) since start. */
  readonly recoveredPendingOperations: number;
  lastRun(): RunSummary | undefined;
  /** Runs finished since start (recorded or not), every shard's. */
  runs(): RunSummary[];
  /** Resolves when nothing runs and nothing waits. */
  idle(): Promise<void>;
  /** Cancels the runs in progress cleanly (the CLI finishes its steps in flight), then stops everything. */
  stop(): Promise<void>;
}

const HEARTBEAT_MS = 5_000;
/** The superuser login probe of /healthz: a bcrypt on PocketBase, so its answer is kept a while. */
const LOGIN_PROBE = { ttlMs: 60_000, failureTtlMs: 10_000, timeoutMs: 15_000 };
/** `pulumi whoami` starts the CLI: one at a time, its answer kept. */
const BACKEND_PROBE = { ttlMs: 30_000, failureTtlMs: 10_000, timeoutMs: 30_000 };
/** PocketBase's /api/health is cheap: never cached, only shared by concurrent probes. */
const POCKETBASE_PROBE = { ttlMs: 0, timeoutMs: 3_000 };

function trigger(via: Trigger): RunRequest {
  return { triggers: [via], full: true, changes: [], tenants: [] };
}

/** Config shards of the fleet stack; a problem is thrown as a ReconcilerConfigError naming the key and the fix. */
function shardsOf(stackConfig: Record<string, { value: string }>, project: string, fleet: ReturnType<typeof serverFleetOf>, stackName: string): ShardMap | undefined {
  const problems: string[] = [];
  const shards = readShards(stackConfig[`${project}:shards`]?.value, fleet.servers, problems);
  if (shards !== undefined) {
    const dot = stackName.lastIndexOf(".");
    if (dot > 0 && shards.has(stackName.slice(dot + 1))) {
      problems.push(`--stack ${stackName} is a shard's stack: run the reconciler with the fleet's stack (--stack ${stackName.slice(0, dot)}); it runs every shard`);
    }
  }
  if (problems.length > 0) throw new ReconcilerConfigError(problems);
  return shards;
}

async function selectShardStack(fleetStack: string, shard: string, workDir: string, envVars: Record<string, string>): Promise<Stack> {
  const stackName = shardStackName(fleetStack, shard);
  try {
    return await LocalWorkspace.selectStack({ stackName, workDir }, { envVars });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n").find((l) => /error/i.test(l)) ?? "" : String(error);
    throw new ReconcilerConfigError([
      `the stack of shard ${shard} (${stackName}) cannot be selected${detail ? ` (${detail.trim()})` : ""}: create it (pulumi stack init ${stackName}, with the fleet's backend and passphrase) or move the fleet into shards (npm run shards)`,
    ]);
  }
}

function laneBody(health: LaneHealth, scrub: (text: string) => string) {
  return {
    queueDepth: health.queueDepth,
    running: health.running ? { since: new Date(health.running.since).toISOString(), trigger: health.running.trigger } : null,
    lastRun: health.lastRun ?? null,
    lastSucceeded: health.lastSucceededAt === undefined ? null : new Date(health.lastSucceededAt).toISOString(),
    lock: health.lock ? { busySince: new Date(health.lock.since).toISOString(), holders: health.lock.holders.map(scrub) } : null,
    pendingOperations: health.pendingOperations,
  };
}

export async function startReconciler(options: ReconcilerOptions): Promise<Reconciler> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${new Date().toISOString()} reconciler: ${line}\n`));
  const refused = allowVariableProblems({ ...process.env, ...options.envVars }, options.stackName);
  if (refused.length > 0) throw new AllowVariableError(refused);
  const stack = await LocalWorkspace.selectStack({ stackName: options.stackName, workDir: options.workDir }, { envVars: options.envVars });
  const project = (await stack.workspace.projectSettings()).name;
  const stackConfig = await stack.getAllConfig();
  const config = readReconcilerConfig(stackConfig, { intervalMinutes: options.intervalMinutes }, project);
  // Servers and overcommit for the per-server gauges and the shards (read once, as every other setting).
  const fleet = serverFleetOf(stackConfig, project);
  const shards = shardsOf(stackConfig, project, fleet, options.stackName);
  const say = (line: string) => log(scrubSecrets(line, config.secrets));
  const startedAt = Date.now();
  const sharded: ShardedFleet | undefined = shards && { shards, servers: fleet.servers, overcommit: fleet.overcommit, ...(fleet.legacyServer ? { legacyServer: fleet.legacyServer } : {}) };
  const shardNames = shards ? [...shards.keys()] : [];
  const plan = shardRunPlan(config.coolifyRateLimit, config.parallelShards, Math.max(1, shardNames.length));
  let heartbeat = Date.now();
  let stopping = false;

  const lanes: Lane[] = [];
  const metrics = createMetrics(() => (sharded ? new Map(lanes.map((lane) => [lane.shard!, lane.queue.depth])) : (lanes[0]?.queue.depth ?? 0)));
  const context = { config, project, fleet, metrics, gate: new RunGate(plan.parallel), sharded, changedAt: new Map<string, number>(), finished: [] as RunSummary[], stopping: () => stopping, log: say, reroute: (request: RunRequest) => submit(request, false) };
  // Parallel shard runs take every Coolify request's slot from one budget at the whole coolifyRateLimit, so a run
  // alone gets all of it; the fixed share is each run's fallback should the budget fail.
  const budget = sharded ? await startRateBudget({ limitPerMinute: config.coolifyRateLimit }) : undefined;
  if (sharded === undefined) {
    lanes.push(createLane(context, { stack, stackName: options.stackName }));
  } else {
    try {
      for (const shard of shardNames) {
        // A shard's runs go one at a time, so the shard names the run in the budget's round-robin.
        const envVars = { ...options.envVars, [RUN_RATE_LIMIT_VARIABLE]: String(plan.perRun), ...budget!.env(shard) };
        const shardStack = await selectShardStack(options.stackName, shard, options.workDir, envVars);
        lanes.push(createLane(context, { stack: shardStack, stackName: shardStackName(options.stackName, shard), shard, configFile: fleetConfigFile(options.stackName) }));
      }
    } catch (error) {
      await budget!.close();
      throw error;
    }
  }
  const laneOf = new Map(lanes.map((lane) => [lane.shard, lane]));

  // Routing reads the tenants and records once per batch of requests that arrived while the last batch was routed.
  const toRoute: Array<{ request: RunRequest; debounce: boolean }> = [];
  let routing: Promise<void> | undefined;
  const drain = async () => {
    while (toRoute.length > 0 && !stopping) {
      const batch = toRoute.splice(0);
      let tenants: Tenant[] | undefined;
      let shardOf: Map<string, TenantShard> | undefined;
      try {
        tenants = await loadTenants({ ...config.pocketbase, view: config.tenantView });
        shardOf = tenantShards(sharded!, tenants, await listProvisioning(config.pocketbase));
      } catch (error) {
        say(`routing a change failed (${error instanceof Error ? error.message : String(error)}); it goes to every shard`);
      }
      for (const { request, debounce } of batch) {
        const routed = routeRequest(request, shardNames, tenants, shardOf);
        for (const [shard, part] of routed) laneOf.get(shard)?.queue.submit(part, debounce);
        say(`${request.triggers.join("+")} change for ${[...request.changes.map((c) => `${c.collection}/${c.id}`), ...request.tenants].join(", ")} goes to ${[...routed.keys()].join(", ") || "no shard"}`);
      }
    }
  };
  const submit = (request: RunRequest, debounce: boolean) => {
    if (sharded === undefined) return lanes[0].queue.submit(request, debounce);
    if (request.full) {
      for (const lane of lanes) lane.queue.submit(request, debounce);
      return;
    }
    toRoute.push({ request, debounce });
    routing ??= drain().finally(() => (routing = undefined));
  };

  const watcher = watchCollections({
    source: config.pocketbase,
    collections: config.sourceCollections,
    resubscribeMs: config.resubscribeMinutes * 60_000,
    onChange: (change, via) => submit({ triggers: [via], full: false, changes: [change], tenants: [] }, true),
    log: say,
  });

  const scrubbed = (text: string) => scrubSecrets(text, config.secrets);
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
        const allowWaiting = lanes.some((lane) => lane.queue.allowWaiting) || toRoute.some((r) => r.request.allow);
        if (allow && allowWaiting) return { error: "a run with an allow is already queued; wait for its run record, then ask again" };
        submit({ triggers: ["api"], full: tenants.length === 0, changes: [], tenants, ...(allow ? { allow } : {}) }, false);
        return undefined;
      },
      health: async () => {
        const [pocketbase, backend] = await Promise.all([pocketbaseProbe.get(), backendProbe.get()]);
        // Only logs in while PocketBase answers: an outage is reported as such, not as a failed login.
        const login = pocketbase.ok ? await loginProbe.get() : { ok: false, detail: "PocketBase is unreachable", at: Date.now() };
        const loop = !stopping && Date.now() - heartbeat < 3 * HEARTBEAT_MS;
        const now = Date.now();
        const states = lanes.map((lane) => ({ lane, health: lane.health() }));
        const problems = [
          ...serviceProblems({ pocketbase, login, backend, loop }),
          ...shardProblems(states.map(({ lane, health }) => ({ shard: lane.shard, stackName: lane.stackName, state: health })), { now, startedAt }, config),
        ].map(scrubbed);
        const service = { problems, pocketbase: pocketbase.ok, login: login.ok, backend: backend.ok, loop, realtime: watcher.connected() };
        if (sharded === undefined) return { healthy: problems.length === 0, body: { ...service, ...laneBody(states[0].health, scrubbed) } };
        const running = states.filter((s) => s.health.running);
        return {
          healthy: problems.length === 0,
          body: {
            ...service,
            queueDepth: states.reduce((sum, s) => sum + s.health.queueDepth, 0),
            running: running.map((s) => s.lane.shard),
            lastRun: context.finished.at(-1) ?? null,
            parallelShards: plan.parallel,
            coolifyRateLimitPerRun: plan.perRun,
            coolifyRateBudget: { limitPerMinute: config.coolifyRateLimit, waiting: budget!.schedule.waiting(), granted: budget!.schedule.granted() },
            shards: Object.fromEntries(states.map(({ lane, health }) => [lane.shard, { stack: lane.stackName, ...laneBody(health, scrubbed) }])),
          },
        };
      },
      metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
    },
    options.port,
    options.host ?? "127.0.0.1",
  );

  const beat = setInterval(() => (heartbeat = Date.now()), HEARTBEAT_MS);
  const timer = setInterval(() => submit(trigger("timer"), false), config.intervalMinutes * 60_000);
  // A restart catches up: whatever changed while the reconciler was away is applied by a full run.
  submit(trigger("startup"), false);
  const where = sharded ? `fleet ${options.stackName}, shards ${shardNames.join(", ")} (${plan.parallel} at a time, sharing ${config.coolifyRateLimit} Coolify requests/min; ${plan.perRun} each should the shared budget fail)` : `stack ${options.stackName}`;
  say(`listening on ${server.url}; ${where}; watching ${config.sourceCollections.join(", ")}; full run every ${config.intervalMinutes} min`);

  return {
    url: server.url,
    config,
    shards: shardNames,
    get recoveredPendingOperations() {
      return lanes.reduce((sum, lane) => sum + lane.recovered, 0);
    },
    lastRun: () => context.finished.at(-1),
    runs: () => [...context.finished],
    idle: async () => {
      while (routing || lanes.some((lane) => lane.queue.depth > 0)) await Promise.all([routing, ...lanes.map((lane) => lane.queue.idle())]);
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      await watcher.stop();
      await Promise.all(lanes.map((lane) => lane.stop()));
      await routing;
      clearInterval(beat);
      await server.close();
      await budget?.close();
      say("stopped");
    },
  };
}
