// `npm run rollout -- pause | resume | abort` against a real PocketBase and the stack of a real program (the Coolify
// emulator's model, no Docker): the command changes the stack's agent_rollouts record, and the next `pulumi up` holds
// (pause, abort) or goes on (resume). Two telegram-bot tenants on 1.1.0, echo in the canary ring; releases come from a
// local folder (templates/local-releases.ts). The steps share one platform and run in order.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../lib/tenants/collections";
import { writeLocalRelease } from "../../scripts/demo-release";
import { LOCAL_RELEASES_VARIABLE } from "../../templates/local-releases";
import { ENGINE_TIMEOUT } from "../support/engine";
import { provisioningRecordOf, startPlatform, type Platform } from "../support/platform";
import { repoRoot } from "../support/pulumi";

describe("npm run rollout steers the next run", () => {
  let platform: Platform;
  let pb: PocketBase;
  const releases = mkdtempSync(join(tmpdir(), "cf-local-releases-"));
  const refs = async () => Object.fromEntries(await Promise.all(["chirp", "echo"].map(async (slug) => [slug, (await provisioningRecordOf(pb, slug)).template_ref as string])));
  const rollout = async () => (await pb.collection(ROLLOUTS_COLLECTION).getFullList())[0];
  const up = async () => expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
  /** The command as an operator runs it in the program's folder, with the stack's backend and passphrase. */
  const command = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const env = { ...process.env, ...(platform.program.stack.workspace as LocalWorkspace).envVars };
    const child = execFile("bash", [join(repoRoot, "scripts/with-env.sh"), "tsx", join(repoRoot, "scripts/rollout.ts"), ...args, "--stack", "test"], { cwd: platform.program.workDir, env, timeout: 120_000 }, (_e, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }));
  });

  beforeAll(async () => {
    platform = await startPlatform({ config: { rollout: JSON.stringify({ fraction: 1, soakMinutes: 0, maxFailures: 0 }) } });
    (platform.program.stack.workspace as LocalWorkspace).envVars[LOCAL_RELEASES_VARIABLE] = releases;
    pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({
      slug: "echo", name: "Echo", status: "active", plan: starter.id, template: "telegram-bot", settings: {}, rollout_ring: "canary",
      telegram_bot_token: "223456789:AAFakeDemoTokenForEchoTelegram00005", telegram_allow_from: ["100000005"], ai_router_key: "sk-echo-router-key-not-real-0005",
    });
    await up();
    writeLocalRelease(releases, "telegram-bot", "1.2.0", "good");
    await up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.0", echo: "telegram-bot@1.2.0" });
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0 });
  }, 3 * ENGINE_TIMEOUT);
  afterAll(async () => {
    await platform?.dispose();
    rmSync(releases, { recursive: true, force: true });
  });

  it("pause: the record says paused and the next run moves no one", async () => {
    const paused = await command(["pause"]);
    expect(paused.stderr).toBe("");
    expect(paused.stdout).toMatch(/^rollout \S*telegram-bot@1\.2\.0\S*: paused, wave 1 of 2\n {2}wave 1: echo \(moved\)\n {2}wave 2: chirp\n$/);
    expect(await rollout()).toMatchObject({ status: "paused", wave: 0 });
    await up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.0", echo: "telegram-bot@1.2.0" });
    expect(await rollout()).toMatchObject({ status: "paused" });
  }, 2 * ENGINE_TIMEOUT);

  it("refuses a second pause and another release's name, and changes nothing", async () => {
    expect(await command(["pause"])).toMatchObject({ code: 1, stderr: expect.stringContaining("is paused, which pause does not change") });
    expect(await command(["resume", "openclaw@9.9.9"])).toMatchObject({ code: 1, stderr: expect.stringContaining("openclaw@9.9.9 is not part of the stack's rollout") });
    expect(await rollout()).toMatchObject({ status: "paused" });
  }, 2 * ENGINE_TIMEOUT);

  it("resume, naming the release by its template and version: the wave soaks again (0 min here), then the next run moves the next wave", async () => {
    const resumed = await command(["resume", "telegram-bot@1.2.0"]);
    expect(resumed.stdout).toMatch(/: soaking, wave 1 of 2\n/);
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0 });
    await up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.2.0", echo: "telegram-bot@1.2.0" });
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 1 });
  }, 2 * ENGINE_TIMEOUT);

  it("abort: a newer release's rollout, aborted after its canary, moves no one further", async () => {
    writeLocalRelease(releases, "telegram-bot", "1.3.0", "good");
    await up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.2.0", echo: "telegram-bot@1.3.0" });
    const aborted = await command(["abort"]);
    expect(aborted.stdout).toMatch(/telegram-bot@1\.3\.0\S*: aborted, wave 1 of 2\n/);
    expect(await rollout()).toMatchObject({ status: "aborted", release: expect.stringContaining("telegram-bot@1.3.0") });
    await up();
    await up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.2.0", echo: "telegram-bot@1.3.0" });
    expect(await rollout()).toMatchObject({ status: "aborted" });
  }, 3 * ENGINE_TIMEOUT);
});
