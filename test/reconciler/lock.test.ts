// Which stack locks the reconciler may clear: only those whose holder is provably dead.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { deleteLocalLock, judgeLock, parseLockHolders, processStart, type LockHolder } from "../../reconciler/lock";

const MINUTE = 60_000;
const now = Date.parse("2026-12-05T01:00:00Z");

/** The CLI's refusal as pulumi/pulumi pkg/backend/diy/lock.go words it, in a ConcurrentUpdateError's text. */
const REFUSAL = `code: 255
 stdout: Updating (test):
 stderr: error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.
  file:///tmp/state/.pulumi/locks/organization/cloudfreedom-agents/test/0f1e.json: created by root@vm (pid 4242) at 2026-12-05T00:40:00Z
  s3://bucket/.pulumi/locks/organization/cloudfreedom-agents/test/a1b2.json: created by svc@other-host (pid 17) at 2026-12-04T20:00:00+01:00
`;

/** A pid that ran on this host and has exited. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(run.stdout);
}

const holder = (overrides: Partial<LockHolder>): LockHolder => ({ url: "file:///x.json", username: "root", hostname: hostname(), pid: process.pid, timestamp: now - MINUTE, ...overrides });
const judge = (h: LockHolder) => judgeLock(h, { now, staleAfterMs: 240 * MINUTE });

describe("stale stack locks", () => {
  it("reads each lock the CLI's concurrent-update refusal names, once however often the output repeats it", () => {
    expect(parseLockHolders(`${REFUSAL}\n${REFUSAL}`)).toEqual([
      { url: "file:///tmp/state/.pulumi/locks/organization/cloudfreedom-agents/test/0f1e.json", username: "root", hostname: "vm", pid: 4242, timestamp: Date.parse("2026-12-05T00:40:00Z") },
      { url: "s3://bucket/.pulumi/locks/organization/cloudfreedom-agents/test/a1b2.json", username: "svc", hostname: "other-host", pid: 17, timestamp: Date.parse("2026-12-04T19:00:00Z") },
    ]);
    expect(parseLockHolders("error: [409] Conflict: Another update is currently in progress.")).toEqual([]);
  });

  it("takes a lock written on this host by a pid that no longer runs as dead", () => {
    const pid = deadPid();
    expect(processStart(pid)).toBeNull();
    const verdict = judge(holder({ pid }));
    expect(verdict.dead).toBe(true);
    expect(verdict.reason).toMatch(new RegExp(`on this host, and pid ${pid} no longer runs`));
  });

  it("takes a lock whose pid now belongs to a process started after the lock was written as dead", () => {
    const started = processStart(process.pid);
    expect(started).toBeTypeOf("number");
    expect(judge(holder({ timestamp: started! - 10_000 })).dead).toBe(true);
    expect(judge(holder({ timestamp: started! - 10_000 })).reason).toMatch(/now belongs to a process started after it/);
  });

  it("never clears a lock held by a process that still runs on this host, however old", () => {
    const timestamp = processStart(process.pid)! + 1000;
    for (const age of [MINUTE, 10_000 * MINUTE]) {
      const verdict = judgeLock(holder({ timestamp }), { now: timestamp + age, staleAfterMs: 240 * MINUTE });
      expect(verdict).toMatchObject({ dead: false });
      expect(verdict.reason).toMatch(/still runs on this host/);
    }
  });

  it("takes a lock from another host as dead only once it is older than reconcileStaleLockMinutes", () => {
    const foreign = holder({ hostname: "other-host", pid: 17 });
    expect(judge({ ...foreign, timestamp: now - 240 * MINUTE })).toMatchObject({ dead: false });
    expect(judge({ ...foreign, timestamp: now - 241 * MINUTE })).toMatchObject({ dead: true });
    expect(judge({ ...foreign, timestamp: now - 241 * MINUTE }).reason).toMatch(/on another host, longer ago than reconcileStaleLockMinutes \(240\)/);
  });

  it("deletes a local lock file by its URL, and leaves other backends to pulumi cancel", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "lock-")), ".pulumi", "locks", "organization", "p", "test");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "0f1e.json");
    writeFileSync(file, "{}");
    expect(await deleteLocalLock(pathToFileURL(file).href)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(await deleteLocalLock(pathToFileURL(file).href)).toBe(true);
    expect(await deleteLocalLock("s3://bucket/.pulumi/locks/x.json")).toBe(false);
  });
});
