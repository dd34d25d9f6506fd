// npm run demo:release: the versions it writes (a good copy of the latest release, or one whose health checks fail),
// the next version it picks, and its command line.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { load } from "js-yaml";
import { afterEach, describe, expect, it } from "vitest";
import { breakHealthChecks, knownVersions, nextVersion, writeLocalRelease } from "../../scripts/demo-release";
import { getTemplate } from "../../templates";
import { readLocalReleases } from "../../templates/local-releases";

const ROOT = resolve(__dirname, "../..");

describe("demo releases", () => {
  let folder = "";
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("writes the latest release's compose under the new version, which the registry reads as released", () => {
    folder = mkdtempSync(join(tmpdir(), "cf-demo-release-"));
    expect(writeLocalRelease(folder, "openclaw", "1.2.0", "good")).toBe("openclaw@1.2.0");
    const [entry] = readLocalReleases(folder, (id, v) => (v === "1.1.0" ? getTemplate(id, v).manifest : undefined));
    expect(entry.manifest).toMatchObject({ id: "openclaw", version: "1.2.0", status: "released" });
    const written = readFileSync(entry.composePath, "utf8");
    expect(written.split("\n").slice(1).join("\n")).toBe(readFileSync(getTemplate("openclaw", "1.1.0").composePath, "utf8"));
    expect(knownVersions(folder, "openclaw")).toContain("1.2.0");
    expect(nextVersion(knownVersions(folder, "openclaw"))).toBe("1.3.0");
  });

  it("breaks every health check and nothing else", () => {
    const original = readFileSync(getTemplate("telegram-bot", "1.1.0").composePath, "utf8");
    const broken = load(breakHealthChecks(original)) as { services: { bot: Record<string, unknown> } };
    const { healthcheck, ...rest } = broken.services.bot;
    expect(healthcheck).toMatchObject({ test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9/healthz"], retries: 2 });
    const { healthcheck: _own, ...originalRest } = (load(original) as { services: { bot: Record<string, unknown> } }).services.bot;
    expect(rest).toEqual(originalRest);
  });

  it("picks the next minor version after every known one", () => {
    expect(nextVersion(["1.0.0", "1.1.1", "1.1.0"])).toBe("1.2.0");
    expect(nextVersion(["1.10.0", "1.9.0"])).toBe("1.11.0");
  });
});

describe("npm run demo:release", () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((done) => {
    const child = execFile("bash", ["scripts/with-env.sh", "tsx", "scripts/demo-release.ts", ...args], { cwd: ROOT, timeout: 60_000 }, (_e, _out, stderr) => done({ code: child.exitCode, stderr }));
  });

  it("answers a bad kind or template with one line, the usage line and exit status 2", async () => {
    const usage = "usage: npm run demo:release -- good|broken [--template <id>]... [--no-reconcile]\n";
    expect(await run(["shiny"])).toEqual({ code: 2, stderr: `demo:release: unknown kind "shiny" (good or broken)\n${usage}` });
    expect(await run(["good", "--template", "nope"])).toEqual({ code: 2, stderr: `demo:release: unknown template "nope" (one of llm-stack, openclaw, telegram-bot)\n${usage}` });
    expect(await run(["--bad"])).toMatchObject({ code: 2 });
  }, 120_000);
});
