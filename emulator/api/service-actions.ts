import { queryFlag, type RequestContext, type Route } from "./context";
import { fail, failMessage, reply } from "./http";
import { queueDelete, queueStart, queueStop } from "../deploy/lifecycle";
import { findTeamService } from "./services";
import { serviceStatus } from "../model/status";

function start(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  if (serviceStatus(service, ctx.health).includes("running")) return failMessage(400, "Service is already running.");
  queueStart(ctx.store, service);
  return reply(200, { message: "Service starting request queued." });
}

function stop(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  const status = serviceStatus(service, ctx.health);
  if (status.includes("stopped") || status.includes("exited")) return failMessage(400, "Service is already stopped.");
  queueStop(ctx.store, service);
  return reply(200, { message: "Service stopping request queued." });
}

function restart(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  queueStart(ctx.store, service);
  return reply(200, { message: "Service restarting request queued." });
}

/** Answered at once; the service disappears when the queued job runs (notes §7.5). All flags default true. */
function remove(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  queueDelete(ctx.store, ctx.faults, service, {
    deleteConfigurations: queryFlag(ctx.query, "delete_configurations", true),
    deleteVolumes: queryFlag(ctx.query, "delete_volumes", true),
    dockerCleanup: queryFlag(ctx.query, "docker_cleanup", true),
    deleteConnectedNetworks: queryFlag(ctx.query, "delete_connected_networks", true),
  });
  return reply(200, { message: "Service deletion request queued." });
}

// Since v4.2 these are POST-only; a GET gets 405 with Allow: POST (notes §1).
function movedToPost() {
  return fail(405, { message: "This endpoint has changed to a POST request." }, { Allow: "POST" });
}

export const serviceActionRoutes: Route[] = [
  { method: "POST", path: "/services/{uuid}/start", ability: "deploy", handler: start },
  { method: "POST", path: "/services/{uuid}/stop", ability: "deploy", handler: stop },
  { method: "POST", path: "/services/{uuid}/restart", ability: "deploy", handler: restart },
  { method: "GET", path: "/services/{uuid}/start", ability: "deploy", handler: movedToPost },
  { method: "GET", path: "/services/{uuid}/stop", ability: "deploy", handler: movedToPost },
  { method: "GET", path: "/services/{uuid}/restart", ability: "deploy", handler: movedToPost },
  { method: "DELETE", path: "/services/{uuid}", ability: "write", handler: remove },
];
