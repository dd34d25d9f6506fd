// `npm run reconciler -- --stack <name> [--port 8787] [--host 127.0.0.1] [--interval <minutes>] [--work-dir <project>]`
// Runs until SIGTERM or SIGINT, which cancel the run in progress cleanly (see reconciler.ts).
// Exit codes: 0 stopped cleanly (or --help), 1 failed to start or to stop, 2 a bad command line.
import { resolve } from "node:path";
import { parseCli, USAGE } from "./cli";
import { startReconciler } from "./reconciler";

async function main(): Promise<void> {
  const parsed = parseCli(process.argv.slice(2), resolve(__dirname, ".."));
  if ("help" in parsed) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if ("error" in parsed) {
    process.stderr.write(`reconciler: ${parsed.error}\n${USAGE}\n`);
    process.exit(2);
  }
  const reconciler = await startReconciler(parsed.options);
  let signals = 0;
  const stop = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      process.stdout.write(`reconciler: ${signal} again; still waiting for the run in progress to stop cleanly\n`);
      return;
    }
    process.stdout.write(`reconciler: ${signal} received; stopping\n`);
    reconciler.stop().then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`reconciler: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(`reconciler: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
