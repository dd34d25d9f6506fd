import { describe, expect, it } from "vitest";
import { createBudgetSchedule } from "../../../lib/coolify/budget-schedule";
import { THROTTLE_TARGET } from "../../../lib/coolify/throttle";
import { virtualClock } from "./virtual-clock";

/** Most slots any half-open 60 s window starting at a slot holds. */
function busiestMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return Math.max(...sorted.map((start) => sorted.filter((t) => t >= start && t < start + 60_000).length));
}

describe("shared rate budget schedule", () => {
  for (const runs of [2, 3]) {
    it(`never lets more than limit × THROTTLE_TARGET slots through in any minute, with ${runs} competing runs`, async () => {
      const clock = virtualClock();
      const limit = 200;
      const budget = createBudgetSchedule(clock, limit);
      const granted: number[] = [];
      // Each run keeps 10 requests in flight (engine --parallel) for 250 requests: together over two minutes' worth.
      await Promise.all(
        Array.from({ length: runs }, (_, r) =>
          Promise.all(Array.from({ length: 10 }, async () => {
            for (let i = 0; i < 25; i++) {
              await budget.take(`run-${r}`).granted;
              granted.push(clock.now());
            }
          })),
        ),
      );
      expect(granted.length).toBeGreaterThan(limit * 2);
      expect(busiestMinute(granted)).toBeLessThanOrEqual(Math.floor(limit * THROTTLE_TARGET));
    });
  }

  it("gives a run alone the whole limit, not a parallel run's share", async () => {
    const clock = virtualClock();
    const limit = 200;
    const budget = createBudgetSchedule(clock, limit);
    const granted: number[] = [];
    for (let i = 0; i < 20; i++) {
      await budget.take("alone").granted;
      granted.push(clock.now());
    }
    const gaps = granted.slice(1).map((t, i) => t - granted[i]);
    for (const gap of gaps) expect(gap).toBeCloseTo(60_000 / (limit * THROTTLE_TARGET), 6);
  });

  it("serves waiting runs round-robin: a run asking once waits at most two slots behind a run with 30 queued", async () => {
    const clock = virtualClock();
    const budget = createBudgetSchedule(clock, 600);
    const order: string[] = [];
    const a = Array.from({ length: 30 }, () => budget.take("a").granted.then(() => void order.push("a")));
    await a[2];
    const b = budget.take("b").granted.then(() => void order.push("b"));
    const askedAt = order.length;
    await Promise.all([...a, b]);
    expect(order.indexOf("b") - askedAt).toBeLessThan(2);
    expect(order).toHaveLength(31);
  });

  it("holds every run back after a 429 one of them reported", async () => {
    const clock = virtualClock();
    const budget = createBudgetSchedule(clock, 600);
    await budget.take("a").granted;
    const reportedAt = clock.now();
    budget.pause(5_000);
    const times: Record<string, number> = {};
    await Promise.all(["a", "b", "c"].map((run) => budget.take(run).granted.then(() => void (times[run] = clock.now()))));
    for (const run of ["a", "b", "c"]) expect(times[run]).toBeGreaterThanOrEqual(reportedAt + 5_000);
  });

  it("drops a caller that gave up waiting without spending a slot on it", async () => {
    const clock = virtualClock();
    const budget = createBudgetSchedule(clock, 600);
    await budget.take("a").granted;
    const gone = budget.take("a");
    gone.abandon();
    expect(budget.waiting()).toBe(0);
    await budget.take("b").granted;
    expect(budget.granted()).toBe(2);
  });
});
