// npm run rollout: what status prints, what pause, resume and abort do to the state (program/rollout-command.ts),
// and the command line.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatRollout, RolloutCommandError, steerRollout } from "../../program/rollout-command";
import type { RolloutState } from "../../program/rollout";

const ROOT = resolve(__dirname, "../..");
const HALTED: RolloutState = {
  release: "openclaw@1.2.0", status: "halted", wave: 0, waves: [["t1", "t2"], ["t3"]],
  outcomes: { t1: { wave: 0, from: { version: "1.1.0" }, result: "reverted" }, t2: { wave: 0, from: { version: "1.1.0" }, result: "moved" } },
  haltReason: "1 of 2 tenant(s) of wave 1 not healthy (maxFailures 0): acme",
};

describe("rollout status", () => {
  it("shows the release, state, wave, halt reason and each wave's tenants with their outcome", () => {
    expect(formatRollout(HALTED, new Map([["t1", "acme"], ["t2", "bolt"], ["t3", "chirp"]]))).toBe([
      "rollout openclaw@1.2.0: halted, wave 1 of 2",
      "  halted: 1 of 2 tenant(s) of wave 1 not healthy (maxFailures 0): acme",
      "  wave 1: acme (reverted to 1.1.0), bolt (moved)",
      "  wave 2: chirp",
    ].join("\n"));
    expect(formatRollout(undefined)).toBe("no rollout recorded for this stack");
  });
});

describe("rollout pause, resume, abort", () => {
  it("resumes a halted rollout with its next wave, pauses a soaking one, aborts one under way", () => {
    expect(steerRollout("resume", HALTED)).toMatchObject({ status: "running", wave: 1 });
    expect(steerRollout("resume", HALTED)).not.toHaveProperty("haltReason");
    expect(steerRollout("pause", { ...HALTED, status: "soaking" })).toMatchObject({ status: "paused" });
    expect(steerRollout("abort", HALTED, "openclaw@1.2.0")).toMatchObject({ status: "aborted" });
  });

  it("refuses what would change nothing, another release, or no rollout at all", () => {
    expect(() => steerRollout("pause", HALTED)).toThrow(/is halted, which pause does not change/);
    expect(() => steerRollout("abort", HALTED, "openclaw@1.3.0")).toThrow(/the stack's rollout is openclaw@1.2.0, not openclaw@1.3.0/);
    expect(() => steerRollout("resume", undefined)).toThrow(RolloutCommandError);
  });
});

describe("npm run rollout", () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = execFile("bash", ["scripts/with-env.sh", "tsx", "scripts/rollout.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (_e, _out, stderr) => done({ code: child.exitCode, stderr }));
  });

  it("answers a bad action with one line, the usage line and exit status 2", async () => {
    expect(await run(["promote"])).toEqual({ code: 2, stderr: 'rollout: unknown action "promote"\nusage: npm run rollout -- status|pause|resume|abort [<template>@<version>] [--stack <name>] [--json]\n' });
    expect((await run([])).stderr).toMatch(/^rollout: name an action: status, pause, resume or abort\n/);
  }, 120_000);
});
