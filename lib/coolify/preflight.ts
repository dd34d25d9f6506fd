// The read-only Coolify preflight behind `npm run coolify:check`: whether the instance answers, the API is enabled,
// what the token may do, which version runs, whether each configured server can host the tenant stacks, and which
// projects and services carry this stack's ownership marker or another's. Only GETs, plus two probes that cannot
// change anything: a PATCH with an empty body on a project uuid that cannot exist (write; Coolify checks the ability,
// then refuses the empty body with 400) and a start of a service uuid that cannot exist (deploy; 404).
// Every problem carries its fix. The marker parsing is passed in (providers/ownership.ts lies above lib/).
import axios, { type AxiosAdapter, type AxiosResponseHeaders, type RawAxiosResponseHeaders } from "axios";
import { apiPath, request, type CoolifyConnection } from "./client";
import { CoolifyApiError } from "./errors";
import { getHealth, getVersion } from "./instance";
import { listProjects } from "./projects";
import { listServices } from "./services";
import { checkServer } from "./preflight-servers";
import type { Project, Server, ServiceSummary } from "./types";
import { changesOutside, isVersionAllowed, supportedRange, versionFix, versionSupport } from "./versions";

export type FindingLevel = "ok" | "warning" | "problem";

export interface Finding {
  level: FindingLevel;
  /** Which check: `instance`, `api`, `token`, `ability:write`, `version`, `server`, `destination`, `ownership`, `rate-limit`. */
  check: string;
  message: string;
  /** What to do; present on every warning and problem. */
  fix?: string;
}

/** What a marker says about its owner; the shape of providers/ownership.ts's `Owner`. */
export type MarkerOwner = { marked: false } | { marked: true; stack?: string };

export interface PreflightOptions {
  conn: CoolifyConnection;
  /** Every server the stack deploys to (config coolifyServerUuid). */
  servers: string[];
  /** Config coolifyDestinationUuid, when set. */
  destinationUuid?: string;
  /** This stack, `<organisation>/<project>/<stack>`; undefined lists every marker by stack without judging. */
  stack?: string;
  /** The providers' marker parsing: projectOwner (providers/project.ts) and serviceOwner (providers/service-model.ts). */
  owners: { project(p: Project): MarkerOwner; service(s: ServiceSummary): MarkerOwner };
  /** The client-side throttle the providers use (config coolifyRateLimit), requests per minute. */
  clientRateLimit?: number;
  env?: NodeJS.ProcessEnv;
}

/** A uuid no Coolify object can have (Coolify's are 24 lowercase alphanumerics): the target of the harmless probes. */
const PROBE_UUID = "cloudfreedom-preflight-probe";
const NEW_TOKEN = "create a token in Coolify (Keys & Tokens, API tokens) with read, write and deploy (tick deploy first) or root, plus read:sensitive, then `pulumi config set --secret coolifyToken '<token>'`";

/** Runs every check in order; stops early only where nothing further can answer (no instance, no API, no valid token). */
export async function runPreflight(options: PreflightOptions): Promise<Finding[]> {
  const { conn } = options;
  const findings: Finding[] = [];
  const add = (level: FindingLevel, check: string, message: string, fix?: string) => void findings.push({ level, check, message, ...(fix ? { fix } : {}) });

  try {
    await getHealth(conn);
    add("ok", "instance", `Coolify answers at ${conn.url}`);
  } catch (error) {
    add("problem", "instance", `Coolify does not answer at ${conn.url}: ${describe(error)}`, "check coolifyUrl (the instance root, e.g. https://coolify.example.com) and that Coolify runs and is reachable from here");
    return findings;
  }

  const headers: Array<RawAxiosResponseHeaders | AxiosResponseHeaders> = [];
  let version: string | undefined;
  let canRead = true;
  try {
    version = await getVersion(withHeaderCapture(conn, headers));
    add("ok", "api", "the API is enabled and the token is valid");
  } catch (error) {
    const denied = classifyDenial(error);
    if (denied === "read") {
      canRead = false;
      add("problem", "ability:read", "the token lacks the read ability: the providers list and read everything", NEW_TOKEN);
    } else {
      add("problem", denied && denied !== "token" ? "api" : "token", denied ? denialMessage(denied) : `GET /api/v1/version failed: ${describe(error)}`, denied ? denialFix(denied) : NEW_TOKEN);
      return findings;
    }
  }
  if (version !== undefined) checkVersion(version, options.env ?? process.env, add);
  await probeAbility("write", () => request(conn, "PATCH", apiPath`/projects/${PROBE_UUID}`, { body: {} }), add);
  await probeAbility("deploy", () => request(conn, "POST", apiPath`/services/${PROBE_UUID}/start`), add);
  if (!canRead) return findings;

  const servers: Server[] = [];
  for (const uuid of options.servers) {
    const server = await checkServer(conn, uuid, options.destinationUuid, add);
    if (server) servers.push(server);
  }
  const services = await listServices(conn).catch((error: unknown) => (add("problem", "ownership", `GET /api/v1/services failed: ${describe(error)}`), undefined));
  const projects = await listProjects(conn).catch((error: unknown) => (add("problem", "ownership", `GET /api/v1/projects failed: ${describe(error)}`), undefined));
  checkSensitive(services ?? [], servers, add);
  if (projects && services) checkOwnership(projects, services, options, add);
  checkRateLimit(headers, options.clientRateLimit, add);
  return findings;
}

