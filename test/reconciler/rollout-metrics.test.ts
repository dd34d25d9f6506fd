// The reconciler's rollout gauges (reconciler/metrics.ts, reconciler/rollout.ts).
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../reconciler/metrics";
import { rolloutOf } from "../../reconciler/rollout";

const record = (stack: string, status: string, wave: number) => ({ stack, state: { release: "openclaw@1.2.0", status, wave, waves: [["t1"], ["t2"], ["t3", "t4"]] } });

describe("rollout gauges", () => {
  it("show the stack's rollout: its wave (1-based) of how many, and its status", async () => {
    const metrics = createMetrics(() => 0);
    metrics.setRollout(rolloutOf([record("organization/cloudfreedom-agents/dev", "done", 3), record("organization/cloudfreedom-agents/prod", "soaking", 1)], "cloudfreedom-agents", "prod"));
    const text = await metrics.registry.metrics();
    expect(text).toContain('cloudfreedom_rollout_wave{release="openclaw@1.2.0"} 2');
    expect(text).toContain('cloudfreedom_rollout_waves{release="openclaw@1.2.0"} 3');
    expect(text).toContain('cloudfreedom_rollout_status{release="openclaw@1.2.0",status="soaking"} 1');
    expect(text).not.toContain('status="done"');
  });

  it("caps a finished rollout's wave at its last, and clears the gauges when the stack has none", async () => {
    const metrics = createMetrics(() => 0);
    metrics.setRollout(rolloutOf([record("org/cloudfreedom-agents/prod", "done", 3)], "cloudfreedom-agents", "org/cloudfreedom-agents/prod"));
    expect(await metrics.registry.metrics()).toContain('cloudfreedom_rollout_wave{release="openclaw@1.2.0"} 3');
    metrics.setRollout(rolloutOf([], "cloudfreedom-agents", "prod"));
    expect(await metrics.registry.metrics()).not.toContain('cloudfreedom_rollout_wave{');
  });
});
