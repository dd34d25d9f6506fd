// `npm run reconciler -- --stack <name> [--port 8787] [--host 127.0.0.1] [--interval <minutes>] [--work-dir <project>]`
// Runs until SIGTERM or SIGINT, which cancel the run in progress cleanly (see reconciler.ts).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startReconciler } from "./reconciler";

const USAGE = "usage: npm run reconciler -- --stack <name> [--port 8787] [--host 127.0.0.1] [--interval <minutes>] [--work-dir <project folder>]";

function options() {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      port: { type: "string", default: "8787" },
      host: { type: "string", default: "127.0.0.1" },
      interval: { type: "string" },
      "work-dir": { type: "string", default: resolve(__dirname, "..") },
    },
  });
  const port = Number(values.port);
  const interval = values.interval === undefined ? undefined : Number(values.interval);
  if (!values.stack || !Number.isInteger(port) || port < 0 || port > 65535 || (interval !== undefined && !(interval > 0))) throw new Error(USAGE);
  return { stackName: values.stack, port, host: values.host, intervalMinutes: interval, workDir: resolve(values["work-dir"]) };
}

async function main(): Promise<void> {
  const reconciler = await startReconciler(options());
  let signals = 0;
  const stop = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      process.stdout.write(`reconciler: ${signal} again; still waiting for the run in progress to stop cleanly\n`);
      return;
    }
    process.stdout.write(`reconciler: ${signal} received; stopping\n`);
    reconciler.stop().then(() => process.exit(0), (error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
