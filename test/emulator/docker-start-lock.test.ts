// The emulator's docker and compose commands that make networks or publish ports wait for a dockerd start on the
// same test host (emulator/deploy/docker-cli.ts, env CLOUDFREEDOM_DOCKER_START_LOCK held by test/support/docker-engine.ts).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { docker, makesNetworks } from "../../emulator/deploy/docker-cli";

describe("docker commands under a test host's dockerd start lock", () => {
  const dirs: string[] = [];
  afterEach(() => {
    delete process.env.CLOUDFREEDOM_DOCKER_START_LOCK;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("counts runs, starts, compose ups and network creation as making networks; reads and removals not", () => {
    expect([["run", "-d", "x"], ["start", "c"], ["network", "create", "n"], ["-p", "proj", "-f", "f.yml", "up", "-d"]].map(makesNetworks)).toEqual([true, true, true, true]);
    expect([["ps", "-a"], ["inspect", "c"], ["network", "rm", "n"], ["-p", "proj", "down"], ["rm", "-f", "c"]].map(makesNetworks)).toEqual([false, false, false, false, false]);
  });

  it("waits while a dockerd start holds the lock, and runs at once when the lock is free", async () => {
    const dir = mkdtempSync(join(tmpdir(), "start-lock-"));
    dirs.push(dir);
    const lock = join(dir, "dockerd-start.lock");
    process.env.CLOUDFREEDOM_DOCKER_START_LOCK = lock;
    const conn = { host: `unix://${join(dir, "no-engine.sock")}` };
    // `docker run --help` needs no engine: what is timed is the wait for the lock.
    let started = Date.now();
    await docker(conn, ["run", "--help"]);
    const free = Date.now() - started;
    const holder = spawn("flock", ["--exclusive", lock, "sleep", "2"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    started = Date.now();
    const result = await docker(conn, ["run", "--help"]);
    const held = Date.now() - started;
    holder.kill();
    expect(result.exitCode).toBe(0);
    expect(free).toBeLessThan(1_500);
    expect(held).toBeGreaterThanOrEqual(1_400);
    // A read does not wait.
    const reader = spawn("flock", ["--exclusive", lock, "sleep", "2"], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 300));
    started = Date.now();
    await docker(conn, ["ps", "--help"]);
    expect(Date.now() - started).toBeLessThan(1_500);
    reader.kill();
  });
});
