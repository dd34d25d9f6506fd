import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { abilityDenied, authenticate, bearerToken, RateLimiter, throttleHeaders } from "./api/auth";
import type { RequestContext } from "./api/context";
import { assertResolverBuilt } from "./deploy/compose-resolver";
import { startDockerMode, type DockerModeInfo, type DockerModeOptions } from "./deploy/docker-mode";
import { CONTROL_PREFIX, handleControl, isLoopback } from "./api/control";
import { Faults } from "./model/faults";
import { ApiError, catchAllNotFound, reply, type Reply } from "./api/http";
import { randomAlnum } from "./model/ids";
import { findRoute } from "./api/router";
import { orderKeys } from "./api/serialize";
import { EmulatorStore } from "./model/store";
import { parseIncomingJson } from "./api/validation";
import { loggedBody, loggedQuery, type RequestLogEntry } from "./api/request-log";

export type { RequestLogEntry } from "./api/request-log";
export type { DockerModeInfo, DockerModeOptions } from "./deploy/docker-mode";

export interface EmulatorOptions {
  host?: string;
  /** 0 (default) picks an ephemeral port. */
  port?: number;
  /** Token of the root team (team 0) with ability "root"; random by default. */
  rootToken?: string;
  /** Time for each status step exited -> starting:unhealthy -> running:healthy (and for a stop). Default 300. */
  lifecycleDelayMs?: number;
  /** How long a queued service delete takes before the service disappears. Default 300. */
  deleteDelayMs?: number;
  /** Per-user requests per minute (Coolify's API_RATE_LIMIT), default 200; 429 + Retry-After beyond. */
  rateLimitPerMinute?: number;
  /** false reproduces Coolify's "API is disabled." 403. Default true. */
  apiEnabled?: boolean;
  /** What GET /api/v1/version answers; default COOLIFY_VERSION (4.3.11). Behaviour stays 4.3.11's. */
  coolifyVersion?: string;
  /**
   * Docker mode: starts, stops and deletes run on this engine behind a real Traefik (deploy/docker-mode.ts), for every
   * server. A list gives each seeded server its own engine and coolify-proxy, in order (the first is serverUuid's);
   * its length is the number of servers.
   */
  docker?: DockerModeOptions | DockerModeOptions[];
  /** How many usable servers to seed, each with its own destination and proxy (placement over several); default 1. */
  servers?: number;
}

export interface CoolifyEmulator {
  url: string;
  token: string;
  serverUuid: string;
  destinationUuid: string;
  /** Every seeded server, the first being serverUuid's ("localhost", then "server-2", ...). */
  servers: EmulatorServer[];
  requests: RequestLogEntry[];
  faults: Faults;
  store: EmulatorStore;
  /** Docker mode only: the engine and the proxy's loopback entrypoints (with an engine per server: the first server's). */
  docker?: DockerModeInfo;
  close(): Promise<void>;
}

export interface EmulatorServer {
  name: string;
  uuid: string;
  destinationUuid: string;
  /** Docker mode: the engine the server's services run on, its proxy, and the cores and memory it reports. */
  docker?: DockerModeInfo;
}

