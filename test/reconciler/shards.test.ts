// Running shards in parallel (reconciler/gate.ts, config.ts): at most reconcileParallelShards runs at once, one run
// that may place a new tenant at a time, and each run's share of coolifyRateLimit such that all together stay within it.
import { afterEach, describe, expect, it } from "vitest";
import { configure, coolifyConnection } from "../../providers/connection";
import { NUMBER_SETTINGS, readReconcilerConfig, ReconcilerConfigError, RUN_RATE_LIMIT_VARIABLE, shardRunPlan } from "../../reconciler/config";
import { RunGate, type Pass } from "../../reconciler/gate";
import { shardProblems } from "../../reconciler/health";
import { mayPlace } from "../../reconciler/lane";
import { mergeRequests, type RunRequest } from "../../reconciler/queue";
import { createMetrics } from "../../reconciler/metrics";
import type { Tenant } from "../../lib/tenants/tenant";

/** Whether a promise has settled after every queued microtask ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe("the gate of a sharded fleet", () => {
  it("lets at most `parallel` runs in at once and the next one in when one leaves", async () => {
    const gate = new RunGate(2);
    const [a, b] = await Promise.all([gate.enter(false), gate.enter(false)]);
    const c = gate.enter(false);
    expect(await settled(c)).toBe(false);
    expect(gate.running).toBe(2);
    a.release();
    expect(await settled(c)).toBe(true);
    expect(gate.running).toBe(2);
    b.release();
    (await c).release();
    expect(gate.running).toBe(0);
  });

  it("lets one placing run in at a time, while runs that only touch recorded tenants go beside it", async () => {
    const gate = new RunGate(4);
    const first = await gate.enter(true);
    const second = gate.enter(true);
    const recordedOnly = gate.enter(false);
    expect(await settled(recordedOnly)).toBe(true);
    expect(await settled(second)).toBe(false);
    first.release();
    expect(await settled(second)).toBe(true);
    expect((await second).placing).toBe(true);
    (await second).release();
    (await recordedOnly).release();
    expect(gate.placing).toBe(false);
  });

  it("gives a run that learns late that it places the lock only when no other run holds it", async () => {
    const gate = new RunGate(2);
    const holder = await gate.enter(true);
    const late = await gate.enter(false);
    expect(late.tryPlacement()).toBe(false);
    expect(late.placing).toBe(false);
    holder.release();
    expect(late.tryPlacement()).toBe(true);
    const next = gate.enter(true);
    expect(await settled(next)).toBe(false);
    late.release();
    expect(await settled(next)).toBe(true);
  });

  it("never deadlocks with one slot: a placing run waits for the slot, the slot holder never waits for the lock", async () => {
    const gate = new RunGate(1);
    const holder = await gate.enter(false);
    const placing = gate.enter(true);
    expect(await settled(placing)).toBe(false);
    expect(holder.tryPlacement()).toBe(false);
    holder.release();
    const pass: Pass = await placing;
    expect(pass.placing).toBe(true);
    pass.release();
  });

  it("releases once however often release is called", async () => {
    const gate = new RunGate(1);
    const pass = await gate.enter(true);
    pass.release();
    pass.release();
    const [a] = await Promise.all([gate.enter(true)]);
    expect(gate.running).toBe(1);
    a.release();
  });
});

describe("a run that may place a new tenant", () => {
  const tenant = (slug: string) => ({ id: `id${slug}`, slug }) as Tenant;
  const deployed = { components: new Map([["idacme", "urn:acme"]]), parents: new Map(), serviceStatus: new Map(), pendingOperations: 0 };
  it("is a full run, or a targeted run that adds a tenant; not a targeted run of deployed tenants", () => {
    expect(mayPlace({ kind: "full", reason: "timer" }, deployed, [tenant("acme")])).toBe(true);
    expect(mayPlace({ kind: "targeted", tenants: ["delta"], exclude: ["urn:acme"] }, deployed, [tenant("acme"), tenant("delta")])).toBe(true);
    expect(mayPlace({ kind: "targeted", tenants: ["acme"], exclude: [] }, deployed, [tenant("acme"), tenant("delta")])).toBe(false);
    expect(mayPlace({ kind: "none", reason: "nothing" }, deployed, [])).toBe(false);
  });
});

describe("a request waiting in a shard's queue", () => {
  it("stays placing once any request merged into it may place a new tenant", () => {
    const recorded: RunRequest = { triggers: ["realtime"], full: false, changes: [], tenants: ["acme"] };
    const fresh: RunRequest = { ...recorded, tenants: ["delta"], placing: true };
    expect(mergeRequests(mergeRequests(undefined, recorded), recorded).placing).toBeUndefined();
    expect(mergeRequests(mergeRequests(undefined, fresh), recorded)).toMatchObject({ tenants: ["delta", "acme"], placing: true });
    expect(mergeRequests(recorded, fresh).placing).toBe(true);
  });
});

describe("one Coolify rate limit for every shard", () => {
  it("gives each parallel run a share such that share x parallel runs is at most the limit, for every limit and count", () => {
    for (const limit of [1, 2, 3, 7, 60, 199, 200, 201, 1000, 0.5, 150.5]) {
      for (let parallelShards = NUMBER_SETTINGS.reconcileParallelShards.min; parallelShards <= NUMBER_SETTINGS.reconcileParallelShards.max; parallelShards++) {
        for (const shards of [1, 2, 3, 5, 40]) {
          const { parallel, perRun } = shardRunPlan(limit, parallelShards, shards);
          const what = `limit ${limit}, reconcileParallelShards ${parallelShards}, ${shards} shards`;
          expect(perRun * parallel, what).toBeLessThanOrEqual(limit);
          expect(perRun, what).toBeGreaterThan(0);
          expect(parallel, what).toBeLessThanOrEqual(Math.min(parallelShards, shards));
          expect(parallel, what).toBeGreaterThanOrEqual(1);
        }
      }
    }
    expect(shardRunPlan(200, 2, 3)).toEqual({ parallel: 2, perRun: 100 });
    expect(shardRunPlan(200, 8, 3)).toEqual({ parallel: 3, perRun: 66 });
  });

  const base = {
    "cloudfreedom-agents:reconcilerToken": { value: "t0123456789abcdef0123", secret: true },
    "cloudfreedom-agents:pocketbaseUrl": { value: "http://127.0.0.1:8090" },
    "cloudfreedom-agents:pocketbaseEmail": { value: "a@b.c" },
    "cloudfreedom-agents:pocketbasePassword": { value: "pw-123456", secret: true },
  };
  it("reads reconcileParallelShards (default 2, 1 to 32) and coolifyRateLimit (default 200) from the stack config", () => {
    expect(readReconcilerConfig(base)).toMatchObject({ parallelShards: 2, coolifyRateLimit: 200 });
    expect(readReconcilerConfig({ ...base, "cloudfreedom-agents:reconcileParallelShards": { value: "8" }, "cloudfreedom-agents:coolifyRateLimit": { value: "600" } })).toMatchObject({ parallelShards: 8, coolifyRateLimit: 600 });
    const problems = (extra: Record<string, { value: string }>) => {
      try {
        readReconcilerConfig({ ...base, ...extra });
        return [];
      } catch (error) {
        return (error as ReconcilerConfigError).problems;
      }
    };
    expect(problems({ "cloudfreedom-agents:reconcileParallelShards": { value: "33" } })).toEqual([
      'reconcileParallelShards "33" is out of range: it must be a whole number of runs from 1 to 32: pulumi config set reconcileParallelShards 2',
    ]);
    expect(problems({ "cloudfreedom-agents:coolifyRateLimit": { value: "fast" } })).toEqual(['coolifyRateLimit "fast" is not a positive number of requests per minute: pulumi config set coolifyRateLimit 200']);
  });

  describe("the providers' throttle", () => {
    afterEach(() => {
      delete process.env[RUN_RATE_LIMIT_VARIABLE];
    });
    it("takes a run's share from the reconciler before config coolifyRateLimit, and config without it", async () => {
      const config = new Map([["coolifyUrl", "http://coolify.test"], ["coolifyToken", "token-123"], ["coolifyRateLimit", "200"]]);
      await configure({ config } as never);
      expect(coolifyConnection().rateLimitPerMinute).toBe(200);
      process.env[RUN_RATE_LIMIT_VARIABLE] = "100";
      expect(coolifyConnection().rateLimitPerMinute).toBe(100);
    });
  });
});

describe("/metrics of a sharded fleet", () => {
  it("labels runs, queue depth and tenants by shard, and leaves the label out unsharded", async () => {
    const sharded = createMetrics(() => new Map([["eu1", 1], ["eu2", 0]]));
    sharded.setTenantStatuses(["running:healthy", "running:healthy"], "eu1");
    sharded.setTenantStatuses(["failed"], "eu2");
    sharded.runs.inc({ result: "succeeded", scope: "targeted", shard: "eu2" });
    const text = await sharded.registry.metrics();
    expect(text).toMatch(/cloudfreedom_reconciler_queue_depth\{shard="eu1"\} 1\b/);
    expect(text).toMatch(/cloudfreedom_reconciler_tenants\{status="running:healthy",shard="eu1"\} 2\b/);
    expect(text).toMatch(/cloudfreedom_reconciler_tenants\{status="failed",shard="eu2"\} 1\b/);
    expect(text).toMatch(/cloudfreedom_reconciler_runs_total\{result="succeeded",scope="targeted",shard="eu2"\} 1\b/);
    const single = createMetrics(() => 1);
    single.setTenantStatuses(["running:healthy"]);
    const plain = await single.registry.metrics();
    expect(plain).toMatch(/cloudfreedom_reconciler_queue_depth 1\b/);
    expect(plain).toMatch(/cloudfreedom_reconciler_tenants\{status="running:healthy"\} 1\b/);
    expect(plain).not.toMatch(/shard=/);
  });
});

describe("/healthz of a sharded fleet", () => {
  const limits = { intervalMinutes: 15, maxRunMinutes: 60, unhealthyAfterIntervals: 3, lockBusyMinutes: 60 };
  const now = Date.parse("2026-12-05T12:00:00Z");
  it("names the stuck shard and its stack, and only that one", () => {
    const problems = shardProblems(
      [
        { shard: "eu1", stackName: "prod.eu1", state: { lastSucceededAt: now - 60_000, pendingOperations: 0 } },
        { shard: "eu2", stackName: "prod.eu2", state: { running: { since: now - 61 * 60_000 }, lastSucceededAt: now - 62 * 60_000, pendingOperations: 0 } },
      ],
      { now, startedAt: now - 120 * 60_000 },
      limits,
    );
    expect(problems).toEqual([
      "shard eu2 (stack prod.eu2): a run has been going for 61 min, over reconcileMaxRunMinutes (60)",
      "shard eu2 (stack prod.eu2): no run has succeeded for 62 min (last at 2026-12-05T10:58:00.000Z), over reconcileUnhealthyAfterIntervals (3) x reconcileIntervalMinutes (15); see the run records",
    ]);
  });
  it("words an unsharded stack's problems as before, without a shard", () => {
    expect(shardProblems([{ stackName: "prod", state: { pendingOperations: 2, lastSucceededAt: now } }], { now, startedAt: now }, limits)).toEqual([
      "2 pending operation(s) from an interrupted run could not be cleared; see the last run record",
    ]);
  });
});
