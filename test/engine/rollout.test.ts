// Issue 21 through the real engine, a real PocketBase and the Coolify emulator. Two telegram-bot tenants (chirp and
// echo) deployed before config rollout on 1.1.1 (a draft, allowed in tests; the 1.0.0 versions do not start in the
// emulator), then unpinned with config rollout set: the latest release (1.1.0) reaches them in waves (echo in the
// canary ring first, then chirp), no faster than the soak; a tenant's own change meanwhile applies at
// once at the version it runs; agent_rollouts records each step. The steps share one platform and run in order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLLOUTS_COLLECTION } from "../../lib/tenants/collections";
import { ENGINE_TIMEOUT } from "../support/engine";
import { provisioningRecordOf, startPlatform, updateTenant, type Platform } from "../support/platform";

const BOTS = ["chirp", "echo"];

describe("a release rolled out in waves", () => {
  let platform: Platform;
  const refs = async () => Object.fromEntries(await Promise.all(BOTS.map(async (slug) => [slug, (await provisioningRecordOf(await platform.admin(), slug)).template_ref as string])));
  const rollout = async () => (await (await platform.admin()).collection(ROLLOUTS_COLLECTION).getFullList())[0];
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];

  beforeAll(async () => {
    platform = await startPlatform();
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({
      slug: "echo", name: "Echo", status: "active", plan: starter.id, template: "telegram-bot", template_version: "1.1.1", settings: {},
      telegram_bot_token: "223456789:AAFakeDemoTokenForEchoTelegram00005", telegram_allow_from: ["100000005"], ai_router_key: "sk-echo-router-key-not-real-0005",
      rollout_ring: "canary",
    });
    await updateTenant(pb, "chirp", { template_version: "1.1.1" });
    const first = await platform.program.stack.up();
    expect(first.summary.result).toBe("succeeded");
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("moves only the first wave when the pins are lifted, and records the rollout soaking", async () => {
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.1", echo: "telegram-bot@1.1.1" });
    await platform.program.stack.setConfig("rollout", { value: JSON.stringify({ fraction: 0.5, soakMinutes: 30 }) });
    for (const slug of BOTS) await updateTenant(await platform.admin(), slug, { template_version: "" });
    const up = await platform.program.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.1", echo: "telegram-bot@1.1.0" });
    expect(await rollout()).toMatchObject({ status: "soaking", wave: 0, release: expect.stringMatching(/^llm-stack@1\.1\.0,openclaw@1\.1\.0,telegram-bot@1\.1\.0,platform@sha256:[0-9a-f]{12}$/) });
  }, ENGINE_TIMEOUT);

  it("moves no one else before the soak is over, while the waiting tenant's own change applies at once at its version", async () => {
    const before = await refs();
    const waiting = BOTS.find((slug) => before[slug] === "telegram-bot@1.1.1")!;
    const uuid = service(waiting).uuid;
    await updateTenant(await platform.admin(), waiting, { telegram_allow_from: ["100000009"] });
    const up = await platform.program.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(await refs()).toEqual(before);
    expect((await rollout()).status).toBe("soaking");
    expect(service(waiting).uuid).toBe(uuid);
    expect(service(waiting).dockerComposeRaw + JSON.stringify(service(waiting).envs)).toContain("100000009");
  }, ENGINE_TIMEOUT);

  it("moves the rest once the wave has soaked healthy, then is done", async () => {
    await platform.program.stack.setConfig("rollout", { value: JSON.stringify({ fraction: 0.5, soakMinutes: 0 }) });
    expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.0", echo: "telegram-bot@1.1.0" });
    await platform.program.stack.up();
    expect(await rollout()).toMatchObject({ status: "done" });
  }, 2 * ENGINE_TIMEOUT);
});

describe("a release that does not become healthy", () => {
  let platform: Platform;
  const refs = async () => Object.fromEntries(await Promise.all(BOTS.map(async (slug) => [slug, (await provisioningRecordOf(await platform.admin(), slug)).template_ref as string])));
  const rollout = async () => (await (await platform.admin()).collection(ROLLOUTS_COLLECTION).getFullList())[0];
  const service = (slug: string) => platform.coolify.store.findServices({ name: `cf-${slug}` })[0];

  beforeAll(async () => {
    platform = await startPlatform();
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({
      slug: "echo", name: "Echo", status: "active", plan: starter.id, template: "telegram-bot", template_version: "1.1.1", settings: {},
      telegram_bot_token: "223456789:AAFakeDemoTokenForEchoTelegram00005", telegram_allow_from: ["100000005"], ai_router_key: "sk-echo-router-key-not-real-0005",
    });
    await updateTenant(pb, "chirp", { template_version: "1.1.1" });
    expect((await platform.program.stack.up()).summary.result).toBe("succeeded");
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("halts after its first wave, returns that wave to the version it ran, and moves no one else", async () => {
    await platform.program.stack.setConfig("rollout", { value: JSON.stringify({ fraction: 0.5, soakMinutes: 0 }) });
    for (const slug of BOTS) await updateTenant(await platform.admin(), slug, { template_version: "" });
    // Whichever tenant the wave moves, its restarted container reports unhealthy (the emulator's fault switch).
    for (const slug of BOTS) platform.coolify.faults.markContainer("bot", "unhealthy", service(slug).uuid);
    await platform.program.stack.up().catch(() => undefined);
    const moved = Object.entries(await refs()).filter(([, ref]) => ref === "telegram-bot@1.1.0").map(([slug]) => slug);
    expect(moved).toHaveLength(1);
    const [canary] = moved as string[];
    const other = BOTS.find((slug) => slug !== canary)!;
    const otherCompose = service(other).dockerComposeRaw;
    expect((await provisioningRecordOf(await platform.admin(), canary)).status).not.toBe("running:healthy");

    for (const slug of BOTS) platform.coolify.faults.clearContainer("bot", service(slug).uuid);
    await platform.program.stack.up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.1", echo: "telegram-bot@1.1.1" });
    expect(await rollout()).toMatchObject({ status: "halted", halt_reason: expect.stringContaining(`not healthy (maxFailures 0): ${canary}`) });
    expect((await provisioningRecordOf(await platform.admin(), canary)).status).toBe("running:healthy");
    // Halted: the next runs move no one, and the other tenant was never touched.
    await platform.program.stack.up();
    expect(await refs()).toEqual({ chirp: "telegram-bot@1.1.1", echo: "telegram-bot@1.1.1" });
    expect(service(other).dockerComposeRaw).toBe(otherCompose);
  }, 3 * ENGINE_TIMEOUT);
});
