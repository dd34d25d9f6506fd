// The docker CLI, the compose plugin and the Engine API of one Docker engine, named by its DOCKER_HOST. Nothing here
// reads the machine's default engine: every call names the host it talks to.
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";

export interface DockerConnection {
  /** unix:///path/docker.sock */
  host: string;
  /** The compose binary, run standalone (`docker-compose …`); default: composeBinary(). */
  composeBin?: string;
}

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `docker-compose` for the compose plugin: DOCKER_COMPOSE_BIN, else the newest in the tool cache, else on PATH. */
export function composeBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_COMPOSE_BIN) return env.DOCKER_COMPOSE_BIN;
  return newestInToolCache("docker-compose-v", "docker-compose", env) ?? "docker-compose";
}

/** The traefik binary: TRAEFIK_BIN, else the newest in the tool cache, else on PATH. */
export function traefikBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRAEFIK_BIN) return env.TRAEFIK_BIN;
  return newestInToolCache("traefik-v", "traefik", env) ?? "traefik";
}

function newestInToolCache(prefix: string, binary: string, env: NodeJS.ProcessEnv): string | undefined {
  const dir = env.CLOUDFREEDOM_TOOLS_DIR;
  if (!dir || !existsSync(dir)) return undefined;
  const found = readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && !name.endsWith(".tmp") && existsSync(join(dir, name, "bin", binary)))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return found.length > 0 ? join(dir, found[found.length - 1], "bin", binary) : undefined;
}

/**
 * Env CLOUDFREEDOM_DOCKER_START_LOCK names a host-wide lock that a test host with several engines holds exclusively
 * while a dockerd starts: a starting dockerd deletes and remakes the shared iptables chains, and a network or a
 * published port made meanwhile on another engine fails ("Chain 'DOCKER' does not exist", "No chain/target/match").
 * Commands that make either then run under flock(1) holding it shared. Unset (a real host): run as they are.
 */
const START_LOCK_VARIABLE = "CLOUDFREEDOM_DOCKER_START_LOCK";

/** Whether `docker <args>` / `docker compose <args>` may make a network or publish a port. */
export function makesNetworks(args: string[]): boolean {
  const [first, second] = args;
  if (first === "run" || first === "start" || first === "restart") return true;
  if (first === "network") return second === "create" || second === "connect";
  return args.some((a) => a === "up" || a === "start" || a === "restart" || a === "create");
}

function run(file: string, args: string[], host: string, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const lock = process.env[START_LOCK_VARIABLE];
  if (lock && makesNetworks(args)) [file, args] = ["flock", ["--shared", "--timeout", "600", lock, file, ...args]];
  return new Promise((resolve) => {
    execFile(file, args, {
      cwd: options.cwd, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DOCKER_HOST: host },
    }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : 1) : 0;
      resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) || (error && code !== 0 && !stderr ? error.message : "") });
    });
  });
}

/** `docker <args>` against the connection's engine. */
export function docker(conn: DockerConnection, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return run("docker", args, conn.host, options);
}

/** `docker compose <args>` against the connection's engine (the plugin binary, run standalone). */
export function compose(conn: DockerConnection, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  return run(conn.composeBin ?? composeBinary(), args, conn.host, options);
}

/** GET on the Engine API over the unix socket; the parsed JSON body, or an error naming the status. */
export function engineGet<T>(conn: DockerConnection, path: string, timeoutMs = 10_000): Promise<T> {
  const socketPath = conn.host.replace(/^unix:\/\//, "");
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET", timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if ((res.statusCode ?? 500) >= 300) reject(new Error(`engine GET ${path}: ${res.statusCode} ${text.trim()}`));
        else {
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(error);
          }
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`engine GET ${path}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}

/** Whether the engine answers at all (GET /_ping). */
export async function engineAnswers(conn: DockerConnection): Promise<boolean> {
  const socketPath = conn.host.replace(/^unix:\/\//, "");
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", method: "GET", timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
