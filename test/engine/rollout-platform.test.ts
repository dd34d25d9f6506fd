// Issue 21, a platform value rolled out in waves, through the real engine, a real PocketBase and the Coolify
// emulator: with config rollout set from the first up (so every record keeps the values its stack was rendered
// with), a change of aiRouterUrl reaches the canary ring first (echo), then the fraction, then the rest, each wave
// only after the soak; and a canary that does not become healthy halts the rollout, goes back to the URL it ran,
// and its agent_provisioning.status_reason names the rollout, that it halted and why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../lib/tenants/collections";
import { ENGINE_TIMEOUT } from "../support/engine";
import { provisioningRecordOf, startPlatform, type Platform } from "../support/platform";

const OLD_URL = "https://ai.cloudfreedom.test/v1";
const NEW_URL = "https://ai2.cloudfreedom.test/v1";
const SLUGS = ["acme", "bolt", "chirp", "echo"];

async function startWithEcho(rollout: object): Promise<Platform> {
  const platform = await startPlatform({ config: { rollout: JSON.stringify(rollout) } });
  const pb = await platform.admin();
  const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
  await pb.collection("tenants").create({
    slug: "echo", name: "Echo", status: "active", plan: starter.id, template: "telegram-bot", settings: {},
    telegram_bot_token: "223456789:AAFakeDemoTokenForEchoTelegram00005", telegram_allow_from: ["100000005"], ai_router_key: "sk-echo-router-key-not-real-0005",
    rollout_ring: "canary",
  });
  const first = await platform.program.stack.up();
  expect(first.summary.result).toBe("succeeded");
  return platform;
}

function helpers(platform: () => Platform) {
  const service = (slug: string) => platform().coolify.store.findServices({ name: `cf-${slug}` })[0];
  /** The tenants whose deployed stack carries the new AI Router URL. */
  const onNewUrl = () => SLUGS.filter((slug) => JSON.stringify(service(slug).envs ?? {}).includes(NEW_URL) || service(slug).dockerComposeRaw.includes(NEW_URL));
  const rollout = async () => (await (await platform().admin()).collection(ROLLOUTS_COLLECTION).getFullList())[0];
  const record = async (slug: string) => provisioningRecordOf(await platform().admin(), slug);
  return { service, onNewUrl, rollout, record };
}

describe("a change of aiRouterUrl rolled out in waves", () => {
  let platform: Platform;
  const { service, onNewUrl, rollout, record } = helpers(() => platform);

  beforeAll(async () => {
    platform = await startWithEcho({ fraction: 0.5, soakMinutes: 30 });
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("records the values each stack was rendered with, and every stack runs the old URL", async () => {
    expect(onNewUrl()).toEqual([]);
    for (const slug of SLUGS) expect((await record(slug)).applied_spec).toMatchObject({ platform: { aiRouterUrl: OLD_URL, baseDomain: "agents.cloudfreedom.test" } });
    expect(await rollout()).toBeUndefined();
  });

  it("moves only the canary wave when aiRouterUrl changes, and leaves every other stack byte for byte", async () => {
    const before = Object.fromEntries(SLUGS.map((slug) => [slug, { compose: service(slug).dockerComposeRaw, envs: JSON.stringify(service(slug).envs) }]));
    await platform.program.stack.setConfig("aiRouterUrl", { value: NEW_URL });
    expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
    expect(onNewUrl()).toEqual(["echo"]);
    for (const slug of ["acme", "bolt", "chirp"]) expect({ compose: service(slug).dockerComposeRaw, envs: JSON.stringify(service(slug).envs) }).toEqual(before[slug]);
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0, release: expect.stringMatching(/,platform@sha256:[0-9a-f]{12}$/) });
    // Recorded again once the up's tenant steps were over: the soak counts from the wave's outcome.
    expect((await rollout()).state).toMatchObject({ settled: true });
    expect((await record("echo")).applied_spec).toMatchObject({ platform: { aiRouterUrl: NEW_URL } });
    expect((await record("acme")).applied_spec).toMatchObject({ platform: { aiRouterUrl: OLD_URL } });
  }, ENGINE_TIMEOUT);

  it("moves no one else before the soak is over", async () => {
    expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
    expect(onNewUrl()).toEqual(["echo"]);
    expect((await rollout()).status).toBe("soaking");
  }, ENGINE_TIMEOUT);

  it("moves the next wave, then the last, once each has soaked, then is done", async () => {
    await platform.program.stack.setConfig("rollout", { value: JSON.stringify({ fraction: 0.5, soakMinutes: 0 }) });
    expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
    expect(onNewUrl()).toHaveLength(3);
    expect((await rollout())).toMatchObject({ wave: 1 });
    expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
    expect(onNewUrl()).toEqual(SLUGS);
    await platform.program.stack.up();
    expect(await rollout()).toMatchObject({ status: "done" });
  }, 3 * ENGINE_TIMEOUT);
});

describe("a change of aiRouterUrl whose canary does not become healthy", () => {
  let platform: Platform;
  const { service, onNewUrl, rollout, record } = helpers(() => platform);

  beforeAll(async () => {
    platform = await startWithEcho({ fraction: 0.5, soakMinutes: 0 });
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("halts after the canary wave, returns the canary to the URL it ran, and names the rollout on the tenant's record", async () => {
    const others = Object.fromEntries(["acme", "bolt", "chirp"].map((slug) => [slug, service(slug).dockerComposeRaw + JSON.stringify(service(slug).envs)]));
    await platform.program.stack.setConfig("aiRouterUrl", { value: NEW_URL });
    platform.coolify.faults.markContainer("bot", "unhealthy", service("echo").uuid);
    await platform.program.stack.up().catch(() => undefined);
    expect(onNewUrl()).toEqual(["echo"]);
    expect((await record("echo")).status).not.toBe("running:healthy");
    // The halt is recorded at the end of the up that moved the wave, before the next run sends the canary back.
    expect(await rollout()).toMatchObject({ status: "halted", halt_reason: expect.stringContaining("not healthy (maxFailures 0): echo") });

    platform.coolify.faults.clearContainer("bot", service("echo").uuid);
    await platform.program.stack.up();
    expect(onNewUrl()).toEqual([]);
    const halted = await rollout();
    expect(halted).toMatchObject({ status: "halted", halt_reason: expect.stringContaining("not healthy (maxFailures 0): echo") });
    const echo = await record("echo");
    expect(echo.status).toBe("running:healthy");
    expect(echo.status_reason).toContain(`rollout ${halted.release} halted at wave 1`);
    expect(echo.status_reason).toContain("not healthy (maxFailures 0): echo");
    expect(echo.applied_spec).toMatchObject({ platform: { aiRouterUrl: OLD_URL } });

    // Halted: the next run moves no one, and the other tenants were never touched.
    await platform.program.stack.up();
    expect(onNewUrl()).toEqual([]);
    for (const slug of Object.keys(others)) expect(service(slug).dockerComposeRaw + JSON.stringify(service(slug).envs)).toBe(others[slug]);
  }, 3 * ENGINE_TIMEOUT);
});
