import { describe, expect, it } from "vitest";
import { mergeRequests, RunQueue, type RunRequest } from "../../reconciler/queue";

const event = (id: string): RunRequest => ({ triggers: ["realtime"], full: false, changes: [{ collection: "tenants", id, action: "update", seenAt: 0 }], tenants: [] });
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function recorder(runMs: number) {
  const runs: RunRequest[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  const execute = async (request: RunRequest) => {
    runs.push(request);
    concurrent += 1;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    await sleep(runMs);
    concurrent -= 1;
  };
  return { runs, execute, maxConcurrent: () => maxConcurrent };
}

describe("the run queue", () => {
  it("merges a burst of debounced events into one run", async () => {
    const r = recorder(10);
    const queue = new RunQueue({ debounceMs: 50, maxWaitMs: 1000, execute: r.execute });
    for (let i = 0; i < 20; i++) queue.submit(event(`t${i}`), true);
    await sleep(20);
    expect(r.runs).toEqual([]);
    await queue.idle();
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0].changes.map((c) => c.id)).toHaveLength(20);
  });

  it("runs one at a time and queues at most one run behind it, merging what arrives meanwhile", async () => {
    const r = recorder(100);
    const queue = new RunQueue({ debounceMs: 0, maxWaitMs: 0, execute: r.execute });
    queue.submit(event("a"), false);
    await sleep(10);
    queue.submit(event("b"), false);
    queue.submit({ triggers: ["timer"], full: true, changes: [], tenants: [] }, false);
    queue.submit(event("c"), true);
    expect(queue.depth).toBe(2);
    await queue.idle();
    expect(r.maxConcurrent()).toBe(1);
    expect(r.runs.map((run) => [run.full, run.triggers.join("+"), run.changes.map((c) => c.id).join("")])).toEqual([
      [false, "realtime", "a"],
      [true, "realtime+timer", "bc"],
    ]);
  });

  it("runs a steady stream of events after the maximum wait", async () => {
    const r = recorder(1);
    const queue = new RunQueue({ debounceMs: 60, maxWaitMs: 150, execute: r.execute });
    for (let i = 0; i < 12; i++) {
      queue.submit(event(`t${i}`), true);
      await sleep(25);
    }
    expect(r.runs.length).toBeGreaterThanOrEqual(1);
    await queue.idle();
  });

  it("drops what waits on stop and hands back the run in progress", async () => {
    const r = recorder(50);
    const queue = new RunQueue({ debounceMs: 0, maxWaitMs: 0, execute: r.execute });
    queue.submit(event("a"), false);
    queue.submit(event("b"), false);
    await queue.stop();
    queue.submit(event("c"), false);
    await sleep(80);
    expect(r.runs.map((run) => run.changes[0].id)).toEqual(["a"]);
  });

  it("keeps a one-run allow on the request it was asked with, through merges, and says while one waits", async () => {
    const allow = { teardown: ["acme"], replace: [] };
    const api: RunRequest = { triggers: ["api"], full: true, changes: [], tenants: [], allow };
    expect(mergeRequests(event("a"), api).allow).toBe(allow);
    expect(mergeRequests(api, event("a")).allow).toBe(allow);
    expect(mergeRequests(event("a"), event("b"))).not.toHaveProperty("allow");
    const r = recorder(50);
    const queue = new RunQueue({ debounceMs: 0, maxWaitMs: 0, execute: r.execute });
    queue.submit(event("a"), false);
    await sleep(10);
    queue.submit(api, false);
    expect(queue.allowWaiting).toBe(true);
    await queue.idle();
    expect(queue.allowWaiting).toBe(false);
    expect(r.runs.map((run) => run.allow)).toEqual([undefined, allow]);
  });
});
