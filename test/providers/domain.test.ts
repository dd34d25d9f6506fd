// The Domain provider called directly against the emulator: the per-provider checklist (style.md "Tests")
// plus conflicts (409), forced override and Coolify's URL normalisation.
import { describe, expect, it } from "vitest";
import { setServiceApplicationUrls } from "../../lib/coolify";
import { UNKNOWN } from "../../providers/diff";
import { provider, type DomainInputs, type DomainOutputs } from "../../providers/domain";
import { calls, seedService, useEmulator, writes } from "./harness";

const p = provider as Required<typeof provider>;
const NONE = {} as DomainInputs;
const URL_A = "https://acme.agents.example.com";

describe("Domain provider", () => {
  const h = useEmulator();

  async function service(name = "acme-web") {
    const seeded = await seedService(h, name);
    const app = (uuid: string) => h.emulator.store.findService(uuid)!.applications.find((a) => a.name === "web")!;
    return { ...seeded, app };
  }

  async function created(): Promise<{ id: string; outs: DomainOutputs; inputs: DomainInputs; app: () => { fqdn: string | null } }> {
    const { serviceUuid, app } = await service();
    const inputs: DomainInputs = { serviceUuid, container: "web", urls: [URL_A] };
    const { id, outs } = await p.create(inputs);
    h.emulator.requests.length = 0;
    return { id, outs: outs!, inputs, app: () => app(serviceUuid) };
  }

  it("sets the container's URLs and restarts the service once", async () => {
    const { serviceUuid, app } = await service();
    h.emulator.requests.length = 0;
    const { id, outs: created } = await p.create({ serviceUuid, container: "web", urls: [URL_A, "https://b.example.com:8080/api"] });
    const outs = created!;
    expect(id).toBe(`${serviceUuid}/web`);
    expect(app(serviceUuid).fqdn).toBe(`${URL_A},https://b.example.com:8080/api`);
    expect(outs).toMatchObject({ applicationUuid: app(serviceUuid).uuid, fqdn: app(serviceUuid).fqdn });
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/services/${serviceUuid}/applications/${outs.applicationUuid}`, `POST /api/v1/services/${serviceUuid}/restart`]);
    expect(calls(h.emulator, "PATCH", /applications/)[0].query).toEqual({ force_domain_override: "false" });
  });

  it("skips the container lookup when the service's application uuid is passed in", async () => {
    const { serviceUuid, app } = await service();
    h.emulator.requests.length = 0;
    const { outs } = await p.create({ serviceUuid, container: "web", urls: [URL_A], applicationUuid: app(serviceUuid).uuid });
    expect(outs!.applicationUuid).toBe(app(serviceUuid).uuid);
    // The one GET is the providers' version gate before their first write (lib/coolify/versions.ts).
    expect(h.emulator.requests.filter((r) => r.method === "GET").map((r) => r.path)).toEqual(["/api/v1/version"]);
    expect(app(serviceUuid).fqdn).toBe(URL_A);
  });

  it("sends nothing when the Service already put the URLs in place (knownFqdn), and sets them when it did not", async () => {
    const { serviceUuid, app } = await service();
    await setServiceApplicationUrls(h.conn, serviceUuid, app(serviceUuid).uuid, [URL_A]);
    h.emulator.requests.length = 0;
    const inputs: DomainInputs = { serviceUuid, container: "web", urls: ["https://Acme.agents.example.com"], applicationUuid: app(serviceUuid).uuid };
    const { outs } = await p.create({ ...inputs, knownFqdn: URL_A });
    expect(h.emulator.requests).toEqual([]);
    expect(outs).toMatchObject({ fqdn: URL_A, applicationUuid: app(serviceUuid).uuid });

    await p.create({ ...inputs, urls: ["https://b.example.com"], knownFqdn: URL_A });
    expect(writes(h.emulator)).toEqual([`PATCH /api/v1/services/${serviceUuid}/applications/${app(serviceUuid).uuid}`, `POST /api/v1/services/${serviceUuid}/restart`]);
    expect(app(serviceUuid).fqdn).toBe("https://b.example.com");
  });

  it("reports no change for the same inputs, without calling Coolify", async () => {
    const { id, outs, inputs } = await created();
    expect(await p.diff(id, outs, { ...inputs })).toMatchObject({ changes: false, replaces: [] });
    expect(h.emulator.requests).toEqual([]);
  });

  it("keeps the user's spelling after a refresh when Coolify stored the URL lower-cased (no perpetual diff)", async () => {
    const { serviceUuid } = await service();
    const inputs: DomainInputs = { serviceUuid, container: "web", urls: ["https://Acme.Agents.Example.com"] };
    const { id, outs } = await p.create(inputs);
    expect(outs!.fqdn).toBe(URL_A);
    const read = await p.read(id, outs!);
    expect(read.props!.urls).toEqual(inputs.urls);
    expect(await p.diff(id, read.props!, inputs)).toMatchObject({ changes: false });
  });

  it("reports URLs changed in Coolify as drift after a refresh, and puts ours back on update", async () => {
    const { id, outs, inputs, app } = await created();
    await setServiceApplicationUrls(h.conn, inputs.serviceUuid, outs.applicationUuid, ["https://hijacked.example.com"]);
    const read = await p.read(id, outs);
    expect(read.props!.urls).toEqual(["https://hijacked.example.com"]);
    expect(await p.diff(id, read.props!, inputs)).toMatchObject({ changes: true, replaces: [] });
    await p.update(id, read.props!, inputs);
    expect(app().fqdn).toBe(URL_A);
  });

  it("changes URLs in place with one PATCH and one restart", async () => {
    const { id, outs, inputs, app } = await created();
    const news = { ...inputs, urls: ["https://new.example.com"] };
    expect(await p.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    const { outs: updated } = await p.update(id, outs, news);
    expect(writes(h.emulator)).toEqual([
      `PATCH /api/v1/services/${inputs.serviceUuid}/applications/${outs.applicationUuid}`, `POST /api/v1/services/${inputs.serviceUuid}/restart`,
    ]);
    expect(app().fqdn).toBe("https://new.example.com");
    expect(updated!.fqdn).toBe("https://new.example.com");
  });

  it("writes nothing and restarts nothing when only `restart` changes (a tenant suspended or reactivated)", async () => {
    const { id, outs, inputs } = await created();
    for (const restart of [false, true]) {
      expect(await p.diff(id, outs, { ...inputs, restart })).toMatchObject({ changes: false });
      await p.update(id, outs, { ...inputs, restart });
    }
    expect(writes(h.emulator)).toEqual([]);
  });

  it("replaces (delete first) when the service or the container changes", async () => {
    const { id, outs, inputs } = await created();
    expect(await p.diff(id, outs, { ...inputs, container: "api" })).toMatchObject({ changes: true, replaces: ["container"], deleteBeforeReplace: true });
    expect(await p.diff(id, outs, { ...inputs, serviceUuid: "x" })).toMatchObject({ replaces: ["serviceUuid"], deleteBeforeReplace: true });
  });

  it("treats unknown values as changes without calling Coolify", async () => {
    const { id, outs, inputs } = await created();
    expect(await p.diff(id, outs, { ...inputs, urls: [UNKNOWN] })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff(id, outs, { ...inputs, serviceUuid: UNKNOWN })).toMatchObject({ changes: true, replaces: ["serviceUuid"] });
    expect((await p.check(outs, { ...inputs, urls: [UNKNOWN] })).failures).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("rejects URLs Coolify would refuse in check, without calling it", async () => {
    const base = { serviceUuid: "s", container: "web" };
    for (const url of ["acme.example.com", "ftp://acme.example.com", "https://a.example.com/$(id)", "https://a.com,https://b.com", "https://"]) {
      const { failures } = await p.check(NONE, { ...base, urls: [url] });
      expect(failures, url).toEqual([{ property: "urls", reason: expect.stringContaining(`"${url}"`) }]);
    }
    expect((await p.check(NONE, { ...base, urls: [URL_A, "http://b.example.com:3000/x"] })).failures).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });

  it("adopts URLs the container already has: no conflict with itself, one PATCH", async () => {
    const { serviceUuid, app } = await service();
    await setServiceApplicationUrls(h.conn, serviceUuid, app(serviceUuid).uuid, [URL_A]);
    h.emulator.requests.length = 0;
    const { outs } = await p.create({ serviceUuid, container: "web", urls: [URL_A] });
    expect(outs!.fqdn).toBe(URL_A);
    expect(calls(h.emulator, "PATCH", /applications/).map((r) => r.status)).toEqual([200]);
  });

  it("refuses a domain another service uses with a message naming that service, changing nothing", async () => {
    const { serviceUuid: otherUuid, app } = await service("other-tenant");
    await setServiceApplicationUrls(h.conn, otherUuid, app(otherUuid).uuid, [URL_A]);
    const { serviceUuid } = await service("acme-web");
    h.emulator.requests.length = 0;
    const attempt = p.create({ serviceUuid, container: "web", urls: [URL_A] });
    await expect(attempt).rejects.toThrow(`${URL_A} is used by service "other-tenant" (${otherUuid})`);
    await expect(attempt).rejects.toThrow(/Nothing was changed\..*forceOverride/);
    expect(app(serviceUuid).fqdn).toBeNull();
    expect(calls(h.emulator, "POST", /\/restart$/)).toHaveLength(0);
  });

  it("takes a used domain with forceOverride", async () => {
    const { serviceUuid: otherUuid, app } = await service("other-tenant");
    await setServiceApplicationUrls(h.conn, otherUuid, app(otherUuid).uuid, [URL_A]);
    const { serviceUuid } = await service("acme-web");
    await p.create({ serviceUuid, container: "web", urls: [URL_A], forceOverride: true });
    expect(app(serviceUuid).fqdn).toBe(URL_A);
    expect(calls(h.emulator, "PATCH", /applications/).at(-1)!.query).toEqual({ force_domain_override: "true" });
  });

  it("names the containers that can take a URL when the container is wrong (a database cannot)", async () => {
    const { serviceUuid } = await service();
    await expect(p.create({ serviceUuid, container: "db", urls: [URL_A] })).rejects.toThrow(/has no container "db" that can take a URL \(have: web\)/);
  });

  it("reads a domain whose service was deleted outside Pulumi as gone (empty id)", async () => {
    const { id, outs, inputs } = await created();
    h.emulator.store.deleteServiceOutOfBand(inputs.serviceUuid);
    expect(await p.read(id, outs)).toMatchObject({ id: "" });
  });

  it("deletes by clearing the URLs; a second delete, or one after the service is gone, succeeds", async () => {
    const { id, outs, inputs, app } = await created();
    await p.delete(id, outs);
    expect(app().fqdn).toBeNull();
    await expect(p.delete(id, outs)).resolves.toBeUndefined();
    h.emulator.store.deleteServiceOutOfBand(inputs.serviceUuid);
    await expect(p.delete(id, outs)).resolves.toBeUndefined();
    expect(calls(h.emulator, "PATCH", /applications/).map((r) => r.status)).toEqual([200, 200]);
    expect(calls(h.emulator, "GET", new RegExp(`^/api/v1/services/${inputs.serviceUuid}$`)).map((r) => r.status)).toEqual([200, 200, 404]);
  });
});
