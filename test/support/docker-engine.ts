// A private Docker engine for tests: its own dockerd in a temporary folder (socket, data root, exec root, pidfile),
// its own bridge and address pool, iptables on, never the machine's default engine. Several can run side by side
// (one per server in the capacity tests): each takes a slot, cross-process, under /tmp/cloudfreedom-docker-slots,
// that names its default bridge (cfd<slot>, 10.150.<slot>.1/24) and its pool for compose networks
// (10.<160+slot>.0.0/16 in /24s). A slot whose owner died is reclaimed: its dockerd is stopped and cleaned up.
//
// Isolation between bridges: a dockerd that starts flushes the host-wide DOCKER-ISOLATION-STAGE-1/2 chains, which
// also hold the rules of the engines already running, so their networks would reach each other. After every dockerd
// start the harness puts back Docker's two rules for every bridge of every live engine, and keeps the same rules in
// chains of its own (CFD-ISOLATION-STAGE-1/2, jumped from DOCKER-USER, which dockerd never flushes; also copied just
// before each dockerd starts), so a later start cannot open them again. A test that measures isolation calls
// ensureDockerIsolation() first, which covers networks made since the last engine start. dockerd starts are one at a
// time on the host (two at once break each other's chains), and engine.docker(["network", "create", …]) waits for them.
//
//   const skip = dockerEngineSkipReason();
//   describe.skipIf(skip)(`… ${skip ?? ""}`, () => {
//     let engine: DockerEngine;
//     beforeAll(async () => { engine = await startDockerEngine(); }, ENGINE_START_TIMEOUT);
//     afterAll(() => engine?.stop(), ENGINE_STOP_TIMEOUT);
//   });
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { delimiter, join } from "node:path";
import { loadStandinImages, toolsDir } from "./standin-images";

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

/** The docker config folder whose config.json points the CLI at the Compose plugin (scripts/setup.sh writes it). */
function dockerConfigDir(): string {
  if (process.env.CLOUDFREEDOM_DOCKER_CONFIG) return process.env.CLOUDFREEDOM_DOCKER_CONFIG;
  const versions = readFileSync(join(__dirname, "..", "..", "scripts", "versions.env"), "utf8");
  const version = /^DOCKER_COMPOSE_VERSION=(.+)$/m.exec(versions)?.[1]?.trim();
  return join(toolsDir(), `docker-config-compose${version}`);
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

const ISOLATION_LOCK = join(SLOTS_DIR, "iptables.lock");
/** Held from just before a dockerd starts until it is ready and the isolation rules are restored (see startDockerEngine). */
const START_LOCK = join(SLOTS_DIR, "dockerd-start.lock");
const DOCKER_STAGES = ["DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"] as const;
const OWN_STAGES = ["CFD-ISOLATION-STAGE-1", "CFD-ISOLATION-STAGE-2"] as const;
/** Bridge names Docker gives (default bridge ours, user networks br-<id>): the only ones this harness edits rules of. */
const DOCKER_BRIDGE = /^(cfd\d+|br-[0-9a-f]{12})$/;

/**
 * Runs fn holding a host-wide lock: a flock(1) child whose stdin is the lifetime, so the kernel releases the lock if
 * this process dies. Every caller has its own flock, so callers in one process queue on it as other processes do.
 */
async function withHostLock<T>(file: string, timeoutSeconds: number, fn: () => Promise<T>, mode: "--exclusive" | "--shared" = "--exclusive"): Promise<T> {
  mkdirSync(SLOTS_DIR, { recursive: true });
  const child = spawn("flock", [mode, "--timeout", String(timeoutSeconds), file, "sh", "-c", "echo locked; exec cat"], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`flock ${file} exited with ${code} before it held the lock`)));
    child.stdout?.once("data", () => resolve());
  });
  try {
    return await fn();
  } finally {
    child.stdin?.end();
  }
}

const withIptablesLock = <T>(fn: () => Promise<T>) => withHostLock(ISOLATION_LOCK, 120, fn);

const iptables = (args: string[]) => runCommand("iptables", ["-w", ...args], { allowFailure: true });

/** Docker 20.10's two isolation rules for one bridge (bridge.go setINC), in a pair of stage chains. */
function isolationRules(bridge: string, [stage1, stage2]: readonly [string, string]): string[][] {
  return [[stage1, "-i", bridge, "!", "-o", bridge, "-j", stage2], [stage2, "-o", bridge, "-j", "DROP"]];
}

