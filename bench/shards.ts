// Shards (issue 23): the fleet in stacks of at most SHARD_SIZE tenants, one Coolify server per shard, against the
// emulator with several servers and a real PocketBase. In one run, ratios against baselines of the same run:
// (a) seconds from a tenant created in PocketBase to `running:healthy` with N tenants deployed across shards, through
//     the reconciler (a run of the tenant's shard) and through a plain up of its shard's stack, vs a bare up of one
//     tenant; the fleet is deployed first and, above BENCH_SHARDS_HELD_MAX, with the rate limit lifted: only the
//     measured tenant's run is held to Coolify's 200 requests/min;
// (b) the first roll-out of N tenants in shards (P shards' runs at once, Coolify's 200/min held at the emulator and
//     split between the runs' providers as the reconciler splits it, reconciler/config.ts shardRunPlan), vs the API
//     floor (requests made / 200 per minute);
// (c) peak RSS of any one pulumi process tree during (b), vs the roll-out of one shard of SHARD_SIZE tenants alone;
// (d) the single-stack figures beside them (one stack holding the same fleet), up to BENCH_SHARDS_SINGLE_MAX.
// The tenants are openclaw (1 cpu, 2 GiB each), so equal servers get equal shares.
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import type PocketBase from "pocketbase";
import { startCoolifyEmulator, type CoolifyEmulator } from "../emulator/server";
import { startRateBudget } from "../lib/coolify/rate-budget-server";
import { readServerFleet } from "../lib/servers";
import { fleetConfigFile, readShards, shardStackName } from "../lib/shards";
import { connect } from "../lib/tenants/connection";
import { loadTenants } from "../lib/tenants/load";
import { listProvisioning } from "../lib/tenants/provisioning";
import { startPocketBase, type PocketBaseInstance } from "../pocketbase/local-server";
import { DEMO_PLANS } from "../pocketbase/seed";
import { RUN_RATE_LIMIT_VARIABLE, shardRunPlan } from "../reconciler/config";
import { startReconciler } from "../reconciler/reconciler";
import { tenantShards } from "../reconciler/shard-routing";
import { AI_ROUTER_KEY } from "../test/support/platform";
import { createProgram, repoRoot, type TestProgram } from "../test/support/pulumi";
import { classify, log, PROGRAMS_DIR, QUICK, sampleRssTrees, sizes, timed, type TreePeaks } from "./support";
import { entry, type Bench, type BenchEntry } from "./types";

/** Coolify's default API_RATE_LIMIT (coolify-api.md §3). */
const HELD = 200;
const LIFTED = 1_000_000;
const FLEET = "fleet";
const TOKEN = "bench-shards-reconciler-token-0123456789";
/** A whole number >= `min` from env `name`, else `fallback`. */
const envNumber = (name: string, fallback: number, min = 1) => {
  const raw = process.env[name]?.trim();
  return raw && Number.isInteger(Number(raw)) && Number(raw) >= min ? Number(raw) : fallback;
};
/** Tenants per shard (one server each), at most. */
const SHARD_SIZE = envNumber("BENCH_SHARD_SIZE", QUICK ? 2 : 50);
/** Shards' runs at once in a roll-out (as config reconcileParallelShards), and that config for the reconciler. */
const PARALLEL_SHARDS = envNumber("BENCH_SHARDS_PARALLEL", 2);
/** Above this N the roll-out runs with the rate limit lifted (a set-up for (a) only): 2,000 held is about an hour. */
const HELD_MAX = envNumber("BENCH_SHARDS_HELD_MAX", 100, 0);
/** Up to this N the single-stack figures (d) are measured too (quick: none, to keep the smoke run short). */
const SINGLE_MAX = envNumber("BENCH_SHARDS_SINGLE_MAX", QUICK ? 0 : 100, 0);
/** Engine --parallel of a roll-out's ups. */
const ROLLOUT_PARALLEL = envNumber("BENCH_SETUP_PARALLEL", 32);
/** How (a) reaches the new tenant: through the reconciler, a plain up of its stack, or both (quick: reconciler); none: no (a). */
const VIA = process.env.BENCH_SHARDS_VIA ?? (QUICK ? "reconciler" : "both");
/**
 * (a) is measured this many times per N, each plain up right after a bare up (the baseline), medians reported: the
 * 2 cores are shared, and a baseline taken minutes apart from its measurement was off by up to 2x.
 */
