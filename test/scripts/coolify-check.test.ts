// `npm run coolify:check` as an operator runs it, in its environment-only mode, against an emulator in this process.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { createProject } from "../../lib/coolify";
import { createProgram } from "../support/pulumi";

const ROOT = resolve(__dirname, "../..");

let emulator: CoolifyEmulator;
beforeEach(async () => {
  emulator = await startCoolifyEmulator();
});
afterEach(async () => {
  await emulator.close();
});

/** Runs the command asynchronously: the emulator answers from this process's event loop. */
function check(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile("bash", ["scripts/with-env.sh", "tsx", "scripts/coolify-check.ts", ...args], {
      cwd: ROOT, timeout: 60_000, env: { ...process.env, COOLIFY_URL: emulator.url, COOLIFY_TOKEN: emulator.token, COOLIFY_SERVER_UUID: emulator.serverUuid, ...env },
    }, (_error, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
  });
}

describe("npm run coolify:check", () => {
  it("passes against the demo's Coolify (a root token on a supported version) and exits 0", async () => {
    const { code, stdout, stderr } = await check({});
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^ok {7}Coolify 4\.3\.11, inside the supported range 4\.3\.8 to 4\.3\.11$/m);
    expect(stdout).toMatch(/^No problems \(0 warning\(s\)\): the program can deploy to this Coolify\.$/m);
    expect(code).toBe(0);
  });

  it("exits 1 naming an unsupported version, a token without write and an unknown server, each with its fix", async () => {
    emulator.store.settings.coolifyVersion = "4.2.0";
    const token = emulator.store.addToken({ team: 0, abilities: ["read", "deploy", "read:sensitive"] });
    const { code, stdout } = await check({ COOLIFY_TOKEN: token, COOLIFY_SERVER_UUID: "gone0000000000000000000" });
    expect(stdout).toContain("PROBLEM  Coolify 4.2.0 is outside the supported range 4.3.8 to 4.3.11");
    expect(stdout).toContain("PROBLEM  the token lacks the write ability");
    expect(stdout).toContain("PROBLEM  server gone0000000000000000000 does not exist in this token's team");
    expect(stdout.match(/^ {9}fix: /gm)).toHaveLength(3);
    expect(stdout).toMatch(/^3 problem\(s\), 0 warning\(s\): the program cannot run against this Coolify as it is\.$/m);
    expect(code).toBe(1);
  });

  it("exits 1 on a disabled API and prints JSON with --json", async () => {
    emulator.store.setApiEnabled(false);
    const { code, stdout } = await check({}, "--json");
    const out = JSON.parse(stdout) as { ok: boolean; findings: Array<{ level: string; check: string; fix?: string }> };
    expect(out.ok).toBe(false);
    expect(out.findings.filter((f) => f.level === "problem")).toEqual([expect.objectContaining({ check: "api", fix: expect.stringContaining("API Access") })]);
    expect(code).toBe(1);
  });

  it("reads the connection from the selected stack's config and counts the projects carrying that stack's marker", async () => {
    const conn = { url: emulator.url, token: emulator.token, rateLimitPerMinute: 0 };
    await createProject(conn, { name: "Tenant acme", description: "(managed by cloudfreedom-agents stack=organization/cloudfreedom-agents/test)" });
    const program = await createProgram({
      project: "cloudfreedom-agents",
      source: "export {};\n",
      config: { coolifyUrl: emulator.url, coolifyServerUuid: emulator.serverUuid, coolifyDestinationUuid: "not-a-destination" },
      secrets: { coolifyToken: emulator.token },
    });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_BACKEND_URL: `file://${program.backendDir}`, PULUMI_CONFIG_PASSPHRASE: "test-passphrase" };
      for (const key of ["COOLIFY_URL", "COOLIFY_TOKEN", "COOLIFY_SERVER_UUID"]) delete env[key];
      const run = await new Promise<{ code: number | null; stdout: string }>((done) => {
        const child = execFile("tsx", [resolve(ROOT, "scripts/coolify-check.ts"), "--stack", "test"], { cwd: program.workDir, env, timeout: 60_000 }, (_error, stdout) => done({ code: child.exitCode, stdout }));
      });
      expect(run.stdout).toContain("ok       1 project(s) and 0 service(s) carry this stack's marker (organization/cloudfreedom-agents/test)");
      expect(run.stdout).toContain("PROBLEM  coolifyDestinationUuid not-a-destination is not a destination of server localhost");
      expect(run.stdout).not.toContain(emulator.token.split("|")[1]);
      expect(run.code).toBe(1);
    } finally {
      program.dispose();
    }
  });
});
