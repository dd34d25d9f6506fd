// Issue 21 on a real Docker engine (the emulator in docker mode, stand-in images, their own health checks), with a
// real PocketBase and `pulumi up` of the program with config rollout. Four telegram-bot tenants run the latest
// release, 1.2.0: echo in the canary ring, chirp and dove unpinned, fern pinned to 1.2.0; bolt (openclaw) beside
// them. Releases come from a local folder (templates/local-releases.ts, the test-only CLOUDFREEDOM_LOCAL_RELEASES),
// made by the demo's own scripts/demo-release.ts: a broken 1.3.0, whose health check can never pass, halts after
// the canary wave, the canary goes back to 1.2.0 and runs healthy, and no other container restarts; after the
// operator's abort a good 1.4.0 reaches chirp and dove one wave per run, never faster than the soak, and fern never.
// The good releases (1.2.0, 1.4.0) are 1.1.0 with its own health check probing every 2 s instead of every 60 s
// (test/support/quick-release.ts), so an up waits seconds for a healthy bot, not a minute; bolt runs a quick release
// of openclaw (1.2.0, every 2 s instead of 15 s) from its first up on; the broken one is judged at the end of the
// health timeout, so that is short too. The steps share one platform and run in order.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../lib/tenants/collections";
import { connect } from "../../lib/tenants/connection";
import { listRollouts, putRollout } from "../../lib/tenants/rollouts";
import { steerRollout } from "../../program/rollout-command";
import type { RolloutState } from "../../program/rollout";
import { writeLocalRelease } from "../../scripts/demo-release";
import { getTemplate } from "../../templates";
import { LOCAL_RELEASES_VARIABLE } from "../../templates/local-releases";
import { dockerEngineSkipReason } from "../support/docker-engine";
import { startDockerPlatform, type DockerPlatform } from "../support/emulator-docker-platform";
import { failure } from "../support/engine";
import { provisioningRecordOf } from "../support/platform";
import { writeQuickRelease } from "../support/quick-release";

const skip = dockerEngineSkipReason();
const UP_TIMEOUT = 600_000;
const BOTS = ["chirp", "dove", "echo", "fern"];
const ALL = [...BOTS, "bolt"];
// An up's health wait: bolt and the bots (2 s probes) are healthy well within it. The broken canary
// waits all of it, so its up runs with a shorter one: its check fails within seconds (2 s probes, 2 retries).
const HEALTH_TIMEOUT_SECONDS = "45";
const BROKEN_HEALTH_TIMEOUT_SECONDS = "20";
const BASE = "telegram-bot@1.2.0";
const BROKEN = "telegram-bot@1.3.0";
const GOOD = "telegram-bot@1.4.0";

/** One container as `docker inspect` reports it: what marks its version and whether it restarted. */
interface Container {
  id: string;
  startedAt: string;
  template: string;
  health: string;
}

