import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { bearerToken } from "./auth";
import type { ContainerHealth, DropBurst, FailBurst, Faults } from "../model/faults";
import type { DockerModeInfo } from "../deploy/docker-mode";
import { handleEffective } from "./control-effective";
import { handleEngine } from "./control-engine";
import { reply, type Reply } from "./http";
import type { Ability, TeamRole } from "../model/records";
import type { EmulatorStore } from "../model/store";
import { isObject, type JsonObject } from "./validation";

/** Base of the control routes, deliberately outside /api/v1. */
export const CONTROL_PREFIX = "/_emulator";

export interface ControlDeps {
  store: EmulatorStore;
  faults: Faults;
  requests: unknown[];
  seeded: { serverUuid: string; destinationUuid: string };
  /** The emulator's root token: it opens the control routes from anywhere. */
  rootToken: string;
  /** Whether the emulator listens on a loopback address only; then loopback clients need no token. */
  loopbackListener: boolean;
  /** Docker mode: the engine and the proxy. */
  docker?: DockerModeInfo;
}

export function isLoopback(address: string | undefined): boolean {
  return address === "::1" || /^(::ffff:)?127\./.test(address ?? "");
}

function sameSecret(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The control routes mint root tokens and serve the request log, so they answer only a loopback client of
 * a loopback-bound emulator, or a request carrying the emulator's root token (`Authorization: Bearer`).
 */
export function controlDenied(deps: ControlDeps, req: IncomingMessage): Reply | undefined {
  const bearer = bearerToken(req.headers.authorization);
  if (bearer !== null && sameSecret(bearer, deps.rootToken)) return undefined;
  if (bearer === null && deps.loopbackListener && isLoopback(req.socket.remoteAddress)) return undefined;
  const why = deps.loopbackListener ? "from a loopback client, or with" : "only with";
  return reply(bearer === null ? 401 : 403, { message: `Emulator control routes answer ${why} the emulator's root token (Authorization: Bearer <token>).` });
}

function parse(raw: string): JsonObject {
  try {
    const value: unknown = JSON.parse(raw || "{}");
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

function applyFaults(faults: Faults, body: JsonObject): void {
  if (typeof body.latencyMs === "number") faults.latencyMs = body.latencyMs;
  if (typeof body.deleteDelayMs === "number" || body.deleteDelayMs === null) faults.deleteDelayMs = body.deleteDelayMs;
  if (isObject(body.fail)) faults.failNext(body.fail as unknown as FailBurst);
  if (isObject(body.drop)) faults.dropNext(body.drop as unknown as DropBurst);
  if (isObject(body.unhealthy) && typeof body.unhealthy.container === "string") {
    const { container, health, serviceUuid } = body.unhealthy;
    faults.markContainer(container, (health as ContainerHealth | undefined) ?? "unhealthy", serviceUuid as string | undefined);
  }
  if (isObject(body.healthy) && typeof body.healthy.container === "string") {
    faults.clearContainer(body.healthy.container, body.healthy.serviceUuid as string | undefined);
  }
}

/**
 * Control routes for scripts driving a standalone emulator (see controlDenied for who may call them):
 * GET /_emulator/state; GET|DELETE /_emulator/requests; POST|DELETE /_emulator/faults;
 * POST /_emulator/tokens; POST /_emulator/api-enabled; DELETE /_emulator/services/{uuid}; GET /_emulator/volumes;
 * GET /_emulator/services/{uuid}/effective (control-effective.ts); GET /_emulator/engine and
 * GET /_emulator/services/{uuid}/engine (control-engine.ts, docker mode).
 */
export function handleControl(deps: ControlDeps, req: IncomingMessage, path: string, raw: string, query: URLSearchParams): Reply {
  const denied = controlDenied(deps, req);
  if (denied) return denied;
  const route = `${req.method} ${path.slice(CONTROL_PREFIX.length)}`;
  const body = parse(raw);
  if (route === "GET /state") {
    return reply(200, { ...deps.seeded, apiEnabled: deps.store.settings.apiEnabled, services: deps.store.findServices().length, projects: deps.store.projects.length });
  }
  if (route === "GET /requests") return reply(200, deps.requests);
  if (route === "DELETE /requests") {
    deps.requests.length = 0;
    return reply(200, { cleared: true });
  }
  if (route === "POST /faults") {
    applyFaults(deps.faults, body);
    return reply(200, { ok: true });
  }
  if (route === "DELETE /faults") {
    deps.faults.reset();
    return reply(200, { ok: true });
  }
  if (route === "POST /tokens") {
    const token = deps.store.addToken({
      team: body.team === undefined ? 0 : (body.team as number | null),
      abilities: body.abilities as Ability[] | undefined,
      role: body.role as TeamRole | undefined,
    });
    return reply(201, { token });
  }
  if (route === "POST /api-enabled") {
    deps.store.setApiEnabled(body.enabled !== false);
    return reply(200, { apiEnabled: deps.store.settings.apiEnabled });
  }
  if (route === "GET /volumes") {
    const service = query.get("service");
    return reply(200, service ? deps.store.findVolumes(service) : deps.store.volumes);
  }
  const effective = handleEffective(deps.store, route) ?? handleEngine(deps.store, deps.docker, route);
  if (effective) return effective;
  const outOfBand = /^DELETE \/services\/([^/]+)$/.exec(route);
  if (outOfBand) {
    return deps.store.deleteServiceOutOfBand(outOfBand[1]) ? reply(200, { deleted: true }) : reply(404, { deleted: false });
  }
  return reply(404, { message: "Unknown emulator control route." });
}
