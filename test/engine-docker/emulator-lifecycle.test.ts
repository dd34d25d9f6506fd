// The emulator's docker mode through its API, as Coolify's StartService, StopService and DeleteResourceJob behave on
// a server: a start the engine refuses, stop and start keeping a volume's file, delete keeping volumes unless asked.
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import { dockerEngineSkipReason, ENGINE_START_TIMEOUT, ENGINE_STOP_TIMEOUT, startDockerEngine, type DockerEngine } from "../support/docker-engine";

const skip = dockerEngineSkipReason();

const compose = (cpus: number) => `services:
  openclaw:
    image: coollabsio/openclaw:2026.7.1-2
    restart: unless-stopped
    environment:
      - SERVICE_URL_OPENCLAW_8080
      - PORT=8080
    volumes:
      - openclaw-data:/data
    healthcheck:
      test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:18789/healthz"]
      interval: 2s
      timeout: 2s
      retries: 3
    deploy:
      resources:
        limits: {cpus: ${cpus}, memory: 256M, pids: 256}
volumes:
  openclaw-data: {}
`;

interface EngineView {
  loader: { ok: boolean; error?: string };
  start: { ok: boolean; error?: string; steps: Array<{ command: string; exitCode: number }> } | null;
}

describe.skipIf(skip)(`the emulator's service actions on a real engine${skip ? ` — ${skip}` : ""}`, () => {
  let engine: DockerEngine;
  let emu: CoolifyEmulator;
  let project: string;

  async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${emu.url}${path.startsWith("/_emulator") ? "" : "/api/v1"}${path}`, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { Authorization: `Bearer ${emu.token}`, "Content-Type": "application/json", Accept: "application/json" },
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function statusOf(uuid: string): Promise<string> {
    return (await api<{ status: string }>("GET", `/services/${uuid}`)).body.status;
  }

  async function until(uuid: string, wanted: (status: string) => boolean, timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await statusOf(uuid);
      if (wanted(status)) return status;
      if (Date.now() > deadline) throw new Error(`service ${uuid} still ${status}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** What the engine did at the service's last start, once recorded. */
  async function engineView(uuid: string): Promise<EngineView> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await api<EngineView>("GET", `/_emulator/services/${uuid}/engine`);
      if (res.status === 200 && res.body.start) return res.body;
      if (Date.now() > deadline) throw new Error("no engine run recorded");
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  async function create(cpus: number, name: string): Promise<string> {
    const res = await api<{ uuid: string }>("POST", "/services", {
      project_uuid: project, environment_name: "production", server_uuid: emu.serverUuid, name,
      docker_compose_raw: Buffer.from(compose(cpus)).toString("base64"),
      urls: [{ name: "openclaw", url: `https://${name}.agents.localhost:8080` }],
    });
    expect(res.status).toBe(201);
    return res.body.uuid;
  }

  beforeAll(async () => {
    engine = await startDockerEngine();
    emu = await startCoolifyEmulator({ lifecycleDelayMs: 30, deleteDelayMs: 50, docker: { host: engine.host, statusIntervalMs: 300, stopTimeoutSeconds: 2 } });
    project = (await api<{ uuid: string }>("POST", "/projects", { name: "engine" })).body.uuid;
  }, ENGINE_START_TIMEOUT);
  afterAll(async () => {
    await emu?.close();
    await engine?.stop();
  }, ENGINE_STOP_TIMEOUT);

  it("fails a start the engine refuses as Coolify's does: containers stay exited, the engine's message at the control route", async () => {
    const uuid = await create(64, "toobig");
    expect((await api("POST", `/services/${uuid}/start`)).status).toBe(200);
    const view = await engineView(uuid);
    expect(view.loader.ok).toBe(true);
    expect(view.start?.ok).toBe(false);
    expect(view.start?.error).toMatch(/Range of CPUs is from 0\.01 to \d+\.00, as there are only \d+ CPUs available/);
    expect(view.start?.steps.at(-1)?.command).toMatch(/^docker compose --project-name \w+ up -d --remove-orphans --force-recreate/);
    expect(await until(uuid, (s) => !s.startsWith("starting"))).toBe("exited");
  });

  it("stops by removing the containers and starts them again with the volume's file still there", async () => {
    const uuid = await create(0.5, "keeper");
    await api("POST", `/services/${uuid}/start`);
    await until(uuid, (s) => s === "running:healthy");
    const container = `openclaw-${uuid}`;
    expect((await engine.docker(["exec", container, "sh", "-c", "echo kept > /data/marker"], { allowFailure: true })).code).toBe(0);
    expect((await api("POST", `/services/${uuid}/stop`)).status).toBe(200);
    await until(uuid, (s) => s === "exited");
    // StopService: `docker stop`, then `docker rm -f` (the status reads exited in between).
    const deadline = Date.now() + 30_000;
    while ((await engine.docker(["ps", "-a", "--filter", `name=${container}`, "--format", "{{.Names}}"])).stdout.trim() !== "") {
      if (Date.now() > deadline) throw new Error(`${container} was not removed by the stop`);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect((await api("POST", `/services/${uuid}/start`)).status).toBe(200);
    await until(uuid, (s) => s === "running:healthy");
    const read = await engine.docker(["exec", container, "sh", "-c", "cat /data/marker"], { allowFailure: true });
    expect(read.stdout.trim()).toBe("kept");
  });

  it("fails a start whose work dir cannot be written with the reason, instead of staying starting", async () => {
    const uuid = await create(0.5, "nodir");
    const services = join(emu.docker!.dataDir, "services");
    const saved = `${services}.saved`;
    renameSync(services, saved);
    writeFileSync(services, "not a folder");
    try {
      await api("POST", `/services/${uuid}/start`);
      const view = await engineView(uuid);
      expect(await until(uuid, (s) => !s.startsWith("starting"))).toBe("exited");
      expect(view.start?.ok).toBe(false);
      expect(view.start?.error).toMatch(/ENOTDIR|not a directory/);
    } finally {
      rmSync(services, { force: true });
      renameSync(saved, services);
    }
  });

  it("joins each container to the destination network as <svc>-<uuid> when connect_to_docker_network is set", async () => {
    const uuid = await create(0.5, "joined");
    expect((await api("PATCH", `/services/${uuid}`, { connect_to_docker_network: true })).status).toBe(200);
    await api("POST", `/services/${uuid}/start`);
    await until(uuid, (s) => s === "running:healthy");
    const inspected = await engine.docker(["inspect", `openclaw-${uuid}`, "--format", "{{json .NetworkSettings.Networks}}"]);
    const networks = JSON.parse(inspected.stdout) as Record<string, { Aliases: string[] | null }>;
    expect(Object.keys(networks).sort()).toEqual(["coolify", uuid].sort());
    expect(networks.coolify.Aliases).toContain(`openclaw-${uuid}`);
  });

  it("deletes containers, network and work dir but keeps the volumes unless delete_volumes", async () => {
    const kept = await create(0.5, "keepvol");
    const dropped = await create(0.5, "dropvol");
    for (const uuid of [kept, dropped]) await api("POST", `/services/${uuid}/start`);
    for (const uuid of [kept, dropped]) await until(uuid, (s) => s === "running:healthy");
    expect((await api("DELETE", `/services/${kept}?delete_volumes=false`)).status).toBe(200);
    expect((await api("DELETE", `/services/${dropped}`)).status).toBe(200);
    for (const uuid of [kept, dropped]) {
      const deadline = Date.now() + 60_000;
      while ((await api("GET", `/services/${uuid}`)).status !== 404) {
        if (Date.now() > deadline) throw new Error(`${uuid} not deleted`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
    const volumes = (await engine.docker(["volume", "ls", "--format", "{{.Name}}"])).stdout;
    expect(volumes).toContain(`${kept}_openclaw-data`);
    expect(volumes).not.toContain(`${dropped}_openclaw-data`);
    const containers = (await engine.docker(["ps", "-a", "--format", "{{.Names}}"])).stdout;
    const networks = (await engine.docker(["network", "ls", "--format", "{{.Name}}"])).stdout;
    for (const uuid of [kept, dropped]) {
      expect(containers).not.toContain(uuid);
      expect(networks).not.toContain(uuid);
      expect(existsSync(join(emu.docker!.dataDir, "services", uuid))).toBe(false);
    }
  });
});
