// A run in a sharded fleet (config shards, lib/shards.ts): which stack this is, the owner every shard writes into its
// markers (the fleet's, so a tenant's state can move between shard stacks without touching Coolify), and which of
// the fleet's tenants this shard declares. Every shard loads and plans every tenant, so uniqueness and placement are
// decided fleet-wide and identically; only the declaring is cut by the tenant's server. Pure.
import { ConfigError } from "../lib/config";
import { declaresServer, fleetConfigFile, shardOfServer, stackRole, type ShardMap, type StackRole } from "../lib/shards";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { recordedServer, type PlacedFleet, type PlacementConfig, type TenantPlacement } from "./capacity";
import type { InvalidTenant, TenantPlan } from "./plan";
import type { Held } from "./report";

/** This run's role; a stack that may not run (named like a shard without config shards, or no shard of it) is a ConfigError. */
export function shardRole(stackName: string, shards: ShardMap | undefined): StackRole {
  const result = stackRole(stackName, shards);
  if ("problem" in result) throw new ConfigError([result.problem]);
  return result;
}

/** The config as `read` gives it; its ConfigError with the shard hint of `withShardHint`. */
export function readStackConfig<T>(stackName: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw withShardHint(error, stackName);
  }
}

/**
 * A ConfigError of a stack named like a shard (`prod.eu1`) most likely means it ran without its fleet's config file:
 * the hint is added to the problems, which are all missing keys then.
 */
export function withShardHint(error: unknown, stackName: string): unknown {
  const dot = stackName.lastIndexOf(".");
  if (!(error instanceof ConfigError) || dot <= 0) return error;
  const fleet = stackName.slice(0, dot);
  return new ConfigError([
    ...error.problems,
    `stack ${stackName} is named like a shard of ${fleet}: a shard runs with its fleet's config file (pulumi up --stack ${stackName} --config-file ${fleetConfigFile(fleet)})`,
  ]);
}

/** The owner in every ownership marker and the rollout record: the fleet stack's full name, the same in every shard. */
export function fleetOwner(organization: string, project: string, role: StackRole): string {
  return `${organization}/${project}/${role.fleetStack}`;
}

/** Throws the problem of `crossShardMove` as a ConfigError. */
export function assertMoveWithinShard(config: PlacementConfig & { shards?: ShardMap }, tenants: Tenant[], records: Map<string, Provisioning>): void {
  const problem = crossShardMove(config, tenants, records);
  if (problem) throw new ConfigError([problem]);
}

/**
 * CLOUDFREEDOM_MOVE to a server of another shard would make this shard drop the tenant (a teardown) and the other
 * create a new service beside the old one: refused, naming both shards. A move between shards moves the tenant's
 * state between the shard stacks first.
 */
export function crossShardMove(config: PlacementConfig & { shards?: ShardMap }, tenants: Tenant[], records: Map<string, Provisioning>): string | undefined {
  const { move, shards } = config;
  if (!move || !shards) return undefined;
  const tenant = tenants.find((t) => t.slug === move.slug);
  const from = recordedServer(tenant && records.get(tenant.id), config);
  if (from === undefined) return undefined;
  const [source, target] = [shardOfServer(shards, from), shardOfServer(shards, move.server)];
  if (source === target) return undefined;
  return (
    `CLOUDFREEDOM_MOVE=${move.slug}:${move.server} moves ${move.slug} from shard ${source} (server ${from}) to shard ${target}: ` +
    `a run moves a tenant only within its shard. Move it to a server of shard ${source}, or move its state to shard ${target}'s stack first; unset CLOUDFREEDOM_MOVE`
  );
}

/** What one run declares of the placed fleet. */
export type ShardFleet = Pick<PlacedFleet, "plans" | "held" | "refused" | "capacityRefused" | "placements">;

/** The server a tenant is declared on: its placement, else (a held tenant) the server its record names. */
export function serverOf(id: string, placements: Map<string, TenantPlacement>, record: Provisioning | undefined, config: PlacementConfig): string | undefined {
  return placements.get(id)?.server ?? recordedServer(record, config);
}

/**
 * The part of the fleet this run declares: the tenants whose server belongs to its shard, and, in the home shard
 * only, what belongs to no server (new tenants refused for capacity or by their records). Unsharded, all of it.
 */
export function shardFleet(fleet: ShardFleet, role: StackRole, config: PlacementConfig & { shards?: ShardMap }, records: Map<string, Provisioning>): ShardFleet {
  if (role.shard === undefined || config.shards === undefined) return fleet;
  const ours = (id: string) => declaresServer(role, config.shards, serverOf(id, fleet.placements, records.get(id), config));
  const home = declaresServer(role, config.shards, undefined);
  const plans: TenantPlan[] = fleet.plans.filter((p) => ours(p.tenant.id));
  const held: Held[] = fleet.held.filter((h) => ours(h.invalid.tenant.id));
  const refused: InvalidTenant[] = home ? fleet.refused : [];
  const capacityRefused = home ? fleet.capacityRefused : [];
  const kept = new Set([...plans.map((p) => p.tenant.id), ...held.map((h) => h.invalid.tenant.id)]);
  const placements = new Map([...fleet.placements].filter(([id]) => kept.has(id)));
  return { plans, held, refused, capacityRefused, placements };
}
