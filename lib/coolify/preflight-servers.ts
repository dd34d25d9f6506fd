// The server part of the Coolify preflight (preflight.ts): each configured server exists in the token's team, is
// reachable and usable, is no build server, runs Traefik (Coolify writes other labels for Caddy, ingress.md §0), and
// has the destination the stack uses (coolify-api.md §6). GET requests only.
import type { CoolifyConnection } from "./client";
import { CoolifyApiError } from "./errors";
import { getServer, listServerDestinations } from "./servers";
import type { Destination, Server } from "./types";

/** preflight.ts's way of recording a finding. */
type AddFinding = (level: "ok" | "warning" | "problem", check: string, message: string, fix?: string) => void;

/** A server exists in the token's team, is reachable and usable, runs Traefik, and has the destination the stack uses. */
export async function checkServer(conn: CoolifyConnection, uuid: string, destinationUuid: string | undefined, add: AddFinding): Promise<Server | undefined> {
  const setServer = "pick a server from GET /api/v1/servers (Coolify: Servers) and `pulumi config set coolifyServerUuid <uuid>`";
  let server: Server & { proxy?: { type?: string; status?: string } | null; proxy_type?: string | null };
  try {
    server = await getServer(conn, uuid);
  } catch (error) {
    const missing = error instanceof CoolifyApiError && error.status === 404;
    add("problem", "server", missing ? `server ${uuid} does not exist in this token's team` : `GET /api/v1/servers/${uuid} failed: ${describe(error)}`, setServer);
    return undefined;
  }
  const label = `server ${server.name} (${uuid})`;
  const reachable = server.is_reachable ?? server.settings?.is_reachable;
  const usable = server.is_usable ?? server.settings?.is_usable;
  if (reachable === false) add("problem", "server", `${label} is not reachable`, "in Coolify open the server and Validate it (SSH key, host, port); Coolify retries on its own once it answers");
  if (usable === false) add("problem", "server", `${label} is not usable`, "in Coolify open the server and Validate it: Docker must be installed and running");
  if (server.settings?.is_build_server) add("problem", "server", `${label} is a build server, which cannot host services`, setServer);
  const proxy = String(server.proxy?.type ?? server.proxy_type ?? "unknown").toLowerCase();
  const status = String(server.proxy?.status ?? "unknown").toLowerCase();
  if (proxy !== "traefik") {
    add("problem", "server", `${label} runs proxy "${proxy}": the program expects Traefik (Coolify writes different labels for Caddy)`, "in Coolify switch the server's proxy to Traefik (Servers, Proxy) and start it");
  } else if (status !== "running") {
    add("problem", "server", `${label}: Traefik is ${status}, so no tenant URL is routed`, "in Coolify start the proxy (Servers, Proxy, Start)");
  }
  if (reachable !== false && usable !== false && proxy === "traefik" && status === "running") add("ok", "server", `${label} is reachable and usable; proxy Traefik running`);
  try {
    checkDestinations(label, await listServerDestinations(conn, uuid), destinationUuid, add);
  } catch (error) {
    add("problem", "destination", `GET /api/v1/servers/${uuid}/destinations failed: ${describe(error)}`, "Coolify 4.2 or later is needed (the destination routes)");
  }
  return server;
}

function checkDestinations(label: string, destinations: Destination[], destinationUuid: string | undefined, add: AddFinding): void {
  const names = destinations.map((d) => `${d.name} (${d.uuid}, network ${d.network})`).join(", ");
  const choose = "`pulumi config set coolifyDestinationUuid <uuid>` with one of them";
  if (destinations.length === 0) {
    add("problem", "destination", `${label} has no destination: Coolify refuses every service create ("Server has no destinations.")`, "in Coolify add a destination (Docker network) to the server");
  } else if (destinationUuid !== undefined && !destinations.some((d) => d.uuid === destinationUuid)) {
    add("problem", "destination", `coolifyDestinationUuid ${destinationUuid} is not a destination of ${label}; it has ${names}`, choose);
  } else if (destinationUuid === undefined && destinations.length > 1) {
    add("problem", "destination", `${label} has ${destinations.length} destinations and coolifyDestinationUuid is not set: Coolify refuses the create`, choose);
  } else {
    add("ok", "destination", `${label} destinations: ${names}${destinationUuid ? `; coolifyDestinationUuid is one of them` : ""}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