/** Adds a rule unless `iptables -S` listed it or `iptables -C` finds it; true when it added it. */
async function ensureRule(rule: string[], how: "-I" | "-A", listed: Set<string>): Promise<boolean> {
  if (listed.has(`-A ${rule.join(" ")}`) || (await iptables(["-C", ...rule])).code === 0) return false;
  const added = await iptables([how, ...rule]);
  if (added.code !== 0) throw new Error(`iptables ${how} ${rule.join(" ")}: ${added.stderr.trim()}`);
  return true;
}

async function bridgeInterfaces(): Promise<Set<string>> {
  const listed = await ip(["-o", "link", "show", "type", "bridge"]);
  return new Set(listed.stdout.split("\n").map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n): n is string => !!n));
}

/** The bridge of every bridge-driver network of every live engine on this host (every slot, any process). */
async function liveEngineBridges(): Promise<string[]> {
  const bridges = new Set<string>();
  await Promise.all(engineSlots().map(async ({ dir, dockerd }) => {
    if (!dir || !dockerd || !alive(dockerd) || !readCmdline(dockerd).includes(dir)) return;
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${join(dir, "docker.sock")}` };
    delete env.DOCKER_CONTEXT;
    const options = { env, allowFailure: true, timeoutMs: 30_000 };
    const ids = (await runCommand("docker", ["network", "ls", "--filter", "driver=bridge", "--no-trunc", "-q"], options)).stdout.split("\n").filter(Boolean);
    if (ids.length === 0) return; // not answering yet: it restores every engine's rules itself once it is ready
    const format = '{{.Id}} {{or (index .Options "com.docker.network.bridge.name") ""}}';
    const inspected = await runCommand("docker", ["network", "inspect", "--format", format, ...ids], options);
    for (const [id, named] of inspected.stdout.split("\n").filter(Boolean).map((l) => l.trim().split(" "))) {
      bridges.add(named || `br-${id.slice(0, 12)}`);
    }
  }));
  return [...bridges].sort();
}

/** Deletes isolation rules (Docker's and ours) that name a Docker bridge which no longer exists. Holds the lock. */
async function pruneIsolationRules(): Promise<void> {
  const chains: string[] = [...DOCKER_STAGES, ...OWN_STAGES];
  const present = await bridgeInterfaces();
  const listed = (await iptables(["-S"])).stdout.split("\n");
  for (const line of listed) {
    const [, chain, rest] = /^-A (\S+) (.*)$/.exec(line) ?? [];
    const bridge = /(?:-i|-o) (\S+)/.exec(rest ?? "")?.[1];
    if (!chain || !chains.includes(chain) || !bridge || !DOCKER_BRIDGE.test(bridge) || present.has(bridge)) continue;
    // dockerd makes a bridge before its rules, so a bridge missing now (asked again: it may be new) is gone for good.
    if ((await ip(["link", "show", "dev", bridge])).code === 0) continue;
    await iptables(["-D", chain, ...rest.split(" ")]);
  }
}

export interface IsolationReport {
  /** Every bridge of every live engine (and any other bridge with a Docker name), now isolated from every other. */
  bridges: string[];
  /** Bridges whose rules in Docker's own chains were missing (flushed by a dockerd that started) and were re-added. */
  restored: string[];
}

/**
 * Guarantees that no two bridges of the live engines on this host reach each other, whatever dockerd started since:
 * Docker's two isolation rules per bridge are back in DOCKER-ISOLATION-STAGE-1/2 (`iptables -C` first, so running it
 * twice changes nothing), the same rules are in CFD-ISOLATION-STAGE-1/2 behind a jump at the top of DOCKER-USER
 * (which dockerd never flushes), and FORWARD jumps to Docker's stage 1 before any bridge's ACCEPT. Rules of bridges
 * that are gone are dropped. Logs the bridges it had to restore. startDockerEngine runs it after every dockerd start;
 * call it right before measuring isolation, so networks made since are covered too.
 */
export async function ensureDockerIsolation(): Promise<IsolationReport> {
  const wanted = await liveEngineBridges();
  return withIptablesLock(async () => {
    const listing = await iptables(["-S"]);
    if (listing.code !== 0) throw new Error(`iptables -S: ${listing.stderr.trim()}`);
    const listed = new Set(listing.stdout.split("\n"));
    if (!DOCKER_STAGES.every((c) => listed.has(`-N ${c}`)) || !listed.has("-N DOCKER-USER")) return { bridges: [], restored: [] };
    for (const chain of OWN_STAGES) {
      if (!listed.has(`-N ${chain}`) && (await iptables(["-N", chain])).code !== 0 && (await iptables(["-S", chain])).code !== 0) {
        throw new Error(`iptables -N ${chain} failed`);
      }
    }
    await ensureRule(["DOCKER-USER", "-j", OWN_STAGES[0]], "-I", listed);
    const present = await bridgeInterfaces();
    // The engines' own answer, plus every bridge with a Docker name: an engine too busy to answer is covered too.
    const bridges = [...new Set([...wanted, ...[...present].filter((b) => DOCKER_BRIDGE.test(b))])].filter((b) => present.has(b)).sort();
    const restored: string[] = [];
    for (const bridge of bridges) {
      let touched = false;
      for (const rule of isolationRules(bridge, DOCKER_STAGES)) if (await ensureRule(rule, "-I", listed)) touched = true;
      if (touched) restored.push(bridge);
      for (const rule of isolationRules(bridge, OWN_STAGES)) await ensureRule(rule, "-A", listed);
    }
    const forward = (await iptables(["-S", "FORWARD"])).stdout.split("\n");
    const jump = forward.indexOf(`-A FORWARD -j ${DOCKER_STAGES[0]}`);
    const firstAccept = forward.findIndex((l) => / -j ACCEPT$/.test(l) && /-i |-o /.test(l));
    if (jump < 0 || (firstAccept >= 0 && jump > firstAccept)) await iptables(["-I", "FORWARD", "-j", DOCKER_STAGES[0]]);
    await pruneIsolationRules();
    if (restored.length > 0) console.warn(`docker-engine: re-added Docker's isolation rules of ${restored.join(", ")} (flushed by a dockerd that started after them)`);
    return { bridges, restored };
  });
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
  await withIptablesLock(async () => {
    await ip(["link", "del", bridgeName(slot)]);
    await removeIptablesRules(slot);
    await pruneIsolationRules();
  });
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
    // One dockerd starts at a time on this host: two that start together trip over each other's chains ("Chain
    // already exists", "No chain/target/match"), and the flush below must not land between a start and its repair.
    // The emulator's compose ups and docker runs in this process wait for starts too (emulator/deploy/docker-cli.ts).
    process.env.CLOUDFREEDOM_DOCKER_START_LOCK = START_LOCK;
    const { pid, env } = await withHostLock(START_LOCK, 600, async () => {
      // Copy every running engine's bridges into our own chains first: the flush this dockerd is about to do then
      // cannot open them even for the moment until it is ready and Docker's rules are restored.
      await ensureDockerIsolation();
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
      const started = child.pid ?? 0;
      running.add(started);
      writeSlot(slot, { owner: process.pid, dir, dockerd: started });
      const engineEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfigDir() };
      delete engineEnv.DOCKER_CONTEXT;
      const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
      let gone: number | null | undefined;
      void exited.then((c) => (gone = c));
      const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
      for (;;) {
        if (gone !== undefined) throw new Error(`dockerd exited with ${gone} before it was ready:\n${tail(join(dir, "dockerd.log"))}`);
        const info = await runCommand("docker", ["info", "--format", "{{.ServerVersion}}"], { env: engineEnv, allowFailure: true, timeoutMs: 10_000 });
        if (info.code === 0) break;
        if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${options.readyTimeoutMs ?? 60_000} ms:\n${tail(join(dir, "dockerd.log"))}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // Starting, it flushed DOCKER-ISOLATION-STAGE-1/2: put back every live engine's rules.
      await ensureDockerIsolation();
      return { pid: started, env: engineEnv };
    });
    const standinImages = options.standins === false ? [] : await loadStandinImages(env);
    const run = (args: string[], o: RunOptions) => runCommand("docker", args, { ...o, env: { ...env, ...o.env } });
    // A dockerd that is starting deletes and remakes the shared chains, and a network made meanwhile on another
    // engine fails ("Chain 'DOCKER' does not exist"): network creation waits for starts (compose's own cannot).
    const docker = (args: string[], o: RunOptions = {}) =>
      args[0] === "network" && args[1] === "create" ? withHostLock(START_LOCK, 600, () => run(args, o), "--shared") : run(args, o);
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
