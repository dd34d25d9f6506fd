// The sharded demo (`npm start -- --shards`): the demo's fleet on two emulator servers, one shard each (config
// shards {"a":[server 1],"b":[server 2]}), the shard stacks dev.a and dev.b made as `npm run shards -- init` makes
// them, and a first up of each with the fleet's config file. Config rollout stays unset: config refuses it together
// with shards.
import { Stack, type ConfigMap, type Workspace } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { fleetConfigFile, shardStackName } from "../../lib/shards";
import { readFleet } from "../shards/fleet";
import { initShards } from "../shards/stacks";

/** The shard of each demo server, in the emulator's order. */
export const DEMO_SHARDS = ["a", "b"] as const;

export type Tenants = Record<string, { urls: string[]; status: string }>;

export interface ShardUp {
  shard: string;
  stack: string;
  servers: string[];
  /** The tenants the shard declared, from its outputs; undefined when its up failed. */
  tenants?: Tenants;
}

/**
 * Config coolifyServers and shards for the two servers. Sized as in test/reconciler/sharded.test.ts: placement (most
 * free memory left) puts acme (4095 MiB) and chirp (512 MiB) on the first server, bolt (2048 MiB) on the second, and
 * a new 512 MiB tenant on the second too, so a tenant created in PocketBase goes to shard b.
 */
export function shardedConfig(servers: readonly string[]): ConfigMap {
  if (servers.length !== DEMO_SHARDS.length) throw new RangeError(`the sharded demo needs ${DEMO_SHARDS.length} servers, got ${servers.length}`);
  const [first, second] = servers;
  return {
    coolifyServers: { value: JSON.stringify([{ uuid: first, cpus: 4, memoryGb: 5 }, { uuid: second, cpus: 2, memoryGb: 3 }]) },
    shards: { value: JSON.stringify(Object.fromEntries(DEMO_SHARDS.map((shard, i) => [shard, [servers[i]]]))) },
  };
}

/**
 * Creates the shard stacks of the fleet stack exactly as `npm run shards -- init` does (scripts/shards/stacks.ts:
 * the fleet's secrets provider, then a check that each decrypts the fleet's config file). Runs the pulumi CLI in the
 * current directory with this process's backend and passphrase.
 */
export function initDemoShards(fleetStack: string): string {
  return initShards(readFleet(fleetStack));
}

/** A first up of each shard stack in turn, with the fleet's config file, as `npm run shards -- up <shard>`. */
export async function upShards(workspace: Workspace, fleetStack: string, root: string, servers: readonly string[]): Promise<ShardUp[]> {
  const configFile = join(root, fleetConfigFile(fleetStack));
  const results: ShardUp[] = [];
  for (const [i, shard] of DEMO_SHARDS.entries()) {
    const name = shardStackName(fleetStack, shard);
    console.log(`\n== shard ${shard}: pulumi up --stack ${name} --config-file ${fleetConfigFile(fleetStack)}`);
    const stack = await Stack.select(name, workspace);
    try {
      const up = await stack.up({ configFile, onOutput: (text) => process.stdout.write(text) });
      results.push({ shard, stack: name, servers: [servers[i]], tenants: up.outputs.tenants.value as Tenants });
    } catch (e) {
      console.error(`\npulumi up of shard ${shard} (stack ${name}) failed: ${(e as Error).message}`);
      results.push({ shard, stack: name, servers: [servers[i]] });
    }
  }
  return results;
}

/** What runs where: per shard its stack, servers and tenants with their status. Pure. */
export function formatShardPlacement(ups: readonly ShardUp[]): string {
  return ups
    .map((u) => {
      const tenants = u.tenants === undefined ? "(its up failed)" : Object.entries(u.tenants).map(([slug, t]) => `${slug} ${t.status}`).join(", ") || "none";
      return `shard ${u.shard}  stack ${u.stack}  servers ${u.servers.join(", ")}\n  tenants: ${tenants}`;
    })
    .join("\n");
}
