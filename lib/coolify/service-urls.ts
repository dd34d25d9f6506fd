import { apiPath, request, type CoolifyConnection } from "./client";
import type { ServiceApplication, ServiceDatabase, UpdateServiceApplicationInput } from "./types";

/**
 * Lists a service's applications: the compose services that can carry URLs (coolify-api.md §7.2).
 * @throws CoolifyApiError 404.
 */
export function listServiceApplications(conn: CoolifyConnection, serviceUuid: string): Promise<ServiceApplication[]> {
  return request<ServiceApplication[]>(conn, "GET", apiPath`/services/${serviceUuid}/applications`);
}

/**
 * Lists a service's databases (compose services split off by image name; they take no URLs).
 * @throws CoolifyApiError 404.
 */
export function listServiceDatabases(conn: CoolifyConnection, serviceUuid: string): Promise<ServiceDatabase[]> {
  return request<ServiceDatabase[]>(conn, "GET", apiPath`/services/${serviceUuid}/databases`);
}

/**
 * Gets one service application.
 * @throws CoolifyApiError 404 "Service application not found."
 */
export function getServiceApplication(conn: CoolifyConnection, serviceUuid: string, appUuid: string): Promise<ServiceApplication> {
  return request<ServiceApplication>(conn, "GET", apiPath`/services/${serviceUuid}/applications/${appUuid}`);
}

/**
 * Patches one service application (Coolify ≥ 4.2). Unlike `urls` on the service PATCH, this also rewrites the
 * compose and the SERVICE_URL_/SERVICE_FQDN_ variables (§7.7).
 * @throws CoolifyApiError 404; 409 domain conflicts (unless `forceDomainOverride`); 422 invalid URL.
 */
export function updateServiceApplication(
  conn: CoolifyConnection,
  serviceUuid: string,
  appUuid: string,
  input: UpdateServiceApplicationInput,
  options: { forceDomainOverride?: boolean } = {},
): Promise<ServiceApplication> {
  // force_domain_override belongs in the query; in the body it is an unknown field (§7.3).
  const query = options.forceDomainOverride === undefined ? undefined : { force_domain_override: options.forceDomainOverride };
  return request<ServiceApplication>(conn, "PATCH", apiPath`/services/${serviceUuid}/applications/${appUuid}`, { body: input, query });
}

/**
 * Sets (or with null / an empty list clears) the public URLs of one service application. Each URL is full, with
 * scheme; a port is the container port Traefik forwards to (§7.7).
 * @throws CoolifyApiError as `updateServiceApplication`.
 */
export function setServiceApplicationUrls(
  conn: CoolifyConnection,
  serviceUuid: string,
  appUuid: string,
  urls: readonly string[] | null,
  options: { forceDomainOverride?: boolean } = {},
): Promise<ServiceApplication> {
  const url = urls && urls.length > 0 ? urls.join(",") : null;
  return updateServiceApplication(conn, serviceUuid, appUuid, { url }, options);
}
