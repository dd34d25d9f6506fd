import { createHash } from "node:crypto";
import { decodeComposeRaw, parseCompose, renderCompose, serialiseCompose, type ParsedCompose } from "./compose";
import type { RequestContext, Route } from "./context";
import { fail, failMessage, reply } from "./http";
import { newUuid, randomLowerAlnum } from "../model/ids";
import { queueStart } from "../deploy/lifecycle";
import { applyParse } from "../model/magic-vars";
import { findEnvironment, findTeamProject } from "./projects";
import type { ServerRecord, ServiceRecord } from "../model/records";
import { serviceJson } from "./serialize";
import { findTeamServer, serverDestinations } from "./servers";
import { applyServiceUrls, urlItemErrors, type UrlItem } from "./service-urls";
import { assertValid, collectErrors, toBoolean, type ErrorMap, type Rules } from "./validation";

const CREATE_RULES: Rules = {
  type: { type: "string" },
  name: { type: "string", max: 255 },
  description: { type: "string", nullable: true },
  project_uuid: { type: "string", required: true },
  environment_name: { type: "string" },
  environment_uuid: { type: "string" },
  server_uuid: { type: "string", required: true },
  destination_uuid: { type: "string" },
  instant_deploy: { type: "boolean" },
  docker_compose_raw: { type: "string" },
  urls: { type: "array" },
  force_domain_override: { type: "boolean" },
  is_container_label_escape_enabled: { type: "boolean" },
  tags: { type: "array" },
};

// connect_to_docker_network is settable by PATCH only (notes §7.1, §11.11).
const UPDATE_RULES: Rules = {
  name: { type: "string", max: 255 },
  description: { type: "string", nullable: true },
  instant_deploy: { type: "boolean" },
  docker_compose_raw: { type: "string" },
  connect_to_docker_network: { type: "boolean" },
  urls: { type: "array" },
  force_domain_override: { type: "boolean" },
  is_container_label_escape_enabled: { type: "boolean" },
};

export function findTeamService(ctx: RequestContext, uuid: string): ServiceRecord {
  const service = ctx.store.findService(uuid);
  return service && service.teamId === ctx.auth.teamId ? service : failMessage(404, "Service not found.");
}

export function serviceDomains(service: ServiceRecord): string[] {
  return service.applications.map((a) => a.fqdn).filter((f): f is string => !!f).sort();
}

function tagErrors(tags: unknown): ErrorMap {
  if (!Array.isArray(tags)) return {};
  const bad = tags.some((t) => typeof t !== "string" || t.trim().toLowerCase().length < 2);
  return bad ? { tags: ["Each tag must be a string of at least 2 characters."] } : {};
}

function loadCompose(encoded: string): { parsed: ParsedCompose; raw: string } {
  const parsed = parseCompose(decodeComposeRaw(encoded));
  return { parsed, raw: serialiseCompose(parsed) };
}

