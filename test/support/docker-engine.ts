// A private Docker engine for tests: its own dockerd in a temporary folder (socket, data root, exec root, pidfile),
// its own bridge and address pool, iptables on, never the machine's default engine. Several can run side by side
// (one per server in the capacity tests): each takes a slot, cross-process, under /tmp/cloudfreedom-docker-slots,
// that names its default bridge (cfd<slot>, 10.150.<slot>.1/24) and its pool for compose networks
// (10.<160+slot>.0.0/16 in /24s). A slot whose owner died is reclaimed: its dockerd is stopped and cleaned up.
//
//   const skip = dockerEngineSkipReason();
//   describe.skipIf(skip)(`… ${skip ?? ""}`, () => {
//     let engine: DockerEngine;
//     beforeAll(async () => { engine = await startDockerEngine(); }, ENGINE_START_TIMEOUT);
//     afterAll(() => engine?.stop(), ENGINE_STOP_TIMEOUT);
//   });
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { loadStandinImages } from "./standin-images";

export const ENGINE_START_TIMEOUT = 180_000;
export const ENGINE_STOP_TIMEOUT = 90_000;

const SLOTS_DIR = "/tmp/cloudfreedom-docker-slots";
const MAX_SLOTS = 48;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  input?: string;
  timeoutMs?: number;
  /** Resolve with the result instead of rejecting when the command exits non-zero. */
  allowFailure?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface DockerEngine {
  readonly slot: number;
  /** The engine's folder: docker.sock, docker.pid, root/, exec/, dockerd.log. */
  readonly dir: string;
  readonly socket: string;
  /** unix://<socket>, for DOCKER_HOST or Traefik's --providers.docker.endpoint. */
  readonly host: string;
  /** process.env plus DOCKER_HOST and a DOCKER_CONFIG in which `docker compose` is the v5 plugin. */
  readonly env: NodeJS.ProcessEnv;
  readonly bridge: { name: string; cidr: string; gateway: string };
  /** --default-address-pool of this engine: where compose networks get their subnets. */
  readonly addressPool: string;
  /** Image names loaded as stand-ins (every image of templates/). */
  readonly standinImages: string[];
  readonly pid: number;
  docker(args: string[], options?: RunOptions): Promise<CommandResult>;
  /** `docker compose <args>` against this engine. */
  compose(args: string[], options?: RunOptions): Promise<CommandResult>;
  /** Removes every container, network and volume, stops dockerd and removes its folder, bridge and rules. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  /** Load the stand-in images (default true). */
  standins?: boolean;
  /** Ready timeout for dockerd (default 60 s). */
  readyTimeoutMs?: number;
}

function findDockerd(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin", "/sbin", "/usr/local/sbin", "/usr/local/bin"];
  return dirs.map((d) => join(d, "dockerd")).find((p) => existsSync(p));
}

/**
 * Why engine tests cannot run here, or undefined when they can. Only a missing dockerd skips (with this reason in
 * the test name); anything else that stops the engine (not root, no docker CLI) fails the test with its cause.
 */
export function dockerEngineSkipReason(): string | undefined {
  if (findDockerd()) return undefined;
  return "SKIPPED: dockerd is not installed (as root: apt-get update && apt-get install -y docker.io, or npm run setup)";
}

function toolsDir(): string {
  return process.env.CLOUDFREEDOM_TOOLS_DIR || join(homedir(), ".cache", "cloudfreedom-tools");
}

/** The docker config folder whose config.json points the CLI at the Compose plugin (scripts/setup.sh writes it). */
function dockerConfigDir(): string {
  if (process.env.CLOUDFREEDOM_DOCKER_CONFIG) return process.env.CLOUDFREEDOM_DOCKER_CONFIG;
  const versions = readFileSync(join(__dirname, "..", "..", "scripts", "versions.env"), "utf8");
  const version = /^DOCKER_COMPOSE_VERSION=(.+)$/m.exec(versions)?.[1]?.trim();
  return join(toolsDir(), `docker-config-compose${version}`);
}

/** The Traefik binary of the toolchain (TRAEFIK_BIN from scripts/env.sh, else the tool cache by version). */
export function traefikBinary(): string {
  if (process.env.TRAEFIK_BIN) return process.env.TRAEFIK_BIN;
  const versions = readFileSync(join(__dirname, "..", "..", "scripts", "versions.env"), "utf8");
  const version = /^TRAEFIK_VERSION=(.+)$/m.exec(versions)?.[1]?.trim();
  return join(toolsDir(), `traefik-v${version}`, "bin", "traefik");
}

