// The Coolify v4 API client: stateless functions taking a CoolifyConnection.
export { apiPath, DEFAULTS, request, resolveApiBase } from "./client";
export type { CoolifyConnection, HttpMethod, QueryValue, RequestOptions, SentRequest, TransportOptions } from "./client";
export { CoolifyApiError, GENERAL_ERRORS_KEY, isConflict, isNotFound } from "./errors";
export type { Clock } from "./throttle";
export * from "./instance";
export * from "./projects";
export * from "./servers";
export * from "./service-envs";
export * from "./service-urls";
export * from "./services";
export type * from "./types";
