import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { listProjects, type CoolifyConnection } from "../../../lib/coolify";
import { RATE_BUDGET_VARIABLES, rateBudgetFromEnv, type RateBudgetRef } from "../../../lib/coolify/rate-budget";
import { startRateBudget, type RateBudgetServer } from "../../../lib/coolify/rate-budget-server";
import { THROTTLE_TARGET } from "../../../lib/coolify/throttle";
import { fastConnection, useEmulator } from "./emulator-harness";
import { virtualClock } from "./virtual-clock";

const h = useEmulator();
const budgets: RateBudgetServer[] = [];
afterEach(async () => {
  await Promise.all(budgets.splice(0).map((b) => b.close()));
});

async function budgetAt(limitPerMinute: number): Promise<RateBudgetServer> {
  const budget = await startRateBudget({ limitPerMinute });
  budgets.push(budget);
  return budget;
}

function refOf(budget: RateBudgetServer, run: string, fallbackPerMinute?: number): RateBudgetRef {
  return { ...rateBudgetFromEnv(budget.env(run))!, ...(fallbackPerMinute ? { fallbackPerMinute } : {}) };
}

/** A connection that records when each attempt is sent (wall clock). */
function timed(extra: Partial<CoolifyConnection>, sent: number[]): CoolifyConnection {
  return fastConnection(h.emulator, { ...extra, transport: { ...extra.transport, onRequest: () => void sent.push(Date.now()) } });
}

async function closedServerUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

describe("shared rate budget over HTTP", () => {
  it("gives a run alone the whole limit, not its fallback share", async () => {
    const budget = await budgetAt(1_200);
    const sent: number[] = [];
    const conn = timed({ rateLimitPerMinute: 600, rateBudget: refOf(budget, "alone", 600) }, sent);
    for (let i = 0; i < 8; i++) await listProjects(conn);
    const gaps = sent.slice(1).map((t, i) => t - sent[i]).sort((a, b) => a - b);
    const full = 60_000 / (1_200 * THROTTLE_TARGET);
    expect(gaps[0]).toBeGreaterThanOrEqual(Math.floor(full) - 2);
    // The share's spacing would be twice that (102 ms).
    expect(gaps[Math.floor(gaps.length / 2)]).toBeLessThan(full * 1.5);
    expect(budget.schedule.granted()).toBe(8);
  });

  it("reads the budget, the run and the fallback share from the environment the reconciler sets", async () => {
    const budget = await budgetAt(200);
    const env: Record<string, string> = { ...budget.env("a"), [RATE_BUDGET_VARIABLES.share]: "100" };
    expect(rateBudgetFromEnv(env)).toEqual({ url: budget.url, secret: env[RATE_BUDGET_VARIABLES.secret], run: "a", fallbackPerMinute: 100 });
    expect(rateBudgetFromEnv({ [RATE_BUDGET_VARIABLES.url]: budget.url })).toBeUndefined();
  });

  it("falls back to the local throttle at the run's share when the budget cannot be reached", async () => {
    const clock = virtualClock();
    const conn = fastConnection(h.emulator, { rateBudget: { url: await closedServerUrl(), secret: "x".repeat(64), run: "a", fallbackPerMinute: 60 }, transport: { clock } });
    for (let i = 0; i < 3; i++) await listProjects(conn);
    expect(clock.sleeps.map(Math.round)).toEqual([1, 2].map(() => Math.round(60_000 / (60 * THROTTLE_TARGET))));
  });

  it("refuses a wrong secret with 401, without echoing it, and the client falls back", async () => {
    const budget = await budgetAt(1_200);
    const wrong = "y".repeat(64);
    const answer = await fetch(`${budget.url}/slot?run=a`, { method: "POST", headers: { Authorization: `Bearer ${wrong}` } });
    const text = await answer.text();
    expect(answer.status).toBe(401);
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(budget.env("a")[RATE_BUDGET_VARIABLES.secret]);
    const clock = virtualClock();
    const conn = fastConnection(h.emulator, { rateBudget: { ...refOf(budget, "a"), secret: wrong, fallbackPerMinute: 60 }, transport: { clock } });
    await listProjects(conn);
    await listProjects(conn);
    expect(budget.schedule.granted()).toBe(0);
    expect(clock.sleeps).toHaveLength(1);
  });

  it("holds every run back when one run reports a 429", async () => {
    const budget = await budgetAt(6_000);
    const conn = fastConnection(h.emulator, {
      rateBudget: refOf(budget, "a"),
      transport: {
        // Coolify answers the first attempt 429 with Retry-After: 1, the retry 200.
        adapter: async (config) => ({ data: "[]", status: budget.schedule.granted() > 1 ? 200 : 429, statusText: "", headers: { "retry-after": "1" }, config }),
      },
    });
    const reported = listProjects(conn);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const other = await fetch(`${budget.url}/slot?run=b`, { method: "POST", headers: { Authorization: `Bearer ${budget.env("b")[RATE_BUDGET_VARIABLES.secret]}` } });
    expect(other.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await reported;
  });

  it("keeps two runs sharing one budget within Coolify's limit together: no 429, one even schedule, both served", async () => {
    const limit = 600;
    h.emulator.store.settings.rateLimitPerMinute = limit;
    const budget = await budgetAt(limit);
    // A second token of the same Coolify user: its own local schedule, as in a second process, but the same limit.
    const other = h.emulator.store.addToken({ abilities: ["root"], userId: 0 });
    const sent: Array<{ run: string; at: number }> = [];
    const client = (run: string, token: string) =>
      fastConnection(h.emulator, { token, rateLimitPerMinute: limit, rateBudget: refOf(budget, run, limit / 2), transport: { onRequest: () => void sent.push({ run, at: Date.now() }) } });
    const before = h.emulator.requests.length;
    const a = client("a", h.emulator.token);
    const b = client("b", other);
    await Promise.all([...Array.from({ length: 10 }, () => listProjects(a)), ...Array.from({ length: 10 }, () => listProjects(b))]);
    const seen = h.emulator.requests.slice(before);
    expect(seen.filter((r) => r.status === 429)).toHaveLength(0);
    expect(seen).toHaveLength(20);
    const times = sent.map((s) => s.at).sort((x, y) => x - y);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    const interval = 60_000 / (limit * THROTTLE_TARGET);
    // Both runs are spaced as one schedule (a few ms of delivery jitter between the grant and the send).
    expect(gaps.filter((g) => g < interval / 2)).toHaveLength(0);
    expect(new Set(sent.slice(0, 4).map((s) => s.run))).toEqual(new Set(["a", "b"]));
    h.emulator.store.settings.rateLimitPerMinute = 100_000;
  });
});