function storeCompose(ctx: RequestContext, service: ServiceRecord, compose: { parsed: ParsedCompose; raw: string }, server: ServerRecord): void {
  service.dockerComposeRaw = compose.raw;
  service.dockerCompose = renderCompose(compose.parsed, service.uuid);
  service.configHash = createHash("md5").update(compose.raw).digest("hex");
  applyParse(ctx.store, service, compose.parsed, server);
  for (const c of compose.parsed.services) {
    for (const v of c.volumes) {
      const name = v.kind === "named" ? `${service.uuid}_${v.source}` : v.source.replace(/^\.\//, `/data/coolify/services/${service.uuid}/`);
      if (!ctx.store.volumes.some((x) => x.serviceUuid === service.uuid && x.name === name && x.container === c.name)) {
        ctx.store.volumes.push({ name, kind: v.kind, container: c.name, target: v.target, serviceUuid: service.uuid, removed: false });
      }
    }
  }
}

/** Destination choice (notes §6): 1 destination → used, any destination_uuid ignored. */
function chooseDestination(ctx: RequestContext, server: ServerRecord): number {
  const destinations = serverDestinations(ctx, server);
  if (destinations.length === 0) return failMessage(400, "Server has no destinations.");
  if (destinations.length === 1) return destinations[0].id;
  const wanted = ctx.body.destination_uuid;
  if (wanted === undefined || wanted === null) {
    return failMessage(400, "Server has multiple destinations and you do not set destination_uuid.");
  }
  const match = destinations.find((d) => d.uuid === wanted);
  return match ? match.id : fail(422, { message: "Validation failed.", errors: { destination_uuid: "Provided destination_uuid does not belong to the specified server." } });
}

function createService(ctx: RequestContext) {
  const body = ctx.body;
  const errors = { ...collectErrors(body, CREATE_RULES), ...urlItemErrors(body.urls) };
  if (body.type == null && body.docker_compose_raw == null) {
    errors.type = ["The type field is required when docker compose raw is not present."];
    errors.docker_compose_raw = ["The docker compose raw field is required when type is not present."];
  }
  assertValid(errors);
  assertValid(tagErrors(body.tags));
  if (body.type != null && body.docker_compose_raw != null) {
    failMessage(422, "You cannot provide both service type and docker_compose_raw. Use one or the other.");
  }
  if (body.environment_name == null && body.environment_uuid == null) {
    failMessage(422, "You need to provide at least one of environment_name or environment_uuid.");
  }
  const project = findTeamProject(ctx, String(body.project_uuid));
  const environment =
    (body.environment_name != null ? findEnvironment(ctx.store, project, String(body.environment_name)) : undefined) ??
    (body.environment_uuid != null ? findEnvironment(ctx.store, project, String(body.environment_uuid)) : undefined) ??
    failMessage(404, "Environment not found.");
  const server = findTeamServer(ctx, String(body.server_uuid)) ?? failMessage(404, "Server not found.");
  if (server.isBuildServer) {
    fail(422, { message: "Validation failed.", errors: { server_uuid: "Build servers cannot be used to deploy services." } });
  }
  const destinationId = chooseDestination(ctx, server);
  if (body.type != null) {
    // One-click templates are not emulated: every type is unknown (report: deviation).
    fail(404, { message: "Invalid service type.", valid_service_types: [] });
  }
  const compose = loadCompose(String(body.docker_compose_raw));
  const at = ctx.store.now();
  const service: ServiceRecord = {
    id: ctx.store.nextId(), uuid: newUuid(), name: (body.name as string | undefined) ?? `service-${randomLowerAlnum(10)}`,
    description: (body.description as string | null | undefined) ?? null, teamId: ctx.auth.teamId, projectId: project.id,
    environmentId: environment.id, serverId: server.id, destinationId, connectToDockerNetwork: false,
    isContainerLabelEscapeEnabled: toBoolean(body.is_container_label_escape_enabled, true), dockerComposeRaw: "",
    dockerCompose: "", configHash: "", applications: [], databases: [], envs: [], tags: [], activity: null,
    lifecycleGeneration: 0, pendingDeletes: [], createdAt: at, updatedAt: at, deletedAt: null,
  };
  ctx.store.services.push(service);
  storeCompose(ctx, service, compose, server);
  if (Array.isArray(body.urls)) {
    // A failed `urls` step soft-deletes the new service before answering (notes §7.1 step 9).
    applyServiceUrls(ctx.store, service, body.urls as UrlItem[], toBoolean(body.force_domain_override, false), () => {
      service.deletedAt = ctx.store.now();
    });
  }
  service.tags = Array.isArray(body.tags) ? (body.tags as string[]).map((t) => t.trim().toLowerCase()) : [];
  if (toBoolean(body.instant_deploy, false)) queueStart(ctx.store, service);
  return reply(201, { uuid: service.uuid, domains: serviceDomains(service) });
}

function updateService(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  const body = ctx.body;
  assertValid({ ...collectErrors(body, UPDATE_RULES), ...urlItemErrors(body.urls) });
  const compose = body.docker_compose_raw != null ? loadCompose(String(body.docker_compose_raw)) : null;
  // Scalars and compose are saved before `urls` is applied, so a later 409/422 leaves them changed (notes §7.3).
  if (typeof body.name === "string") service.name = body.name;
  if ("description" in body) service.description = (body.description as string | null) ?? null;
  if (body.connect_to_docker_network != null) service.connectToDockerNetwork = toBoolean(body.connect_to_docker_network, false);
  if (body.is_container_label_escape_enabled != null) {
    service.isContainerLabelEscapeEnabled = toBoolean(body.is_container_label_escape_enabled, true);
  }
  service.updatedAt = ctx.store.now();
  const server = ctx.store.servers.find((s) => s.id === service.serverId);
  if (compose && server) storeCompose(ctx, service, compose, server);
  if (Array.isArray(body.urls)) {
    applyServiceUrls(ctx.store, service, body.urls as UrlItem[], toBoolean(body.force_domain_override, false), () => undefined);
  }
  if (toBoolean(body.instant_deploy, false)) queueStart(ctx.store, service);
  return reply(200, { uuid: service.uuid, domains: serviceDomains(service) });
}

export const serviceRoutes: Route[] = [
  { method: "GET", path: "/services", ability: "read", handler: (ctx) =>
    reply(200, ctx.store.findServices({ team: ctx.auth.teamId }).map((s) => serviceJson(s, ctx.auth.canReadSensitive, ctx.health, false))) },
  { method: "POST", path: "/services", ability: "write", json: true, handler: createService },
  { method: "GET", path: "/services/{uuid}", ability: "read", handler: (ctx) =>
    reply(200, serviceJson(findTeamService(ctx, ctx.params.uuid), ctx.auth.canReadSensitive, ctx.health)) },
  { method: "PATCH", path: "/services/{uuid}", ability: "write", json: true, handler: updateService },
];
