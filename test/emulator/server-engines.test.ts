// Docker mode with an engine per server, without Docker: each server's engine is a recording stand-in, so the test
// sees which engine a service's start, stop and delete reach, and that statuses come from the service's own engine
// (test/engine-docker/emulator-servers.test.ts does the same on real engines).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineRun } from "../../emulator/model/deployment";
import type { EngineContainer, ServiceEngine } from "../../emulator/model/engine";
import type { ServiceRecord } from "../../emulator/model/records";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, startEmulator, waitFor } from "./helpers";

class RecordingEngine implements ServiceEngine {
  readonly calls: string[] = [];
  private readonly running = new Set<ServiceRecord>();
  constructor(readonly dockerHost: string) {}
  private run(action: EngineRun["action"]): EngineRun {
    return { action, at: new Date().toISOString(), ok: true, steps: [] };
  }
  async start(service: ServiceRecord) {
    this.calls.push(`start ${service.uuid}`);
    this.running.add(service);
    return this.run("start");
  }
  async stop(service: ServiceRecord) {
    this.calls.push(`stop ${service.uuid}`);
    this.running.delete(service);
    return this.run("stop");
  }
  async remove(service: ServiceRecord) {
    this.calls.push(`delete ${service.uuid}`);
    this.running.delete(service);
    return this.run("delete");
  }
  async containers(): Promise<EngineContainer[]> {
    return [...this.running].flatMap((s) => [...s.applications, ...s.databases].map((row) => ({ project: s.uuid, service: row.name, name: `${row.name}-${s.uuid}`, state: "running", health: null })));
  }
}

describe("an emulator whose two servers each have their own engine", () => {
  let emu: CoolifyEmulator;
  const engines = [new RecordingEngine("unix:///first.sock"), new RecordingEngine("unix:///second.sock")];
  const status = async (uuid: string) => (await call<{ status: string }>(emu, "GET", `/services/${uuid}`)).body.status;
  /** Container statuses polled through the store: the API would soon answer 429 to a poll every 10 ms. */
  const rows = (uuid: string) => {
    const service = emu.store.findService(uuid)!;
    return [...service.applications, ...service.databases].map((row) => row.status);
  };

  beforeAll(async () => {
    emu = await startEmulator({ servers: 2 });
    emu.store.servers.forEach((server, i) => emu.store.engines.set(server.id, engines[i]));
  });
  afterAll(() => emu.close());

  it("starts, stops and deletes each service on the engine of its own server, and reads its status there", async () => {
    const project = await createProject(emu);
    const first = await createService(emu, project, { name: "on-first", server_uuid: emu.servers[0].uuid });
    const second = await createService(emu, project, { name: "on-second", server_uuid: emu.servers[1].uuid });
    for (const uuid of [first, second]) expect((await call(emu, "POST", `/services/${uuid}/start`)).status).toBe(200);
    await waitFor(async () => [...rows(first), ...rows(second)], (all) => all.every((x) => x === "running:unknown"));
    expect(engines[0].calls).toEqual([`start ${first}`]);
    expect(engines[1].calls).toEqual([`start ${second}`]);
    expect([await status(first), await status(second)]).toEqual(["running:unknown", "running:unknown"]);

    expect((await call(emu, "POST", `/services/${second}/stop`)).status).toBe(200);
    await waitFor(async () => rows(second), (all) => all.every((x) => x === "exited"));
    expect(await status(first)).toBe("running:unknown");
    expect((await call(emu, "DELETE", `/services/${first}`)).status).toBe(200);
    await waitFor(async () => emu.store.findService(first), (found) => found === undefined);
    expect(engines[0].calls).toEqual([`start ${first}`, `delete ${first}`]);
    expect(engines[1].calls).toEqual([`start ${second}`, `stop ${second}`]);
  });
});
