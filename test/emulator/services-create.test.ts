import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import {
  b64, call, createProject, createService, serviceBody, startEmulator, WEB_COMPOSE,
  type CreatedJson, type EnvJson, type ServiceJson,
} from "./helpers";

describe("emulator service create", () => {
  let emu: CoolifyEmulator;
  let project: string;
  beforeAll(async () => {
    emu = await startEmulator();
    project = await createProject(emu);
  });
  afterAll(() => emu.close());

  async function envsOf(uuid: string): Promise<Record<string, EnvJson>> {
    const res = await call<EnvJson[]>(emu, "GET", `/services/${uuid}/envs`);
    return Object.fromEntries(res.body.map((e) => [e.key, e]));
  }

  it("answers 201 with uuid and the auto URL of the container that declares SERVICE_URL_<NAME>_<PORT>", async () => {
    const res = await call<CreatedJson>(emu, "POST", "/services", serviceBody(emu, project));
    expect(res.status).toBe(201);
    expect(res.body.domains).toEqual([`http://web-${res.body.uuid}.10.0.0.10.sslip.io:3000`]);
  });

  it("splits compose services into applications and databases by image", async () => {
    const uuid = await createService(emu, project);
    const res = await call<ServiceJson>(emu, "GET", `/services/${uuid}`);
    expect(res.body.applications.map((a) => a.name).sort()).toEqual(["web", "worker"]);
    expect(res.body.databases.map((d) => d.name)).toEqual(["db"]);
    expect(res.body.status).toBe("exited");
    expect(res.body.applications.every((a) => a.status === "exited")).toBe(true);
  });

  it("generates magic SERVICE_* values once and creates rows for ${VAR} references", async () => {
    const uuid = await createService(emu, project);
    const envs = await envsOf(uuid);
    expect(envs.SERVICE_PASSWORD_DB.value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(envs.SERVICE_USER_DB.value).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(envs.SERVICE_PASSWORD_DB.is_coolify).toBe(true);
    expect(envs.SERVICE_URL_WEB.value).toBe(`http://web-${uuid}.10.0.0.10.sslip.io`);
    expect(envs.SERVICE_FQDN_WEB.value).toBe(`web-${uuid}.10.0.0.10.sslip.io`);
    expect(envs.SERVICE_URL_WEB_3000.value).toBe(`http://web-${uuid}.10.0.0.10.sslip.io:3000`);
    expect(envs.SERVICE_FQDN_WEB_3000.value).toBe(`web-${uuid}.10.0.0.10.sslip.io:3000`);
    expect(envs.API_KEY).toMatchObject({ value: null, is_coolify: false, is_required: false });
    expect(envs.MODE.value).toBe("production");
    expect(envs.SECRET.is_required).toBe(true);

    const compose = WEB_COMPOSE.replace("image: ghcr.io/example/worker:1.2.3", "image: ghcr.io/example/worker:2.0.0");
    const patched = await call(emu, "PATCH", `/services/${uuid}`, { docker_compose_raw: b64(compose) });
    expect(patched.status).toBe(200);
    const after = await envsOf(uuid);
    expect(after.SERVICE_PASSWORD_DB.value).toBe(envs.SERVICE_PASSWORD_DB.value);
    expect(after.SERVICE_USER_DB.value).toBe(envs.SERVICE_USER_DB.value);
  });

  it("stores a null value for a magic variable whose id contains an underscore", async () => {
    const compose = "services:\n  app:\n    image: nginx\n    environment:\n      - PW=${SERVICE_PASSWORD_MY_DB}\n";
    const uuid = await createService(emu, project, { docker_compose_raw: b64(compose) });
    expect((await envsOf(uuid)).SERVICE_PASSWORD_MY_DB.value).toBeNull();
  });

  it("re-serialises the stored compose, so comments are gone", async () => {
    const uuid = await createService(emu, project);
    const res = await call<ServiceJson>(emu, "GET", `/services/${uuid}`);
    expect(res.body.docker_compose_raw).not.toContain("# a comment");
    expect(res.body.docker_compose_raw).toContain("image: ghcr.io/example/web:1.2.3");
    expect(res.body.docker_compose).toContain(`container_name: web-${uuid}`);
  });

  it("rejects compose that is not canonical base64 with a string-valued 422", async () => {
    const wrapped = b64(WEB_COMPOSE).replace(/(.{76})/g, "$1\n");
    for (const raw of ["services: {}", wrapped, Buffer.from([0xff, 0xfe]).toString("base64")]) {
      const res = await call(emu, "POST", "/services", serviceBody(emu, project, { docker_compose_raw: raw }));
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual({ docker_compose_raw: "The docker_compose_raw should be base64 encoded." });
    }
  });

  it("accepts base64 with surrounding whitespace, which the trim middleware removes", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { docker_compose_raw: ` ${b64(WEB_COMPOSE)}\n` }));
    expect(res.status).toBe(201);
  });

  it("answers 500 for valid base64 holding YAML that does not parse, as Coolify does", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { docker_compose_raw: b64("services: [a\n  b: :") }));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ message: "Server Error" });
  });

  it("rejects compose without a services section", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { docker_compose_raw: b64("volumes: {}\n") }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ docker_compose_raw: 'Docker Compose file must contain a "services" section' });
  });

  it("rejects connect_to_docker_network and other unknown fields on create", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { connect_to_docker_network: true, domains: "x" }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ connect_to_docker_network: ["This field is not allowed."], domains: ["This field is not allowed."] });
  });

  it("gives the message-only 422s for type plus compose, and for no environment", async () => {
    const both = await call(emu, "POST", "/services", serviceBody(emu, project, { type: "gitea" }));
    expect(both.body).toEqual({ message: "You cannot provide both service type and docker_compose_raw. Use one or the other." });
    const noEnv = await call(emu, "POST", "/services", serviceBody(emu, project, { environment_name: undefined }));
    expect(noEnv.body).toEqual({ message: "You need to provide at least one of environment_name or environment_uuid." });
    const neither = await call(emu, "POST", "/services", serviceBody(emu, project, { docker_compose_raw: undefined }));
    expect(Object.keys(neither.body.errors ?? {}).sort()).toEqual(["docker_compose_raw", "type"]);
  });

  it("checks project, environment and server in that order with 404s", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ project_uuid: "nope", environment_name: "nope" }, "Project not found."],
      [{ environment_name: "nope" }, "Environment not found."],
      [{ server_uuid: "nope" }, "Server not found."],
    ];
    for (const [extra, message] of cases) {
      const res = await call(emu, "POST", "/services", serviceBody(emu, project, extra));
      expect([res.status, res.body.message]).toEqual([404, message]);
    }
  });

  it("ignores a wrong destination_uuid when the server has exactly one destination", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { destination_uuid: "bogus" }));
    expect(res.status).toBe(201);
  });

  it("needs destination_uuid once the server has several destinations", async () => {
    const other = await startEmulator();
    try {
      const p = await createProject(other);
      const extra = other.store.addDestination(other.serverUuid, "tenants");
      const missing = await call(other, "POST", "/services", serviceBody(other, p));
      expect(missing.status).toBe(400);
      expect(missing.body.message).toBe("Server has multiple destinations and you do not set destination_uuid.");
      const foreign = await call(other, "POST", "/services", serviceBody(other, p, { destination_uuid: "bogus" }));
      expect(foreign.status).toBe(422);
      expect(typeof (foreign.body.errors as Record<string, unknown>).destination_uuid).toBe("string");
      expect((await call(other, "POST", "/services", serviceBody(other, p, { destination_uuid: extra.uuid }))).status).toBe(201);
    } finally {
      await other.close();
    }
  });

  it("answers an unknown one-click type with 404 Invalid service type.", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { docker_compose_raw: undefined, type: "no-such" }));
    expect(res.status).toBe(404);
    expect(res.body.message).toBe("Invalid service type.");
    expect(Array.isArray(res.body.valid_service_types)).toBe(true);
  });

  it("records the service's named volumes under <uuid>_<name>", async () => {
    const uuid = await createService(emu, project);
    const names = emu.store.findVolumes(uuid).map((v) => v.name).sort();
    expect(names).toEqual([`${uuid}_db-data`, `${uuid}_web-data`]);
  });
});
