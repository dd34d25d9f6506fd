// Shards: the fleet in several Pulumi stacks, each holding the tenants of a group of servers (config `shards`).
// A shard's stack is named `<fleet stack>.<shard>` (`prod.eu1`) and runs with the fleet stack's one config file
// (`pulumi up --stack prod.eu1 --config-file Pulumi.prod.yaml`), so no key is copied per shard. Unset `shards`: one
// stack holds every tenant, as before. Pure: lib/config.ts hands in the raw value and reports the problems.
import type { ServerSpec } from "./servers";

/** Shard name -> the uuids of its servers, in config order; names sorted. */
export type ShardMap = ReadonlyMap<string, readonly string[]>;

/** Which stack this run is, in a sharded fleet or not. */
export interface StackRole {
  /** The fleet's stack: its config file is the one every shard runs with, its name is in every ownership marker. */
  fleetStack: string;
  /** This run's shard; undefined in an unsharded fleet. */
  shard?: string;
}

export const SHARD_NAME = /^[a-z0-9][a-z0-9-]{0,19}$/;
const EXAMPLE = `{"eu1":["<server uuid>"],"eu2":["<server uuid>","<server uuid>"]}`;

/**
 * Parses config `shards` against the configured servers: every server in exactly one shard, every listed uuid a
 * configured server. Problems name the key and the fix; none are thrown. Undefined when unset.
 */
export function readShards(raw: string | undefined, servers: readonly ServerSpec[], problems: string[]): ShardMap | undefined {
  if (raw === undefined) return undefined;
  const fix = `pulumi config set shards '${EXAMPLE}'`;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    problems.push(`shards is not JSON: ${fix} (or pulumi config rm shards for one stack)`);
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json) || Object.keys(json).length === 0) {
    problems.push(`shards must be an object of shard name -> list of server uuids: ${fix}`);
    return undefined;
  }
  const before = problems.length;
  const owner = new Map<string, string>();
  const shards = new Map<string, string[]>();
  for (const [name, list] of Object.entries(json as Record<string, unknown>)) {
    if (!SHARD_NAME.test(name)) {
      problems.push(`shards."${name.slice(0, 40)}" is not a shard name (1-20 of a-z, 0-9 and -, starting with a letter or digit): rename it (${fix})`);
      continue;
    }
    if (!Array.isArray(list) || list.length === 0 || !list.every((u) => typeof u === "string" && u.length > 0)) {
      problems.push(`shards.${name} must be a non-empty list of server uuids: ${fix}`);
      continue;
    }
    for (const uuid of list as string[]) {
      if (!servers.some((s) => s.uuid === uuid)) problems.push(`shards.${name} lists server ${uuid}, which is not in coolifyServers: add the server there or remove it from shards.${name}`);
      const other = owner.get(uuid);
      if (other !== undefined) problems.push(`server ${uuid} is in shards.${other} and shards.${name}: a server belongs to one shard; remove it from one`);
      owner.set(uuid, name);
    }
    shards.set(name, [...(list as string[])]);
  }
  for (const server of servers) {
    if (!owner.has(server.uuid)) problems.push(`server ${server.uuid} is in coolifyServers but in no shard: add it to one (pulumi config set --path 'shards.<name>[<n>]' ${server.uuid})`);
  }
  if (problems.length > before) return undefined;
  return new Map([...shards].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The role of the stack `stackName`: with shards, its name must be `<fleet stack>.<shard>` of a configured shard;
 * without, a name that looks like a shard's is refused, as it would otherwise declare the whole fleet a second time.
 * Returns a problem (naming the stack and the fix) instead of a role when the stack may not run.
 */
export function stackRole(stackName: string, shards: ShardMap | undefined): StackRole | { problem: string } {
  const dot = stackName.lastIndexOf(".");
  if (shards === undefined) {
    if (dot > 0 && SHARD_NAME.test(stackName.slice(dot + 1))) {
      const fleet = stackName.slice(0, dot);
      return {
        problem:
          `stack ${stackName} is named like a shard of ${fleet}, but config shards is not set: a shard runs with its fleet's config file ` +
          `(pulumi up --stack ${stackName} --config-file Pulumi.${fleet}.yaml), which sets shards; or name the stack without "."`,
      };
    }
    return { fleetStack: stackName };
  }
  const names = [...shards.keys()];
  const shard = dot > 0 ? stackName.slice(dot + 1) : undefined;
  if (shard === undefined || !shards.has(shard)) {
    const fleet = dot > 0 && shard !== undefined && SHARD_NAME.test(shard) ? stackName.slice(0, dot) : stackName;
    return {
      problem:
        `stack ${stackName} is not a shard of this fleet (config shards: ${names.join(", ")}): run a shard's stack with the fleet's config, ` +
        `e.g. pulumi up --stack ${shardStackName(fleet, names[0])} --config-file Pulumi.${fleet}.yaml (npm run shards -- list)`,
    };
  }
  return { fleetStack: stackName.slice(0, dot), shard };
}

/** The stack name of a shard. */
export function shardStackName(fleetStack: string, shard: string): string {
  return `${fleetStack}.${shard}`;
}

/** The config file every shard of the fleet runs with. */
export function fleetConfigFile(fleetStack: string): string {
  return `Pulumi.${fleetStack}.yaml`;
}

/** The shard a server belongs to; undefined when no shard lists it (readShards refuses that). */
export function shardOfServer(shards: ShardMap, server: string): string | undefined {
  for (const [name, servers] of shards) if (servers.includes(server)) return name;
  return undefined;
}

/**
 * The shard that declares what belongs to no server: a new tenant refused for capacity (its record saying why) and
 * the warnings about refused tenants. The first shard by name, so every shard agrees without asking the others.
 */
export function homeShard(shards: ShardMap): string {
  return [...shards.keys()][0];
}

/**
 * The shard that declares a tenant placed on `server`: the server's shard, or the home shard for one on no server
 * (undefined: a server in no shard). The one rule the program, the reconciler's routing, the split and a sharded
 * rollout all go by.
 */
export function declaringShard(shards: ShardMap, server: string | undefined): string | undefined {
  return server === undefined ? homeShard(shards) : shardOfServer(shards, server);
}

/** Whether this run declares a tenant placed on `server` (undefined: on no server). Every tenant, unsharded. */
export function declaresServer(role: StackRole, shards: ShardMap | undefined, server: string | undefined): boolean {
  if (role.shard === undefined || shards === undefined) return true;
  return declaringShard(shards, server) === role.shard;
}
