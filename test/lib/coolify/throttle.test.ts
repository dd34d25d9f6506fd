import { describe, expect, it } from "vitest";
import { acquireSlot, pauseUntil, THROTTLE_TARGET } from "../../../lib/coolify/throttle";
import { virtualClock } from "./virtual-clock";

describe("acquireSlot", () => {
  it("spaces requests evenly just below the configured rate", async () => {
    const clock = virtualClock();
    const sent: number[] = [];
    for (let i = 0; i < 50; i++) {
      await acquireSlot(clock, "k", 200);
      sent.push(clock.now());
    }
    const perMinute = ((sent.length - 1) / (sent[sent.length - 1] - sent[0])) * 60_000;
    expect(perMinute).toBeCloseTo(200 * THROTTLE_TARGET, 5);
    expect(perMinute).toBeLessThan(200);
  });

  it("never lets a minute see the full limit", async () => {
    const clock = virtualClock();
    const sent: number[] = [];
    for (let i = 0; i < 400; i++) {
      await acquireSlot(clock, "k", 200);
      sent.push(clock.now());
    }
    for (let i = 0; i < sent.length; i++) {
      const inWindow = sent.filter((t) => t >= sent[i] && t < sent[i] + 60_000).length;
      expect(inWindow).toBeLessThan(200);
    }
  });

  it("queues concurrent callers first-in first-out, one interval apart", async () => {
    const clock = virtualClock();
    await Promise.all(Array.from({ length: 5 }, () => acquireSlot(clock, "k", 600)));
    const interval = 60_000 / (600 * THROTTLE_TARGET);
    expect(clock.sleeps.map((s) => Math.round(s))).toEqual([1, 2, 3, 4].map(() => Math.round(interval)));
    expect(clock.now()).toBeCloseTo(1_000_000 + 4 * interval, 5);
  });

  it("keeps separate schedules per key", async () => {
    const clock = virtualClock();
    await acquireSlot(clock, "a", 60);
    await acquireSlot(clock, "b", 60);
    expect(clock.sleeps).toEqual([]);
  });

  it("holds callers back after a pause, even with the throttle off", async () => {
    const clock = virtualClock();
    pauseUntil(clock, "k", clock.now() + 3_000);
    await acquireSlot(clock, "k", 0);
    expect(clock.sleeps).toEqual([3_000]);
  });
});
