// The command line of every operator command (render, pocketbase:check, coolify:check, start, bench,
// coolify:emulator): node:util parseArgs, strict, with its errors turned into one line and a usage line on stderr,
// exit status 2, never a stack trace. `--help` prints the usage and exits 0.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** Bad input on the command line: the message says what, the usage line how. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One command: its npm name, the usage text after it, its options. */
export interface CommandSpec<O extends ParseArgsOptionsConfig> {
  /** e.g. `coolify:check`, shown as `npm run coolify:check`. */
  name: string;
  /** The arguments part of the usage line, e.g. `[--stack <name>] [--json]`. */
  usage: string;
  options: O;
  /** Whether words without a flag are accepted (bench's module filters). Default false. */
  positionals?: boolean;
}

export type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>["values"];

export interface CommandLine<O extends ParseArgsOptionsConfig> {
  values: Values<O>;
  positionals: string[];
}

/** `usage: npm run <name> -- <usage>`. */
export function usageLine(spec: CommandSpec<ParseArgsOptionsConfig>): string {
  return `usage: npm run ${spec.name} -- ${spec.usage}`;
}

/**
 * Parses argv (without node and script) strictly. Throws UsageError for an unknown option, a missing value, a value
 * given to a flag, or a word where none is accepted. A lone `--` (npm's separator) is skipped.
 */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(spec: CommandSpec<O>, argv: string[]): CommandLine<O> {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  try {
    const { values, positionals } = parseArgs({ args, options: spec.options, strict: true, allowPositionals: true });
    if (positionals.length > 0 && !spec.positionals) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return { values: values as Values<O>, positionals };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(describeParseError(error));
  }
}

/** parseArgs's messages, shortened to what the operator typed wrong. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(--?[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `unknown option ${option ?? message}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /does not take an argument/.test(message)) return `${option} takes no value`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return `${option} needs a value`;
  return message.split("\n")[0];
}

/** A whole number option within [min, max], or undefined when absent. */
export function integerOption(values: Record<string, unknown>, name: string, range: { min: number; max?: number }): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const value = Number(text);
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^-?\d+$/.test(text) || value < range.min || value > max) {
    throw new UsageError(`--${name} must be a whole number ${range.max === undefined ? `>= ${range.min}` : `from ${range.min} to ${max}`}, got "${text}"`);
  }
  return value;
}

/** Writes `<name>: <message>` and the usage line to stderr and exits 2. */
export function exitWithUsage(spec: CommandSpec<ParseArgsOptionsConfig>, message: string): never {
  process.stderr.write(`${spec.name}: ${message}\n${usageLine(spec)}\n`);
  process.exit(2);
}

/**
 * The command line of a command run from a shell: `--help` prints the usage and exits 0; bad input exits 2 with the
 * usage line. `check` may validate the values further by throwing UsageError.
 */
export function commandLine<O extends ParseArgsOptionsConfig, R = CommandLine<O>>(
  spec: CommandSpec<O>,
  argv: string[] = process.argv.slice(2),
  check?: (line: CommandLine<O>) => R,
): R {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usageLine(spec)}\n`);
    process.exit(0);
  }
  try {
    const line = parseCommandLine(spec, argv);
    return check ? check(line) : (line as R);
  } catch (error) {
    if (error instanceof UsageError) exitWithUsage(spec, error.message);
    throw error;
  }
}