type Add = (level: FindingLevel, check: string, message: string, fix?: string) => void;
type Denial = "disabled" | "ip" | "read" | "role" | "token";

/** Coolify's 401/403 answers (coolify-api.md §2, §3), by what causes them. */
function classifyDenial(error: unknown): Denial | undefined {
  if (!(error instanceof CoolifyApiError)) return undefined;
  const message = error.coolifyMessage ?? "";
  if (error.status === 401 || message === "Invalid token.") return "token";
  if (error.status !== 403) return undefined;
  if (message === "API is disabled.") return "disabled";
  if (message === "You are not allowed to access the API.") return "ip";
  if (message === "Missing required team role.") return "role";
  if (/^Missing required permissions: read$/.test(message)) return "read";
  return undefined;
}

function denialMessage(denial: Denial): string {
  return {
    disabled: "the API is disabled on this instance (every call answers 403 \"API is disabled.\")",
    ip: "this machine's address is not in the API's allowed IPs (403 \"You are not allowed to access the API.\")",
    role: "the token has elevated abilities but its user is only a member of the team (403 \"Missing required team role.\")",
    token: "the token is not accepted (401: unknown, expired, or its user left the team)",
    read: "the token lacks the read ability",
  }[denial];
}

function denialFix(denial: Denial): string {
  return {
    disabled: "enable it in Coolify under Settings, Advanced, API Access (or POST /api/v1/enable with a root-team token that has write)",
    ip: "add this machine's address to Settings, Advanced, Allowed IPs (0.0.0.0 allows everyone)",
    role: "make the token's user an admin or owner of the team, or create the token as one",
    token: NEW_TOKEN,
    read: NEW_TOKEN,
  }[denial];
}

function checkVersion(version: string, env: NodeJS.ProcessEnv, add: Add): void {
  const support = versionSupport(version);
  if (support === "supported") add("ok", "version", `Coolify ${version}, inside the supported range ${supportedRange()}`);
  else if (isVersionAllowed(version, env)) add("warning", "version", `Coolify ${version} is outside the supported range ${supportedRange()}; CLOUDFREEDOM_ALLOW_COOLIFY_VERSION allows it for this run`, "unset the allowance once Coolify runs a supported version");
  else {
    const missing = changesOutside(version);
    add("problem", "version", `Coolify ${version} is outside the supported range ${supportedRange()}: the providers refuse to write to it${missing.length > 0 ? ` (missing ${missing.join("; ")})` : ""}`, versionFix(version, support));
  }
}

/** An ability found by a request that cannot change anything: 403 "Missing required permissions" means it is missing. */
async function probeAbility(ability: "write" | "deploy", probe: () => Promise<unknown>, add: Add): Promise<void> {
  const uses = ability === "write" ? "create, update and delete projects, services and env vars" : "start, stop and restart services";
  try {
    await probe();
    add("ok", `ability:${ability}`, `the token has ${ability}`);
  } catch (error) {
    const message = error instanceof CoolifyApiError ? (error.coolifyMessage ?? "") : "";
    if (error instanceof CoolifyApiError && error.status === 403 && message.startsWith("Missing required permissions")) {
      add("problem", `ability:${ability}`, `the token lacks the ${ability} ability: the providers ${uses} with it`, NEW_TOKEN);
    } else if (error instanceof CoolifyApiError && [400, 404, 422].includes(error.status)) {
      add("ok", `ability:${ability}`, `the token has ${ability}`);
    } else {
      add("warning", `ability:${ability}`, `could not tell whether the token has ${ability}: ${describe(error)}`, "run the check again; if it persists, check the token's abilities in Coolify (Keys & Tokens)");
    }
  }
}

