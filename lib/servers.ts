// The Coolify servers tenants are placed on, and how far each may be filled: config `coolifyServers` (a JSON list),
// or `coolifyServerUuid` alone (one server whose size is not configured, so nothing is refused for capacity), and
// `overcommit`. Pure: lib/config.ts hands the raw values in and reports the problems with its other keys.
import { z } from "zod";

/** One server as configured. `memoryGb` is GiB: 1024 MiB, the unit of the `M` in a compose memory limit. */
export interface ServerSpec {
  /** Coolify's server uuid (GET /api/v1/servers). */
  uuid: string;
  /** Cores of the host; a container's `cpus` above it is refused by the engine. `Infinity`: not configured. */
  cpus: number;
  /** Memory of the host in GiB. `Infinity`: not configured. */
  memoryGb: number;
  /** What Coolify, its proxy and the host keep for themselves; never given to tenants. */
  reserved: { cpus: number; memoryGb: number };
  /** A draining server gets no new tenant and keeps its own. */
  draining: boolean;
  /** The Docker network (Coolify destination) on this server, when it has several. */
  destinationUuid?: string;
}

/** How far reservations may exceed what a server has: allocatable = (size - reserved) x ratio. */
export interface Overcommit {
  cpu: number;
  memory: number;
}

/**
 * Memory is never overcommitted by default: Docker's limits are caps, not reservations, and a host whose tenants use
 * their caps runs out and its OOM killer ends one of them. Cpu is shared by the kernel's scheduler (a container over
 * its share is slowed, never killed) and agent stacks are idle most of the time, so 4 tenants' cpus per core.
 */
export const DEFAULT_OVERCOMMIT: Overcommit = { cpu: 4, memory: 1 };

/** What a server may hold in reservations: cpus and MiB. */
export interface Allocatable {
  cpus: number;
  memoryMb: number;
}

export function allocatableOf(server: ServerSpec, overcommit: Overcommit): Allocatable {
  return {
    cpus: Math.max(0, server.cpus - server.reserved.cpus) * overcommit.cpu,
    memoryMb: Math.floor(Math.max(0, server.memoryGb - server.reserved.memoryGb) * 1024 * overcommit.memory),
  };
}

/** Whether the server's size is configured (coolifyServers), so placement counts against it. */
export function isSized(server: ServerSpec): boolean {
  return Number.isFinite(server.cpus) && Number.isFinite(server.memoryGb);
}

const SERVERS_EXAMPLE = `[{"uuid":"<server uuid>","cpus":8,"memoryGb":32,"reserved":{"cpus":1,"memoryGb":2}}]`;
const OVERCOMMIT_EXAMPLE = `{"cpu":${DEFAULT_OVERCOMMIT.cpu},"memory":${DEFAULT_OVERCOMMIT.memory}}`;

const amount = (max: number) => z.number().positive().max(max);
const serverSchema = z
  .object({
    uuid: z.string().min(1).max(100),
    cpus: amount(1024),
    memoryGb: amount(65536),
    reserved: z.object({ cpus: z.number().min(0).max(1024), memoryGb: z.number().min(0).max(65536) }).strict().optional(),
    draining: z.boolean().optional(),
    destinationUuid: z.string().min(1).optional(),
  })
  .strict();
const serversSchema = z.array(serverSchema).min(1, "must list at least one server");
const overcommitSchema = z.object({ cpu: amount(64).optional(), memory: amount(4).optional() }).strict();

/** The raw values of the keys this module reads (strings as `pulumi config get` returns them). */
export interface ServerKeys {
  coolifyServers?: string;
  coolifyServerUuid?: string;
  coolifyDestinationUuid?: string;
  overcommit?: string;
}

export interface ServerFleet {
  servers: ServerSpec[];
  overcommit: Overcommit;
  /** Each problem names the key and the `pulumi config set` command that fixes it. */
  problems: string[];
  /** Valid but risky (memory overcommitted). */
  warnings: string[];
}

