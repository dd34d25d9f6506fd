import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, serviceBody, startEmulator, type CreatedJson, type EnvJson, type ServiceJson, type SubJson } from "./helpers";

describe("emulator service URLs", () => {
  let emu: CoolifyEmulator;
  let project: string;
  beforeAll(async () => {
    emu = await startEmulator();
    project = await createProject(emu);
  });
  afterAll(() => emu.close());

  async function app(uuid: string, name: string): Promise<SubJson> {
    const res = await call<ServiceJson>(emu, "GET", `/services/${uuid}`);
    const found = res.body.applications.find((a) => a.name === name);
    if (!found) throw new Error(`no app ${name}`);
    return found;
  }

  it("normalises urls on create: scheme and host lowercased, path case kept, sorted domains", async () => {
    const res = await call<CreatedJson>(emu, "POST", "/services", serviceBody(emu, project, {
      urls: [{ name: "web", url: "HTTPS://Norm.Example.COM/Path,https://alt.example.com" }, { name: "worker", url: "https://worker.example.com" }],
    }));
    expect(res.status).toBe(201);
    expect(res.body.domains).toEqual(["https://norm.example.com/Path,https://alt.example.com", "https://worker.example.com"]);
  });

  it("gives a 422 with a plain list for bad URLs and unknown or database containers, and leaves nothing behind", async () => {
    const before = emu.store.findServices().length;
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, {
      name: "bad-urls", urls: [{ name: "web", url: "ftp://x.example.com" }, { name: "db", url: "https://db.example.com" }],
    }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      message: "Validation failed.",
      errors: ["Invalid URL: ftp://x.example.com", "Service container with 'db' not found."],
    });
    expect(emu.store.findServices().length).toBe(before);
    expect(emu.store.services.find((s) => s.name === "bad-urls")?.deletedAt).not.toBeNull();
  });

  it("rejects extra keys in a urls item in the validator map", async () => {
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { urls: [{ name: "web", url: "https://a.example.com", port: 1 }] }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toMatchObject({ urls: ["An item in the urls array has invalid fields. Only name and url fields are supported."] });
  });

  it("rejects the same URL on two containers unless force_domain_override", async () => {
    const urls = [{ name: "web", url: "https://same.example.com" }, { name: "worker", url: "https://same.example.com" }];
    expect((await call(emu, "POST", "/services", serviceBody(emu, project, { urls }))).status).toBe(422);
    expect((await call(emu, "POST", "/services", serviceBody(emu, project, { urls, force_domain_override: true }))).status).toBe(201);
  });

  it("answers a conflict with another service's URL with 409 and soft-deletes the new service", async () => {
    await createService(emu, project, { name: "owner", urls: [{ name: "web", url: "https://taken.example.com/" }] });
    const res = await call(emu, "POST", "/services", serviceBody(emu, project, { name: "late", urls: [{ name: "web", url: "https://taken.example.com" }] }));
    expect(res.status).toBe(409);
    expect(res.body.message).toBe("Domain conflicts detected. Use force_domain_override=true to proceed.");
    expect(res.body.conflicts).toEqual([expect.objectContaining({ domain: "https://taken.example.com", resource_name: "owner", resource_type: "service" })]);
    expect(res.body.warning).toMatch(/routing conflicts/);
    expect(emu.store.findServices({ name: "late" })).toEqual([]);
    const forced = await call(emu, "POST", "/services", serviceBody(emu, project, { urls: [{ name: "web", url: "https://taken.example.com" }], force_domain_override: true }));
    expect(forced.status).toBe(201);
  });

  it("does not treat another scheme or port as a conflict, and re-applying a URL is idempotent", async () => {
    const uuid = await createService(emu, project, { urls: [{ name: "web", url: "https://scheme.example.com" }] });
    const other = await call(emu, "POST", "/services", serviceBody(emu, project, { urls: [{ name: "web", url: "http://scheme.example.com" }] }));
    expect(other.status).toBe(201);
    const again = await call(emu, "PATCH", `/services/${uuid}`, { urls: [{ name: "web", url: "https://scheme.example.com" }] });
    expect(again.status).toBe(200);
  });

  it("saves PATCH scalars before a failing urls step (non-atomic)", async () => {
    await createService(emu, project, { urls: [{ name: "web", url: "https://busy.example.com" }] });
    const uuid = await createService(emu, project, { name: "before" });
    const res = await call(emu, "PATCH", `/services/${uuid}`, {
      name: "after", description: "changed",
      urls: [{ name: "worker", url: "https://worker-new.example.com" }, { name: "web", url: "https://busy.example.com" }],
    });
    expect(res.status).toBe(409);
    const service = await call<ServiceJson>(emu, "GET", `/services/${uuid}`);
    expect(service.body).toMatchObject({ name: "after", description: "changed" });
    expect((await app(uuid, "worker")).fqdn).toBe("https://worker-new.example.com");
  });

  it("clears one container's URL with a null url and leaves unlisted containers alone", async () => {
    const uuid = await createService(emu, project, { urls: [{ name: "worker", url: "https://w1.example.com" }] });
    const res = await call<CreatedJson>(emu, "PATCH", `/services/${uuid}`, { urls: [{ name: "web", url: null }] });
    expect(res.status).toBe(200);
    expect(res.body.domains).toEqual(["https://w1.example.com"]);
  });

  it("rejects domains and fqdn on PATCH /services as unknown fields", async () => {
    const uuid = await createService(emu, project);
    const res = await call(emu, "PATCH", `/services/${uuid}`, { domains: "https://x.example.com", fqdn: "x" });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ domains: ["This field is not allowed."], fqdn: ["This field is not allowed."] });
  });

  it("sets a container URL with the per-container PATCH and rewrites its SERVICE_URL_/SERVICE_FQDN_ vars", async () => {
    const uuid = await createService(emu, project);
    const web = await app(uuid, "web");
    const res = await call<SubJson>(emu, "PATCH", `/services/${uuid}/applications/${web.uuid}`, { url: "https://App.Example.com:3000" });
    expect(res.status).toBe(200);
    expect(res.body.fqdn).toBe("https://app.example.com:3000");
    const envs = await call<EnvJson[]>(emu, "GET", `/services/${uuid}/envs`);
    const byKey = Object.fromEntries(envs.body.map((e) => [e.key, e.value]));
    expect(byKey.SERVICE_URL_WEB).toBe("https://app.example.com");
    expect(byKey.SERVICE_FQDN_WEB).toBe("app.example.com");
    // The port-suffixed pair carries the port, as Coolify's ServiceMagicVariableOverwriteTest expects.
    expect(byKey.SERVICE_URL_WEB_3000).toBe("https://app.example.com:3000");
    expect(byKey.SERVICE_FQDN_WEB_3000).toBe("app.example.com:3000");
  });

  it("adds the port-suffixed pair for a port found in the new URL of a declared container (updateCompose)", async () => {
    const uuid = await createService(emu, project);
    const web = await app(uuid, "web");
    await call(emu, "PATCH", `/services/${uuid}/applications/${web.uuid}`, { url: "https://app.example.com:4000" });
    const envs = await call<EnvJson[]>(emu, "GET", `/services/${uuid}/envs`);
    const byKey = Object.fromEntries(envs.body.map((e) => [e.key, e.value]));
    expect(byKey.SERVICE_URL_WEB_4000).toBe("https://app.example.com:4000");
    expect(byKey.SERVICE_FQDN_WEB_4000).toBe("app.example.com:4000");
    expect(byKey.SERVICE_URL_WEB_3000).toBe("https://app.example.com:3000");
  });

  it("takes force_domain_override only in the query string on the per-container PATCH", async () => {
    await createService(emu, project, { urls: [{ name: "web", url: "https://shared.example.com" }] });
    const uuid = await createService(emu, project);
    const web = await app(uuid, "web");
    const path = `/services/${uuid}/applications/${web.uuid}`;
    expect((await call(emu, "PATCH", path, { url: "https://shared.example.com" })).status).toBe(409);
    const inBody = await call(emu, "PATCH", path, { url: "https://shared.example.com", force_domain_override: true });
    expect(inBody.status).toBe(422);
    expect(inBody.body.errors).toEqual({ force_domain_override: ["This field is not allowed."] });
    expect((await call(emu, "PATCH", `${path}?force_domain_override=true`, { url: "https://shared.example.com" })).status).toBe(200);
    expect((await call(emu, "PATCH", `/services/${uuid}/applications/nope`, { url: null })).body).toEqual({ message: "Service application not found." });
  });

  it("sets connect_to_docker_network with PATCH", async () => {
    const uuid = await createService(emu, project);
    expect((await call(emu, "PATCH", `/services/${uuid}`, { connect_to_docker_network: true })).status).toBe(200);
    expect((await call<ServiceJson>(emu, "GET", `/services/${uuid}`)).body.connect_to_docker_network).toBe(true);
  });
});
