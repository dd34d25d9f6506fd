// The real program (index.ts) against a real PocketBase seeded with N tenants (the demo plans and tenants from
// pocketbase/seed.ts, then N-3 generated ones cycling llm-stack / openclaw / telegram-bot) and the Coolify emulator,
// against a baseline program of the same shape made of trivial dynamic resources (one guard, then per tenant a
// component with project, service, domain except for telegram-bot tenants, and record), in the same run.
// Reports the PocketBase load (loadTenants, timed directly) and planTenants time, first up, no-op preview and no-op
// up wall time, and peak RSS of the program's node process and of the whole pulumi process tree (sampled from /proc).
// A no-op run sends Coolify only the server check's requests (program/server-check.ts), the same number at every N.
import { connect } from "../lib/tenants/connection";
import { startCoolifyEmulator } from "../emulator/server";
import { planTenants } from "../program/plan";
import { SERVER_CHECK_REQUESTS } from "../program/server-check";
import { loadTenants } from "../lib/tenants/load";
import { DEMO_TENANTS, seedDemo } from "../pocketbase/seed";
import { AI_ROUTER_KEY } from "../test/support/platform";
import { startPocketBase, type PocketBaseInstance } from "../pocketbase/local-server";
import { createProgram, repoRoot, type TestProgram } from "../test/support/pulumi";
import { classify, describeTypes, log, PARALLEL, sampleRss, sizes, stateBytes, timed, TRIVIAL_TENANTS_SOURCE, PROGRAMS_DIR, type RssPeaks, type StateFigures } from "./support";
import { entry, type Bench, type BenchEntry } from "./types";

const RATE_LIMIT = 1_000_000;
/** Coolify's default API_RATE_LIMIT (coolify-api.md §3): what a BENCH_FULL run of a big N is held to. */
const COOLIFY_DEFAULT_RATE_LIMIT = 200;
const BASE_DOMAIN = "agents.cloudfreedom.test";
const TEMPLATES = ["llm-stack", "openclaw", "telegram-bot"] as const;
/** The setup `up` (creating everything) of big runs uses more engine parallelism; env BENCH_SETUP_PARALLEL. */
const SETUP_PARALLEL = Number(process.env.BENCH_SETUP_PARALLEL) > 0 ? Number(process.env.BENCH_SETUP_PARALLEL) : 32;
const BIG = 200;
/** Above this N (env BENCH_PROGRAM_UP_MAX, default 100) no up runs, only the preview of an empty stack, unless BENCH_FULL. */
const UP_MAX = Number(process.env.BENCH_PROGRAM_UP_MAX) > 0 ? Number(process.env.BENCH_PROGRAM_UP_MAX) : 100;
/** BENCH_FULL=1: above UP_MAX, a first up against the emulator at Coolify's default rate limit, then a no-op preview. */
const FULL = process.env.BENCH_FULL === "1" || process.env.BENCH_FULL === "true";

/** The generated tenant number i (i >= 3; 0..2 are the demo tenants acme, bolt, chirp). */
function tenantRecord(i: number, plans: Record<string, string>): Record<string, unknown> {
  const template = TEMPLATES[i % 3];
  const slug = `tenant-${String(i).padStart(4, "0")}`;
  const base = { slug, name: `Bench tenant ${i}`, status: "active", template, ai_router_key: `sk-bench-router-key-${String(i).padStart(6, "0")}` };
  if (template === "llm-stack") return { ...base, plan: plans.pro, settings: { webuiName: `Chat ${i}` } };
  if (template === "openclaw") return { ...base, plan: plans.starter, settings: {} };
  return {
    ...base,
    plan: plans.business,
    settings: {},
    telegram_bot_token: `${100_000_000 + i}:AAFakeBenchTokenNotReal${String(i).padStart(12, "0")}`,
    telegram_allow_from: [String(200_000_000 + i)],
  };
}