/** read:sensitive shows a service's docker_compose_raw and a server's sentinel_token (coolify-api.md §2). */
function checkSensitive(services: Array<{ docker_compose_raw?: string }>, servers: Server[], add: Add): void {
  const seen = services.length > 0 ? services.some((s) => s.docker_compose_raw !== undefined) : servers.some((s) => (s.settings as Record<string, unknown> | undefined)?.sentinel_token !== undefined);
  if (services.length === 0 && servers.length === 0) return;
  if (seen) add("ok", "ability:read:sensitive", "the token reads sensitive fields (read:sensitive or root, as an admin)");
  else add("warning", "ability:read:sensitive", "the token does not read sensitive fields: refresh cannot compare a service's stored compose", `${NEW_TOKEN} (read:sensitive needs an admin or owner)`);
}

function checkOwnership(projects: Project[], services: ServiceSummary[], options: PreflightOptions, add: Add): void {
  const byStack = new Map<string, { projects: string[]; services: string[] }>();
  const note = (owner: MarkerOwner, kind: "projects" | "services", name: string) => {
    if (!owner.marked) return;
    const key = owner.stack ?? "";
    const row = byStack.get(key) ?? { projects: [], services: [] };
    row[kind].push(name);
    byStack.set(key, row);
  };
  for (const p of projects) note(options.owners.project(p), "projects", p.name);
  for (const s of services) note(options.owners.service(s), "services", s.name);
  const count = (row?: { projects: string[]; services: string[] }) => `${row?.projects.length ?? 0} project(s) and ${row?.services.length ?? 0} service(s)`;
  const ours = options.stack === undefined ? undefined : byStack.get(options.stack);
  if (options.stack !== undefined) add("ok", "ownership", `${count(ours)} carry this stack's marker (${options.stack})`);
  else if (byStack.size === 0) add("ok", "ownership", "no project or service carries a cloudfreedom-agents marker");
  for (const [stack, row] of byStack) {
    if (stack === options.stack) continue;
    const sample = [...row.projects, ...row.services].slice(0, 5).join(", ");
    if (stack === "") {
      add("warning", "ownership", `${count(row)} carry a marker from before stacks were named (${sample}): the first stack whose run declares them adopts them`, "run `pulumi up` of the stack that owns them first, which rewrites their marker");
    } else if (options.stack === undefined) {
      add("ok", "ownership", `${count(row)} carry the marker of stack ${stack} (${sample})`);
    } else {
      add("warning", "ownership", `${count(row)} carry the marker of another stack, ${stack} (${sample}): this stack never adopts, restarts or deletes them`,
        `if they should move to this stack: CLOUDFREEDOM_CLAIM_FROM=${stack} pulumi up; otherwise make sure the two stacks do not serve the same tenants`);
    }
  }
}

function checkRateLimit(seen: Array<RawAxiosResponseHeaders | AxiosResponseHeaders>, clientLimit: number | undefined, add: Add): void {
  const limit = Number(seen.map((h) => h["x-ratelimit-limit"]).find((v) => v !== undefined));
  const remaining = seen.map((h) => h["x-ratelimit-remaining"]).find((v) => v !== undefined);
  if (!Number.isFinite(limit) || limit <= 0) {
    add("ok", "rate-limit", "Coolify does not state its API rate limit (no X-RateLimit-Limit header)");
    return;
  }
  const told = `Coolify allows ${limit} API requests per minute per user${remaining !== undefined ? ` (${remaining} left now)` : ""}`;
  if (clientLimit !== undefined && clientLimit > limit) {
    add("warning", "rate-limit", `${told}, but the providers' throttle (coolifyRateLimit) allows ${clientLimit}: runs will meet 429s`, `pulumi config set coolifyRateLimit ${limit}`);
  } else {
    add("ok", "rate-limit", `${told}; the providers' throttle allows ${clientLimit ?? 200}`);
  }
}

/** The connection with an adapter that keeps each response's headers (the client hands out bodies only). */
function withHeaderCapture(conn: CoolifyConnection, into: Array<RawAxiosResponseHeaders | AxiosResponseHeaders>): CoolifyConnection {
  const inner: AxiosAdapter = conn.transport?.adapter ?? axios.getAdapter(axios.defaults.adapter);
  const adapter: AxiosAdapter = async (config) => {
    const response = await inner(config);
    into.push(response.headers);
    return response;
  };
  return { ...conn, transport: { ...conn.transport, adapter } };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
