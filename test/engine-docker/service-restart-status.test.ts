// The Service provider's update on a real engine (the emulator in docker mode): the restart is answered at once and
// the status stays the old container's until the job runs, as Coolify's queued RestartService. The update must be
// reported converged only when `docker inspect` shows the new container healthy, and failed when its check fails.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { createProject } from "../../lib/coolify";
import { provider, type ServiceInputs, type ServiceOutputs } from "../../providers/service";
import { dockerEngineSkipReason, ENGINE_START_TIMEOUT, ENGINE_STOP_TIMEOUT, startDockerEngine, type DockerEngine } from "../support/docker-engine";

const skip = dockerEngineSkipReason();
const p = provider as Required<typeof provider>;

/** The openclaw stand-in with a health check of our choosing (the stand-in's sh runs `sleep`, `true`, `exit`). */
const compose = (check: string, retries = 3) => `services:
  openclaw:
    image: coollabsio/openclaw:2026.7.1-2
    restart: unless-stopped
    environment:
      - PORT=8080
      - RELEASE=\${RELEASE}
    healthcheck:
      test: ["CMD", "sh", "-c", "${check}"]
      interval: 1s
      timeout: 10s
      retries: ${retries}
`;

interface Inspected {
  id: string;
  health: string;
}

describe.skipIf(skip)(`a Service update on a real engine is judged on the new container${skip ? ` — ${skip}` : ""}`, () => {
  let engine: DockerEngine;
  let emu: CoolifyEmulator;
  let id: string;
  let outs: ServiceOutputs;
  let inputs: ServiceInputs;

  async function inspect(): Promise<Inspected> {
    const res = await engine.docker(["inspect", "--format", "{{.Id}} {{.State.Health.Status}}", `openclaw-${id}`]);
    const [containerId, health] = res.stdout.trim().split(" ");
    return { id: containerId, health };
  }

  beforeAll(async () => {
    engine = await startDockerEngine();
    // The default lifecycle delay: the restart's job runs 300 ms after its answer, the stale window.
    emu = await startCoolifyEmulator({ lifecycleDelayMs: 300, deleteDelayMs: 50, docker: { host: engine.host, statusIntervalMs: 300, stopTimeoutSeconds: 1 } });
    // A settle time far beyond the stale window: what ends the wait here is the status showing the restart.
    Object.assign(process.env, {
      COOLIFY_URL: emu.url, COOLIFY_TOKEN: emu.token, COOLIFY_POLL_INTERVAL_MS: "100", COOLIFY_RATE_LIMIT: "100000", COOLIFY_RESTART_SETTLE_SECONDS: "60",
    });
    const { uuid } = await createProject({ url: emu.url, token: emu.token, rateLimitPerMinute: 0 }, { name: "Tenant acme" });
    inputs = {
      name: "acme-claw", projectUuid: uuid, serverUuid: emu.serverUuid, compose: compose("true"),
      env: { RELEASE: "1" }, templateRef: "test@1.0.0", healthTimeoutSeconds: 30,
    };
    const created = await p.create(inputs);
    [id, outs] = [created.id, created.outs!];
  }, ENGINE_START_TIMEOUT);
  afterAll(async () => {
    delete process.env.COOLIFY_RESTART_SETTLE_SECONDS;
    await emu?.close();
    await engine?.stop();
  }, ENGINE_STOP_TIMEOUT);

  it("reports an update converged only once docker inspect shows the new container healthy", async () => {
    const before = await inspect();
    expect(before.health).toBe("healthy");
    // The first probe starts a second after the container and takes three: about four seconds of `starting`.
    const next = { ...inputs, compose: compose("sleep 3"), env: { RELEASE: "2" } };
    const { outs: updated } = await p.update(id, outs, next);
    const after = await inspect();
    expect(after.id).not.toBe(before.id);
    expect(after.health).toBe("healthy");
    expect(updated!.status).toBe("running:healthy");
    [outs, inputs] = [updated!, next];
  }, 60_000);

  it("reports an update whose new container fails its health check as failed, not healthy", async () => {
    const before = await inspect();
    const next = { ...inputs, compose: compose("exit 1", 1), env: { RELEASE: "3" }, healthTimeoutSeconds: 8 };
    await expect(p.update(id, outs, next)).rejects.toThrow(
      /"acme-claw" did not become running:healthy within 8s \(status running:unhealthy; containers: openclaw: running:unhealthy\)/,
    );
    const after = await inspect();
    expect(after.id).not.toBe(before.id);
    expect(after.health).toBe("unhealthy");
  }, 60_000);
});
