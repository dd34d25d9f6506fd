// GET /healthz is unauthenticated: its probes must never start one check per request.
import { describe, expect, it } from "vitest";
import { cachedProbe } from "../../reconciler/probe";

/** A check that answers only when told to, counting how often it was started. */
function controlledCheck() {
  const calls: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  return {
    calls,
    check: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })),
  };
}

describe("a health probe", () => {
  it("starts one check for any number of concurrent requests, and reuses its answer while fresh", async () => {
    let clock = 1_000;
    const { calls, check } = controlledCheck();
    const probe = cachedProbe(check, { ttlMs: 30_000, failureTtlMs: 5_000, timeoutMs: 60_000, now: () => clock });
    const answers = Array.from({ length: 50 }, () => probe.get());
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    calls[0].resolve();
    expect((await Promise.all(answers)).every((a) => a.ok)).toBe(true);
    clock += 29_999;
    expect(await probe.get()).toMatchObject({ ok: true, at: 1_000 });
    expect(calls).toHaveLength(1);
    clock += 1;
    const again = probe.get();
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1].reject(new Error("backend unreachable"));
    expect(await again).toMatchObject({ ok: false, detail: "backend unreachable" });
    // A failure is kept for failureTtlMs only.
    clock += 4_999;
    expect((await probe.get()).ok).toBe(false);
    expect(calls).toHaveLength(2);
    clock += 1;
    void probe.get();
    await Promise.resolve();
    expect(calls).toHaveLength(3);
  });

  it("counts a check that hangs past its timeout as failed, and starts no second one until the first settles", async () => {
    let clock = 0;
    const { calls, check } = controlledCheck();
    const probe = cachedProbe(check, { ttlMs: 0, timeoutMs: 20, now: () => clock });
    expect(await probe.get()).toMatchObject({ ok: false, detail: "no answer within 20 ms" });
    clock += 1;
    expect(await probe.get()).toMatchObject({ ok: false, detail: "no answer within 20 ms" });
    expect(calls).toHaveLength(1);
    calls[0].resolve();
    await new Promise((done) => setImmediate(done));
    clock += 1;
    const next = probe.get();
    await Promise.resolve();
    expect(calls).toHaveLength(2);
    calls[1].resolve();
    expect((await next).ok).toBe(true);
  });
});
