// npm run shards -- list|init|split|preview <shard>|--all|up <shard>|--all --stack <fleet stack> [--json]
// A sharded fleet (config shards, lib/shards.ts): each shard a stack `<fleet stack>.<shard>` run with the fleet's
// config file. `list` shows the shards, their servers and stacks; `init` creates the missing stacks with the fleet's
// secrets provider; `split` moves a deployed single-stack fleet into them without a Coolify request
// (scripts/shards/split.ts); `preview` and `up` run one shard or all of them, one after another.
import { commandLine } from "../lib/cli/args";
import { COMMAND, shardsRequest, type ShardsRequest } from "./shards/command-line";
import { checkShard, readFleet, shardStack, type Fleet } from "./shards/fleet";
import { pulumiInteractive, stackNames } from "./shards/pulumi-cli";
import { split } from "./shards/split";
import { formatListing, initShards, listShards } from "./shards/stacks";

/** Runs preview or up of the named shards in turn; the shards that failed. */
function runShards(fleet: Fleet, command: "preview" | "up", shards: string[]): string[] {
  const existing = stackNames();
  const failed: string[] = [];
  for (const shard of shards) {
    const stack = shardStack(fleet, shard);
    if (!existing.has(stack)) throw new Error(`shards: the stack ${stack} of shard ${shard} does not exist: npm run shards -- init --stack ${fleet.stack}`);
    console.log(`== shard ${shard}: pulumi ${command} --stack ${stack} --config-file ${fleet.configFile}`);
    if (!pulumiInteractive([command, "--stack", stack, "--config-file", fleet.configFile, ...(command === "up" ? ["--yes"] : [])])) failed.push(shard);
  }
  return failed;
}

async function run(request: ShardsRequest): Promise<void> {
  const fleet = readFleet(request.stack);
  switch (request.command) {
    case "list": {
      const listing = await listShards(fleet);
      console.log(request.json ? JSON.stringify(listing, null, 2) : formatListing(listing));
      return;
    }
    case "init":
      console.log(initShards(fleet));
      return;
    case "split":
      console.log(await split(fleet));
      return;
    case "preview":
    case "up": {
      const shards = request.all ? [...fleet.shards.keys()] : [checkShard(fleet, request.shard!)];
      const failed = runShards(fleet, request.command, shards);
      if (failed.length > 0) throw new Error(`shards: ${request.command} failed in shard(s) ${failed.join(", ")} (see above)`);
    }
  }
}

if (require.main === module) {
  const request = commandLine(COMMAND, process.argv.slice(2), shardsRequest);
  run(request).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
