import { describe, expect, it } from "vitest";
import { listProjects, type SentRequest } from "../../../lib/coolify";
import { THROTTLE_TARGET } from "../../../lib/coolify/throttle";
import { fastConnection, useEmulator } from "./emulator-harness";
import { virtualClock } from "./virtual-clock";

const h = useEmulator();

describe("client-side throttle", () => {
  it("spaces real requests from concurrent callers at the configured rate", async () => {
    const limit = 1_200;
    const sentAt: number[] = [];
    const conn = fastConnection(h.emulator, { rateLimitPerMinute: limit, transport: { onRequest: () => void sentAt.push(Date.now()) } });
    const before = h.emulator.requests.length;
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let i = 0; i < 5; i++) await listProjects(conn);
    }));
    const interval = 60_000 / (limit * THROTTLE_TARGET);
    // The client guarantees the gap between its own sends (1 ms for Date.now rounding).
    const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(Math.floor(interval) - 1);
    // Every request arrived; the rate the client sent at stays under the limit (how close it comes is
    // measured by `npm run bench`, not asserted here: wall-clock rates depend on the machine's load).
    expect(h.emulator.requests.slice(before).filter((r) => r.status === 200)).toHaveLength(20);
    const rate = ((sentAt.length - 1) / (sentAt[sentAt.length - 1] - sentAt[0])) * 60_000;
    expect(rate).toBeLessThanOrEqual(limit);
  });

  it("keeps to the default 200/min on an injected clock, shared by connections with the same url and token", async () => {
    const clock = virtualClock();
    const times: number[] = [];
    const onRequest = (_r: SentRequest) => void times.push(clock.now());
    const a = fastConnection(h.emulator, { rateLimitPerMinute: undefined, transport: { clock, onRequest } });
    const b = { ...a, timeoutMs: 4_000 };
    for (let i = 0; i < 5; i++) await Promise.all([listProjects(a), listProjects(b)]);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    for (const gap of gaps) expect(gap).toBeCloseTo(60_000 / (200 * THROTTLE_TARGET), 0);
  });

  it("keeps separate schedules for different tokens", async () => {
    const clock = virtualClock();
    const other = h.emulator.store.addToken({ abilities: ["root"] });
    const a = fastConnection(h.emulator, { rateLimitPerMinute: 60, transport: { clock } });
    const b = fastConnection(h.emulator, { token: other, rateLimitPerMinute: 60, transport: { clock } });
    await Promise.all([listProjects(a), listProjects(b)]);
    expect(clock.sleeps).toEqual([]);
  });
});
