// Every operator command answers bad input (an unknown flag, a missing value, a value of the wrong type, a stray
// word) with one line saying what, its usage line, and exit status 2: never a stack trace. Spawned as a shell runs them.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");

const COMMANDS = {
  render: "scripts/render.ts",
  "pocketbase:check": "scripts/pocketbase-check.ts",
  "coolify:check": "scripts/coolify-check.ts",
  start: "scripts/start.ts",
  bench: "bench/run.ts",
  "coolify:emulator": "emulator/main.ts",
} as const;

type Command = keyof typeof COMMANDS;

function run(command: Command, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    // No Coolify or PocketBase in the environment: a command that got past its arguments would fail differently.
    const env = { ...process.env, COOLIFY_URL: "", COOLIFY_TOKEN: "", POCKETBASE_URL: "" };
    const child = execFile("bash", ["scripts/with-env.sh", "tsx", COMMANDS[command], ...args], { cwd: ROOT, timeout: 60_000, env }, (_error, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr }));
  });
}

const CASES: Array<[Command, string[], string]> = [
  ["render", ["--bogus"], "render: unknown option --bogus"],
  ["render", ["--template"], "render: --template needs a value"],
  ["pocketbase:check", ["--sample", "many"], 'pocketbase:check: --sample must be a whole number from 1 to 1000, got "many"'],
  ["coolify:check", ["--bogus"], "coolify:check: unknown option --bogus"],
  ["coolify:check", ["prod"], 'coolify:check: unexpected argument "prod"'],
  ["start", ["--once=true"], "start: --once takes no value"],
  ["bench", ["no-such-module"], "bench: no bench module matches no-such-module"],
  ["coolify:emulator", ["--port", "eighty"], 'coolify:emulator: --port must be a whole number from 0 to 65535, got "eighty"'],
  ["coolify:emulator", ["--coolify-version"], "coolify:emulator: --coolify-version needs a value"],
];

describe("operator commands on bad input", () => {
  it.concurrent.each(CASES)("%s %j: one line, the usage line, exit 2, no stack trace", async (command, args, message) => {
    const { code, stdout, stderr } = await run(command, args);
    expect(stderr.split("\n")).toEqual([message, expect.stringMatching(new RegExp(`^usage: npm run ${command} -- \\S`)), ""]);
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });

  it("prints the usage and exits 0 on --help", async () => {
    const { code, stdout } = await run("coolify:check", ["--help"]);
    expect(stdout).toBe("usage: npm run coolify:check -- [--stack <name>] [--owner <organisation>/<project>/<stack>] [--json]\n");
    expect(code).toBe(0);
  });
});
