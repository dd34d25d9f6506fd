// Every configured server checked against Coolify once per run, before anything is declared (issue 20): two GETs
// whatever the size of the fleet (GET /servers and GET /destinations, both team-wide), judged by the preflight's own
// rules (lib/coolify/preflight-servers.ts judgeServer), so `npm run coolify:check` and a run agree.
// - A config error stops the run (ServerCheckError): a server Coolify does not know (a typo, another team's) and a
//   configured destination that is not one of the server's. Only the config can fix those, and a run on a wrong
//   config would place tenants on something that is not there.
// - A server Coolify reports unreachable or not usable, a build server, one running another proxy than Traefik, one
//   with no destination or with several and none configured: not usable for this run. Placement gives it no new
//   tenant and no move; its own tenants stay (one bad server must not stop the fleet). Draining or not, it is a
//   warning, not a refusal: a draining server gets nothing new anyway.
// - Traefik reported as not running: a warning only (placement cannot route around it; its tenants are not routed).
// - Coolify not answering, or refusing the token: the run stops, naming the request and the fix.
import { ConfigError, valueOf, type PlatformConfig } from "../lib/config";
import type { CoolifyConnection } from "../lib/coolify/client";
import { CoolifyApiError } from "../lib/coolify/errors";
import { judgeServer, serverLabel, type DestinationSetting, type ServerFinding, type ServerView } from "../lib/coolify/preflight-servers";
import { listDestinations, listServers } from "../lib/coolify/servers";
import type { Destination } from "../lib/coolify/types";
import { isSized, type ServerSpec } from "../lib/servers";

export interface ServerVerdict {
  uuid: string;
  /** Coolify's name for it; undefined when Coolify does not know the server. */
  name?: string;
  /** Whether new tenants may be placed on it in this run. */
  usable: boolean;
  /** Why not, each with its fix; empty when usable. */
  reasons: Array<{ message: string; fix: string }>;
}

export interface ServerCheck {
  /** One per configured server, in config order. */
  verdicts: ServerVerdict[];
  /** The servers that take no new tenant in this run, uuid -> why: placeFleet's `unusable`. */
  unusable: Map<string, string>;
  /** Each unusable server and what that means for the run, and a stopped proxy: for pulumi.log.warn. */
  warnings: string[];
}

/** The configured servers do not match Coolify, or Coolify cannot be asked: the run stops before anything is declared. */
export class ServerCheckError extends ConfigError {
  constructor(problems: string[]) {
    super(problems);
    this.name = "ServerCheckError";
    this.message = `The Coolify servers check failed (nothing was declared):\n${problems.map((p) => `  - ${p}`).join("\n")}`;
  }
}

/** What a server's config entry can fix: the uuid and destination, named by the key they came from. */
const DESTINATION_ENTRY: DestinationSetting = { name: `coolifyServers "destinationUuid"`, fix: `set "destinationUuid" on the server's coolifyServers entry to one of them (pulumi config set coolifyServers '<the list>')` };
/** Findings only the config fixes: the run stops. */
const CONFIG_ERRORS = new Set<ServerFinding["kind"]>(["destination-unknown"]);
/** Findings that say nothing about where a tenant may go. */
const WARNINGS = new Set<ServerFinding["kind"]>(["proxy-stopped"]);
const MAX_NAMED = 10;

/** What one check asks Coolify, whatever the number of servers and tenants (the program bench holds runs to it). */
export const SERVER_CHECK_REQUESTS = ["GET /api/v1/servers", "GET /api/v1/destinations"] as const;

/**
 * Asks Coolify once for its servers and its destinations and judges every configured server (see the header).
 * @throws ServerCheckError on a config error or when Coolify cannot be asked.
 */
export async function checkServers(servers: ServerSpec[], conn: CoolifyConnection): Promise<ServerCheck> {
  const [listed, destinations] = await Promise.all([
    listServers(conn).catch((error: unknown) => fail("GET /api/v1/servers", error, conn.url)),
    listDestinations(conn).catch((error: unknown) => fail("GET /api/v1/destinations", error, conn.url)),
  ]);
  const { check, problems } = judgeServers(servers, listed as ServerView[], destinations);
  if (problems.length > 0) throw new ServerCheckError(problems);
  return check;
}

