// Stale stack locks on the real engine: a lock whose holder is provably dead is cleared (logged and recorded) and
// the run proceeds; a live holder's lock is never touched, and pending operations a killed run left are cleared
// inside a run, said in its record and on /healthz, never by a start that fails and loops.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler, type Reconciler } from "../../reconciler/reconciler";
import { serviceStatus } from "../../emulator/model/status";
import { ENGINE_TIMEOUT } from "../support/engine";
import { startPlatform, type Platform } from "../support/platform";
import { envOf, planId, routerKey, runRecords, TOKEN, waitFor } from "./helpers";

/** The processes below `pid` (the CLI's language host, program and provider plugins), read from /proc. */
function descendants(pid: number): number[] {
  const children = (parent: number): number[] => {
    try {
      return readdirSync(`/proc/${parent}/task`).flatMap((task) => readFileSync(`/proc/${parent}/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      return [];
    }
  };
  const found: number[] = [];
  for (let queue = children(pid); queue.length > 0; ) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...children(next));
  }
  return found;
}

/** A pid that ran on this host and has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

describe("a stale stack lock", () => {
  let platform: Platform;
  let reconciler: Reconciler | undefined;
  let pb: PocketBase;
  const logs: string[] = [];
  /** Plugins of the killed CLI outlive it (they run in their own process groups); stopped after the test. */
  const orphans: number[] = [];
  /** The diy backend's lock folder of the stack (pulumi/pulumi pkg/backend/diy/lock.go: .pulumi/locks/<org>/<project>/<stack>). */
  const lockDir = () => join(platform.program.backendDir, ".pulumi", "locks", "organization", "cloudfreedom-agents", "test");
  const lockFiles = () => (existsSync(lockDir()) ? readdirSync(lockDir()).filter((f) => f.endsWith(".json")) : []);
  /** Writes a lock file as the CLI does (json.Marshal of {pid, username, hostname, timestamp}). */
  const writeLock = (content: { pid: number; hostname: string; username?: string; timestamp?: string }) => {
    mkdirSync(lockDir(), { recursive: true });
    const file = join(lockDir(), `${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ username: userInfo().username, timestamp: new Date().toISOString(), ...content }));
    return file;
  };
  const start = () => startReconciler({ stackName: "test", workDir: platform.program.workDir, port: 0, envVars: envOf(platform), log: (line) => logs.push(line) });
  const statusOf = (name: string) => {
    const service = platform.coolify.store.findServices({ name })[0];
    return service && serviceStatus(service, (uuid, container) => platform.coolify.faults.healthOf(uuid, container));
  };
  const health = async () => {
    const answer = await fetch(`${reconciler!.url}/healthz`);
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    platform = await startPlatform();
    await platform.program.stack.setConfig("reconcilerToken", { value: TOKEN, secret: true });
    await platform.program.stack.setConfig("reconcileDebounceSeconds", { value: "1" });
    pb = await platform.admin();
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    for (const pid of orphans) {
      try {
        orphans.push(...descendants(pid));
    process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await reconciler?.stop();
    await platform?.dispose();
  });

  it("left by a dead pid on this host is cleared with a log line and a run record, and the run proceeds", async () => {
    const lock = writeLock({ pid: deadPid(), hostname: hostname() });
    reconciler = await start();
    await reconciler.idle();
    expect(reconciler.lastRun()).toMatchObject({ trigger: "startup", result: "succeeded", counts: { create: 3 } });
    expect(existsSync(lock)).toBe(false);
    const cleared = logs.find((line) => line.startsWith("cleared a stale stack lock"));
    expect(cleared).toMatch(/on this host, and pid \d+ no longer runs/);
    const [record] = await runRecords(pb);
    expect(record).toMatchObject({ trigger: "startup", result: "succeeded" });
    expect(record.message).toContain(cleared);
  }, ENGINE_TIMEOUT);

  it("of a run whose pulumi process was SIGKILLed mid-up, with a live lock of another host beside it: the restart neither loops nor clears it, says so, and proceeds once that lock is gone", async () => {
    platform.coolify.requests.length = 0;
    platform.coolify.faults.latencyMs = 300;
    await pb.collection("tenants").create({ slug: "delta", name: "Delta", status: "active", plan: await planId(pb, "starter"), template: "openclaw", settings: {}, ai_router_key: routerKey("delta") });
    const pid = await waitFor("the up creating delta's service, holding the lock", () => {
      const creating = platform.coolify.requests.some((r) => r.method === "POST" && r.path.startsWith("/api/v1/services"));
      const [file] = lockFiles();
      return creating && file ? (JSON.parse(readFileSync(join(lockDir(), file), "utf8")) as { pid: number }).pid : undefined;
    });
    orphans.push(...descendants(pid));
    process.kill(pid, "SIGKILL");
    await reconciler!.idle();
    expect(reconciler!.lastRun()).toMatchObject({ result: "failed" });
    platform.coolify.faults.latencyMs = 0;
    expect(lockFiles()).toHaveLength(1);
    const pending = (JSON.parse(platform.program.cli(["stack", "export"])) as { deployment: { pending_operations?: unknown[] } }).deployment.pending_operations ?? [];
    expect(pending.length).toBeGreaterThan(0);

    // An operator's run on another host, still going: its lock must stay.
    const foreign = writeLock({ pid: 17, hostname: "operator-laptop", username: "ops" });
    await reconciler!.stop();
    reconciler = await start();
    await reconciler.idle();
    expect(lockFiles()).toHaveLength(2);
    const waiting = reconciler.lastRun();
    expect(waiting).toMatchObject({ trigger: "startup", result: "cancelled" });
    expect(waiting?.message).toMatch(/the stack is locked: held by ops@operator-laptop \(pid 17\) since \S+ on another host/);
    expect(waiting?.message).toContain(`${pending.length} pending operation(s) from an interrupted run wait`);
    expect((await runRecords(pb)).at(-1)).toMatchObject({ result: "cancelled", message: waiting?.message });
    const unhealthy = await health();
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.body).toMatchObject({ pendingOperations: pending.length, lock: { holders: [expect.stringMatching(/ops@operator-laptop/)] } });
    expect(unhealthy.body.problems).toContain(`${pending.length} pending operation(s) from an interrupted run could not be cleared; see the last run record`);

    // The operator's run ends (its lock goes); the next run clears the killed run's lock and pending operations.
    rmSync(foreign);
    const before = reconciler.runs().length;
    await fetch(`${reconciler.url}/reconcile`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } });
    await waitFor("the run after the operator's", () => reconciler!.runs().length > before || undefined, ENGINE_TIMEOUT);
    await reconciler.idle();
    const run = reconciler.runs()[before];
    expect(run).toMatchObject({ result: "succeeded" });
    expect(run.message).toMatch(new RegExp(`cleared a stale stack lock \\(deleted file://\\S+\\): written by \\S+ \\(pid ${pid}\\) since \\S+ on this host, and pid ${pid} no longer runs`));
    expect(run.message).toContain(`cleared ${pending.length} pending operation(s) an interrupted run left`);
    expect(lockFiles()).toEqual([]);
    expect(reconciler.recoveredPendingOperations).toBe(pending.length);
    expect(statusOf("cf-delta")).toBe("running:healthy");
    const healthy = await health();
    expect(healthy).toMatchObject({ status: 200, body: { problems: [], lock: null, pendingOperations: 0 } });
  }, 2 * ENGINE_TIMEOUT);
});
