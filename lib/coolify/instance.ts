import { request, resolveApiBase, type CoolifyConnection } from "./client";
import { throttleKey } from "./throttle";
import { assertSupportedVersion } from "./versions";

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

// The version is read once per process and (url, token): a dynamic-provider process lives for one run.
const checkedVersions = new Map<string, Promise<string>>();

/**
 * Resolves once the instance is known to run a supported version (lib/coolify/versions.ts) or the run allows it
 * (CLOUDFREEDOM_ALLOW_COOLIFY_VERSION). Reads GET /version once per process and connection; a failed read is
 * not remembered, so the next write asks again.
 * @throws UnsupportedVersionError, or the CoolifyApiError of the version request.
 */
export async function requireSupportedVersion(conn: CoolifyConnection, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const key = throttleKey(resolveApiBase(conn.url), conn.token);
  let version = checkedVersions.get(key);
  if (!version) {
    version = getVersion({ ...conn, beforeWrite: undefined });
    checkedVersions.set(key, version);
    version.catch(() => checkedVersions.delete(key));
  }
  const found = await version;
  assertSupportedVersion(found, conn.url, env);
  return found;
}