/** The check's verdicts and its run-stopping problems, from what Coolify listed. Pure. */
export function judgeServers(servers: ServerSpec[], listed: ServerView[], destinations: Destination[]): { check: ServerCheck; problems: string[] } {
  const byUuid = new Map(listed.map((s) => [s.uuid, s]));
  const check: ServerCheck = { verdicts: [], unusable: new Map(), warnings: [] };
  const problems: string[] = [];
  for (const spec of servers) {
    const server = byUuid.get(spec.uuid);
    if (!server) {
      problems.push(unknownServer(spec, listed));
      check.verdicts.push({ uuid: spec.uuid, usable: false, reasons: [{ message: `server ${spec.uuid} does not exist in this token's team`, fix: unknownFix(spec) }] });
      continue;
    }
    const own = destinations.filter((d) => d.server_uuid === spec.uuid);
    const findings = judgeServer(server, own, spec.destinationUuid, isSized(spec) ? DESTINATION_ENTRY : undefined)
      // A list without the proxy's fields says nothing about it (the preflight, asking one server, insists).
      .filter((f) => hasProxyFields(server) || (f.kind !== "proxy" && f.kind !== "proxy-stopped"));
    const reasons: ServerVerdict["reasons"] = [];
    for (const f of findings.filter((f) => f.level === "problem")) {
      const line = `${f.message}. Fix: ${f.fix ?? ""}`;
      if (CONFIG_ERRORS.has(f.kind)) problems.push(line);
      else if (WARNINGS.has(f.kind)) check.warnings.push(line);
      else reasons.push({ message: f.message, fix: f.fix ?? "" });
    }
    check.verdicts.push({ uuid: spec.uuid, name: server.name, usable: reasons.length === 0, reasons });
    if (reasons.length === 0) continue;
    const why = reasons.map((r) => r.message).join("; ");
    check.unusable.set(spec.uuid, why);
    const fixes = [...new Set(reasons.map((r) => r.fix))].join("; ");
    check.warnings.push(spec.draining
      ? `${why}: it is draining, so its tenants stay and nothing new goes there anyway; their changes may fail until it answers. Fix: ${fixes}`
      : `${why}: it takes no new tenant in this run (new tenants go to other servers or are refused); its own tenants stay. Fix: ${fixes}, or mark it draining ("draining": true in coolifyServers)`);
  }
  return { check, problems };
}

/** The connection for the check, from the stack config (lib/config.ts). */
export async function serverCheckConnection(config: Pick<PlatformConfig, "coolifyUrl" | "coolifyToken">): Promise<CoolifyConnection> {
  return { url: config.coolifyUrl, token: await valueOf(config.coolifyToken) };
}

function unknownServer(spec: ServerSpec, listed: ServerView[]): string {
  const known = listed.slice(0, MAX_NAMED).map((s) => serverLabel(s).replace(/^server /, "")).join(", ");
  const more = listed.length > MAX_NAMED ? ` and ${listed.length - MAX_NAMED} more` : "";
  const team = listed.length === 0 ? "the token's team has no server" : `the token's team has ${known}${more}`;
  return `server ${spec.uuid} does not exist in this token's team (${team}). Fix: ${unknownFix(spec)}`;
}

function unknownFix(spec: ServerSpec): string {
  return isSized(spec)
    ? `correct its uuid in coolifyServers (pulumi config set coolifyServers '<the list with the uuid from GET /api/v1/servers>'), or remove its entry if no tenant lives on it`
    : "pulumi config set coolifyServerUuid <uuid from GET /api/v1/servers>";
}

function hasProxyFields(server: ServerView): boolean {
  return (server.proxy !== undefined && server.proxy !== null) || (server.proxy_type !== undefined && server.proxy_type !== null);
}

function fail(request: string, error: unknown, url: string): never {
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof CoolifyApiError ? error.status : undefined;
  const fix = status === 0 || status === undefined
    ? `check coolifyUrl (${url}) and that Coolify runs and answers from here`
    : status === 401 || status === 403
      ? "give the stack a token Coolify accepts, with read (pulumi config set --secret coolifyToken <token>); npm run coolify:check names what is missing"
      : request.endsWith("/destinations") && status === 404 ? "Coolify 4.2 or later is needed (the destination routes)" : "run npm run coolify:check, which says what Coolify refuses";
  throw new ServerCheckError([`${request} failed: ${message}. Fix: ${fix}`]);
}
