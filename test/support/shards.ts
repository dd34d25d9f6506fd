// Shard stacks of a test program's fleet stack: `<fleet>.<shard>` in the same workspace (same program folder and
// backend), each run with the fleet's config file, as `pulumi up --stack prod.eu1 --config-file Pulumi.prod.yaml`.
// No vitest here, like platform.ts: a bench may load it under tsx.
import { Stack, type PreviewOptions, type UpOptions } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { fleetConfigFile, shardStackName } from "../../lib/shards";
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
