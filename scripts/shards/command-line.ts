// The command line of `npm run shards`: a command word, a shard or --all for the runs, and the fleet stack. Pure
// apart from parseArgs: bad input throws UsageError, which lib/cli/args.ts turns into one line, the usage line, exit 2.
import { UsageError, type CommandLine } from "../../lib/cli/args";
import { SHARD_NAME } from "../../lib/shards";

export const COMMAND = {
  name: "shards",
  usage: "list|init|split|preview <shard>|preview --all|up <shard>|up --all --stack <fleet stack> [--json]",
  options: { stack: { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" } },
  positionals: true,
} as const;

export const SHARD_COMMANDS = ["list", "init", "split", "preview", "up"] as const;
export type ShardCommand = (typeof SHARD_COMMANDS)[number];

export interface ShardsRequest {
  command: ShardCommand;
  /** The fleet stack, whose config file every shard runs with. */
  stack: string;
  /** preview/up: one shard, or undefined with `all`. */
  shard?: string;
  all: boolean;
  json: boolean;
}

/** Checks what parseArgs let through: the command, its shard or --all, --stack. */
export function shardsRequest({ values, positionals }: CommandLine<typeof COMMAND.options>): ShardsRequest {
  const [word, shard, extra] = positionals;
  if (word === undefined) throw new UsageError("name a command: list, init, split, preview or up");
  if (!SHARD_COMMANDS.includes(word as ShardCommand)) throw new UsageError(`unknown command "${word}"`);
  const command = word as ShardCommand;
  const runs = command === "preview" || command === "up";
  if (extra !== undefined || (!runs && shard !== undefined)) throw new UsageError(`unexpected argument "${extra ?? shard}"`);
  if (!runs && values.all) throw new UsageError(`--all is for preview and up, not ${command}`);
  if (values.json && command !== "list") throw new UsageError(`--json is for list, not ${command}`);
  if (runs && shard === undefined && !values.all) throw new UsageError(`${command} needs a shard or --all`);
  if (runs && shard !== undefined && values.all) throw new UsageError(`${command} takes a shard or --all, not both`);
  if (shard !== undefined && !SHARD_NAME.test(shard)) throw new UsageError(`"${shard.slice(0, 40)}" is not a shard name (1-20 of a-z, 0-9 and -)`);
  if (values.stack === undefined || values.stack.trim() === "") throw new UsageError("--stack <fleet stack> is required (the stack whose config sets shards)");
  if (values.stack.includes("/")) throw new UsageError(`--stack takes the fleet stack's short name, as in its config file Pulumi.<name>.yaml, not "${values.stack}"`);
  if (values.stack.includes(".")) throw new UsageError(`--stack names the fleet stack, not a shard's ("${values.stack}"): e.g. --stack ${values.stack.slice(0, values.stack.lastIndexOf("."))}`);
  return { command, stack: values.stack, ...(shard !== undefined ? { shard } : {}), all: values.all === true, json: values.json === true };
}
