import type { RequestContext, Route } from "./context";
import { fail, failMessage, reply } from "./http";
import { newEnvRow } from "../model/magic-vars";
import type { EnvVarRecord, ServiceRecord } from "../model/records";
import { envJson } from "./serialize";
import { findTeamService } from "./services";
import { collectErrors, isObject, toBoolean, type JsonObject, type Rules } from "./validation";

// Unknown fields are ignored on these routes, not rejected (notes §7.6).
const ENV_RULES: Rules = {
  key: { type: "string", required: true, max: 255, pattern: /^[A-Za-z_][A-Za-z0-9_.]*$/ },
  value: { type: "string", nullable: true },
  is_literal: { type: "boolean" },
  is_multiline: { type: "boolean" },
  is_shown_once: { type: "boolean" },
  comment: { type: "string", nullable: true, max: 256 },
};

function envErrors(item: JsonObject) {
  return collectErrors(item, ENV_RULES, Object.keys(item));
}

function assertEnvValid(item: JsonObject): void {
  const errors = envErrors(item);
  if (Object.keys(errors).length > 0) fail(422, { message: "Validation failed.", errors });
}

/**
 * Laravel's global TrimStrings and ConvertEmptyStringsToNull middleware (app/Http/Kernel.php) run before the
 * controller: every request string is trimmed (Str::trim) and an empty one becomes null (notes §11.6).
 */
export function requestString(value: string): string | null {
  const trimmed = value.replace(/^[\s\uFEFF\u200B\u200E]+|[\s\uFEFF\u200B\u200E]+$/gu, "");
  return trimmed === "" ? null : trimmed;
}

/**
 * Writes the fields of one POST/PATCH body. `value` is always overwritten, so an omitted value stores null
 * (coollabsio/coolify#9977, notes §7.6). `massAssign` adds the extra fillable keys bulk accepts.
 */
function writeFields(ctx: RequestContext, row: EnvVarRecord, item: JsonObject, massAssign: boolean): void {
  row.value = typeof item.value === "string" ? requestString(item.value) : null;
  if (item.is_literal != null) row.isLiteral = toBoolean(item.is_literal, false);
  if (item.is_multiline != null) row.isMultiline = toBoolean(item.is_multiline, false);
  if (item.is_shown_once != null) row.isShownOnce = toBoolean(item.is_shown_once, false);
  if ("comment" in item) row.comment = (item.comment as string | null) ?? null;
  if (massAssign) {
    if (item.is_preview != null) row.isPreview = toBoolean(item.is_preview, false);
    if (item.is_runtime != null) row.isRuntime = toBoolean(item.is_runtime, true);
    if (item.is_buildtime != null) row.isBuildtime = toBoolean(item.is_buildtime, true);
    if (item.is_required != null) row.isRequired = toBoolean(item.is_required, false);
  }
  row.updatedAt = ctx.store.now();
}

function json(ctx: RequestContext, row: EnvVarRecord, service: ServiceRecord) {
  return envJson(row, service, ctx.auth.canReadSensitive);
}

function createEnv(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  assertEnvValid(ctx.body);
  const key = String(ctx.body.key);
  if (service.envs.some((e) => e.key === key)) {
    return failMessage(409, "Environment variable already exists. Use PATCH request to update it.");
  }
  const row = newEnvRow(ctx.store, service, key, null);
  writeFields(ctx, row, ctx.body, false);
  return reply(201, json(ctx, row, service));
}

function updateEnv(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  assertEnvValid(ctx.body);
  // Matched by key, not uuid (notes §7.6).
  const row = service.envs.find((e) => e.key === ctx.body.key) ?? failMessage(404, "Environment variable not found.");
  writeFields(ctx, row, ctx.body, false);
  return reply(201, json(ctx, row, service));
}

function bulkUpsert(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  const data = ctx.body.data;
  if (!Array.isArray(data)) return failMessage(400, "Bulk data is required.");
  const saved: EnvVarRecord[] = [];
  for (const raw of data) {
    // Items before the first invalid one stay saved (notes §7.6).
    const item = isObject(raw) ? raw : {};
    assertEnvValid(item);
    const key = String(item.key);
    const row = service.envs.find((e) => e.key === key) ?? newEnvRow(ctx.store, service, key, null);
    writeFields(ctx, row, item, true);
    saved.push(row);
  }
  return reply(201, saved.map((row) => json(ctx, row, service)));
}

function deleteEnv(ctx: RequestContext) {
  const service = findTeamService(ctx, ctx.params.uuid);
  const index = service.envs.findIndex((e) => e.uuid === ctx.params.env_uuid);
  if (index < 0) return failMessage(404, "Environment variable not found.");
  service.envs.splice(index, 1);
  return reply(200, { message: "Environment variable deleted." });
}

export const serviceEnvRoutes: Route[] = [
  { method: "GET", path: "/services/{uuid}/envs", ability: "read", handler: (ctx) => {
    const service = findTeamService(ctx, ctx.params.uuid);
    return reply(200, service.envs.map((row) => json(ctx, row, service)));
  } },
  { method: "POST", path: "/services/{uuid}/envs", ability: "write", json: true, handler: createEnv },
  { method: "PATCH", path: "/services/{uuid}/envs/bulk", ability: "write", json: true, handler: bulkUpsert },
  { method: "PATCH", path: "/services/{uuid}/envs", ability: "write", json: true, handler: updateEnv },
  { method: "DELETE", path: "/services/{uuid}/envs/{env_uuid}", ability: "write", handler: deleteEnv },
];
