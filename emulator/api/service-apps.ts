import { queryFlag, type RequestContext, type Route } from "./context";
import { fail, failMessage, reply } from "./http";
import { refreshUrlRows } from "../model/magic-vars";
import type { SubResourceRecord } from "../model/records";
import { subResourceJson } from "./serialize";
import { conflictResponse, findConflicts, normaliseUrl } from "./service-urls";
import { findTeamService } from "./services";
import { assertValid, collectErrors, toBoolean, type Rules } from "./validation";

// force_domain_override belongs in the query string; in the body it is an unknown field (notes §7.3).
const APP_RULES: Rules = {
  url: { type: "string", nullable: true },
  noindex_domains: { type: "array", nullable: true },
  human_name: { type: "string", nullable: true },
  description: { type: "string", nullable: true },
  image: { type: "string", nullable: true },
  exclude_from_status: { type: "boolean", nullable: true },
  is_log_drain_enabled: { type: "boolean", nullable: true },
  is_gzip_enabled: { type: "boolean", nullable: true },
  is_stripprefix_enabled: { type: "boolean", nullable: true },
  is_force_https_enabled: { type: "boolean", nullable: true },
};

function findApp(ctx: RequestContext): { service: ReturnType<typeof findTeamService>; app: SubResourceRecord } {
  const service = findTeamService(ctx, ctx.params.uuid);
  const app = service.applications.find((a) => a.uuid === ctx.params.app_uuid);
  return { service, app: app ?? failMessage(404, "Service application not found.") };
}

function applyUrl(ctx: RequestContext, service: ReturnType<typeof findTeamService>, app: SubResourceRecord, url: string | null) {
  // This route lowercases the whole URL, path included (notes §7.3).
  const raw = (url ?? "").toLowerCase().split(",").map((u) => u.trim()).filter((u) => u !== "");
  const urls: string[] = [];
  const errors: string[] = [];
  for (const u of raw) {
    const normalised = normaliseUrl(u);
    if (normalised === null) errors.push(`Invalid URL: ${u}`);
    else if (urls.includes(normalised)) errors.push(`Duplicate URL: ${u}`);
    else urls.push(normalised);
  }
  if (errors.length > 0) fail(422, { message: "Validation failed.", errors: { url: errors } });
  if (!queryFlag(ctx.query, "force_domain_override", false)) {
    const conflicts = findConflicts(ctx.store, service.teamId, app, urls);
    if (conflicts.length > 0) conflictResponse(conflicts);
  }
  app.fqdn = urls.length > 0 ? urls.join(",") : null;
  refreshUrlRows(ctx.store, service, app);
}

function patchApp(ctx: RequestContext) {
  const { service, app } = findApp(ctx);
  assertValid(collectErrors(ctx.body, APP_RULES));
  const b = ctx.body;
  if ("url" in b) applyUrl(ctx, service, app, (b.url as string | null) ?? null);
  if ("human_name" in b) app.humanName = (b.human_name as string | null) ?? null;
  if ("description" in b) app.description = (b.description as string | null) ?? null;
  if (typeof b.image === "string") app.image = b.image;
  if (Array.isArray(b.noindex_domains) || b.noindex_domains === null) app.noindexDomains = (b.noindex_domains as string[] | null) ?? null;
  if (b.exclude_from_status != null) app.excludeFromStatus = toBoolean(b.exclude_from_status, false);
  if (b.is_log_drain_enabled != null) app.isLogDrainEnabled = toBoolean(b.is_log_drain_enabled, false);
  if (b.is_gzip_enabled != null) app.isGzipEnabled = toBoolean(b.is_gzip_enabled, true);
  if (b.is_stripprefix_enabled != null) app.isStripprefixEnabled = toBoolean(b.is_stripprefix_enabled, true);
  if (b.is_force_https_enabled != null) app.isForceHttpsEnabled = toBoolean(b.is_force_https_enabled, true);
  app.updatedAt = ctx.store.now();
  return reply(200, subResourceJson(app, service, ctx.health));
}

export const serviceAppRoutes: Route[] = [
  { method: "GET", path: "/services/{uuid}/applications", ability: "read", handler: (ctx) => {
    const service = findTeamService(ctx, ctx.params.uuid);
    return reply(200, service.applications.map((a) => subResourceJson(a, service, ctx.health)));
  } },
  { method: "GET", path: "/services/{uuid}/applications/{app_uuid}", ability: "read", handler: (ctx) => {
    const { service, app } = findApp(ctx);
    return reply(200, subResourceJson(app, service, ctx.health));
  } },
  { method: "PATCH", path: "/services/{uuid}/applications/{app_uuid}", ability: "write", json: true, handler: patchApp },
  { method: "GET", path: "/services/{uuid}/databases", ability: "read", handler: (ctx) => {
    const service = findTeamService(ctx, ctx.params.uuid);
    return reply(200, service.databases.map((d) => subResourceJson(d, service, ctx.health)));
  } },
  { method: "GET", path: "/services/{uuid}/databases/{database_uuid}", ability: "read", handler: (ctx) => {
    const service = findTeamService(ctx, ctx.params.uuid);
    const db = service.databases.find((d) => d.uuid === ctx.params.database_uuid);
    return reply(200, subResourceJson(db ?? failMessage(404, "Service database not found."), service, ctx.health));
  } },
];
