import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { b64, call, startEmulator, waitFor, type CreatedJson, type EnvJson, type ServiceJson, type SubJson } from "./helpers";

const COMPOSE = `services:
  agent:
    image: ghcr.io/example/agent:1.0.0
    environment:
      - SERVICE_URL_AGENT_8080
      - DATABASE_URL=postgres://app:\${SERVICE_PASSWORD_PG}@pg:5432/app
    volumes:
      - agent-data:/data
  pg:
    image: postgres:16
    environment:
      - POSTGRES_PASSWORD=\${SERVICE_PASSWORD_PG}
    volumes:
      - pg-data:/var/lib/postgresql/data
`;

describe("a scripted tenant session against the emulator, as Coolify 4.3 behaves", () => {
  let emu: CoolifyEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ lifecycleDelayMs: 25, deleteDelayMs: 80 });
  });
  afterAll(() => emu.close());

  it("creates, starts, re-domains, deletes a service and then its project", async () => {
    const project = await call<{ uuid: string }>(emu, "POST", "/projects", { name: "tenant-42", description: "Tenant 42" });
    expect(project.status).toBe(201);
    const projectUuid = project.body.uuid;

    const created = await call<CreatedJson>(emu, "POST", "/services", {
      project_uuid: projectUuid, environment_name: "production", server_uuid: emu.serverUuid, name: "tenant-42-agent",
      docker_compose_raw: b64(COMPOSE), urls: [{ name: "agent", url: "https://T42.agents.example.com:8080" }], instant_deploy: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.domains).toEqual(["https://t42.agents.example.com:8080"]);
    const uuid = created.body.uuid;

    const running = await waitFor(() => call<ServiceJson>(emu, "GET", `/services/${uuid}`), (r) => r.body.status === "running:healthy");
    expect(running.body.databases.map((d) => d.name)).toEqual(["pg"]);
    const agent = running.body.applications.find((a) => a.name === "agent") as SubJson;

    const envs = await call<EnvJson[]>(emu, "GET", `/services/${uuid}/envs`);
    const password = envs.body.find((e) => e.key === "SERVICE_PASSWORD_PG");
    expect(password?.value).toMatch(/^[A-Za-z0-9]{32}$/);

    const domain = await call<SubJson>(emu, "PATCH", `/services/${uuid}/applications/${agent.uuid}`, { url: "https://agent-42.example.com:8080" });
    expect(domain.status).toBe(200);
    expect(domain.body.fqdn).toBe("https://agent-42.example.com:8080");
    const restarted = await call(emu, "POST", `/services/${uuid}/restart`);
    expect(restarted.status).toBe(200);
    await waitFor(() => call<ServiceJson>(emu, "GET", `/services/${uuid}`), (r) => r.body.status === "running:healthy");
    const after = await call<EnvJson[]>(emu, "GET", `/services/${uuid}/envs`);
    expect(after.body.find((e) => e.key === "SERVICE_URL_AGENT")?.value).toBe("https://agent-42.example.com");
    expect(after.body.find((e) => e.key === "SERVICE_PASSWORD_PG")?.value).toBe(password?.value);

    const deleted = await call(emu, "DELETE", `/services/${uuid}?delete_volumes=false`);
    expect(deleted.body).toEqual({ message: "Service deletion request queued." });
    expect((await call(emu, "GET", `/services/${uuid}`)).status).toBe(200);
    const tooEarly = await call(emu, "DELETE", `/projects/${projectUuid}`);
    expect(tooEarly.status).toBe(400);
    expect(tooEarly.body).toEqual({ message: "Project has resources, so it cannot be deleted." });

    await waitFor(() => call(emu, "DELETE", `/projects/${projectUuid}`), (r) => r.status !== 400, 3000);
    expect((await call(emu, "GET", `/projects/${projectUuid}`)).status).toBe(404);
    expect((await call(emu, "GET", `/services/${uuid}`)).status).toBe(404);
    expect(emu.store.findVolumes(uuid).map((v) => [v.name, v.removed])).toEqual([
      [`${uuid}_agent-data`, false],
      [`${uuid}_pg-data`, false],
    ]);

    const trail = emu.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.status}`);
    expect(trail[0]).toBe("POST 201");
    expect(trail).toContain("DELETE 400");
    expect(trail[trail.length - 1]).toBe("DELETE 200");
  });
});
