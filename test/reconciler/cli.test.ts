// The reconciler's command line: a bad flag gets the problem and the usage line, exit code 2, never a stack trace.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCli, USAGE } from "../../reconciler/cli";
import { repoRoot } from "../support/pulumi";

describe("the reconciler's command line", () => {
  it("reads the flags, with defaults", () => {
    expect(parseCli(["--stack", "prod"], "/opt/p")).toEqual({ options: { stackName: "prod", port: 8787, host: "127.0.0.1", intervalMinutes: undefined, workDir: "/opt/p" } });
    expect(parseCli(["--stack=prod", "--port", "0", "--host", "0.0.0.0", "--interval", "1440", "--work-dir", "/tmp/x"], "/opt/p")).toEqual({
      options: { stackName: "prod", port: 0, host: "0.0.0.0", intervalMinutes: 1440, workDir: "/tmp/x" },
    });
    expect(parseCli(["--help"], "/opt/p")).toEqual({ help: true });
    // npm's separator, when it reaches the script.
    expect(parseCli(["--", "--stack", "prod"], "/opt/p")).toMatchObject({ options: { stackName: "prod" } });
  });

  it("answers every bad flag with the problem, naming the flag", () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--stack <name> is required/],
      [["--stack"], /--stack/],
      [["--stack", "prod", "--bogus"], /unknown option --bogus/],
      [["--stack", "prod", "extra"], /unexpected argument "extra"/],
      [["--stack", "prod", "--port", "http"], /--port must be a whole number from 0 to 65535, got "http"/],
      [["--stack", "prod", "--port", "70000"], /got "70000"/],
      [["--stack", "prod", "--interval", "35792"], /--interval must be a whole number from 1 to 1440, got "35792"/],
      [["--stack", "prod", "--interval", "0.5"], /got "0.5"/],
      [["--stack", "prod", "--help=yes"], /--help takes no value/],
      [["--stack", "prod", "--host", ""], /--host must not be empty/],
    ];
    for (const [args, problem] of cases) {
      const parsed = parseCli(args, "/opt/p");
      expect(parsed, args.join(" ")).toHaveProperty("error");
      expect((parsed as { error: string }).error, args.join(" ")).toMatch(problem);
    }
  });

  it("prints the problem and the usage line with exit code 2, and no stack trace, when run with a bad flag", () => {
    const main = join(repoRoot, "reconciler", "main.ts");
    const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
    for (const args of [["--stack", "prod", "--bogus"], ["--port", "x"], ["--stack", "prod", "--interval", "99999"]]) {
      const run = spawnSync(tsx, [main, ...args], { encoding: "utf8", timeout: 60_000 });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(USAGE);
      expect(run.stderr).toMatch(/^reconciler: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).toBe("");
    }
    const help = spawnSync(tsx, [main, "--help"], { encoding: "utf8", timeout: 60_000 });
    expect([help.status, help.stdout.trim()]).toEqual([0, USAGE]);
  }, 120_000);
});