export function runCommand(file: string, args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : 1) : 0;
        const result = { code, stdout: String(stdout), stderr: String(stderr) };
        if (error && !options.allowFailure) {
          const reason = (error as { killed?: boolean }).killed ? `timed out after ${options.timeoutMs ?? 300_000} ms` : `exit ${code}`;
          reject(new Error(`${file} ${args.join(" ")}: ${reason}\n${result.stderr.trim() || result.stdout.trim()}`));
        } else resolve(result);
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

interface SlotRecord {
  owner: number;
  dir?: string;
  dockerd?: number;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function slotFile(slot: number): string {
  return join(SLOTS_DIR, `slot-${slot}.json`);
}

function writeSlot(slot: number, record: SlotRecord): void {
  writeFileSync(slotFile(slot), JSON.stringify(record));
}

function tryClaim(slot: number): boolean {
  try {
    const fd = openSync(slotFile(slot), "wx");
    writeSync(fd, JSON.stringify({ owner: process.pid } satisfies SlotRecord));
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  }
}

/**
 * Takes a free slot (O_EXCL file). A slot whose owner process is gone is reclaimed by one claimant only: it renames
 * the record away (the rename is the lock), takes the slot, and only then stops the dead owner's dockerd and
 * removes its folder, bridge and rules.
 */
async function claimSlot(): Promise<number> {
  mkdirSync(SLOTS_DIR, { recursive: true });
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    if (tryClaim(slot)) return slot;
    let record: SlotRecord;
    try {
      record = JSON.parse(readFileSync(slotFile(slot), "utf8")) as SlotRecord;
    } catch {
      continue; // being written right now, or just reclaimed by someone else
    }
    if (alive(record.owner)) continue;
    const moved = `${slotFile(slot)}.reclaim-${process.pid}-${Date.now()}`;
    try {
      renameSync(slotFile(slot), moved);
    } catch {
      continue; // another claimant won this one
    }
    const mine = tryClaim(slot);
    await cleanupEngine(slot, record.dir, record.dockerd, mine);
    rmSync(moved, { force: true });
    if (mine) return slot;
  }
  throw new Error(`all ${MAX_SLOTS} docker engine slots in ${SLOTS_DIR} are taken by running processes`);
}

// dockerd children of this process, signalled when it exits without stop() (a killed test worker); the next
// claimant of the slot removes what is left.
const running = new Set<number>();
process.once("exit", () => {
  for (const pid of running) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
});

const bridgeName = (slot: number) => `cfd${slot}`;

async function ip(args: string[]): Promise<CommandResult> {
  return runCommand("ip", args, { allowFailure: true });
}

