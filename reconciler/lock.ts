// Stale stack locks. A diy (file, S3, ...) backend locks a stack by writing `.pulumi/locks/<stack>/<id>.json`
// ({pid, username, hostname, timestamp}, pulumi/pulumi pkg/backend/diy/lock.go) and deletes it when the update
// ends. A SIGKILL (OOM, a service manager's stop timeout) leaves it behind, and every later update is refused as
// concurrent. The CLI's refusal lists each lock ("<url>: created by <user>@<host> (pid <n>) at <RFC 3339>"); a
// lock whose holder is provably dead is cleared:
// - written on this host and its pid no longer runs, or now belongs to a process started after the lock was written;
// - written on another host (where its pid cannot be checked) longer ago than reconcileStaleLockMinutes.
// A live holder on this host is never cleared, however old its lock.
import { readFileSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { fileURLToPath } from "node:url";

export interface LockHolder {
  /** Where the lock is, as the CLI names it (a file:// URL on a local backend). */
  url: string;
  username: string;
  hostname: string;
  pid: number;
  /** When the lock was written (ms since epoch). */
  timestamp: number;
}

export interface LockVerdict {
  holder: LockHolder;
  dead: boolean;
  reason: string;
}

/** The locks a concurrent-update refusal names, each once; none when the text is not such a refusal. */
export function parseLockHolders(text: string): LockHolder[] {
  const holders: LockHolder[] = [];
  const pattern = /^\s*(\S+): created by (.*)@([^@\s]*) \(pid (\d+)\) at (\S+)\s*$/gm;
  for (const match of text.matchAll(pattern)) {
    const timestamp = Date.parse(match[5]);
    // The CLI's output can repeat its refusal (the error line and its diagnostic): one entry per lock.
    if (Number.isNaN(timestamp) || holders.some((h) => h.url === match[1])) continue;
    holders.push({ url: match[1], username: match[2], hostname: match[3], pid: Number(match[4]), timestamp });
  }
  return holders;
}

/**
 * When the process `pid` started (ms since epoch), null when no such process runs, undefined when it cannot be told.
 * Linux: /proc/<pid>/stat field 22 (clock ticks since boot; USER_HZ is 100) plus the boot time in /proc/stat.
 */
export function processStart(pid: number): number | null | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    if (fields[0] === "Z") return null;
    return Number.isFinite(ticks) && Number.isFinite(boot) ? boot * 1000 + ticks * 10 : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
  }
  try {
    process.kill(pid, 0);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH" ? null : undefined;
  }
}

export interface JudgeOptions {
  now: number;
  hostname?: string;
  staleAfterMs: number;
  processStart?: (pid: number) => number | null | undefined;
}

/** The lock file's timestamp has nanoseconds, the CLI's message whole seconds; the boot time whole seconds too. */
const CLOCK_SLACK_MS = 2000;

export function judgeLock(holder: LockHolder, options: JudgeOptions): LockVerdict {
  const host = options.hostname ?? osHostname();
  const since = new Date(holder.timestamp).toISOString();
  const who = `${holder.username}@${holder.hostname} (pid ${holder.pid}) since ${since}`;
  if (holder.hostname === host) {
    const started = (options.processStart ?? processStart)(holder.pid);
    if (started === null) return { holder, dead: true, reason: `written by ${who} on this host, and pid ${holder.pid} no longer runs` };
    if (started !== undefined && started > holder.timestamp + CLOCK_SLACK_MS) {
      return { holder, dead: true, reason: `written by ${who} on this host, and pid ${holder.pid} now belongs to a process started after it (${new Date(started).toISOString()})` };
    }
    return { holder, dead: false, reason: `held by ${who}, a process that still runs on this host` };
  }
  if (options.now - holder.timestamp > options.staleAfterMs) {
    return { holder, dead: true, reason: `written by ${who} on another host, longer ago than reconcileStaleLockMinutes (${Math.round(options.staleAfterMs / 60_000)})` };
  }
  return { holder, dead: false, reason: `held by ${who} on another host` };
}

/** Deletes the lock of a local (file://) backend; false for other backends, whose locks `pulumi cancel` removes. */
export async function deleteLocalLock(url: string): Promise<boolean> {
  if (!url.startsWith("file://")) return false;
  await unlink(fileURLToPath(url)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  return true;
}
