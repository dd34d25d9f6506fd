// `npm start`'s command line: --once and --shards, alone or together; bad input gets one line, the usage line naming
// both flags, and exit 2 before anything starts. Spawned as a shell runs it.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../lib/cli/args";
import { COMMAND } from "../../scripts/start/command-line";

const ROOT = resolve(__dirname, "../..");

function start(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile("bash", ["scripts/with-env.sh", "tsx", "scripts/start.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (_error, stdout, stderr) =>
      done({ code: child.exitCode, stdout, stderr }));
  });
}

describe("npm start's command line", () => {
  it.each([
    [[], {}],
    [["--shards"], { shards: true }],
    [["--", "--once", "--shards"], { once: true, shards: true }],
  ])("accepts %j", (argv, values) => {
    expect(parseCommandLine(COMMAND, argv).values).toEqual(values);
  });

  it.concurrent.each([
    [["--shards=2"], "start: --shards takes no value"],
    [["--shard"], "start: unknown option --shard"],
    [["shards"], 'start: unexpected argument "shards"'],
  ])("answers %j with one line, the usage line and exit 2, starting nothing", async (args, message) => {
    const { code, stdout, stderr } = await start(args);
    expect(stderr.split("\n")).toEqual([message, "usage: npm run start -- [--once] [--shards]", ""]);
    expect(stdout).toBe("");
    expect(code).toBe(2);
  });
});
