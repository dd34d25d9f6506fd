import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { connect } from "../lib/tenants/connection";
import { seedDemo } from "./seed";

// A local PocketBase server with this repository's migrations: the tests' and the demo's (npm start).

/** The product's migrations: only the agent_* collections (what an operator copies into pb_migrations). */
export const PRODUCT_MIGRATIONS_DIR = resolve(__dirname, "migrations");
/** The demo's own schema: its tenants and plans, and its tenant view over them. Never for production. */
export const DEMO_MIGRATIONS_DIR = resolve(__dirname, "demo-migrations");
/** The demo: its schema first (by file name order), then the product's collections. */
export const DEMO_MIGRATIONS = [DEMO_MIGRATIONS_DIR, PRODUCT_MIGRATIONS_DIR];

/** A real PocketBase server on 127.0.0.1 with migrations applied. */
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

const START_TIMEOUT_MS = 15_000;
const WRAPPER = 'exec 3<&0; pocketbase "$@" </dev/null & pb=$!; (read -r _ <&3; kill $pb 2>/dev/null) & reader=$!; wait $pb; code=$?; kill $reader 2>/dev/null; exit $code';
const DIR_PREFIX = "cf-pocketbase-";
const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
let exitHookInstalled = false;

export interface StartOptions {
  /** Load the demo plans and tenants (needs the demo schema). */
  seed?: boolean;
  /** Migration folders, applied together in file name order; default DEMO_MIGRATIONS. */
  migrations?: readonly string[];
}

/**
 * Starts `pocketbase serve` (the binary on PATH, see scripts/with-env.sh) on a free loopback port
 * with a fresh data directory. The superuser is created with `pocketbase superuser upsert` first;
 * `serve` applies the migrations. With `seed`, the demo plans and tenants are loaded.
 */
export async function startPocketBase(options: StartOptions = {}): Promise<PocketBaseInstance> {
  installExitHook();
  sweepStaleDataDirs();
  const dataDir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  dataDirs.add(dataDir);
  const migrationsDir = combineMigrations(options.migrations ?? DEMO_MIGRATIONS, join(dataDir, "migrations"));
  const email = "superuser@cloudfreedom.test";
  const password = `pw-${randomBytes(12).toString("hex")}`;
  await promisify(execFile)("pocketbase", ["superuser", "upsert", email, password, "--dir", dataDir, "--migrationsDir", migrationsDir]);

  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await serve(port, dataDir, migrationsDir);
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
      child = await serve(port, dataDir, migrationsDir);
    },
  };
  if (options.seed === true) {
    await seedDemo(await connect({ url, email, password }));
  }
  return instance;
}

/**
 * Copies the .js migrations of several folders into one (PocketBase reads one folder and applies its files
 * in name order, each once). Two files of the same name in different folders are refused.
 */
export function combineMigrations(folders: readonly string[], into: string): string {
  mkdirSync(into, { recursive: true });
  for (const folder of folders) {
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".js"))) {
      if (existsSync(join(into, file))) throw new Error(`migration ${file} of ${folder} has the name of one from another folder; rename one.`);
      copyFileSync(join(folder, file), join(into, file));
    }
  }
  return into;
}

async function serve(port: number, dataDir: string, migrationsDir: string): Promise<ChildProcess> {
  const args = ["serve", "--http", `127.0.0.1:${port}`, "--dir", dataDir, "--migrationsDir", migrationsDir];
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
