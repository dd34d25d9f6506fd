// An update's restart is judged on the containers it made, not on the status of those it replaced: Coolify answers
// the restart at once and its status stays the old containers' until the job runs (providers/service-status.ts).
// The emulator keeps that window for one lifecycleDelayMs, as a queued RestartService does.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { createProject } from "../../lib/coolify";
import { provider, type ServiceInputs, type ServiceOutputs } from "../../providers/service";
import { COMPOSE } from "./harness";

const p = provider as Required<typeof provider>;
const STALE_MS = 300;

describe("Service update after a restart", () => {
  let emulator: CoolifyEmulator;

  async function start(lifecycleDelayMs: number, env: Record<string, string> = {}): Promise<void> {
    emulator = await startCoolifyEmulator({ rateLimitPerMinute: 100_000, lifecycleDelayMs, deleteDelayMs: 20 });
    Object.assign(process.env, { COOLIFY_URL: emulator.url, COOLIFY_TOKEN: emulator.token, COOLIFY_POLL_INTERVAL_MS: "10", COOLIFY_RATE_LIMIT: "100000", ...env });
  }
  beforeEach(() => {
    delete process.env.COOLIFY_RESTART_SETTLE_SECONDS;
  });
  afterEach(async () => {
    delete process.env.COOLIFY_RESTART_SETTLE_SECONDS;
    await emulator?.close();
  });

  async function created(overrides: Partial<ServiceInputs> = {}): Promise<{ id: string; outs: ServiceOutputs; inputs: ServiceInputs }> {
    const { uuid } = await createProject({ url: emulator.url, token: emulator.token, rateLimitPerMinute: 0 }, { name: "Tenant acme" });
    const inputs: ServiceInputs = {
      name: "acme-web", projectUuid: uuid, serverUuid: emulator.serverUuid, compose: COMPOSE,
      env: { GREETING: "hello" }, templateRef: "test@1.0.0", healthTimeoutSeconds: 10, ...overrides,
    };
    const { id, outs } = await p.create(inputs);
    return { id, outs: outs!, inputs };
  }
  const record = (id: string) => emulator.store.findService(id)!;

  it("reports the update converged only once the restart's own containers report healthy", async () => {
    await start(STALE_MS, { COOLIFY_RESTART_SETTLE_SECONDS: "30" });
    const { id, outs, inputs } = await created();
    const before = record(id).deployment;
    const began = Date.now();
    const { outs: updated } = await p.update(id, outs, { ...inputs, env: { GREETING: "bonjour" } });
    // The restart's job ran (its deployment replaced the create's) and finished before the update returned.
    expect(record(id).deployment).not.toBe(before);
    expect(record(id).activity).toBeNull();
    expect(updated!.status).toBe("running:healthy");
    expect(Date.now() - began).toBeGreaterThanOrEqual(2 * STALE_MS - 20);
  });

  it("reports the update failed when the restarted containers turn unhealthy, though the old ones read healthy", async () => {
    await start(STALE_MS, { COOLIFY_RESTART_SETTLE_SECONDS: "30" });
    const { id, outs, inputs } = await created();
    const update = p.update(id, outs, { ...inputs, healthTimeoutSeconds: 2, env: { GREETING: "bonjour" } });
    const settled = update.then(() => "converged", (e: Error) => e.message);
    // The new `web` container comes up unhealthy: marked once the restart's job runs, not before.
    while (record(id).activity !== "starting" && !(await Promise.race([settled, Promise.resolve(undefined)]))) {
      await new Promise((r) => setTimeout(r, 5));
    }
    emulator.faults.markContainer("web", "unhealthy", id);
    expect(await settled).toMatch(/"acme-web" did not become running:healthy within 2s \(status running:unhealthy; containers: web: running:unhealthy/);
  });

  it("trusts a healthy status that never showed the restart after the settle time, and no sooner", async () => {
    await start(1_000, { COOLIFY_RESTART_SETTLE_SECONDS: "0.4" });
    const { id, outs, inputs } = await created();
    const before = record(id).deployment;
    const began = Date.now();
    await p.update(id, outs, { ...inputs, env: { GREETING: "bonjour" } });
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(400);
    expect(took).toBeLessThan(950);
    // The bound, not the truth: here the restart's job had not run yet.
    expect(record(id).deployment).toBe(before);
  });

  it("names the stale status in a timeout that came before the status showed the restart", async () => {
    await start(1_000, { COOLIFY_RESTART_SETTLE_SECONDS: "30" });
    const { id, outs, inputs } = await created();
    await expect(p.update(id, outs, { ...inputs, healthTimeoutSeconds: 0.3, env: { GREETING: "bonjour" } })).rejects.toThrow(
      /"acme-web" did not become running:healthy within 0.3s \(Coolify's status had not yet shown the restart: it is still the old containers'\) \(status running:healthy; containers: web: running:healthy, db: running:healthy\)/,
    );
  });
});
