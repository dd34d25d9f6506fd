import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { connect } from "../lib/tenants/connection";
import { seedDemo } from "./seed";

// A local PocketBase server with this repository's migrations: the tests' and the demo's (npm start).

/** A real PocketBase server on 127.0.0.1 with this repository's migrations applied. */
export interface PocketBaseInstance {
  url: string;
  email: string;
  password: string;
  dataDir: string;
  /** Stops the server; the data directory stays for restart() and is removed once this process is gone. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data directory. */
  restart(): Promise<void>;
}

const MIGRATIONS_DIR = resolve(__dirname, "migrations");
const START_TIMEOUT_MS = 15_000;
const WRAPPER = 'exec 3<&0; pocketbase "$@" </dev/null & pb=$!; (read -r _ <&3; kill $pb 2>/dev/null) & reader=$!; wait $pb; code=$?; kill $reader 2>/dev/null; exit $code';
const DIR_PREFIX = "cf-pocketbase-";
const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * Starts `pocketbase serve` (the binary on PATH, see scripts/with-env.sh) on a free loopback port
 * with a fresh data directory. The superuser is created with `pocketbase superuser upsert` first;
 * `serve` applies pocketbase/migrations. With `seed`, the demo plans and tenants are loaded.
 */
export async function startPocketBase(options: { seed?: boolean } = {}): Promise<PocketBaseInstance> {
  installExitHook();
  sweepStaleDataDirs();
  const dataDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  dataDirs.add(dataDir);
  const email = "superuser@cloudfreedom.test";
  const password = `pw-${randomBytes(12).toString("hex")}`;
  await promisify(execFile)("pocketbase", ["superuser", "upsert", email, password, "--dir", dataDir, "--migrationsDir", MIGRATIONS_DIR]);

  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await serve(port, dataDir);
    } catch (error) {
      if (attempt >= 3) throw error; // The port may have been taken between probing and binding.
    }
  }
  const url = `http://127.0.0.1:${port}`;
  const instance: PocketBaseInstance = {
    url,
    email,
    password,
    dataDir,
    stop: async () => {
      if (child !== undefined) await kill(child);
      child = undefined;
    },
    restart: async () => {
      if (child !== undefined) await kill(child);
      child = await serve(port, dataDir);
    },
  };
  if (options.seed === true) {
    await seedDemo(await connect({ url, email, password }));
  }
  return instance;
}

async function serve(port: number, dataDir: string): Promise<ChildProcess> {
  const args = ["serve", "--http", `127.0.0.1:${port}`, "--dir", dataDir, "--migrationsDir", MIGRATIONS_DIR];
  // No hooks are used: point hooksDir at an empty path and prewarm a single JS runtime.
  args.push("--automigrate=false", "--hooksDir", join(dataDir, "no-hooks"), "--hooksPool", "1");
  // Vitest ends its workers without running exit hooks, so the server must notice on its own:
  // the shell wrapper kills pocketbase as soon as its stdin (a pipe from this process) closes.
  const child = spawn("sh", ["-c", WRAPPER, "pocketbase-wrapper", ...args], { stdio: ["pipe", "pipe", "pipe"], detached: true });
  child.stdin?.on("error", () => undefined);
  running.add(child);
  let output = "";
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.once("exit", () => running.delete(child));
  try {
    await waitForHealth(`http://127.0.0.1:${port}/api/health`, child);
  } catch (error) {
    await kill(child);
    throw new Error(`pocketbase serve on port ${port} did not become healthy: ${String(error)}\n${output}`);
  }
  return child;
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, delay));
  }
  throw new Error(`no healthy answer within ${START_TIMEOUT_MS} ms`);
}

/** Closes the wrapper's stdin (it then stops pocketbase); kills the whole process group if that takes too long. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.stdin?.end();
  const timer = setTimeout(() => killGroup(child), 5000);
  await exited;
  clearTimeout(timer);
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Removes data directories left by processes that are no longer running. */
function sweepStaleDataDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(name.slice(DIR_PREFIX.length).split("-")[0]);
    if (!name.startsWith(DIR_PREFIX) || !Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of running) killGroup(child);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
}
