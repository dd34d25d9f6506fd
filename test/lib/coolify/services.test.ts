import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  createProject, createService, deleteService, encodeCompose, getService, isNotFound, listServices, restartService, startService, stopService,
  updateService,
} from "../../../lib/coolify";
import { COMPOSE, seedService, useEmulator, waitFor } from "./emulator-harness";

const h = useEmulator();
const lastRequest = (method: string, suffix: string) => [...h.emulator.requests].reverse().find((r) => r.method === method && r.path.endsWith(suffix));

describe("services", () => {
  it("creates a service from compose sent as base64 docker_compose_raw", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "create-me");
    const body = lastRequest("POST", "/api/v1/services")?.body as Record<string, unknown>;
    expect(body.docker_compose_raw).toBe(encodeCompose(COMPOSE));
    expect(Buffer.from(String(body.docker_compose_raw), "base64").toString("utf8")).toBe(COMPOSE);
    expect(body).not.toHaveProperty("compose");
    const service = await getService(h.conn, serviceUuid);
    expect(service).toMatchObject({ uuid: serviceUuid, name: "create-me", status: "exited" });
    expect(service.applications?.map((a) => a.name)).toEqual(["app"]);
    expect(service.databases?.map((d) => d.name)).toEqual(["db"]);
    expect(load(String(service.docker_compose_raw))).toEqual(load(COMPOSE));
  });

  it("returns the generated domains of a new service", async () => {
    const { uuid: projectUuid } = await createProject(h.conn, { name: "domains" });
    const created = await createService(h.conn, { project_uuid: projectUuid, environment_name: "production", server_uuid: h.emulator.serverUuid, compose: COMPOSE });
    expect(created.domains).toHaveLength(1);
    expect(created.domains[0]).toMatch(/^http:\/\/app-.*:3000$/);
  });

  it("lists services and patches name, description and compose", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "patch-me");
    expect((await listServices(h.conn)).some((s) => s.uuid === serviceUuid)).toBe(true);
    const compose = COMPOSE.replace("1.2.3", "1.2.4");
    await expect(updateService(h.conn, serviceUuid, { name: "patched", description: "new", compose })).resolves.toMatchObject({ uuid: serviceUuid });
    expect(lastRequest("PATCH", `/services/${serviceUuid}`)?.body).toMatchObject({ docker_compose_raw: encodeCompose(compose) });
    const service = await getService(h.conn, serviceUuid);
    expect(service).toMatchObject({ name: "patched", description: "new" });
    expect(service.applications?.[0].image).toBe("ghcr.io/example/app:1.2.4");
  });

  it("starts, stops and restarts through POST and converges status", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "lifecycle");
    await expect(startService(h.conn, serviceUuid)).resolves.toEqual({ message: "Service starting request queued." });
    await waitFor(async () => (await getService(h.conn, serviceUuid)).status === "running:healthy");
    await expect(startService(h.conn, serviceUuid)).rejects.toMatchObject({ status: 400, coolifyMessage: "Service is already running." });
    await restartService(h.conn, serviceUuid, { latest: true });
    expect(lastRequest("POST", `/services/${serviceUuid}/restart`)?.query).toEqual({ latest: "true" });
    await waitFor(async () => (await getService(h.conn, serviceUuid)).status === "running:healthy");
    await stopService(h.conn, serviceUuid, { dockerCleanup: false });
    expect(lastRequest("POST", `/services/${serviceUuid}/stop`)?.query).toEqual({ docker_cleanup: "false" });
    await waitFor(async () => (await getService(h.conn, serviceUuid)).status === "exited");
  });

  it("queues a delete with every flag explicit, then the service is not found", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "delete-me");
    await deleteService(h.conn, serviceUuid, { deleteVolumes: false });
    expect(lastRequest("DELETE", `/services/${serviceUuid}`)?.query).toEqual({
      delete_configurations: "true", delete_volumes: "false", docker_cleanup: "true", delete_connected_networks: "true",
    });
    await waitFor(async () => getService(h.conn, serviceUuid).then(() => false, (e: unknown) => isNotFound(e)));
    expect(h.emulator.store.findVolumes(serviceUuid).every((v) => !v.removed)).toBe(true);
    await expect(deleteService(h.conn, serviceUuid)).rejects.toSatisfy(isNotFound);
  });
});
