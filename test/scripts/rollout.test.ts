// npm run rollout: what status prints, what pause, resume and abort do to the state (program/rollout-command.ts),
// and the command line.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { formatRollout, RolloutCommandError, rolloutJson, steerRollout } from "../../program/rollout-command";
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

  it("shows the halt of an aborted rollout as history, in text and in --json", () => {
    const aborted = steerRollout("abort", HALTED);
    expect(formatRollout(aborted, new Map([["t1", "acme"]])).split("\n").slice(0, 2)).toEqual([
      "rollout openclaw@1.2.0: aborted, wave 1 of 2",
      "  was halted: 1 of 2 tenant(s) of wave 1 not healthy (maxFailures 0): acme",
    ]);
    expect(rolloutJson(aborted)).toMatchObject({ status: "aborted", wasHaltedReason: HALTED.haltReason });
    expect(rolloutJson(aborted)).not.toHaveProperty("haltReason");
    expect(rolloutJson(HALTED)).toMatchObject({ status: "halted", haltReason: HALTED.haltReason });
    expect(rolloutJson(HALTED)).not.toHaveProperty("wasHaltedReason");
    expect(rolloutJson(undefined)).toBeNull();
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
    expect(() => steerRollout("abort", HALTED, "openclaw@1.3.0")).toThrow("rollout abort: openclaw@1.3.0 is not part of the stack's rollout openclaw@1.2.0 (halted); name one of openclaw@1.2.0, or none");
    expect(() => steerRollout("resume", undefined)).toThrow(RolloutCommandError);
  });

  it("takes one <template>@<version> of a fleet rollout's key, or the whole key, and refuses anything else naming the rollout", () => {
    const key = "llm-stack@1.1.0,openclaw@1.2.0,telegram-bot@1.1.0,platform@sha256:0123abcd";
    const fleet: RolloutState = { ...HALTED, release: key, status: "soaking", haltReason: undefined };
    expect(steerRollout("pause", fleet, "openclaw@1.2.0")).toMatchObject({ status: "paused", release: key });
    expect(steerRollout("pause", fleet, key)).toMatchObject({ status: "paused" });
    expect(() => steerRollout("pause", fleet, "openclaw@1.3.0")).toThrow(
      `rollout pause: openclaw@1.3.0 is not part of the stack's rollout ${key} (soaking); name one of llm-stack@1.1.0, openclaw@1.2.0, telegram-bot@1.1.0, or none`,
    );
    expect(() => steerRollout("pause", fleet, "openclaw")).toThrow(RolloutCommandError);
    expect(() => steerRollout("pause", fleet, "openclaw@1.2.0,llm-stack@1.1.0")).toThrow(RolloutCommandError);
  });

  it("resumes a paused rollout by soaking its moved wave from the resume, not by moving the next wave", () => {
    const paused: RolloutState = { ...HALTED, status: "paused", haltReason: undefined, soakStartedAt: "2026-12-05T03:00:00.000Z", outcomes: { t1: { wave: 0, from: { version: "1.1.0" }, result: "moved" } } };
    expect(steerRollout("resume", paused, undefined, Date.parse("2026-12-05T04:00:00.000Z"))).toMatchObject({ status: "soaking", wave: 0, soakStartedAt: "2026-12-05T04:00:00.000Z" });
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
