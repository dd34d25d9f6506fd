// Latency of the live loop: seconds from a tenant created in PocketBase to its provisioning record observed
// `running:healthy`, with N openclaw tenants already deployed, for a targeted run (the other tenants excluded) and a
// full run (config reconcileTargetedRuns=false). Baseline, in the same bench run: a bare `pulumi up` of that one
// tenant's resources (index.ts against a PocketBase holding only that tenant). Debounce is 0 here; the default
// reconcileDebounceSeconds (5) adds its seconds to every event-driven run.
import type PocketBase from "pocketbase";
import { startCoolifyEmulator, type CoolifyEmulator } from "../emulator/server";
import { connect } from "../lib/tenants/connection";
import { DEMO_PLANS } from "../pocketbase/seed";
import { startPocketBase, type PocketBaseInstance } from "../pocketbase/local-server";
import { startReconciler } from "../reconciler/reconciler";
import { AI_ROUTER_KEY } from "../test/support/platform";
import { createProgram, repoRoot, type TestProgram } from "../test/support/pulumi";
import { log, sizes, timed } from "./support";
import { entry, type Bench, type BenchEntry } from "./types";

const RATE_LIMIT = 1_000_000;
const TOKEN = "bench-reconciler-token-0123456789";

function programFor(pocketbase: PocketBaseInstance, coolify: CoolifyEmulator, project: string): Promise<TestProgram> {
  return createProgram({
    project,
    source: `module.exports = require(${JSON.stringify(`${repoRoot}/index.ts`)});\n`,
    config: {
      coolifyUrl: coolify.url,
      coolifyServerUuid: coolify.serverUuid,
      coolifyRateLimit: String(RATE_LIMIT),
      coolifyPollIntervalMs: "50",
      baseDomain: "agents.cloudfreedom.test",
      pocketbaseUrl: pocketbase.url,
      pocketbaseEmail: pocketbase.email,
      aiRouterUrl: "https://ai.cloudfreedom.test/v1",
      healthTimeoutSeconds: "120",
      reconcileDebounceSeconds: "0",
    },
    secrets: { coolifyToken: coolify.token, pocketbasePassword: pocketbase.password, aiRouterKey: AI_ROUTER_KEY, reconcilerToken: TOKEN },
  });
}

async function createTenant(pb: PocketBase, slug: string): Promise<string> {
  const plan = await pb.collection("plans").getFirstListItem('name = "starter"');
  const tenant = { slug, name: slug, status: "active", plan: plan.id, template: "openclaw", settings: {}, ai_router_key: `sk-bench-${slug}-router-key-not-real` };
  return (await pb.collection("tenants").create(tenant)).id;
}

/** Seconds from now until the tenant's provisioning record is observed running:healthy. */
async function untilHealthy(pb: PocketBase, tenantId: string, since: number): Promise<number> {
  for (;;) {
    const list = await pb.collection("agent_provisioning").getList(1, 1, { filter: pb.filter("tenant = {:id}", { id: tenantId }) });
    const record = list.items[0];
    if (record?.status === "running:healthy" && record.observed_at) return (Date.now() - since) / 1000;
    if (record?.status === "failed") throw new Error(`tenant ${tenantId} failed: ${record.last_error}`);
    if (Date.now() - since > 600_000) throw new Error(`tenant ${tenantId} not healthy after 600 s`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The baseline: `pulumi up` of one openclaw tenant's resources on a fresh stack. */
async function bareUp(): Promise<number> {
  const pocketbase = await startPocketBase();
  const coolify = await startCoolifyEmulator({ lifecycleDelayMs: 20, deleteDelayMs: 50, rateLimitPerMinute: RATE_LIMIT });
  const program = await programFor(pocketbase, coolify, "bench-reconciler-bare");
  try {
    const pb = await connect(pocketbase);
    await pb.collection("plans").create({ ...DEMO_PLANS[0] });
    await createTenant(pb, "solo");
    const up = await timed(() => program.stack.up());
    if (up.result.summary.resourceChanges?.create !== 7) throw new Error(`bare up: ${JSON.stringify(up.result.summary.resourceChanges)}`);
    return up.seconds;
  } finally {
    program.dispose();
    await coolify.close();
    await pocketbase.stop();
  }
}

async function measure(n: number): Promise<{ targeted: number; full: number }> {
  const pocketbase = await startPocketBase();
  const coolify = await startCoolifyEmulator({ lifecycleDelayMs: 20, deleteDelayMs: 50, rateLimitPerMinute: RATE_LIMIT });
  const program = await programFor(pocketbase, coolify, `bench-reconciler-${n}`);
  const reconcilerOptions = { stackName: "test", workDir: program.workDir, port: 0, envVars: { ...program.stack.workspace.envVars }, log: () => undefined };
  try {
    const pb = await connect(pocketbase);
    for (const plan of DEMO_PLANS) await pb.collection("plans").create({ ...plan });
    for (let i = 0; i < n; i++) await createTenant(pb, `tenant-${String(i).padStart(4, "0")}`);
    log(`reconciler: N=${n}: deploying the tenants`);
    await program.stack.up({ parallel: n >= 100 ? 32 : undefined });

    let reconciler = await startReconciler(reconcilerOptions);
    await reconciler.idle();
    log(`reconciler: N=${n}: targeted`);
    let since = Date.now();
    const targeted = await untilHealthy(pb, await createTenant(pb, "new-targeted"), since);
    if (reconciler.lastRun()?.scope !== "targeted") throw new Error(`expected a targeted run, got ${JSON.stringify(reconciler.lastRun())}`);
    await reconciler.stop();

    await program.stack.setConfig("reconcileTargetedRuns", { value: "false" });
    reconciler = await startReconciler(reconcilerOptions);
    await reconciler.idle();
    log(`reconciler: N=${n}: full`);
    since = Date.now();
    const full = await untilHealthy(pb, await createTenant(pb, "new-full"), since);
    if (reconciler.lastRun()?.scope !== "full") throw new Error(`expected a full run, got ${JSON.stringify(reconciler.lastRun())}`);
    await reconciler.stop();
    return { targeted, full };
  } finally {
    program.dispose();
    await coolify.close();
    await pocketbase.stop();
  }
}

export const run: Bench = async () => {
  log("reconciler: baseline, a bare pulumi up of one tenant");
  const bare = await bareUp();
  const results: BenchEntry[] = [];
  for (const n of sizes("BENCH_RECONCILER_SIZES", [10, 100], [1])) {
    const { targeted, full } = await measure(n);
    const name = `reconciler N=${n}`;
    const vs = "(baseline: bare pulumi up of that one tenant's resources)";
    results.push(entry(name, `tenant created in PocketBase -> running:healthy, targeted run ${vs}`, targeted, "s", bare));
    results.push(entry(name, `tenant created in PocketBase -> running:healthy, full run ${vs}`, full, "s", bare));
    for (const row of results.slice(-2)) log(`${row.name} | ${row.metric} | ${row.value.toFixed(2)} s | ratio ${row.ratio?.toFixed(2)}`);
  }
  return results;
};
