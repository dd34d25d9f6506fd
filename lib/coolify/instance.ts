import { request, type CoolifyConnection } from "./client";

/**
 * Returns the Coolify version, e.g. `4.3.11` (no `v`, whatever the spec's example says; coolify-api.md §3).
 * Needs a token with `read`, so it doubles as a credentials check.
 * @throws CoolifyApiError 401 for a bad token; 403 while the API is disabled.
 */
export async function getVersion(conn: CoolifyConnection): Promise<string> {
  const text = await request<string>(conn, "GET", "/version", { text: true });
  return text.trim().replace(/^"|"$/g, "").replace(/^v/, "");
}

/**
 * Returns the health text (`OK`). Needs no auth; a success only says the instance answers.
 * @throws CoolifyApiError when it does not answer 2xx.
 */
export async function getHealth(conn: CoolifyConnection): Promise<string> {
  const text = await request<string>(conn, "GET", "/health", { text: true });
  return text.trim();
}
