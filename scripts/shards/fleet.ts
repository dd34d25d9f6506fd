// The fleet as `npm run shards` sees it: the fleet stack's config (its shards and servers), its config file, and
// each shard's stack. Read-only.
import { existsSync } from "node:fs";
import { readStackConfig } from "../../lib/cli/stack-config";
import { readServerFleet } from "../../lib/servers";
import { fleetConfigFile, readShards, shardStackName, type ShardMap } from "../../lib/shards";
import { listProvisioning, type Provisioning } from "../../lib/tenants/provisioning";

export interface Fleet {
  stack: string;
  /** Pulumi.<fleet stack>.yaml: every shard runs with it. */
  configFile: string;
  shards: ShardMap;
  config: Record<string, string>;
}

const EXAMPLE = `'{"eu1":["<server uuid>"],"eu2":["<server uuid>"]}'`;

/** The fleet stack's config with its shards; throws naming the key and the fix when shards is unset or wrong. */
export function readFleet(stack: string): Fleet {
  const configFile = fleetConfigFile(stack);
  if (!existsSync(configFile)) throw new Error(`shards: ${configFile} is not in ${process.cwd()}: run the command in the project folder (where Pulumi.yaml is) and name the fleet stack with --stack`);
  const config = readStackConfig("shards", stack, "name the fleet stack with --stack");
  if (config.shards === undefined) throw new Error(`shards: config shards is not set on stack ${stack}: pulumi config set --stack ${stack} shards ${EXAMPLE}`);
  const fleet = readServerFleet(config);
  const problems = [...fleet.problems];
  const shards = problems.length === 0 ? readShards(config.shards, fleet.servers, problems) : undefined;
  if (shards === undefined || problems.length > 0) throw new Error(`shards: the config of stack ${stack} is not usable:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return { stack, configFile, shards, config };
}

export function shardStack(fleet: Fleet, shard: string): string {
  return shardStackName(fleet.stack, shard);
}

/** The shard of a run: one of the config's, else an error naming them. */
export function checkShard(fleet: Fleet, shard: string): string {
  if (!fleet.shards.has(shard)) throw new Error(`shards: no shard ${shard} in config shards of stack ${fleet.stack} (shards: ${[...fleet.shards.keys()].join(", ")})`);
  return shard;
}

/** The write-back records, when the fleet's config names a PocketBase; undefined without one. */
export async function fleetRecords(fleet: Fleet): Promise<Map<string, Provisioning> | undefined> {
  const { pocketbaseUrl: url, pocketbaseEmail: email, pocketbasePassword: password } = fleet.config;
  if (!url || !email || !password) return undefined;
  return listProvisioning({ url, email, password });
}
