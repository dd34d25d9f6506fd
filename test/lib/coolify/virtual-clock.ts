import type { Clock } from "../../../lib/coolify";

/** A clock whose sleeps finish at once in virtual time; `sleeps` records every wait. */
export interface VirtualClock extends Clock {
  sleeps: number[];
}

/**
 * Creates a virtual clock starting at `start` (epoch ms). Pending sleeps resolve earliest first, one per macrotask,
 * so callers that reserved slots concurrently see time advance in order.
 */
export function virtualClock(start = 1_000_000): VirtualClock {
  let t = start;
  const sleeps: number[] = [];
  const timers: Array<{ until: number; resolve: () => void }> = [];
  const tick = () => {
    timers.sort((a, b) => a.until - b.until);
    const next = timers.shift();
    if (!next) return;
    t = Math.max(t, next.until);
    next.resolve();
  };
  return {
    sleeps,
    now: () => t,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        sleeps.push(ms);
        timers.push({ until: t + Math.max(0, ms), resolve });
        setImmediate(tick);
      }),
  };
}
