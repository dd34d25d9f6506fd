import { apiPath, request, type CoolifyConnection } from "./client";
import type { MessageResponse, ServiceEnv, ServiceEnvInput } from "./types";

/**
 * Lists a service's env rows, Coolify's own SERVICE_* rows (`is_coolify`) included. Values are absent without a
 * read:sensitive token (coolify-api.md §2, §7.6).
 * @throws CoolifyApiError 404.
 */
export function listServiceEnvs(conn: CoolifyConnection, serviceUuid: string): Promise<ServiceEnv[]> {
  return request<ServiceEnv[]>(conn, "GET", apiPath`/services/${serviceUuid}/envs`);
}

/**
 * Creates one variable.
 * @throws CoolifyApiError 409 when the key exists; 422 on an invalid key.
 */
export function createServiceEnv(conn: CoolifyConnection, serviceUuid: string, input: ServiceEnvInput): Promise<ServiceEnv> {
  return request<ServiceEnv>(conn, "POST", apiPath`/services/${serviceUuid}/envs`, { body: input });
}

/**
 * Updates one variable, matched by key. The value is always sent: Coolify nulls an omitted one (§7.6).
 * @throws CoolifyApiError 404 "Environment variable not found."
 */
export function updateServiceEnv(conn: CoolifyConnection, serviceUuid: string, input: ServiceEnvInput): Promise<ServiceEnv> {
  return request<ServiceEnv>(conn, "PATCH", apiPath`/services/${serviceUuid}/envs`, { body: input });
}

/**
 * Creates or updates many variables by key and returns the written rows. Values are trimmed and "" is stored as
 * null by Coolify. Not atomic: items before the first invalid one are saved (§7.6). An empty list sends nothing.
 * @throws CoolifyApiError 404; 422 on an invalid item.
 */
export async function upsertServiceEnvs(conn: CoolifyConnection, serviceUuid: string, items: readonly ServiceEnvInput[]): Promise<ServiceEnv[]> {
  // Coolify answers 400 "Bulk data is required." to an empty list.
  if (items.length === 0) return [];
  return request<ServiceEnv[]>(conn, "PATCH", apiPath`/services/${serviceUuid}/envs/bulk`, { body: { data: items } });
}

/**
 * Deletes one variable by its uuid (hard delete). Takes effect at the next start or restart.
 * @throws CoolifyApiError 404.
 */
export async function deleteServiceEnv(conn: CoolifyConnection, serviceUuid: string, envUuid: string): Promise<void> {
  await request<MessageResponse>(conn, "DELETE", apiPath`/services/${serviceUuid}/envs/${envUuid}`);
}
