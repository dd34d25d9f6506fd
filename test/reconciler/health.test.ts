// When GET /healthz turns unhealthy (503), with every reason listed.
import { describe, expect, it } from "vitest";
import { healthProblems, type HealthState } from "../../reconciler/health";

const MINUTE = 60_000;
const limits = { intervalMinutes: 15, maxRunMinutes: 60, unhealthyAfterIntervals: 3, lockBusyMinutes: 30 };
const ok = { ok: true, at: 0 };
const start = Date.parse("2026-12-05T00:00:00Z");

function state(overrides: Partial<HealthState> = {}): HealthState {
  return { now: start + 10 * MINUTE, startedAt: start, pocketbase: ok, login: ok, backend: ok, loop: true, lastSucceededAt: start + MINUTE, pendingOperations: 0, ...overrides };
}

describe("the reconciler's health", () => {
  it("is healthy with everything reachable, no run over its bound and a recent success", () => {
    expect(healthProblems(state(), limits)).toEqual([]);
  });

  it("is unhealthy while a run lasts longer than reconcileMaxRunMinutes", () => {
    expect(healthProblems(state({ running: { since: start + 10 * MINUTE - 60 * MINUTE } }), limits)).toEqual([]);
    expect(healthProblems(state({ running: { since: start + 10 * MINUTE - 61 * MINUTE } }), limits)).toEqual([
      "a run has been going for 61 min, over reconcileMaxRunMinutes (60)",
    ]);
  });

  it("is unhealthy when no run succeeded for reconcileUnhealthyAfterIntervals intervals, counting from the start when none ever did", () => {
    const late = start + MINUTE + 46 * MINUTE;
    expect(healthProblems(state({ now: late - MINUTE }), limits)).toEqual([]);
    expect(healthProblems(state({ now: late }), limits)[0]).toMatch(/^no run has succeeded for 46 min \(last at 2026-12-05T00:01:00.000Z\), over reconcileUnhealthyAfterIntervals \(3\) x reconcileIntervalMinutes \(15\)/);
    expect(healthProblems(state({ now: start + 46 * MINUTE, lastSucceededAt: undefined }), limits)[0]).toMatch(/^no run has succeeded for 46 min \(none since the start\)/);
  });

  it("is unhealthy when another process holds the stack lock longer than reconcileLockBusyMinutes", () => {
    expect(healthProblems(state({ lockBusySince: start + 10 * MINUTE - 30 * MINUTE }), limits)).toEqual([]);
    expect(healthProblems(state({ lockBusySince: start + 10 * MINUTE - 31 * MINUTE }), limits)).toEqual([
      "another process has held the stack lock for 31 min, over reconcileLockBusyMinutes (30); see the run records for the holder",
    ]);
  });

  it("is unhealthy when the superuser login fails, PocketBase or the backend is unreachable, the loop stopped, or pending operations stay", () => {
    expect(healthProblems(state({ login: { ok: false, detail: "400 invalid credentials", at: 0 } }), limits)).toEqual(["the PocketBase superuser login fails: 400 invalid credentials"]);
    // An outage is reported as such, not also as a failed login.
    expect(healthProblems(state({ pocketbase: { ok: false, detail: "ECONNREFUSED", at: 0 }, login: { ok: false, at: 0 } }), limits)).toEqual(["PocketBase is unreachable: ECONNREFUSED"]);
    expect(healthProblems(state({ backend: { ok: false, detail: "no answer within 30000 ms", at: 0 } }), limits)).toEqual([
      "the state backend does not answer (pulumi whoami): no answer within 30000 ms",
    ]);
    expect(healthProblems(state({ loop: false }), limits)).toEqual(["the reconciler's loop is stopped or blocked"]);
    expect(healthProblems(state({ pendingOperations: 2 }), limits)).toEqual(["2 pending operation(s) from an interrupted run could not be cleared; see the last run record"]);
  });
});