/** Deletes the iptables rules that name this engine's bridge or subnets (dockerd leaves them at shutdown). */
async function removeIptablesRules(slot: number): Promise<void> {
  const needles = [new RegExp(`\\s${bridgeName(slot)}(\\s|$)`), new RegExp(`\\s10\\.150\\.${slot}\\.0/24\\s`), new RegExp(`\\s10\\.${160 + slot}\\.`)];
  for (const table of ["filter", "nat"]) {
    const listed = await runCommand("iptables", ["-t", table, "-S"], { allowFailure: true });
    for (const line of listed.stdout.split("\n")) {
      if (!line.startsWith("-A ") || !needles.some((n) => n.test(line))) continue;
      const args = line.replace(/^-A /, "-D ").match(/"[^"]*"|\S+/g) ?? [];
      await runCommand("iptables", ["-t", table, ...args.map((a) => a.replace(/^"(.*)"$/, "$1"))], { allowFailure: true });
    }
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

function unmountUnder(dir: string): Promise<unknown> {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  return mounts.reduce<Promise<unknown>>((p, m) => p.then(() => runCommand("umount", ["-l", m], { allowFailure: true })), Promise.resolve());
}

/** Stops a dockerd (SIGTERM, then SIGKILL) and removes its folder and, when the slot is ours, bridge and rules. */
async function cleanupEngine(slot: number, dir: string | undefined, dockerd: number | undefined, ownsSlot = true): Promise<void> {
  // A recorded pid is only ours while its command line names our folder (pids get reused).
  const ours = (pid: number) => alive(pid) && (!dir || readCmdline(pid).includes(dir));
  if (dockerd && ours(dockerd)) {
    process.kill(dockerd, "SIGTERM");
    if (!(await waitForExit(dockerd, 30_000))) process.kill(dockerd, "SIGKILL");
  }
  if (dir && existsSync(dir)) {
    // containerd and its shims live under the exec root; a SIGKILLed dockerd can leave them running.
    const pidfile = join(dir, "exec", "containerd", "containerd.pid");
    if (existsSync(pidfile)) {
      const pid = Number(readFileSync(pidfile, "utf8").trim());
      if (ours(pid)) process.kill(pid, "SIGKILL");
    }
    await unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  if (!ownsSlot) return;
  await ip(["link", "del", bridgeName(slot)]);
  await removeIptablesRules(slot);
}

/** Starts a private dockerd, waits until it answers, and loads the stand-in images. */
export async function startDockerEngine(options: EngineOptions = {}): Promise<DockerEngine> {
  const dockerd = findDockerd();
  if (!dockerd) throw new Error(dockerEngineSkipReason());
  if (process.getuid?.() !== 0) throw new Error("a private dockerd needs root (run the tests as root, as .ci/run does)");
  const slot = await claimSlot();
  const dir = mkdtempSync(`/tmp/cfd${slot}-`);
  const socket = join(dir, "docker.sock");
  const bridge = { name: bridgeName(slot), cidr: `10.150.${slot}.0/24`, gateway: `10.150.${slot}.1` };
  const addressPool = `10.${160 + slot}.0.0/16`;
  let child: ChildProcess | undefined;
  try {
    await ip(["link", "del", bridge.name]);
    for (const args of [["link", "add", "name", bridge.name, "type", "bridge"], ["addr", "add", `${bridge.gateway}/24`, "dev", bridge.name], ["link", "set", bridge.name, "up"]]) {
      const r = await ip(args);
      if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
    }
    const log = openSync(join(dir, "dockerd.log"), "a");
    child = spawn(
      dockerd,
      [
        "--data-root", join(dir, "root"),
        "--exec-root", join(dir, "exec"),
        "--host", `unix://${socket}`,
        "--pidfile", join(dir, "docker.pid"),
        "--bridge", bridge.name,
        "--default-address-pool", `base=${addressPool},size=24`,
        "--iptables=true",
        "--shutdown-timeout", "5",
      ],
      { stdio: ["ignore", log, log] },
    );
    closeSync(log);
    const pid = child.pid ?? 0;
    running.add(pid);
    writeSlot(slot, { owner: process.pid, dir, dockerd: pid });
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfigDir() };
    delete env.DOCKER_CONTEXT;
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    let gone: number | null | undefined;
    void exited.then((c) => (gone = c));
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (gone !== undefined) throw new Error(`dockerd exited with ${gone} before it was ready:\n${tail(join(dir, "dockerd.log"))}`);
      const info = await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"], { env, allowFailure: true, timeoutMs: 10_000 });
      if (info.code === 0) break;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${options.readyTimeoutMs ?? 60_000} ms:\n${tail(join(dir, "dockerd.log"))}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const standinImages = options.standins === false ? [] : await loadStandinImages(env);
    const docker = (args: string[], o: RunOptions = {}) => runCommand("docker", args, { ...o, env: { ...env, ...o.env } });
    let stopped: Promise<void> | undefined;
    return {
      slot, dir, socket, host: `unix://${socket}`, env, bridge, addressPool, standinImages, pid,
      docker,
      compose: (args, o = {}) => docker(["compose", ...args], o),
      stop: () => (stopped ??= stopEngine(slot, dir, pid, docker)),
    };
  } catch (error) {
    if (child?.pid) {
      child.kill("SIGKILL");
      running.delete(child.pid);
    }
    await cleanupEngine(slot, dir, child?.pid);
    rmSync(slotFile(slot), { force: true });
    throw error;
  }
}

async function stopEngine(slot: number, dir: string, pid: number, docker: DockerEngine["docker"]): Promise<void> {
  // Through the API first, so dockerd removes the bridges and rules of compose networks itself.
  const ids = (await docker(["ps", "-aq"], { allowFailure: true })).stdout.split("\n").filter(Boolean);
  if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids], { allowFailure: true });
  await docker(["network", "prune", "-f"], { allowFailure: true });
  await cleanupEngine(slot, dir, pid);
  running.delete(pid);
  rmSync(slotFile(slot), { force: true });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Slots currently recorded, for diagnostics. */
export function engineSlots(): Array<{ slot: number } & SlotRecord> {
  if (!existsSync(SLOTS_DIR)) return [];
  return readdirSync(SLOTS_DIR)
    .map((f) => /^slot-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => {
      try {
        return { slot: Number(m[1]), ...(JSON.parse(readFileSync(join(SLOTS_DIR, m[0]), "utf8")) as SlotRecord) };
      } catch {
        return { slot: Number(m[1]), owner: 0 };
      }
    });
}
