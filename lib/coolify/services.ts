import { apiPath, request, type CoolifyConnection } from "./client";
import { isNotFound } from "./errors";
import { ListCache, type ListOptions } from "./list-cache";
import type { CreateServiceInput, MessageResponse, Service, ServiceDomains, ServiceSummary, UpdateServiceInput } from "./types";

/** Query flags of `DELETE /services/{uuid}`; each defaults to true, as in Coolify (coolify-api.md §7.5). */
export interface DeleteServiceOptions {
  deleteConfigurations?: boolean;
  deleteVolumes?: boolean;
  dockerCleanup?: boolean;
  deleteConnectedNetworks?: boolean;
}

/** Compose YAML as Coolify wants it: standard padded base64, no newlines (§7.1). */
export function encodeCompose(yaml: string): string {
  return Buffer.from(yaml, "utf8").toString("base64");
}

/** The `POST /services` body for an input: `compose` becomes base64 `docker_compose_raw`. */
export function toCreateServiceBody(input: CreateServiceInput): Record<string, unknown> {
  const { compose, ...rest } = input;
  return compose === undefined ? rest : { ...rest, docker_compose_raw: encodeCompose(compose) };
}

/** The `PATCH /services/{uuid}` body for an input: `compose` becomes base64 `docker_compose_raw`. */
export function toUpdateServiceBody(input: UpdateServiceInput): Record<string, unknown> {
  const { compose, ...rest } = input;
  return compose === undefined ? rest : { ...rest, docker_compose_raw: encodeCompose(compose) };
}

/**
 * Lists the team's services (flat; use `getService` for details).
 * @throws CoolifyApiError
 */
export function listServices(conn: CoolifyConnection): Promise<Service[]> {
  return request<Service[]>(conn, "GET", "/services");
}

const services = new ListCache<ServiceSummary>(listServices);

/**
 * `listServices` once per process and connection, kept in step with the creates, renames and deletes made through
 * this client (list-cache.ts); items we created carry only uuid, name and description. Pass `fresh` after a lost answer.
 * @throws CoolifyApiError
 */
export function listServicesCached(conn: CoolifyConnection, options: ListOptions = {}): Promise<ServiceSummary[]> {
  return services.list(conn, options);
}

/**
 * Gets a service with its applications, databases and aggregated `status`. Still 200 while a queued delete runs.
 * @throws CoolifyApiError 404.
 */
export function getService(conn: CoolifyConnection, uuid: string): Promise<Service> {
  return request<Service>(conn, "GET", apiPath`/services/${uuid}`);
}

/**
 * Creates a compose (or one-click) service. Sub-applications, env rows and generated URLs exist at the 201; Docker
 * work only with `instant_deploy` or a later start. Never retried: after a status-0 error, re-list and adopt (§11.1).
 * @throws CoolifyApiError 404 project/environment/server; 409 domain conflicts; 422 validation; 500 on YAML that
 * does not parse (§11.10).
 */
export async function createService(conn: CoolifyConnection, input: CreateServiceInput): Promise<ServiceDomains> {
  // connect_to_docker_network is rejected on create; set it with updateService (§7.1, §11.11).
  const created = await request<ServiceDomains>(conn, "POST", "/services", { body: toCreateServiceBody(input) });
  // Without a name Coolify makes one up (§7.1), so the cached list cannot be completed here.
  if (input.name === undefined) services.invalidate(conn);
  else services.remember(conn, { uuid: created.uuid, name: input.name, description: input.description ?? null });
  return created;
}

/**
 * Updates a service. Not atomic: on a `urls` 409/422 the other fields are already saved, so re-read (§7.3).
 * Changes reach containers on the next start/restart or with `instant_deploy`.
 * @throws CoolifyApiError 404, 409, 422; 400 for an empty input.
 */
export async function updateService(conn: CoolifyConnection, uuid: string, input: UpdateServiceInput): Promise<ServiceDomains> {
  const renames = input.name !== undefined || input.description !== undefined;
  try {
    const updated = await request<ServiceDomains>(conn, "PATCH", apiPath`/services/${uuid}`, { body: toUpdateServiceBody(input) });
    if (renames) services.patch(conn, uuid, { name: input.name, description: input.description });
    return updated;
  } catch (e) {
    // Not atomic: a failed `urls` step leaves name and description saved (§7.3), so the cached ones may be stale.
    if (renames) services.invalidate(conn);
    throw e;
  }
}

/**
 * Queues a service delete. The API answers at once; GET keeps returning 200 until the job finishes, then 404,
 * so poll `getService` until `isNotFound` (§7.5).
 * @throws CoolifyApiError 404 when already gone (treat as success).
 */
export async function deleteService(conn: CoolifyConnection, uuid: string, options: DeleteServiceOptions = {}): Promise<void> {
  const query = {
    delete_configurations: options.deleteConfigurations ?? true,
    delete_volumes: options.deleteVolumes ?? true,
    docker_cleanup: options.dockerCleanup ?? true,
    delete_connected_networks: options.deleteConnectedNetworks ?? true,
  };
  try {
    await request<MessageResponse>(conn, "DELETE", apiPath`/services/${uuid}`, { query });
  } catch (e) {
    if (isNotFound(e)) services.forget(conn, uuid);
    throw e;
  }
  services.forget(conn, uuid);
}

/**
 * Queues a start; watch `getService(...).status` for convergence.
 * @throws CoolifyApiError 400 "Service is already running." (treat as converged, §11.7).
 */
export function startService(conn: CoolifyConnection, uuid: string): Promise<MessageResponse> {
  return request<MessageResponse>(conn, "POST", apiPath`/services/${uuid}/start`);
}

/**
 * Queues a stop (`dockerCleanup` defaults to true).
 * @throws CoolifyApiError 400 "Service is already stopped." (treat as converged, §11.7).
 */
export function stopService(conn: CoolifyConnection, uuid: string, options: { dockerCleanup?: boolean } = {}): Promise<MessageResponse> {
  return request<MessageResponse>(conn, "POST", apiPath`/services/${uuid}/stop`, { query: { docker_cleanup: options.dockerCleanup ?? true } });
}

/**
 * Queues a restart; `latest` pulls images first (default false).
 * @throws CoolifyApiError 404.
 */
export function restartService(conn: CoolifyConnection, uuid: string, options: { latest?: boolean } = {}): Promise<MessageResponse> {
  return request<MessageResponse>(conn, "POST", apiPath`/services/${uuid}/restart`, { query: { latest: options.latest ?? false } });
}
