// The Coolify providers through the real engine at N = 10 and 100 tenants (each a Project, a Service and a Domain, as in
// test/engine/providers.test.ts) against the emulator, and the same N chains of 3 trivial dynamic resources (the
// baseline: random.RandomPet cannot run here) in the same run. Reports up and no-op preview wall time, requests per
// tenant by kind, requests of a no-op preview, and state bytes per tenant.
//
// The emulator takes 20 ms per lifecycle step; the emulator's and the client's rate limits are raised far above what
// the run sends, so the throttle is not the bottleneck (bench/client-throttle.ts measures the throttle itself).
import { startCoolifyEmulator } from "../emulator/server";
import { TENANT_STACKS_SOURCE } from "../test/support/programs";
import { createProgram } from "../test/support/pulumi";
import { entry, type Bench, type BenchEntry } from "./types";
import { classify, describeTypes, log, PARALLEL, PROGRAMS_DIR, sizes, stateBytes, timed, TRIVIAL_CHAINS_SOURCE } from "./support";

const RATE_LIMIT = 1_000_000;
const MAX_CREATE_REQUESTS_PER_TENANT = 4;
const ADOPTION_LISTS = 2;
const MAX_STATE_BYTES_PER_TENANT = 10_240;


async function measureBaseline(n: number) {
  const program = await createProgram({ parentDir: PROGRAMS_DIR, project: `bench-trivial-${n}`, source: TRIVIAL_CHAINS_SOURCE, config: { count: String(n) } });
  try {
    const up = await timed(() => program.stack.up({ parallel: PARALLEL }));
    const creates = up.result.summary.resourceChanges?.create ?? 0;
    if (creates !== 3 * n + 1) throw new Error(`baseline up created ${creates} resources, expected ${3 * n + 1}`);
    const preview = await timed(() => program.stack.preview({ parallel: PARALLEL }));
    return { up: up.seconds, preview: preview.seconds, state: stateBytes(program) };
  } finally {
    program.dispose();
  }
}

async function measureProviders(n: number) {
  const emulator = await startCoolifyEmulator({ lifecycleDelayMs: 20, deleteDelayMs: 50, rateLimitPerMinute: RATE_LIMIT });
  const program = await createProgram({
    parentDir: PROGRAMS_DIR,
    project: `bench-providers-${n}`,
    source: TENANT_STACKS_SOURCE,
    config: {
      tenants: Array.from({ length: n }, (_, i) => `t${i}`).join(","),
      greeting: "hello",
      baseDomain: "bench.example.com",
      coolifyUrl: emulator.url,
      coolifyPollIntervalMs: "50",
      coolifyRateLimit: String(RATE_LIMIT),
      serverUuid: emulator.serverUuid,
    },
    secrets: { coolifyToken: emulator.token, apiKey: "sk-bench-0123456789abcdef" },
  });
  try {
    const up = await timed(() => program.stack.up({ parallel: PARALLEL }));
    const creates = up.result.summary.resourceChanges?.create ?? 0;
    if (creates !== 3 * n + 1) throw new Error(`providers up created ${creates} resources, expected ${3 * n + 1}`);
    const upRequests = classify(emulator.requests);
    emulator.requests.length = 0;
    const preview = await timed(() => program.stack.preview({ parallel: PARALLEL }));
    const same = preview.result.changeSummary.same ?? 0;
    if (same !== 3 * n + 1) throw new Error(`no-op preview: expected ${3 * n + 1} unchanged, got ${JSON.stringify(preview.result.changeSummary)}`);
    const previewRequests = emulator.requests.length;
    return { up: up.seconds, preview: preview.seconds, upRequests, previewRequests, state: stateBytes(program) };
  } finally {
    program.dispose();
    await emulator.close();
  }
}

export const run: Bench = async () => {
  const results: BenchEntry[] = [];
  for (const n of sizes("BENCH_PROVIDERS_SIZES", [10, 100], [2])) {
    log(`providers: N=${n} baseline (${3 * n} trivial dynamic resources)`);
    const base = await measureBaseline(n);
    log(`providers: N=${n} Project+Service+Domain against the emulator`);
    const real = await measureProviders(n);
    const name = `providers N=${n}`;
    const first = results.length;
    const vs = `(baseline: ${n} x 3 trivial dynamic resources)`;
    results.push(entry(name, `up wall time ${vs}`, real.up, "s", base.up));
    results.push(entry(name, `no-op preview wall time ${vs}`, real.preview, "s", base.preview));
    results.push(entry(name, "no-op preview requests to Coolify", real.previewRequests, "count", null, { goal: "0", met: real.previewRequests === 0 }));
    const perTenant = (count: number) => count / n;
    const nonPoll = real.upRequests["GET other"] + real.upRequests.POST + real.upRequests.PATCH + real.upRequests.DELETE;
    // The two adoption lists (projects, services) are fetched once per run, so they count once, not per tenant.
    results.push(entry(name, "create requests per tenant, excl. status polls (the run's 2 adoption lists included)", perTenant(nonPoll), "req", null, {
      goal: `<= ${MAX_CREATE_REQUESTS_PER_TENANT} + ${ADOPTION_LISTS}/N`,
      met: nonPoll <= MAX_CREATE_REQUESTS_PER_TENANT * n + ADOPTION_LISTS,
    }));
    for (const kind of ["GET other", "POST", "PATCH", "DELETE", "GET status poll"] as const) {
      results.push(entry(name, `create requests per tenant: ${kind}`, perTenant(real.upRequests[kind]), "req", null));
    }
    results.push(entry(name, "429 answers during up", real.upRequests["429"], "count", null, { goal: "0", met: real.upRequests["429"] === 0 }));
    results.push(entry(name, `state bytes per tenant ${vs}`, real.state.total / n, "B", base.state.total / n, {
      goal: `< ${MAX_STATE_BYTES_PER_TENANT / 1024} KB`,
      met: real.state.total / n < MAX_STATE_BYTES_PER_TENANT,
    }));
    results.push(entry(name, "state bytes per tenant: serialized provider code (__provider), part of the above", real.state.provider / n, "B", base.state.provider / n));
    results.push(entry(name, `state bytes per resource: ${describeTypes(real.state, ["Project", "Service", "Domain"])}; baseline: ${describeTypes(base.state, ["Trivial"])}`,
      real.state.total / (3 * n), "B", base.state.total / (3 * n)));
    for (const row of results.slice(first)) log(`${row.name} | ${row.metric} | ${row.value.toFixed(3)} ${row.unit} | baseline ${row.baseline?.toFixed(3) ?? "-"}`);
  }
  return results;
};