/** Reads the servers and the overcommit ratios; every problem is reported, none thrown. */
export function readServerFleet(keys: ServerKeys): ServerFleet {
  const problems: string[] = [];
  const warnings: string[] = [];
  const overcommit = readOvercommit(keys.overcommit, problems);
  if (overcommit.memory > 1) warnings.push(`overcommit.memory ${overcommit.memory} promises tenants more memory than the servers have: the kernel's OOM killer ends a tenant when they use it`);
  if (keys.coolifyServers === undefined) {
    if (keys.coolifyServerUuid === undefined) {
      problems.push(`coolifyServers is missing (or the older coolifyServerUuid): pulumi config set coolifyServers '${SERVERS_EXAMPLE}'`);
      return { servers: [], overcommit, problems, warnings };
    }
    const server: ServerSpec = {
      uuid: keys.coolifyServerUuid, cpus: Infinity, memoryGb: Infinity, reserved: { cpus: 0, memoryGb: 0 }, draining: false,
      ...(keys.coolifyDestinationUuid ? { destinationUuid: keys.coolifyDestinationUuid } : {}),
    };
    return { servers: [server], overcommit, problems, warnings };
  }
  const servers = parseServers(keys.coolifyServers, problems);
  if (keys.coolifyServerUuid !== undefined && servers.length > 0 && !servers.some((s) => s.uuid === keys.coolifyServerUuid)) {
    problems.push(
      `coolifyServerUuid ${keys.coolifyServerUuid} is not in coolifyServers: tenants placed on it before would lose their server. ` +
        `Add it to coolifyServers (with "draining": true to empty it), or, once no tenant lives on it: pulumi config rm coolifyServerUuid`,
    );
  }
  if (keys.coolifyDestinationUuid !== undefined && servers.length > 1) {
    problems.push(`coolifyDestinationUuid names one destination, but coolifyServers lists ${servers.length} servers: set "destinationUuid" on that server's entry instead, then pulumi config rm coolifyDestinationUuid`);
  }
  const destination = keys.coolifyDestinationUuid;
  return { servers: servers.map((s) => (destination && servers.length === 1 && !s.destinationUuid ? { ...s, destinationUuid: destination } : s)), overcommit, problems, warnings };
}

function parseServers(raw: string, problems: string[]): ServerSpec[] {
  const fix = `pulumi config set coolifyServers '${SERVERS_EXAMPLE}'`;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push(`coolifyServers is not JSON: ${fix}`);
    return [];
  }
  const parsed = serversSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push(`coolifyServers${pathOf(issue.path)} ${issue.message}: ${fix}`);
    return [];
  }
  const servers = parsed.data.map((s) => ({
    uuid: s.uuid, cpus: s.cpus, memoryGb: s.memoryGb, reserved: s.reserved ?? { cpus: 0, memoryGb: 0 }, draining: s.draining ?? false,
    ...(s.destinationUuid ? { destinationUuid: s.destinationUuid } : {}),
  }));
  const seen = new Set<string>();
  servers.forEach((server, i) => {
    if (seen.has(server.uuid)) problems.push(`coolifyServers[${i}].uuid ${server.uuid} is listed twice: remove one entry (pulumi config set coolifyServers '<the list without it>')`);
    seen.add(server.uuid);
    if (server.reserved.cpus >= server.cpus || server.reserved.memoryGb >= server.memoryGb) {
      problems.push(`coolifyServers[${i}] (${server.uuid}) reserves all its cpus or memory for the host, leaving tenants nothing: lower "reserved" or raise "cpus"/"memoryGb" (${fix})`);
    }
  });
  return servers;
}

function readOvercommit(raw: string | undefined, problems: string[]): Overcommit {
  if (raw === undefined) return { ...DEFAULT_OVERCOMMIT };
  const fix = `pulumi config set overcommit '${OVERCOMMIT_EXAMPLE}'`;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push(`overcommit is not JSON: ${fix}`);
    return { ...DEFAULT_OVERCOMMIT };
  }
  const parsed = overcommitSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    problems.push(`overcommit${pathOf(issue.path)} ${issue.message} (cpu: 0-64, memory: 0-4): ${fix}`);
    return { ...DEFAULT_OVERCOMMIT };
  }
  return { cpu: parsed.data.cpu ?? DEFAULT_OVERCOMMIT.cpu, memory: parsed.data.memory ?? DEFAULT_OVERCOMMIT.memory };
}

/** An operator's move of one tenant for one run: env CLOUDFREEDOM_MOVE=<slug>:<server uuid>. */
export interface Move {
  slug: string;
  server: string;
}

/** Parses CLOUDFREEDOM_MOVE; a problem names the variable and the form. Undefined when unset. */
export function readMove(raw: string | undefined, servers: ServerSpec[], problems: string[]): Move | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const match = /^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?):(\S+)$/.exec(text);
  if (!match) {
    problems.push(`CLOUDFREEDOM_MOVE "${text}" is not <slug>:<server uuid>: CLOUDFREEDOM_MOVE=acme:<server uuid> pulumi up`);
    return undefined;
  }
  const [, slug, server] = match;
  const target = servers.find((s) => s.uuid === server);
  if (servers.length > 0 && !target) problems.push(`CLOUDFREEDOM_MOVE names server ${server}, which is not in coolifyServers (${servers.map((s) => s.uuid).join(", ")}): move to one of those`);
  else if (target?.draining) problems.push(`CLOUDFREEDOM_MOVE names server ${server}, which is draining: move the tenant to a server that is not`);
  return { slug, server };
}

function pathOf(path: PropertyKey[]): string {
  return path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
}
