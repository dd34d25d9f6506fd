import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueStart } from "../../emulator/deploy/lifecycle";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, serviceStatus, startEmulator, waitFor } from "./helpers";

describe("emulator service lifecycle and queued delete", () => {
  let emu: CoolifyEmulator;
  let project: string;
  beforeAll(async () => {
    emu = await startEmulator({ lifecycleDelayMs: 30, deleteDelayMs: 60 });
    project = await createProject(emu);
  });
  afterAll(() => emu.close());

  const status = (uuid: string) => serviceStatus(emu, uuid);

  it("moves exited -> starting:unhealthy -> running:healthy, one lifecycleDelayMs per step", async () => {
    // A slower emulator so polling cannot miss the intermediate step.
    const slow = await startEmulator({ lifecycleDelayMs: 120 });
    try {
      const uuid = await createService(slow, await createProject(slow));
      const res = await call(slow, "POST", `/services/${uuid}/start`);
      expect(res.body).toEqual({ message: "Service starting request queued." });
      const seen: string[] = [];
      await waitFor(async () => {
        const s = await serviceStatus(slow, uuid);
        if (seen[seen.length - 1] !== s) seen.push(s);
        return s;
      }, (s) => s === "running:healthy");
      expect(seen).toEqual(["exited", "starting:unhealthy", "running:healthy"]);
    } finally {
      await slow.close();
    }
  });

  it("completes a start whose two steps fall due while the event loop is blocked, behind another service's start", async () => {
    // Node runs due timers list by list (one list per delay): with service A's second step (2 x delay) the oldest
    // timer due, B's second step can run before B's first when the loop was busy past both.
    const busy = await startEmulator({ lifecycleDelayMs: 30, rateLimitPerMinute: 1_000_000 });
    try {
      const own = await createProject(busy);
      const [a, b] = [await createService(busy, own), await createService(busy, own)];
      queueStart(busy.store, busy.store.findService(a)!);
      await new Promise((resolve) => setTimeout(resolve, 40));
      queueStart(busy.store, busy.store.findService(b)!);
      const until = Date.now() + 100;
      while (Date.now() < until); // a blocked event loop, as under load
      const both = () => Promise.all([serviceStatus(busy, a), serviceStatus(busy, b)]);
      await waitFor(both, (s) => s.every((x) => x === "running:healthy"), 5000);
    } finally {
      await busy.close();
    }
  });

  it("answers 400 to a redundant start and a redundant stop", async () => {
    const uuid = await createService(emu, project);
    const stop = await call(emu, "POST", `/services/${uuid}/stop`);
    expect(stop.status).toBe(400);
    expect(stop.body).toEqual({ message: "Service is already stopped." });
    await call(emu, "POST", `/services/${uuid}/start`);
    await waitFor(() => status(uuid), (s) => s === "running:healthy");
    const again = await call(emu, "POST", `/services/${uuid}/start`);
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ message: "Service is already running." });
    expect((await call(emu, "POST", `/services/${uuid}/stop`)).body).toEqual({ message: "Service stopping request queued." });
    await waitFor(() => status(uuid), (s) => s === "exited");
  });

  it("always accepts a restart and converges to running:healthy", async () => {
    const uuid = await createService(emu, project);
    expect((await call(emu, "POST", `/services/${uuid}/restart`)).body).toEqual({ message: "Service restarting request queued." });
    await waitFor(() => status(uuid), (s) => s === "running:healthy");
    expect((await call(emu, "POST", `/services/${uuid}/restart?latest=true`)).status).toBe(200);
    await waitFor(() => status(uuid), (s) => s === "running:healthy");
  });

  it("starts the service when created with instant_deploy", async () => {
    const uuid = await createService(emu, project, { instant_deploy: true });
    await waitFor(() => status(uuid), (s) => s === "running:healthy");
  });

  it("reports running:unhealthy or degraded:unhealthy for a container marked by the health fault", async () => {
    const uuid = await createService(emu, project, { instant_deploy: true });
    await waitFor(() => status(uuid), (s) => s === "running:healthy");
    emu.faults.markContainer("worker", "unhealthy", uuid);
    expect(await status(uuid)).toBe("running:unhealthy");
    emu.faults.markContainer("worker", "degraded", uuid);
    expect(await status(uuid)).toBe("degraded:unhealthy");
    emu.faults.clearContainer("worker", uuid);
    expect(await status(uuid)).toBe("running:healthy");
  });

  it("queues a delete: GET stays 200 until the job runs, then 404; volumes removed by default", async () => {
    const uuid = await createService(emu, project);
    // Long enough that the GET and second DELETE below land before the job on a loaded machine.
    emu.faults.deleteDelayMs = 1500;
    const res = await call(emu, "DELETE", `/services/${uuid}`);
    expect(res.body).toEqual({ message: "Service deletion request queued." });
    expect((await call(emu, "GET", `/services/${uuid}`)).status).toBe(200);
    expect((await call(emu, "DELETE", `/services/${uuid}`)).status).toBe(200);
    emu.faults.deleteDelayMs = null;
    await waitFor(() => call(emu, "GET", `/services/${uuid}`), (r) => r.status === 404, 10_000);
    expect((await call(emu, "GET", `/services/${uuid}`)).body).toEqual({ message: "Service not found." });
    expect(emu.store.findVolumes(uuid).every((v) => v.removed)).toBe(true);
    expect((await call(emu, "DELETE", `/services/${uuid}`)).status).toBe(404);
  });

  it("keeps the volumes when deleted with delete_volumes=false and records the flags", async () => {
    const uuid = await createService(emu, project);
    await call(emu, "DELETE", `/services/${uuid}?delete_volumes=false&docker_cleanup=false`);
    await waitFor(() => call(emu, "GET", `/services/${uuid}`), (r) => r.status === 404);
    expect(emu.store.findVolumes(uuid).length).toBeGreaterThan(0);
    expect(emu.store.findVolumes(uuid).every((v) => !v.removed)).toBe(true);
    expect(emu.store.deletions.find((d) => d.uuid === uuid)?.flags).toEqual({
      deleteConfigurations: true, deleteVolumes: false, dockerCleanup: false, deleteConnectedNetworks: true,
    });
  });

  it("makes a service deleted out of band vanish at once", async () => {
    const uuid = await createService(emu, project);
    expect(emu.store.deleteServiceOutOfBand(uuid)).toBe(true);
    expect((await call(emu, "GET", `/services/${uuid}`)).status).toBe(404);
  });

  it("lists only the team's visible services on GET /services, without sub-resources", async () => {
    const uuid = await createService(emu, project, { name: "listed" });
    const list = await call<Array<{ uuid: string; status: string }>>(emu, "GET", "/services");
    const row = list.body.find((s) => s.uuid === uuid);
    expect(row).toMatchObject({ status: "exited" });
    expect(row).not.toHaveProperty("applications");
  });
});
