import type { RequestContext, Route } from "./context";
import { fail, failMessage, reply } from "./http";
import type { DestinationRecord, ServerRecord } from "../model/records";
import { serviceStatus } from "../model/status";

export function findTeamServer(ctx: RequestContext, uuid: string): ServerRecord | undefined {
  return ctx.store.servers.find((s) => s.uuid === uuid && s.teamId === ctx.auth.teamId);
}

export function serverDestinations(ctx: RequestContext, server: ServerRecord): DestinationRecord[] {
  return ctx.store.destinations.filter((d) => d.serverId === server.id);
}

function settingsJson(server: ServerRecord, sensitive: boolean) {
  const settings: Record<string, unknown> = {
    id: server.id, server_id: server.id, is_build_server: server.isBuildServer, is_reachable: server.isReachable,
    is_usable: server.isUsable, wildcard_domain: server.wildcardDomain, is_swarm_manager: false, is_swarm_worker: false,
    is_cloudflare_tunnel: false, is_metrics_enabled: false, is_sentinel_enabled: false, concurrent_builds: 2,
    dynamic_timeout: 3600, force_disabled: false, created_at: server.createdAt, updated_at: server.updatedAt,
  };
  // Server secrets need sensitive access (notes §2).
  if (sensitive) settings.sentinel_token = "emulated-sentinel-token";
  return settings;
}

function serverJson(ctx: RequestContext, server: ServerRecord) {
  return {
    uuid: server.uuid, name: server.name, description: server.description, ip: server.ip, user: "root", port: 22,
    proxy: { type: "traefik", status: "running" }, proxy_type: "traefik", is_reachable: server.isReachable,
    is_usable: server.isUsable, settings: settingsJson(server, ctx.auth.canReadSensitive),
  };
}

function serverResources(ctx: RequestContext, server: ServerRecord) {
  return ctx.store.findServices({ team: ctx.auth.teamId }).filter((s) => s.serverId === server.id).map((s) => ({
    id: s.id, uuid: s.uuid, name: s.name, type: "service", status: serviceStatus(s, ctx.health),
    created_at: s.createdAt, updated_at: s.updatedAt,
  }));
}

function requireServer(ctx: RequestContext): ServerRecord {
  return findTeamServer(ctx, ctx.params.uuid) ?? failMessage(404, "Server not found.");
}

function destinationJson(ctx: RequestContext, d: DestinationRecord) {
  const server = ctx.store.servers.find((s) => s.id === d.serverId);
  return { uuid: d.uuid, name: d.name, network: d.network, type: "standalone", server_uuid: server?.uuid, created_at: d.createdAt, updated_at: d.updatedAt };
}

// Destination routes 404 through firstOrFail, i.e. Laravel's model-not-found text (notes §6).
function modelNotFound(model: string): never {
  return fail(404, { message: `No query results for model [App\\Models\\${model}].` });
}

function teamDestinations(ctx: RequestContext): DestinationRecord[] {
  const serverIds = new Set(ctx.store.servers.filter((s) => s.teamId === ctx.auth.teamId).map((s) => s.id));
  return ctx.store.destinations.filter((d) => serverIds.has(d.serverId));
}

export const serverRoutes: Route[] = [
  { method: "GET", path: "/servers", ability: "read", handler: (ctx) =>
    reply(200, ctx.store.servers.filter((s) => s.teamId === ctx.auth.teamId).map((s) => serverJson(ctx, s))) },
  { method: "GET", path: "/servers/{uuid}", ability: "read", handler: (ctx) => {
    const server = requireServer(ctx);
    const body: Record<string, unknown> = serverJson(ctx, server);
    if (ctx.query.resources === "true") body.resources = serverResources(ctx, server);
    return reply(200, body);
  } },
  { method: "GET", path: "/servers/{uuid}/resources", ability: "read", handler: (ctx) => reply(200, serverResources(ctx, requireServer(ctx))) },
  { method: "GET", path: "/servers/{uuid}/domains", ability: "read", handler: (ctx) => {
    const server = requireServer(ctx);
    const domains = ctx.store.findServices({ team: ctx.auth.teamId }).filter((s) => s.serverId === server.id)
      .flatMap((s) => s.applications.flatMap((a) => (a.fqdn ? a.fqdn.split(",") : [])));
    return reply(200, [{ ip: server.ip, domains }]);
  } },
  { method: "GET", path: "/servers/{uuid}/destinations", ability: "read", handler: (ctx) => {
    const server = findTeamServer(ctx, ctx.params.uuid) ?? modelNotFound("Server");
    return reply(200, serverDestinations(ctx, server).map((d) => destinationJson(ctx, d)));
  } },
  { method: "GET", path: "/destinations", ability: "read", handler: (ctx) => reply(200, teamDestinations(ctx).map((d) => destinationJson(ctx, d))) },
  { method: "GET", path: "/destinations/{uuid}", ability: "read", handler: (ctx) => {
    const destination = teamDestinations(ctx).find((d) => d.uuid === ctx.params.uuid) ?? modelNotFound("StandaloneDocker");
    return reply(200, destinationJson(ctx, destination));
  } },
];
