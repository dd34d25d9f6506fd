// Shard stacks of a test program's fleet stack: `<fleet>.<shard>` in the same workspace (same program folder and
// backend), each run with the fleet's config file, as `pulumi up --stack prod.eu1 --config-file Pulumi.prod.yaml`.
// No vitest here, like platform.ts: a bench may load it under tsx.
import { Stack, type PreviewOptions, type UpOptions } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { fleetConfigFile, shardStackName } from "../../lib/shards";
import type { Platform } from "./platform";
import type { TestProgram } from "./pulumi";

export interface ShardStack {
  name: string;
  stack: Stack;
  up(options?: UpOptions): ReturnType<Stack["up"]>;
  preview(options?: PreviewOptions): ReturnType<Stack["preview"]>;
}

/** Creates (or selects) the stack of each shard; their runs read the fleet stack's config file. */
export async function shardStacks(program: TestProgram, shards: string[]): Promise<Record<string, ShardStack>> {
  const fleet = program.stack.name;
  const configFile = join(program.workDir, fleetConfigFile(fleet));
  const result: Record<string, ShardStack> = {};
  for (const shard of shards) {
    const name = shardStackName(fleet, shard);
    const stack = await Stack.createOrSelect(name, program.stack.workspace);
    result[shard] = {
      name,
      stack,
      up: (options = {}) => stack.up({ ...options, configFile }),
      preview: (options = {}) => stack.preview({ ...options, configFile }),
    };
  }
  return result;
}

/**
 * The demo platform as a fleet of two servers, one shard each, with both shard stacks made: `a` the platform's
 * server (4 cpus, 5 GiB), `b` a second one (2 cpus, 3 GiB). The demo's tenants reserve acme 4095 MiB, bolt 2048 MiB
 * and chirp 512 MiB, so placement puts acme and chirp on a and bolt on b. Returns the servers' uuids.
 */
export async function twoShardPlatform(platform: Platform): Promise<{ a: string; b: string }> {
  const fleet = platform.program.stack;
  const servers = { a: platform.coolify.serverUuid, b: platform.coolify.store.addServer({ team: 0, name: "two", ip: "10.0.0.11" }).server.uuid };
  await fleet.removeConfig("coolifyServerUuid");
  await fleet.setConfig("coolifyServers", { value: JSON.stringify([{ uuid: servers.a, cpus: 4, memoryGb: 5 }, { uuid: servers.b, cpus: 2, memoryGb: 3 }]) });
  await fleet.setConfig("shards", { value: JSON.stringify({ a: [servers.a], b: [servers.b] }) });
  await shardStacks(platform.program, ["a", "b"]);
  return servers;
}
