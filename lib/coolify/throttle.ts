import { createHash } from "node:crypto";

/** Time source for the throttle and retry waits; tests pass a virtual one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** Fraction of the configured limit the throttle aims for, so request jitter never pushes Coolify over it. */
export const THROTTLE_TARGET = 0.98;

interface BucketState {
  /** When the last request of this key was let through. */
  last: number;
  /** No request before this time (set after a 429). */
  pausedUntil: number;
  /** Tail of the FIFO of waiting callers. */
  queue: Promise<void>;
}

// Runtime state, not config: one schedule per (clock, url, token), shared by every caller in this process.
const schedules = new WeakMap<Clock, Map<string, BucketState>>();

/** Key for a (url, token) pair; the token is hashed so it is never kept in clear here. */
export function throttleKey(baseUrl: string, token: string): string {
  return `${baseUrl}#${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;
}

function stateFor(clock: Clock, key: string): BucketState {
  let byKey = schedules.get(clock);
  if (!byKey) schedules.set(clock, (byKey = new Map()));
  let state = byKey.get(key);
  if (!state) byKey.set(key, (state = { last: -Infinity, pausedUntil: -Infinity, queue: Promise.resolve() }));
  return state;
}

/**
 * Waits for this caller's turn. Callers of one key go first-in first-out, each at least `60 s / (THROTTLE_TARGET ×
 * limit)` after the previous one actually went (no burst, no catching up after a late timer), so any one-minute window,
 * including Laravel's fixed one (coolify-api.md §3), sees fewer requests than the limit. A limit of 0 disables the
 * spacing but still honours `pauseUntil`.
 */
export async function acquireSlot(clock: Clock, key: string, limitPerMinute: number, windowMs = 60_000): Promise<void> {
  const limited = limitPerMinute > 0 && Number.isFinite(limitPerMinute);
  const interval = limited ? windowMs / (limitPerMinute * THROTTLE_TARGET) : 0;
  const state = stateFor(clock, key);
  const previous = state.queue;
  let release = () => {};
  state.queue = new Promise<void>((resolve) => (release = resolve));
  try {
    await previous;
    // A timer may fire a millisecond early against the clock (libuv measures from its cached loop time),
    // so wait again until the clock itself has reached the slot.
    for (let wait = Math.max(state.last + interval, state.pausedUntil) - clock.now(); wait > 0; wait = Math.max(state.last + interval, state.pausedUntil) - clock.now()) {
      await clock.sleep(wait);
    }
    state.last = clock.now();
  } finally {
    release();
  }
}

/** After a 429, holds every caller of this key back until `until` (epoch ms). */
export function pauseUntil(clock: Clock, key: string, until: number): void {
  const state = stateFor(clock, key);
  state.pausedUntil = Math.max(state.pausedUntil, until);
}
