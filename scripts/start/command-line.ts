// The command line of `npm start`: pure apart from parseArgs (lib/cli/args.ts turns bad input into one line, the
// usage line and exit 2).
export const COMMAND = {
  name: "start",
  usage: "[--once] [--shards]",
  options: { once: { type: "boolean" }, shards: { type: "boolean" } },
} as const;
