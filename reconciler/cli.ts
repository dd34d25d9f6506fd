// The reconciler's command line: every bad flag is answered with the problem and the usage line, never a stack trace.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { NUMBER_SETTINGS } from "./config";

export const USAGE =
  "usage: npm run reconciler -- --stack <name> [--port 8787] [--host 127.0.0.1] [--interval <minutes>] [--work-dir <project folder>]";

export interface CliOptions {
  stackName: string;
  port: number;
  host: string;
  intervalMinutes?: number;
  workDir: string;
}

export type CliParse = { options: CliOptions } | { help: true } | { error: string };

/** Parses the arguments after `main.ts`; `defaultWorkDir` is the project folder (this repository). */
export function parseCli(args: string[], defaultWorkDir: string): CliParse {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        port: { type: "string", default: "8787" },
        host: { type: "string", default: "127.0.0.1" },
        interval: { type: "string" },
        "work-dir": { type: "string", default: defaultWorkDir },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return { help: true };
  const text = (key: string) => (typeof values[key] === "string" ? (values[key] as string) : "");
  if (text("stack").trim() === "") return { error: "--stack <name> is required" };
  if (!/^\d+$/.test(text("port")) || Number(text("port")) > 65535) return { error: `--port "${text("port")}" must be a whole number from 0 to 65535` };
  if (text("host").trim() === "") return { error: "--host must not be empty" };
  let intervalMinutes: number | undefined;
  if (values.interval !== undefined) {
    const { min, max } = NUMBER_SETTINGS.reconcileIntervalMinutes;
    intervalMinutes = /^\d+$/.test(text("interval")) ? Number(text("interval")) : Number.NaN;
    if (!(intervalMinutes >= min && intervalMinutes <= max)) return { error: `--interval "${text("interval")}" must be a whole number of minutes from ${min} to ${max}` };
  }
  if (text("work-dir").trim() === "") return { error: "--work-dir must not be empty" };
  return { options: { stackName: text("stack"), port: Number(text("port")), host: text("host"), intervalMinutes, workDir: resolve(text("work-dir")) } };
}
