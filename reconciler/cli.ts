// The reconciler's command line, parsed like every operator command (lib/cli/args.ts): a bad flag is answered with
// the problem and the usage line, exit status 2, never a stack trace.
import { resolve } from "node:path";
import { integerOption, parseCommandLine, usageLine, UsageError, type CommandSpec } from "../lib/cli/args";
import { NUMBER_SETTINGS } from "./config";

const SPEC = {
  name: "reconciler",
  usage: "--stack <name> [--port 8787] [--host 127.0.0.1] [--interval <minutes>] [--work-dir <project folder>]",
  options: {
    stack: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    interval: { type: "string" },
    "work-dir": { type: "string" },
    help: { type: "boolean" },
  },
} as const satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

export const USAGE = usageLine(SPEC);

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
  try {
    const { values } = parseCommandLine(SPEC, args);
    if (values.help) return { help: true };
    const nonEmpty = (name: "stack" | "host" | "work-dir", fallback?: string) => {
      const value = values[name] ?? fallback;
      if (value === undefined || value.trim() === "") throw new UsageError(name === "stack" ? "--stack <name> is required" : `--${name} must not be empty`);
      return value;
    };
    const { min, max } = NUMBER_SETTINGS.reconcileIntervalMinutes;
    return {
      options: {
        stackName: nonEmpty("stack"),
        port: integerOption(values, "port", { min: 0, max: 65535 }) ?? 8787,
        host: nonEmpty("host", "127.0.0.1"),
        intervalMinutes: integerOption(values, "interval", { min, max }),
        workDir: resolve(nonEmpty("work-dir", defaultWorkDir)),
      },
    };
  } catch (error) {
    if (error instanceof UsageError) return { error: error.message };
    throw error;
  }
}