const REPEAT = envNumber("BENCH_SHARDS_REPEAT", QUICK ? 1 : 3);
/**
 * (a) waits, once its fleet is rolled out, until the 1-minute load average is below this (BENCH_QUIET_LOAD, e.g. 1.5;
 * unset: no wait), for at most BENCH_QUIET_WAIT_S seconds (default 1,200): on 2 shared cores, other work beside (a)
 * doubled its figures and its baselines alike.
 */
const QUIET_LOAD = Number(process.env.BENCH_QUIET_LOAD ?? "") || undefined;
const QUIET_WAIT_S = envNumber("BENCH_QUIET_WAIT_S", 1_200, 0);

/** Waits for QUIET_LOAD (see there); returns the load average it then saw. */
async function quietEnough(label: string): Promise<number> {
  const started = Date.now();
  let said = 0;
  while (QUIET_LOAD !== undefined && loadavg()[0] >= QUIET_LOAD && Date.now() - started < QUIET_WAIT_S * 1000) {
    if (Date.now() - said > 60_000) {
      said = Date.now();
      log(`shards: ${label}: waiting for a 1-minute load below ${QUIET_LOAD} (now ${loadavg()[0].toFixed(2)})`);
    }
    await new Promise((done) => setTimeout(done, 5_000));
  }
  const load = loadavg()[0];
  if (QUIET_LOAD !== undefined) log(`shards: ${label}: (a) starts at load ${load.toFixed(2)} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return load;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

interface Fleet {
  pocketbase: PocketBaseInstance;
  coolify: CoolifyEmulator;
  pb: PocketBase;
  program: TestProgram;
  /** Shard names in order; empty for one stack. */
  shards: string[];
  serversJson: string;
  shardsJson?: string;
  env: Record<string, string>;
  dispose(): Promise<void>;
}

function slugOf(i: number): string {
  return `tenant-${String(i).padStart(5, "0")}`;
}

async function createTenant(pb: PocketBase, slug: string): Promise<string> {
  const plan = await pb.collection("plans").getFirstListItem('name = "starter"');
  return (await pb.collection("tenants").create({ slug, name: slug, status: "active", plan: plan.id, template: "openclaw", settings: {}, ai_router_key: `sk-bench-${slug}-router-key-not-real` })).id;
}

/**
 * Seconds from `since` until the tenant's record says running:healthy (the run's own health wait wrote it), and with
 * `observed` until the reconciler has also written its observation (observed_at), as bench/reconciler.ts waits for.
 */
async function untilHealthy(pb: PocketBase, tenantId: string, since: number, observed = false): Promise<{ healthy: number; observed: number }> {
  let lastSaid = Date.now();
  let healthy: number | undefined;
  for (;;) {
    const list = await pb.collection("agent_provisioning").getList(1, 1, { filter: pb.filter("tenant = {:id}", { id: tenantId }) });
    const record = list.items[0];
    const now = (Date.now() - since) / 1000;
    if (record?.status === "running:healthy") healthy ??= now;
    if (healthy !== undefined && (!observed || record?.observed_at)) return { healthy, observed: now };
    if (record?.status === "failed" || record?.status === "refused") throw new Error(`tenant ${tenantId} ${record.status}: ${record.last_error || record.status_reason}`);
    if (Date.now() - since > 900_000) throw new Error(`tenant ${tenantId} not healthy after 900 s (status ${record?.status ?? "no record"})`);
    if (Date.now() - lastSaid > 30_000) {
      lastSaid = Date.now();
      log(`shards: waiting for tenant ${tenantId}: ${record ? `${record.status}${record.observed_at ? "" : ", not observed yet"}` : "no record yet"}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * PocketBase with `n` openclaw tenants, the emulator with `servers` servers, and the program on stack `fleet`; with
 * `sharded`, config shards puts each server in a shard of its own and the shard stacks `fleet.s000`, ... exist.
 */
async function startFleet(label: string, n: number, servers: number, sharded: boolean): Promise<Fleet> {
  const pocketbase = await startPocketBase();
  const coolify = await startCoolifyEmulator({ lifecycleDelayMs: 20, deleteDelayMs: 50, rateLimitPerMinute: LIFTED, servers });
  let program: TestProgram | undefined;
  try {
    const pb = await connect(pocketbase);
    for (const plan of DEMO_PLANS) await pb.collection("plans").create({ ...plan });
    let next = 0;
    const worker = async () => {
      while (next < n) await createTenant(pb, slugOf(next++));
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    // Room for a shard's tenants and the measured ones: 1 cpu (overcommit 4) and 2 GiB each.
    const room = SHARD_SIZE + 2 * REPEAT + 2;
    const serversJson = JSON.stringify(coolify.servers.map((s) => ({ uuid: s.uuid, cpus: Math.max(2, Math.ceil(room / 4)), memoryGb: room * 2 })));
    const shards = sharded ? coolify.servers.map((_, i) => `s${String(i).padStart(3, "0")}`) : [];
    const shardsJson = sharded ? JSON.stringify(Object.fromEntries(shards.map((name, i) => [name, [coolify.servers[i].uuid]]))) : undefined;
    program = await createProgram({
      parentDir: PROGRAMS_DIR,
      project: `bench-shards-${label}`,
      stackName: FLEET,
      source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
      config: {
        coolifyUrl: coolify.url,
        coolifyServers: serversJson,
        ...(shardsJson ? { shards: shardsJson } : {}),
        coolifyRateLimit: String(HELD),
        coolifyPollIntervalMs: "50",
        coolifyDeleteTimeoutSeconds: "20",
        baseDomain: "agents.cloudfreedom.test",
        pocketbaseUrl: pocketbase.url,
        pocketbaseEmail: pocketbase.email,
        aiRouterUrl: "https://ai.cloudfreedom.test/v1",
        // Status polls queue behind every other call in a held client's throttle.
        healthTimeoutSeconds: "1800",
        reconcileDebounceSeconds: "0",
        reconcileParallelShards: String(PARALLEL_SHARDS),
      },
      secrets: { coolifyToken: coolify.token, pocketbasePassword: pocketbase.password, aiRouterKey: AI_ROUTER_KEY, reconcilerToken: TOKEN },
    });
    const env = { ...program.stack.workspace.envVars };
    for (const shard of shards) {
      execFileSync("pulumi", ["stack", "init", shardStackName(FLEET, shard), "--no-select", "--secrets-provider", "passphrase", "--non-interactive"], {
        cwd: program.workDir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
      });
    }
    const made = program;
    return {
      pocketbase, coolify, pb, program: made, shards, serversJson, shardsJson, env,
      dispose: async () => {
        made.dispose();
        await coolify.close();
        await pocketbase.stop();
      },
    };
  } catch (error) {
    program?.dispose();
    await coolify.close();
    await pocketbase.stop();
    throw error;
  }
}

/**
 * A shard's stack (or, unsharded, the fleet stack) whose providers hold to `rate` requests per minute, or take their
 * slots from a shared rate budget (`budget`: its variables for this run) with `rate` as their fallback.
 */
async function stackOf(fleet: Fleet, shard: string | undefined, rate: number, budget: Record<string, string> = {}): Promise<{ stack: Stack; up: (parallel?: number) => ReturnType<Stack["up"]> }> {
  const stackName = shard === undefined ? FLEET : shardStackName(FLEET, shard);
  const stack = await LocalWorkspace.selectStack({ stackName, workDir: fleet.program.workDir }, { envVars: { ...fleet.env, [RUN_RATE_LIMIT_VARIABLE]: String(rate), ...budget } });
  const configFile = shard === undefined ? {} : { configFile: fleetConfigFile(FLEET) };
  return { stack, up: (parallel) => stack.up({ ...configFile, ...(parallel ? { parallel } : {}) }) };
}

interface Rollout {
  seconds: number;
  /** Requests Coolify saw (status polls included, 429 answers not). */
  requests: number;
  polls: number;
  throttled: number;
  peaks: TreePeaks;
  parallel: number;
  perRun: number;
  /** Whether the parallel runs took their slots from one shared rate budget. */
  shared: boolean;
}

/** The first up of every shard (P at once, each run's providers at its share of `limit`), the emulator at `limit`. */
async function rollOut(fleet: Fleet, n: number, limit: number): Promise<Rollout> {
  fleet.coolify.store.settings.rateLimitPerMinute = limit;
  fleet.coolify.requests.length = 0;
  const targets: Array<string | undefined> = fleet.shards.length > 0 ? fleet.shards : [undefined];
  const plan = shardRunPlan(limit, PARALLEL_SHARDS, targets.length);
  const queue = [...targets];
  // Held, the parallel runs share one rate budget at the whole limit, as the reconciler's runs do (BENCH_SHARDS_BUDGET=0:
  // each at its fixed share, as before the budget).
  const budget = limit === HELD && plan.parallel > 1 && process.env.BENCH_SHARDS_BUDGET !== "0" ? await startRateBudget({ limitPerMinute: limit }) : undefined;
  const sampler = sampleRssTrees();
  let peaks: TreePeaks | undefined;
  try {
    const run = await timed(() =>
      Promise.all(
        Array.from({ length: plan.parallel }, async () => {
          while (queue.length > 0) {
            const shard = queue.shift();
            const { up } = await stackOf(fleet, shard, plan.perRun, budget?.env(shard ?? FLEET));
            const result = await up(ROLLOUT_PARALLEL);
            if (result.summary.result !== "succeeded") throw new Error(`roll-out of ${shard ?? FLEET}: ${result.summary.result}`);
          }
        }),
      ),
    );
    peaks = sampler.stop();
    const healthy = await fleet.pb.collection("agent_provisioning").getList(1, 1, { filter: 'status = "running:healthy"' });
    if (healthy.totalItems !== n) throw new Error(`roll-out of ${n} tenants: ${healthy.totalItems} running:healthy records`);
    const counts = classify(fleet.coolify.requests);
    const requests = fleet.coolify.requests.filter((r) => r.status !== 429).length;
    return { seconds: run.seconds, requests, polls: counts["GET status poll"], throttled: counts["429"], peaks, parallel: plan.parallel, perRun: plan.perRun, shared: budget !== undefined };
  } finally {
    if (!peaks) sampler.stop();
    await budget?.close();
  }
}

/** The shard the program will place a new tenant in, computed as the reconciler routes it. */
async function shardOfNew(fleet: Fleet, tenantId: string): Promise<string> {
  const source = { url: fleet.pocketbase.url, email: fleet.pocketbase.email, password: fleet.pocketbase.password };
  const problems: string[] = [];
  const servers = readServerFleet({ coolifyServers: fleet.serversJson });
  const shards = readShards(fleet.shardsJson, servers.servers, problems)!;
  const routed = tenantShards({ shards, servers: servers.servers, overcommit: servers.overcommit }, await loadTenants(source), await listProvisioning(source));
  const shard = routed.get(tenantId)?.shard;
  if (shard === undefined || problems.length > 0) throw new Error(`no shard for the new tenant ${tenantId}: ${problems.join("; ")}`);
  return shard;
}

/** (a) through a plain up of the stack that holds the new tenant (its shard's, or the fleet stack), held at 200/min. */
async function viaStack(fleet: Fleet, slug: string): Promise<number> {
  fleet.coolify.store.settings.rateLimitPerMinute = HELD;
  const since = Date.now();
  const id = await createTenant(fleet.pb, slug);
  const shard = fleet.shards.length > 0 ? await shardOfNew(fleet, id) : undefined;
  const { up } = await stackOf(fleet, shard, HELD);
  const result = await up();
  if (result.summary.result !== "succeeded") throw new Error(`up of ${shard ?? FLEET} for ${slug}: ${result.summary.result}`);
  return (await untilHealthy(fleet.pb, id, since)).healthy;
}

/**
 * (a) through the reconciler on the fleet stack (each run of a shard at its share of 200/min), started and idle
 * first: one new tenant after the other, each once the last one's runs are done; medians.
 */
async function viaReconciler(fleet: Fleet, slugs: string[]): Promise<{ seconds: number; healthy: number; scope: string }> {
  fleet.coolify.store.settings.rateLimitPerMinute = HELD;
  let since = 0;
  const lines: string[] = [];
  // The reconciler's own lines from the first tenant's creation on: where its seconds go (BENCH_DEBUG=1 prints them).
  const say = (line: string) => void (since > 0 && lines.push(`+${((Date.now() - since) / 1000).toFixed(1)} s ${line}`));
  const reconciler = await startReconciler({ stackName: FLEET, workDir: fleet.program.workDir, port: 0, envVars: { ...fleet.env }, log: say });
  try {
    await reconciler.idle();
    const before = reconciler.runs().length;
    const observed: number[] = [];
    const healthy: number[] = [];
    for (const slug of slugs) {
      since = Date.now();
      const times = await untilHealthy(fleet.pb, await createTenant(fleet.pb, slug), since, true);
      observed.push(times.observed);
      healthy.push(times.healthy);
      await reconciler.idle();
    }
    if (process.env.BENCH_DEBUG) for (const line of lines) log(`shards: reconciler ${line.slice(0, 500)}`);
    const runs = reconciler.runs().slice(before);
    const scope = [...new Set(runs.map((r) => `${r.shard ?? "fleet"}: ${r.scope}`))].join(", ");
    return { seconds: median(observed), healthy: median(healthy), scope };
  } finally {
    await reconciler.stop();
  }
}

/** The baseline of (a): a bare up of one tenant on a stack of its own, held at 200/min like the measured runs. */
async function bareUp(): Promise<number> {
  const fleet = await startFleet("bare", 0, 1, false);
  try {
    fleet.coolify.store.settings.rateLimitPerMinute = HELD;
    const id = await createTenant(fleet.pb, "solo");
    const { up } = await stackOf(fleet, undefined, HELD);
    const run = await timed(() => up());
    if (run.result.summary.result !== "succeeded") throw new Error(`bare up: ${run.result.summary.result}`);
    await untilHealthy(fleet.pb, id, Date.now());
    return run.seconds;
  } finally {
    await fleet.dispose();
  }
}

interface Measured {
  rollout: Rollout;
  held: boolean;
  /** Median of the bare ups measured beside (a). */
  bare?: number;
  stack?: number;
  reconciler?: { seconds: number; healthy: number; scope: string };
  /** The 1-minute load average when (a) started. */
  load?: number;
}

async function measure(label: string, n: number, servers: number, sharded: boolean, withNewTenant: boolean, held = n <= HELD_MAX): Promise<Measured> {
  const fleet = await startFleet(label, n, servers, sharded);
  try {
    log(`shards: ${label}: roll-out of ${n} tenants over ${servers} server(s), ${sharded ? `${fleet.shards.length} shard(s)` : "one stack"}, rate limit ${held ? `held at ${HELD}/min` : "lifted"}`);
    const rollout = await rollOut(fleet, n, held ? HELD : LIFTED);
    log(`shards: ${label}: roll-out ${rollout.seconds.toFixed(1)} s, ${rollout.requests} requests, largest tree ${rollout.peaks.maxTree.toFixed(0)} MB`);
    const measured: Measured = { rollout, held };
    if (!withNewTenant || VIA === "none") return measured;
    measured.load = await quietEnough(label);
    const bares: number[] = [];
    const stacks: number[] = [];
    for (let k = 0; k < REPEAT; k++) {
      bares.push(await bareUp());
      if (VIA === "both" || VIA === "stack") stacks.push(await viaStack(fleet, `new-stack-${k}`));
      log(`shards: ${label}: bare up ${bares[k].toFixed(1)} s${stacks[k] !== undefined ? `, new tenant via a plain up ${stacks[k].toFixed(1)} s` : ""}`);
    }
    measured.bare = median(bares);
    if (stacks.length > 0) measured.stack = median(stacks);
    if (VIA === "both" || VIA === "reconciler") {
      measured.reconciler = await viaReconciler(fleet, Array.from({ length: REPEAT }, (_, k) => `new-reconciler-${k}`));
      log(`shards: ${label}: new tenant via the reconciler: ${measured.reconciler.seconds.toFixed(1)} s (${measured.reconciler.scope})`);
    }
    return measured;
  } finally {
    await fleet.dispose();
  }
}

function rows(name: string, n: number, m: Measured, oneShard: { held: Rollout; lifted?: Rollout }, sharded: boolean): BenchEntry[] {
  const out: BenchEntry[] = [];
  const kind = sharded ? "in shards" : "one stack";
  const bare = m.bare ?? NaN;
  const a = `with ${n} deployed${m.held ? "" : " (deployed with the rate limit lifted)"}, its run held at ${HELD}/min, median of ${REPEAT} (baseline: bare up of one tenant at ${HELD}/min, median of ${REPEAT} taken between them)${m.load !== undefined ? `, load ${m.load.toFixed(2)} at its start` : ""}`;
  const flat = (seconds: number) => (sharded ? { goal: "<= 1.5x", met: seconds / bare <= 1.5 } : undefined);
  if (m.reconciler) {
    out.push(entry(name, `(a) tenant created in PocketBase -> running:healthy observed, through the reconciler [${m.reconciler.scope}], ${a}`, m.reconciler.seconds, "s", bare, flat(m.reconciler.seconds)));
    out.push(entry(name, `(a) the same, until the run's own write-back said running:healthy (before the reconciler's observation)`, m.reconciler.healthy, "s", bare));
  }
  if (m.stack !== undefined) out.push(entry(name, `(a) tenant created in PocketBase -> running:healthy, plain up of ${sharded ? "its shard's stack" : "the stack"} (no reconciler), ${a}`, m.stack, "s", bare, flat(m.stack)));
  const r = m.rollout;
  const split = r.parallel > 1 ? (r.shared && m.held ? `, ${r.parallel} runs at once sharing one budget of ${HELD}/min` : `, ${r.parallel} runs at once at ${r.perRun}/min each`) : "";
  if (m.held) {
    const floor = (r.requests / HELD) * 60;
    out.push(entry(name, `(b) first roll-out ${kind}${split}, Coolify at ${HELD}/min, vs the API floor (${r.requests} requests / ${HELD} per min)`, r.seconds, "s", floor, sharded ? { goal: "<= 1.2x", met: r.seconds / floor <= 1.2 } : undefined));
    out.push(entry(name, `(b) Coolify requests during the roll-out per tenant (status polls ${(r.polls / n).toFixed(2)} of them)`, r.requests / n, "req", null));
    out.push(entry(name, "(b) 429 answers during the roll-out", r.throttled, "count", null, { goal: "0", met: r.throttled === 0 }));
  } else {
    out.push(entry(name, `roll-out ${kind} with the rate limit lifted${split} (set-up of (a); no floor)`, r.seconds, "s", null));
  }
  const base = m.held ? oneShard.held : (oneShard.lifted ?? oneShard.held);
  const baseWhat = `one shard of ${SHARD_SIZE} rolled out alone${m.held ? "" : ", limit lifted"}`;
  out.push(entry(name, `(c) peak RSS of any one pulumi process tree during the roll-out (baseline: ${baseWhat})`, r.peaks.maxTree, "MB", base.peaks.maxTree, sharded ? { goal: "<= 1.5x (bounded by the shard size)", met: r.peaks.maxTree / base.peaks.maxTree <= 1.5 } : undefined));
  out.push(entry(name, `(c) peak RSS of all pulumi process trees together during the roll-out`, r.peaks.total, "MB", base.peaks.total));
  return out;
}

export const run: Bench = async () => {
  const results: BenchEntry[] = [];
  log(`shards: shard size ${SHARD_SIZE}, ${PARALLEL_SHARDS} shards' runs at once, held roll-outs up to N=${HELD_MAX}, single stack up to N=${SINGLE_MAX}, (a) via ${VIA}`);
  const ns = sizes("BENCH_SHARDS_SIZES", [10, 100, 1000, 2000], [4]);
  log(`shards: baseline (c), the roll-out of one shard of ${SHARD_SIZE} alone`);
  const oneShard: { held: Rollout; lifted?: Rollout } = { held: (await measure("one-shard", SHARD_SIZE, 1, true, false)).rollout };
  if (ns.some((n) => n > HELD_MAX)) oneShard.lifted = (await measure("one-shard-lifted", SHARD_SIZE, 1, true, false, false)).rollout;
  results.push(entry(`shards one shard of ${SHARD_SIZE}`, `roll-out alone at ${HELD}/min vs the API floor (${oneShard.held.requests} requests / ${HELD} per min)`, oneShard.held.seconds, "s", (oneShard.held.requests / HELD) * 60));
  for (const n of ns) {
    const servers = Math.max(1, Math.ceil(n / SHARD_SIZE));
    const sharded = await measure(`n${n}`, n, servers, true, true);
    results.push(...rows(`shards N=${n} (${servers} shard(s) of <= ${SHARD_SIZE})`, n, sharded, oneShard, true));
    if (n <= SINGLE_MAX) {
      const single = await measure(`single-n${n}`, n, servers, false, true);
      results.push(...rows(`single stack N=${n} (${servers} server(s))`, n, single, oneShard, false));
    }
    for (const row of results.filter((r) => r.name.includes(`N=${n} `))) log(`${row.name} | ${row.metric} | ${row.value.toFixed(2)} ${row.unit} | ratio ${row.ratio?.toFixed(2) ?? "-"}`);
  }
  return results;
};