const API_PREFIX = "/api/v1";

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, result: Reply): void {
  const isText = result.contentType === "text/html";
  const payload = isText ? String(result.body) : JSON.stringify(orderKeys(result.body));
  res.writeHead(result.status, {
    ...result.headers,
    "Content-Type": isText ? "text/html; charset=UTF-8" : "application/json",
    "Content-Length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Emulator {
  readonly faults = new Faults();
  readonly requests: RequestLogEntry[] = [];
  private readonly limiter = new RateLimiter();

  constructor(readonly store: EmulatorStore) {}

  /** Coolify's middleware order (notes §2, §3): throttle → route → auth → API enabled → ability → JSON checks → controller. */
  process(req: IncomingMessage, path: string, query: Record<string, string>, raw: string): Reply {
    const method = req.method ?? "GET";
    if (method === "GET" && (path === "/api/health" || path === `${API_PREFIX}/health`)) {
      return { status: 200, body: "OK", contentType: "text/html" };
    }
    const bearer = bearerToken(req.headers.authorization);
    const user = bearer ? this.store.findToken(bearer)?.userId : undefined;
    const limit = this.store.settings.rateLimitPerMinute;
    const throttle = this.limiter.hit(user !== undefined ? `user:${user}` : `ip:${req.socket.remoteAddress}`, limit);
    const headers = throttleHeaders(limit, throttle);
    if (!throttle.allowed) return reply(429, { message: "Too Many Attempts." }, headers);
    const result = this.route(req, method, path, query, raw);
    return { ...result, headers: { ...headers, ...result.headers } };
  }

  private route(req: IncomingMessage, method: string, path: string, query: Record<string, string>, raw: string): Reply {
    if (!path.startsWith(`${API_PREFIX}/`)) return catchAllNotFound();
    const found = findRoute(method, path.slice(API_PREFIX.length));
    if (!found) return catchAllNotFound();
    const { route, params } = found;
    const outcome = authenticate(this.store, req.headers.authorization);
    if (outcome.denied) return outcome.denied;
    const toggles = route.path === "/enable" || route.path === "/disable";
    if (!toggles && !this.store.settings.apiEnabled) return reply(403, { success: true, message: "API is disabled." });
    if (!outcome.auth.token.abilities.some((a) => a === route.ability || a === "root" || a === "*")) {
      return abilityDenied(route.ability);
    }
    try {
      const ctx: RequestContext = {
        store: this.store, faults: this.faults, auth: outcome.auth, params, query,
        health: (serviceUuid, container) => this.faults.healthOf(serviceUuid, container),
        body: route.json ? parseIncomingJson(req.headers["content-type"], raw) : {},
      };
      return route.handler(ctx);
    } catch (error) {
      if (error instanceof ApiError) return error.reply;
      return reply(500, { message: "Server Error" });
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, control: (path: string, raw: string, q: URLSearchParams) => Reply) {
    const url = new URL(req.url ?? "/", "http://emulator");
    const raw = await readBody(req);
    if (url.pathname.startsWith(`${CONTROL_PREFIX}/`)) return send(res, control(url.pathname, raw, url.searchParams));
    const method = req.method ?? "GET";
    const query = Object.fromEntries(url.searchParams);
    const entry: RequestLogEntry = { method, path: url.pathname, query: loggedQuery(url.searchParams), status: 0, at: Date.now(), body: loggedBody(raw) };
    this.requests.push(entry);
    if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
    const drop = this.faults.takeDrop(method, url.pathname);
    if (drop && !drop.afterProcessing) {
      entry.dropped = true;
      return req.socket.destroy();
    }
    const failure = drop ? undefined : this.faults.takeFailure(method, url.pathname);
    const result = failure ? failureReply(failure.status ?? 503, failure.retryAfterSeconds) : this.process(req, url.pathname, query, raw);
    entry.status = result.status;
    if (drop) {
      entry.dropped = true;
      return req.socket.destroy();
    }
    send(res, result);
  }
}

function failureReply(status: number, retryAfterSeconds = 1): Reply {
  if (status === 429) return reply(429, { message: "Too Many Attempts." }, { "Retry-After": String(retryAfterSeconds) });
  return reply(status, { message: status === 500 ? "Server Error" : "Service Unavailable" });
}

/** Starts a stateful Coolify 4.3.x API emulator, seeded with usable servers (default one), each with one destination. */
export async function startCoolifyEmulator(options: EmulatorOptions = {}): Promise<CoolifyEmulator> {
  // Every start loads the compose with the real loader (deploy.ts); without it no start could ever succeed.
  assertResolverBuilt();
  const store = new EmulatorStore({
    lifecycleDelayMs: options.lifecycleDelayMs ?? 300,
    deleteDelayMs: options.deleteDelayMs ?? 300,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 200,
    apiEnabled: options.apiEnabled ?? true,
    coolifyVersion: options.coolifyVersion,
  });
  const token = store.addToken({ team: 0, abilities: ["root"], userId: 0, token: options.rootToken ?? `0|${randomAlnum(40)}` });
  const { server, destination } = store.addServer({ team: 0, name: "localhost" });
  const servers: EmulatorServer[] = [{ name: server.name, uuid: server.uuid, destinationUuid: destination.uuid }];
  const engines = Array.isArray(options.docker) ? options.docker.length : undefined;
  if (engines !== undefined && options.servers !== undefined && options.servers !== engines) {
    throw new RangeError(`servers: ${options.servers} with ${engines} docker engines: give each server one engine`);
  }
  for (let n = 2; n <= (engines ?? options.servers ?? 1); n++) {
    const extra = store.addServer({ team: 0, name: `server-${n}`, ip: `10.0.0.${9 + n}` });
    servers.push({ name: extra.server.name, uuid: extra.server.uuid, destinationUuid: extra.destination.uuid });
  }
  const emulator = new Emulator(store);
  const seeded = { serverUuid: server.uuid, destinationUuid: destination.uuid };
  let loopbackListener = false;
  const serverIds = servers.map((s) => store.servers.find((r) => r.uuid === s.uuid)!.id);
  const dockerMode = options.docker ? await startDockerMode(store, options.docker, serverIds) : undefined;
  // One engine for all: every server reports it; an engine per server: each its own, in order.
  if (dockerMode) servers.forEach((s, i) => (s.docker = dockerMode.infos[engines !== undefined ? i : 0]));
  // GET /_emulator/engine: the first server's engine, and with several engines each server's.
  const engineInfo = dockerMode && (engines !== undefined && engines > 1 ? { ...dockerMode.infos[0], servers: servers.map((s) => ({ uuid: s.uuid, name: s.name, ...s.docker })) } : dockerMode.infos[0]);
  const control = (path: string, raw: string, q: URLSearchParams, req: IncomingMessage) =>
    handleControl({ store, faults: emulator.faults, requests: emulator.requests, seeded, rootToken: token, loopbackListener, docker: engineInfo }, req, path, raw, q);
  const http = createServer((req, res) => {
    emulator.handle(req, res, (path, raw, q) => control(path, raw, q, req)).catch(() => {
      if (!res.headersSent) send(res, reply(500, { message: "Server Error" }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  }).catch(async (error: unknown) => {
    await dockerMode?.close();
    throw error;
  });
  const address = http.address() as AddressInfo;
  loopbackListener = isLoopback(address.address);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    token,
    ...seeded,
    servers,
    requests: emulator.requests,
    faults: emulator.faults,
    store,
    ...(dockerMode ? { docker: dockerMode.infos[0] } : {}),
    close: async () => {
      store.clearTimers();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await dockerMode?.close();
    },
  };
}
