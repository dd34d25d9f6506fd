// The server part of the Coolify preflight (preflight.ts): each configured server exists in the token's team, is
// reachable and usable, is no build server, runs Traefik (Coolify writes other labels for Caddy, ingress.md §0), and
// has the destination the stack uses (coolify-api.md §6). GET requests only. The judgement itself is pure
// (judgeServer), so the program's per-run check (program/server-check.ts) reads the same facts the same way.
import type { CoolifyConnection } from "./client";
import { CoolifyApiError } from "./errors";
import { getServer, listServerDestinations } from "./servers";
import type { Destination, Server } from "./types";

/** preflight.ts's way of recording a finding. */
type AddFinding = (level: "ok" | "warning" | "problem", check: string, message: string, fix?: string) => void;

/** A server as GET /servers and GET /servers/{uuid} return it, with the proxy fields the types leave out. */
export type ServerView = Server & { proxy?: { type?: string; status?: string } | null; proxy_type?: string | null };

/** What a finding is about, so a caller can weigh it: the program holds placements on some, stops on others. */
export type ServerFindingKind =
  | "ready" | "unreachable" | "unusable" | "build-server" | "proxy" | "proxy-stopped"
  | "destinations" | "no-destination" | "destination-unknown" | "destination-ambiguous";

export interface ServerFinding {
  level: "ok" | "problem";
  check: "server" | "destination";
  kind: ServerFindingKind;
  message: string;
  fix?: string;
}

export const SET_SERVER_FIX = "pick a server from GET /api/v1/servers (Coolify: Servers) and `pulumi config set coolifyServerUuid <uuid>`";

/** A server exists in the token's team, is reachable and usable, runs Traefik, and has the destination the stack uses. */
export async function checkServer(conn: CoolifyConnection, uuid: string, destinationUuid: string | undefined, add: AddFinding): Promise<Server | undefined> {
  let server: ServerView;
  try {
    server = await getServer(conn, uuid);
  } catch (error) {
    const missing = error instanceof CoolifyApiError && error.status === 404;
    add("problem", "server", missing ? `server ${uuid} does not exist in this token's team` : `GET /api/v1/servers/${uuid} failed: ${describe(error)}`, SET_SERVER_FIX);
    return undefined;
  }
  let destinations: Destination[] | undefined;
  try {
    destinations = await listServerDestinations(conn, uuid);
  } catch (error) {
    destinations = undefined;
    for (const f of judgeServer(server, [], destinationUuid).filter((f) => f.check === "server")) add(f.level, f.check, f.message, f.fix);
    add("problem", "destination", `GET /api/v1/servers/${uuid}/destinations failed: ${describe(error)}`, "Coolify 4.2 or later is needed (the destination routes)");
    return server;
  }
  for (const f of judgeServer(server, destinations, destinationUuid)) add(f.level, f.check, f.message, f.fix);
  return server;
}

/** The label a finding names a server by: `server <name> (<uuid>)`. */
export function serverLabel(server: Pick<Server, "name" | "uuid">): string {
  return `server ${server.name} (${server.uuid})`;
}

/** The config setting that chooses a server's destination, as findings name it. */
export interface DestinationSetting {
  /** How a message names it, e.g. `coolifyDestinationUuid`. */
  name: string;
  /** The fix when it names none of the server's destinations, or is missing while the server has several. */
  fix: string;
}

const DESTINATION_KEY: DestinationSetting = { name: "coolifyDestinationUuid", fix: "`pulumi config set coolifyDestinationUuid <uuid>` with one of them" };

/** Everything the preflight says about one server and its destinations, in order. Pure. */
export function judgeServer(server: ServerView, destinations: Destination[], destinationUuid: string | undefined, setting: DestinationSetting = DESTINATION_KEY): ServerFinding[] {
  const findings: ServerFinding[] = [];
  const add = (level: ServerFinding["level"], check: ServerFinding["check"], kind: ServerFindingKind, message: string, fix?: string) =>
    void findings.push({ level, check, kind, message, ...(fix ? { fix } : {}) });
  const label = serverLabel(server);
  const reachable = server.is_reachable ?? server.settings?.is_reachable;
  const usable = server.is_usable ?? server.settings?.is_usable;
  if (reachable === false) add("problem", "server", "unreachable", `${label} is not reachable`, "in Coolify open the server and Validate it (SSH key, host, port); Coolify retries on its own once it answers");
  if (usable === false) add("problem", "server", "unusable", `${label} is not usable`, "in Coolify open the server and Validate it: Docker must be installed and running");
  if (server.settings?.is_build_server) add("problem", "server", "build-server", `${label} is a build server, which cannot host services`, SET_SERVER_FIX);
  const proxy = String(server.proxy?.type ?? server.proxy_type ?? "unknown").toLowerCase();
  const status = String(server.proxy?.status ?? "unknown").toLowerCase();
  if (proxy !== "traefik") {
    add("problem", "server", "proxy", `${label} runs proxy "${proxy}": the program expects Traefik (Coolify writes different labels for Caddy)`, "in Coolify switch the server's proxy to Traefik (Servers, Proxy) and start it");
  } else if (status !== "running") {
    add("problem", "server", "proxy-stopped", `${label}: Traefik is ${status}, so no tenant URL is routed`, "in Coolify start the proxy (Servers, Proxy, Start)");
  }
  if (reachable !== false && usable !== false && proxy === "traefik" && status === "running") add("ok", "server", "ready", `${label} is reachable and usable; proxy Traefik running`);
  findings.push(judgeDestinations(label, destinations, destinationUuid, setting));
  return findings;
}

function judgeDestinations(label: string, destinations: Destination[], destinationUuid: string | undefined, setting: DestinationSetting): ServerFinding {
  const names = destinations.map((d) => `${d.name} (${d.uuid}, network ${d.network})`).join(", ");
  const choose = setting.fix;
  const finding = (level: ServerFinding["level"], kind: ServerFindingKind, message: string, fix?: string): ServerFinding => ({ level, check: "destination", kind, message, ...(fix ? { fix } : {}) });
  if (destinations.length === 0) {
    return finding("problem", "no-destination", `${label} has no destination: Coolify refuses every service create ("Server has no destinations.")`, "in Coolify add a destination (Docker network) to the server");
  }
  if (destinationUuid !== undefined && !destinations.some((d) => d.uuid === destinationUuid)) {
    return finding("problem", "destination-unknown", `${setting.name} ${destinationUuid} is not a destination of ${label}; it has ${names}`, choose);
  }
  if (destinationUuid === undefined && destinations.length > 1) {
    return finding("problem", "destination-ambiguous", `${label} has ${destinations.length} destinations and ${setting.name} is not set: Coolify refuses the create`, choose);
  }
  return finding("ok", "destinations", `${label} destinations: ${names}${destinationUuid ? `; ${setting.name} is one of them` : ""}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