describe.skipIf(skip)(`a rollout on a real engine: a broken release halts after its canaries, a good one moves in waves${skip ? ` — ${skip}` : ""}`, () => {
  let platform: DockerPlatform;
  let pb: PocketBase;
  const releases = mkdtempSync(join(tmpdir(), "cf-local-releases-"));
  const uuids: Record<string, string> = {};

  async function container(slug: string): Promise<Container> {
    const ids = (await platform.engine.docker(["ps", "-q", "--filter", `label=com.docker.compose.project=${uuids[slug]}`])).stdout.split("\n").filter(Boolean);
    expect(ids, `${slug}: one running container`).toHaveLength(1);
    const format = '{{.Id}}|{{.State.StartedAt}}|{{index .Config.Labels "cloudfreedom.template"}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}';
    const [id, startedAt, template, health] = (await platform.engine.docker(["inspect", ids[0], "--format", format])).stdout.trim().split("|");
    return { id, startedAt, template, health };
  }
  const containers = async (slugs: string[]): Promise<Record<string, Container>> => Object.fromEntries(await Promise.all(slugs.map(async (slug) => [slug, await container(slug)] as const)));
  /** id and start time only: equal means the container was neither recreated nor restarted. */
  const starts = async (slugs: string[]) => Object.fromEntries(Object.entries(await containers(slugs)).map(([slug, c]) => [slug, `${c.id} ${c.startedAt}`]));
  const templates = async (slugs: string[]) => Object.fromEntries(Object.entries(await containers(slugs)).map(([slug, c]) => [slug, c.template]));
  const refs = async (slugs: string[]) => Object.fromEntries(await Promise.all(slugs.map(async (slug) => [slug, (await provisioningRecordOf(pb, slug)).template_ref as string])));
  const rollout = async () => (await pb.collection(ROLLOUTS_COLLECTION).getFullList())[0];
  const setRollout = (policy: Record<string, number>) => platform.program.stack.setConfig("rollout", { value: JSON.stringify(policy) });
  const up = async () => {
    const result = await platform.program.stack.up();
    expect(result.summary.result).toBe("succeeded");
    return result;
  };

  beforeAll(async () => {
    platform = await startDockerPlatform({ healthTimeoutSeconds: HEALTH_TIMEOUT_SECONDS, rollout: JSON.stringify({ fraction: 0.5, soakMinutes: 30, maxFailures: 0 }) });
    (platform.program.stack.workspace as LocalWorkspace).envVars[LOCAL_RELEASES_VARIABLE] = releases;
    expect(writeQuickRelease(releases, "telegram-bot", "1.2.0")).toBe(BASE);
    expect(writeQuickRelease(releases, "openclaw", "1.2.0")).toBe("openclaw@1.2.0");
    pb = await connect(platform.pocketbase);
    // acme's llm-stack is no part of this story and the slowest stack to start.
    await pb.collection("tenants").delete((await pb.collection("tenants").getFirstListItem('slug = "acme"')).id);
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    const bot = (slug: string, n: number, fields: Record<string, unknown>) => pb.collection("tenants").create({
      slug, name: slug, status: "active", plan: starter.id, template: "telegram-bot", settings: {}, telegram_allow_from: [`10000000${n}`],
      telegram_bot_token: `22345678${n}:AAFakeDemoTokenFor${slug.padEnd(5, "x")}Telegram000${n}`, ai_router_key: `sk-${slug}-router-key-not-real-000${n}`, ...fields,
    });
    await bot("dove", 4, {});
    await bot("echo", 5, { rollout_ring: "canary" });
    await bot("fern", 6, { template_version: "1.2.0" });
    await up();
    for (const slug of ALL) uuids[slug] = (await provisioningRecordOf(pb, slug)).coolify_service_uuid as string;
    expect(await templates(BOTS)).toEqual({ chirp: BASE, dove: BASE, echo: BASE, fern: BASE });
    // The released 1.1.0's own check command, probed every 2 s.
    const released = load(readFileSync(getTemplate("telegram-bot", "1.1.0").composePath, "utf8")) as { services: { bot: { healthcheck: { test: string[] } } } };
    const check = JSON.parse((await platform.engine.docker(["inspect", (await container("echo")).id, "--format", "{{json .Config.Healthcheck}}"])).stdout) as { Test: string[]; Interval: number };
    expect(check).toMatchObject({ Test: released.services.bot.healthcheck.test, Interval: 2e9 });
  }, 2 * UP_TIMEOUT);
  afterAll(async () => {
    await platform?.dispose();
    rmSync(releases, { recursive: true, force: true });
  }, 180_000);

  it("moves only the canary onto a release whose health check fails; its container stays unhealthy and the up fails", async () => {
    const others = await starts(["chirp", "dove", "fern", "bolt"]);
    expect(writeLocalRelease(releases, "telegram-bot", "1.3.0", "broken")).toBe(BROKEN);
    // A changed health wait updates each service's state in place, no restart (providers/service.ts PATCHED).
    await platform.program.stack.setConfig("healthTimeoutSeconds", { value: BROKEN_HEALTH_TIMEOUT_SECONDS });
    let refused: string;
    try {
      refused = await failure(platform.program.stack.up());
    } finally {
      await platform.program.stack.setConfig("healthTimeoutSeconds", { value: HEALTH_TIMEOUT_SECONDS });
    }
    expect(refused).toContain("did not become running:healthy");
    expect(refused).toContain("echo");
    expect(await container("echo")).toMatchObject({ template: BROKEN, health: "unhealthy" });
    expect((await provisioningRecordOf(pb, "echo")).status).toBe("running:unhealthy");
    // Halted at the end of the up that moved the wave (program/rollout-run.ts recordWaveOutcome); the next run sends it back.
    expect(await rollout()).toMatchObject({ status: "halted", wave: 0 });
    expect(await starts(["chirp", "dove", "fern", "bolt"])).toEqual(others);
  }, UP_TIMEOUT);

  it("the next run returns the canary to 1.2.0 healthy, the rollout stays halted, and no other container restarts", async () => {
    const others = await starts(["chirp", "dove", "fern", "bolt"]);
    const broken = await container("echo");
    await up();
    const echo = await container("echo");
    expect(echo).toMatchObject({ template: BASE, health: "healthy" });
    expect(echo.id).not.toBe(broken.id);
    expect(await refs(BOTS)).toEqual({ chirp: BASE, dove: BASE, echo: BASE, fern: BASE });
    expect((await provisioningRecordOf(pb, "echo")).status).toBe("running:healthy");
    expect(await rollout()).toMatchObject({ status: "halted", release: expect.stringContaining(BROKEN), halt_reason: expect.stringContaining("not healthy (maxFailures 0): echo") });
    expect(await starts(["chirp", "dove", "fern", "bolt"])).toEqual(others);

    // Halted: a further run moves and restarts no one, the canary included.
    const all = await starts(ALL);
    await up();
    expect(await starts(ALL)).toEqual(all);
    expect((await rollout()).status).toBe("halted");
  }, 2 * UP_TIMEOUT);

  it("after the operator's abort, a good release moves the canary first and no one else while the wave soaks", async () => {
    const [stored] = await listRollouts<RolloutState>(platform.pocketbase);
    await putRollout(platform.pocketbase, stored.stack, steerRollout("abort", stored.state));
    const others = await starts(["chirp", "dove", "fern", "bolt"]);
    expect(writeQuickRelease(releases, "telegram-bot", "1.4.0")).toBe(GOOD);
    await up();
    expect(await container("echo")).toMatchObject({ template: GOOD, health: "healthy" });
    expect(await starts(["chirp", "dove", "fern", "bolt"])).toEqual(others);
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0, release: expect.stringContaining(GOOD) });

    // soakMinutes 30: the next run moves no one.
    const all = await starts(ALL);
    await up();
    expect(await starts(ALL)).toEqual(all);
    expect(await templates(BOTS)).toEqual({ chirp: BASE, dove: BASE, echo: GOOD, fern: BASE });
  }, 2 * UP_TIMEOUT);

  it("once the soak is over, moves one further wave per run until every unpinned tenant runs it; the pinned one never moves", async () => {
    await setRollout({ fraction: 0.5, soakMinutes: 0, maxFailures: 0 });
    const fixed = await starts(["fern", "bolt"]);
    await up();
    const second = await templates(["chirp", "dove"]);
    // The second wave is half the non-canary tenants behind (rounded up): one of chirp and dove, the other waits.
    expect(Object.values(second).sort()).toEqual([BASE, GOOD]);
    const [waiting] = Object.entries(second).find(([, template]) => template === BASE)!;
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 1 });

    await up();
    expect(await containers(BOTS)).toMatchObject({
      chirp: { template: GOOD, health: "healthy" },
      dove: { template: GOOD, health: "healthy" },
      echo: { template: GOOD, health: "healthy" },
      fern: { template: BASE, health: "healthy" },
    });
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 2 });
    expect((await rollout()).state.waves[2]).toEqual([(await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug: waiting }))).id]);

    await up();
    expect(await rollout()).toMatchObject({ status: "done" });
    expect(await starts(["fern", "bolt"])).toEqual(fixed);
    expect(await refs(BOTS)).toEqual({ chirp: GOOD, dove: GOOD, echo: GOOD, fern: BASE });
  }, 3 * UP_TIMEOUT);
});
