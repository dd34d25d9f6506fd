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
  /** Earliest time the next request may be sent. */
  next: number;
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
  if (!state) byKey.set(key, (state = { next: 0 }));
  return state;
}

/**
 * Waits for this caller's slot. Slots are spaced evenly at `THROTTLE_TARGET × limit` per minute (no burst), so any
 * window, including Laravel's fixed one-minute window (coolify-api.md §3), sees fewer requests than the limit.
 * Concurrent callers queue: each reserves the next slot before sleeping. A limit of 0 disables spacing but still
 * honours `pauseUntil`.
 */
export async function acquireSlot(clock: Clock, key: string, limitPerMinute: number, windowMs = 60_000): Promise<void> {
  const limited = limitPerMinute > 0 && Number.isFinite(limitPerMinute);
  const interval = limited ? windowMs / (limitPerMinute * THROTTLE_TARGET) : 0;
  const state = stateFor(clock, key);
  const now = clock.now();
  const slot = Math.max(now, state.next);
  state.next = slot + interval;
  if (slot > now) await clock.sleep(slot - now);
}

/** After a 429, holds every caller of this key back until `until` (epoch ms). */
export function pauseUntil(clock: Clock, key: string, until: number): void {
  const state = stateFor(clock, key);
  state.next = Math.max(state.next, until);
}
