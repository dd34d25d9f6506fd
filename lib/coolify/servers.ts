import { apiPath, request, type CoolifyConnection } from "./client";
import type { CreateDestinationInput, Destination, MessageResponse, Server } from "./types";

/**
 * Lists the team's servers with their settings (`is_build_server`, `wildcard_domain`, coolify-api.md §6).
 * @throws CoolifyApiError
 */
export function listServers(conn: CoolifyConnection): Promise<Server[]> {
  return request<Server[]>(conn, "GET", "/servers");
}

/**
 * Gets one server.
 * @throws CoolifyApiError 404.
 */
export function getServer(conn: CoolifyConnection, uuid: string): Promise<Server> {
  return request<Server>(conn, "GET", apiPath`/servers/${uuid}`);
}

/**
 * Lists the domains in use on a server, grouped by IP.
 * @throws CoolifyApiError 404.
 */
export function listServerDomains(conn: CoolifyConnection, uuid: string): Promise<Array<{ ip: string; domains: string[] }>> {
  return request<Array<{ ip: string; domains: string[] }>>(conn, "GET", apiPath`/servers/${uuid}/domains`);
}

/**
 * Lists every destination (Docker network) of the team. Needs Coolify ≥ 4.2.
 * @throws CoolifyApiError
 */
export function listDestinations(conn: CoolifyConnection): Promise<Destination[]> {
  return request<Destination[]>(conn, "GET", "/destinations");
}

/**
 * Lists a server's destinations. With exactly one, service create uses it and ignores `destination_uuid` (§6).
 * @throws CoolifyApiError 404.
 */
export function listServerDestinations(conn: CoolifyConnection, serverUuid: string): Promise<Destination[]> {
  return request<Destination[]>(conn, "GET", apiPath`/servers/${serverUuid}/destinations`);
}

/**
 * Gets one destination.
 * @throws CoolifyApiError 404 (Laravel's default message, §6).
 */
export function getDestination(conn: CoolifyConnection, uuid: string): Promise<Destination> {
  return request<Destination>(conn, "GET", apiPath`/destinations/${uuid}`);
}

/**
 * Creates a destination network on a server.
 * @throws CoolifyApiError 409 when the network exists on the server; 422 on an invalid network name.
 */
export function createDestination(conn: CoolifyConnection, serverUuid: string, input: CreateDestinationInput): Promise<Destination> {
  return request<Destination>(conn, "POST", apiPath`/servers/${serverUuid}/destinations`, { body: input });
}

/**
 * Deletes an unused destination.
 * @throws CoolifyApiError 404.
 */
export async function deleteDestination(conn: CoolifyConnection, uuid: string): Promise<void> {
  await request<MessageResponse>(conn, "DELETE", apiPath`/destinations/${uuid}`);
}