/** Seeds PocketBase with the demo data and n-3 generated tenants (exported for one-off profiling runs). */
export async function seed(pocketbase: PocketBaseInstance, n: number): Promise<void> {
  const pb = await connect(pocketbase);
  const { plans } = await seedDemo(pb);
  if (n < DEMO_TENANTS.length) throw new Error(`program bench needs at least ${DEMO_TENANTS.length} tenants (the demo ones)`);
  let next = DEMO_TENANTS.length;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await pb.collection("tenants").create(tenantRecord(i, plans));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * The requests of a no-op run split into the server check's (program/server-check.ts: the same few per program run at
 * every fleet size) and everything else (none expected).
 */
function noopRequestsOf(requests: Array<{ method: string; path: string }>): { check: number; other: number } {
  const check = requests.filter((r) => (SERVER_CHECK_REQUESTS as readonly string[]).includes(`${r.method} ${r.path}`)).length;
  return { check, other: requests.length - check };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Measured {
  firstUp: number;
  preview: number;
  noopUp: number;
  firstUpRss?: RssPeaks;
  previewRss: RssPeaks;
  noopUpRss: RssPeaks;
  resources: number;
  previewOnly?: boolean;
  /** Requests Coolify saw during the first up, by kind (index.ts only). */
  upRequests?: ReturnType<typeof classify>;
  state?: StateFigures;
  /** BENCH_FULL above UP_MAX: the preview of the empty stack, before the first up. */
  emptyPreview?: { seconds: number; rss: RssPeaks };
  /** Above UP_MAX: the same preview again with PULUMI_SKIP_CHECKPOINTS=true. */
  skipCheckpoints?: { seconds: number; rss: RssPeaks };
}

/**
 * The preview of the empty stack once more, with PULUMI_SKIP_CHECKPOINTS=true: the engine then no longer serializes
 * (and encrypts the secrets of) the whole in-memory snapshot after every step, which a preview does too although it
 * persists nothing (pulumi 3.274, backend/snapshot.go; the diy backend discards what it serialized).
 */
async function previewSkippingCheckpoints(program: TestProgram, n: number, label: string): Promise<{ seconds: number; rss: RssPeaks }> {
  log(`program: N=${n} ${label}: preview of an empty stack, PULUMI_SKIP_CHECKPOINTS=true`);
  process.env.PULUMI_SKIP_CHECKPOINTS = "true";
  try {
    const sampler = sampleRss();
    const preview = await timed(() => program.stack.preview({ parallel: PARALLEL }));
    return { seconds: preview.seconds, rss: sampler.stop() };
  } finally {
    delete process.env.PULUMI_SKIP_CHECKPOINTS;
  }
}

/** Above UP_MAX: the preview of an empty stack (every resource a create), with RSS sampling; nothing is deployed. */
async function measurePreviewOnly(program: TestProgram, n: number, label: string, beforePreview?: () => void): Promise<Measured> {
  beforePreview?.();
  log(`program: N=${n} ${label}: preview of an empty stack`);
  const sampler = sampleRss();
  const preview = await timed(() => program.stack.preview({ parallel: PARALLEL }));
  const previewRss = sampler.stop();
  const resources = preview.result.changeSummary.create ?? 0;
  const skipCheckpoints = await previewSkippingCheckpoints(program, n, label);
  return { firstUp: NaN, preview: preview.seconds, noopUp: NaN, previewRss, noopUpRss: previewRss, resources, previewOnly: true, skipCheckpoints };
}

/**
 * First up (creating everything), then a no-op preview and a no-op up (the latter skipped for a BENCH_FULL run above
 * UP_MAX), each timed and RSS-sampled; `afterUp` sees the requests of the first up, `beforeNoop` runs before the rest.
 */
async function measure(program: TestProgram, n: number, label: string, hooks: { afterUp?: () => ReturnType<typeof classify>; beforeNoop?: () => void } = {}): Promise<Measured> {
  const big = n > UP_MAX;
  if (big && !FULL) return measurePreviewOnly(program, n, label, hooks.beforeNoop);
  const empty = big ? await measurePreviewOnly(program, n, label) : undefined;
  const emptyPreview = empty && { seconds: empty.preview, rss: empty.previewRss };
  const skipCheckpoints = empty?.skipCheckpoints;
  const parallel = n >= BIG ? SETUP_PARALLEL : PARALLEL;
  log(`program: N=${n} ${label}: first up${parallel ? ` (--parallel ${parallel})` : ""}`);
  let sampler = sampleRss();
  const up = await timed(() => program.stack.up({ parallel }));
  const firstUpRss = sampler.stop();
  const changes = up.result.summary.resourceChanges ?? {};
  if (Object.keys(changes).some((k) => k !== "create")) throw new Error(`${label} first up: ${JSON.stringify(changes)}`);
  const resources = changes.create ?? 0;
  const upRequests = hooks.afterUp?.();
  const state = stateBytes(program);

  hooks.beforeNoop?.();
  log(`program: N=${n} ${label}: no-op preview`);
  sampler = sampleRss();
  const preview = await timed(() => program.stack.preview({ parallel: PARALLEL }));
  const previewRss = sampler.stop();
  if (preview.result.changeSummary.same !== resources) throw new Error(`${label} no-op preview: ${JSON.stringify(preview.result.changeSummary)}`);
  if (big) return { firstUp: up.seconds, preview: preview.seconds, noopUp: NaN, firstUpRss, previewRss, noopUpRss: previewRss, resources, upRequests, state, emptyPreview, skipCheckpoints };

  log(`program: N=${n} ${label}: no-op up`);
  sampler = sampleRss();
  const noop = await timed(() => program.stack.up({ parallel: PARALLEL }));
  const noopUpRss = sampler.stop();
  const same = noop.result.summary.resourceChanges ?? {};
  if (same.same !== resources || Object.keys(same).length !== 1) throw new Error(`${label} no-op up: ${JSON.stringify(same)}`);
  return { firstUp: up.seconds, preview: preview.seconds, noopUp: noop.seconds, firstUpRss, previewRss, noopUpRss, resources, upRequests, state };
}

async function measureBaseline(n: number): Promise<Measured> {
  const program = await createProgram({ parentDir: PROGRAMS_DIR, project: `bench-trivial-tenants-${n}`, source: TRIVIAL_TENANTS_SOURCE, config: { count: String(n) } });
  try {
    return await measure(program, n, "baseline");
  } finally {
    program.dispose();
  }
}

async function measureProgram(n: number) {
  // A BENCH_FULL run of a big N is held to Coolify's default limit, at the emulator and in the client.
  const rateLimit = FULL && n > UP_MAX ? COOLIFY_DEFAULT_RATE_LIMIT : RATE_LIMIT;
  const pocketbase = await startPocketBase();
  const coolify = await startCoolifyEmulator({ lifecycleDelayMs: 20, deleteDelayMs: 50, rateLimitPerMinute: rateLimit });
  let program: TestProgram | undefined;
  try {
    log(`program: N=${n}: seeding PocketBase`);
    await seed(pocketbase, n);
    const source = { url: pocketbase.url, email: pocketbase.email, password: pocketbase.password };
    const loads: number[] = [];
    let tenants = await loadTenants(source); // warm-up (first login, SDK import)
    for (let i = 0; i < 3; i++) {
      const load = await timed(() => loadTenants(source));
      loads.push(load.seconds);
      tenants = load.result;
    }
    if (tenants.length !== n) throw new Error(`loadTenants returned ${tenants.length} tenants, expected ${n}`);
    const plan = await timed(async () => planTenants(tenants, { aiRouterUrl: "https://ai.cloudfreedom.test/v1", baseDomain: BASE_DOMAIN, coolifyUrl: coolify.url, pocketbaseUrl: pocketbase.url }));
    if (plan.result.plans.length !== n) throw new Error(`planTenants planned ${plan.result.plans.length} tenants, expected ${n}`);

    program = await createProgram({
      parentDir: PROGRAMS_DIR,
      project: `bench-program-${n}`,
      source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
     
      config: {
        coolifyUrl: coolify.url,
        coolifyServerUuid: coolify.serverUuid,
        coolifyRateLimit: String(rateLimit),
        coolifyPollIntervalMs: "50",
        coolifyDeleteTimeoutSeconds: "20",
        baseDomain: BASE_DOMAIN,
        pocketbaseUrl: pocketbase.url,
        pocketbaseEmail: pocketbase.email,
        aiRouterUrl: "https://ai.cloudfreedom.test/v1",
        // Status polls queue behind every other call in the client's throttle when it is held to 200/min.
        healthTimeoutSeconds: rateLimit === RATE_LIMIT ? "120" : "1800",
      },
      secrets: { coolifyToken: coolify.token, pocketbasePassword: pocketbase.password, aiRouterKey: AI_ROUTER_KEY },
    });
    // The no-op preview and up send Coolify only the server check's requests, once per run: count from after the first up.
    const measured = await measure(program, n, "index.ts", { afterUp: () => classify(coolify.requests), beforeNoop: () => void (coolify.requests.length = 0) });
    return { ...measured, noopRequests: noopRequestsOf(coolify.requests), load: median(loads), plan: plan.seconds, rateLimit };
  } finally {
    program?.dispose();
    await coolify.close();
    await pocketbase.stop();
  }
}

/** A no-op run's Coolify requests: the server check's, the same number at every N (`runs` program runs), and none else. */
function noopRows(rows: BenchEntry[], name: string, what: string, requests: { check: number; other: number }, runs: number): void {
  const expected = SERVER_CHECK_REQUESTS.length * runs;
  rows.push(entry(name, `Coolify requests during ${what}: the server check's (${SERVER_CHECK_REQUESTS.join(", ")}, once per run), the same at every N`, requests.check, "count", null, { goal: String(expected), met: requests.check === expected }));
  rows.push(entry(name, `Coolify requests during ${what}, besides the server check`, requests.other, "count", null, { goal: "0", met: requests.other === 0 }));
}

export const run: Bench = async () => {
  const results: BenchEntry[] = [];
  for (const n of sizes("BENCH_PROGRAM_SIZES", [10, 100, 500], [3])) {
    if (FULL && n > UP_MAX) log(`program: N=${n}: BENCH_FULL: first up against Coolify's default rate limit (${COOLIFY_DEFAULT_RATE_LIMIT}/min): expect well over 10 minutes`);
    const base = await measureBaseline(n);
    const real = await measureProgram(n);
    if (real.resources !== base.resources) throw new Error(`N=${n}: index.ts has ${real.resources} resources, the baseline ${base.resources}`);
    const name = `program N=${n}`;
    const vs = `(baseline: ${base.resources} trivial dynamic resources, same shape)`;
    const rows: BenchEntry[] = [
      entry(name, "PocketBase loadTenants (median of 3)", real.load, "s", null),
      entry(name, "planTenants (validate + render all)", real.plan, "s", null),
    ];
    const rss = (what: string, real?: RssPeaks, base?: RssPeaks) => {
      if (!real || !base) return;
      rows.push(entry(name, `peak RSS, program node process, ${what}`, real.byRole.program, "MB", base.byRole.program));
      rows.push(entry(name, `peak RSS, dynamic-provider process(es), ${what}`, real.byRole.provider, "MB", base.byRole.provider));
      rows.push(entry(name, `peak RSS, pulumi CLI (engine), ${what}`, real.byRole.cli, "MB", base.byRole.cli));
      rows.push(entry(name, `peak RSS, language host, ${what}`, real.byRole.langhost, "MB", base.byRole.langhost));
      rows.push(entry(name, `peak RSS, whole pulumi process tree, ${what}`, real.tree, "MB", base.tree));
    };
    if (real.previewOnly) {
      const what = `(up skipped at N>${UP_MAX}: too slow on 2 cores; BENCH_FULL=1 runs it)`;
      rows.push(entry(name, `preview wall time, empty stack: every resource a create ${what} ${vs}`, real.preview, "s", base.preview));
      // Two previews: the one timed and the one with PULUMI_SKIP_CHECKPOINTS (previewSkippingCheckpoints).
      noopRows(rows, name, "those two previews", real.noopRequests, 2);
      rss("that preview", real.previewRss, base.previewRss);
    } else {
      if (real.emptyPreview && base.emptyPreview) {
        rows.push(entry(name, `preview wall time, empty stack: every resource a create ${vs}`, real.emptyPreview.seconds, "s", base.emptyPreview.seconds));
        rss("preview of the empty stack", real.emptyPreview.rss, base.emptyPreview.rss);
      }
      const setup = n >= BIG ? `, --parallel ${SETUP_PARALLEL}` : "";
      const limited = real.rateLimit === COOLIFY_DEFAULT_RATE_LIMIT ? `, Coolify at its default ${COOLIFY_DEFAULT_RATE_LIMIT} requests/min` : "";
      rows.push(entry(name, `first up wall time, creates everything${setup}${limited} ${vs}`, real.firstUp, "s", base.firstUp));
      if (real.upRequests) {
        const all = Object.entries(real.upRequests).filter(([kind]) => kind !== "429").reduce((sum, [, count]) => sum + count, 0);
        const polls = real.upRequests["GET status poll"];
        const floor = (all / COOLIFY_DEFAULT_RATE_LIMIT) * 60;
        rows.push(entry(name, "Coolify requests during the first up, per tenant, excl. status polls", (all - polls) / n, "req", null));
        rows.push(entry(name, "Coolify status polls during the first up, per tenant", polls / n, "req", null));
        rows.push(entry(name, `first up wall time vs the floor at ${COOLIFY_DEFAULT_RATE_LIMIT} requests/min (${all} requests / ${COOLIFY_DEFAULT_RATE_LIMIT} per min)`, real.firstUp, "s", floor));
        rows.push(entry(name, "429 answers during the first up", real.upRequests["429"], "count", null, { goal: "0", met: real.upRequests["429"] === 0 }));
      }
      if (real.state && base.state) {
        rows.push(entry(name, `state bytes per tenant ${vs}`, real.state.total / n, "B", base.state.total / n, { goal: "< 10 KB", met: real.state.total / n < 10_240 }));
        rows.push(entry(name, `state bytes per resource: ${describeTypes(real.state, ["Project", "Service", "Domain", "ProvisioningRecord", "Stack"])}; baseline: ${describeTypes(base.state, ["Trivial"])}`,
          real.state.total / real.resources, "B", base.state.total / base.resources));
      }
      rss("first up", real.firstUpRss, base.firstUpRss);
      rows.push(entry(name, `no-op preview wall time ${vs}`, real.preview, "s", base.preview));
      if (!Number.isNaN(real.noopUp)) rows.push(entry(name, `no-op up wall time ${vs}`, real.noopUp, "s", base.noopUp));
      noopRows(rows, name, Number.isNaN(real.noopUp) ? "no-op preview" : "no-op preview + no-op up", real.noopRequests, Number.isNaN(real.noopUp) ? 1 : 2);
      rss("no-op preview", real.previewRss, base.previewRss);
      if (!Number.isNaN(real.noopUp)) rss("no-op up", real.noopUpRss, base.noopUpRss);
    }
    if (real.skipCheckpoints && base.skipCheckpoints) {
      rows.push(entry(name, `preview wall time, empty stack, PULUMI_SKIP_CHECKPOINTS=true ${vs}`, real.skipCheckpoints.seconds, "s", base.skipCheckpoints.seconds));
      rss("preview of the empty stack, PULUMI_SKIP_CHECKPOINTS=true", real.skipCheckpoints.rss, base.skipCheckpoints.rss);
    }
    for (const row of rows) log(`${row.name} | ${row.metric} | ${row.value.toFixed(3)} ${row.unit} | baseline ${row.baseline?.toFixed(3) ?? "-"}`);
    results.push(...rows);
  }
  return results;
};
