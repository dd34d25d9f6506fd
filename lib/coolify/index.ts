// The Coolify v4 API client: functions taking a CoolifyConnection. Process-wide runtime state only: the throttle's
// schedule and the cached adoption lists (list-cache.ts), both keyed by url and token hash.
export { apiPath, DEFAULTS, request, resolveApiBase } from "./client";
export type { CoolifyConnection, HttpMethod, QueryValue, RequestOptions, SentRequest, TransportOptions } from "./client";
export { CoolifyApiError, GENERAL_ERRORS_KEY, isConflict, isNotFound } from "./errors";
export type { Clock } from "./throttle";
export type { ListOptions } from "./list-cache";
export * from "./instance";
export * from "./projects";
export * from "./servers";
export * from "./service-envs";
export * from "./service-urls";
export * from "./services";
export type * from "./types";
export * from "./versions";
