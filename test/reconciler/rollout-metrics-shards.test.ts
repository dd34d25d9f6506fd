// The reconciler's rollout gauges in a sharded fleet (reconciler/rollout.ts): each shard's lane shows the fleet's
// merged rollout (program/rollout-merge.ts), not a record of its own stack's name.
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../reconciler/metrics";
import { rolloutOf } from "../../reconciler/rollout";
import type { ShardProgress } from "../../program/rollout-merge";

const FLEET = "organization/cloudfreedom-agents/prod";
const progress = (shard: string, fields: Partial<ShardProgress>): ShardProgress => ({
  shard, release: "openclaw@1.2.0", status: "soaking", wave: 0, waves: [["c1"], ["a1", "b1"]], outcomes: {}, startedAt: "2026-12-05T06:00:00.000Z", moved: {}, landed: {}, members: [], ...fields,
});

describe("rollout gauges of a sharded fleet", () => {
  it("show the merged rollout in every shard's lane: wave 2 is running until both shards moved it, halted when one halted", async () => {
    const a = progress("a", { members: ["a1", "c1"], wave: 1, status: "soaking", moved: { 0: "2026-12-05T06:00:00.000Z", 1: "2026-12-05T06:40:00.000Z" } });
    const b = progress("b", { members: ["b1"], wave: 0, status: "soaking" });
    const records = [{ stack: `${FLEET}#a`, state: a }, { stack: `${FLEET}#b`, state: b }, { stack: "organization/cloudfreedom-agents/dev", state: progress("x", { status: "done", wave: 2 }) }];
    expect(rolloutOf(records, "cloudfreedom-agents", "prod.b", "b")).toEqual({ release: "openclaw@1.2.0", status: "running", wave: 1, waves: 2 });
    const metrics = createMetrics(() => 0);
    metrics.setRollout(rolloutOf(records, "cloudfreedom-agents", "prod.a", "a"), "a");
    expect(await metrics.registry.metrics()).toContain('cloudfreedom_rollout_status{release="openclaw@1.2.0",shard="a",status="running"} 1');

    const halted = { ...b, wave: 1, moved: { 1: "2026-12-05T06:41:00.000Z" }, halt: { wave: 1, reason: "b1 failed", at: "2026-12-05T06:42:00.000Z" } };
    expect(rolloutOf([records[0], { stack: `${FLEET}#b`, state: halted }], "cloudfreedom-agents", "prod.a", "a")).toMatchObject({ status: "halted", wave: 1 });
    expect(rolloutOf(records, "cloudfreedom-agents", "staging.a", "a")).toBeUndefined();
  });
});
