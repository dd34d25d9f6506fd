// `npm run shards -- list` and `init`: the shards' stacks, and creating the missing ones with the fleet stack's
// secrets provider (a shard runs with the fleet's config file, so it must decrypt the fleet's secrets).
import { shardOfServer } from "../../lib/shards";
import type { Provisioning } from "../../lib/tenants/provisioning";
import { fleetRecords, shardStack, type Fleet } from "./fleet";
import { exportStack, pulumi, secretsProviderOf, shardSecretsProblem, stackNames } from "./pulumi-cli";
import { tenantCount } from "./split-plan";

export interface ShardListing {
  shard: string;
  servers: string[];
  stack: string;
  exists: boolean;
  /** Tenants in the shard stack's state. */
  tenants: number;
  /** Write-back records of the tenants on its servers, by status (absent without a PocketBase in the config). */
  statuses?: Record<string, number>;
}

export interface FleetListing {
  stack: string;
  configFile: string;
  /** Tenants still in the fleet stack's own state (a fleet not yet split). */
  fleetTenants: number;
  shards: ShardListing[];
}

/** Records by status per shard; pure. */
export function statusesByShard(fleet: Pick<Fleet, "shards">, records: Map<string, Provisioning>): Map<string, Record<string, number>> {
  const out = new Map([...fleet.shards.keys()].map((s) => [s, {} as Record<string, number>]));
  for (const record of records.values()) {
    const shard = record.serverUuid ? shardOfServer(fleet.shards, record.serverUuid) : undefined;
    const counts = shard === undefined ? undefined : out.get(shard);
    if (counts) counts[record.status || "unknown"] = (counts[record.status || "unknown"] ?? 0) + 1;
  }
  return out;
}

export async function listShards(fleet: Fleet): Promise<FleetListing> {
  const existing = stackNames();
  const records = await fleetRecords(fleet);
  const statuses = records && statusesByShard(fleet, records);
  const shards = [...fleet.shards].map(([shard, servers]) => {
    const stack = shardStack(fleet, shard);
    const exists = existing.has(stack);
    return { shard, servers: [...servers], stack, exists, tenants: exists ? tenantCount(exportStack(stack).deployment) : 0, ...(statuses ? { statuses: statuses.get(shard) } : {}) };
  });
  return { stack: fleet.stack, configFile: fleet.configFile, fleetTenants: tenantCount(exportStack(fleet.stack).deployment), shards };
}

export function formatListing(listing: FleetListing): string {
  const lines = [`fleet stack ${listing.stack} (config file ${listing.configFile}): ${listing.fleetTenants} tenant(s) in its own state${listing.fleetTenants > 0 ? " (npm run shards -- split moves them)" : ""}`];
  for (const s of listing.shards) {
    const statuses = s.statuses ? Object.entries(s.statuses).sort().map(([status, n]) => `${status} ${n}`).join(", ") || "none" : undefined;
    lines.push(
      `shard ${s.shard}: stack ${s.stack} ${s.exists ? "exists" : "missing (npm run shards -- init)"}, ${s.tenants} tenant(s) in its state` +
        `${statuses !== undefined ? `; records: ${statuses}` : ""}\n  servers: ${s.servers.join(", ")}`,
    );
  }
  return lines.join("\n");
}

/** The fix when a shard cannot use the fleet's secrets. */
export const SECRETS_FIX = (fleet: Pick<Fleet, "stack">, stack: string) =>
  `a shard needs the fleet's secrets provider (for a passphrase: the same PULUMI_CONFIG_PASSPHRASE as ${fleet.stack}); ` +
  `if ${stack} holds nothing yet, remove it (pulumi stack rm ${stack}) and run npm run shards -- init --stack ${fleet.stack} with the fleet's passphrase set`;

/** Creates the missing shard stacks; each must then read the fleet's config file, secrets included. */
export function initShards(fleet: Fleet): string {
  const existing = stackNames();
  const provider = secretsProviderOf(exportStack(fleet.stack));
  const lines: string[] = [];
  for (const shard of fleet.shards.keys()) {
    const stack = shardStack(fleet, shard);
    if (existing.has(stack)) {
      lines.push(`${stack}: exists`);
    } else {
      pulumi(["stack", "init", stack, "--no-select", ...(provider ? ["--secrets-provider", provider] : [])]);
      lines.push(`${stack}: created${provider ? ` (secrets provider ${provider === "passphrase" ? "passphrase" : provider.replace(/\?.*$/, "")})` : ""}`);
    }
    const problem = shardSecretsProblem(stack, fleet.configFile);
    if (problem) throw new Error(`shards: init: ${problem}: ${SECRETS_FIX(fleet, stack)}`);
  }
  return lines.join("\n");
}
