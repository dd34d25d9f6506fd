import { describe, expect, it } from "vitest";
import {
  CoolifyApiError, getService, getServiceApplication, isConflict, listServiceApplications, listServiceDatabases, setServiceApplicationUrls,
  updateServiceApplication,
} from "../../../lib/coolify";
import { seedService, useEmulator } from "./emulator-harness";

const h = useEmulator();

async function appOf(serviceUuid: string) {
  const [app] = await listServiceApplications(h.conn, serviceUuid);
  return app;
}

describe("per-container URLs", () => {
  it("lists applications and databases separately", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "split");
    expect((await listServiceApplications(h.conn, serviceUuid)).map((a) => a.name)).toEqual(["app"]);
    expect((await listServiceDatabases(h.conn, serviceUuid)).map((d) => d.name)).toEqual(["db"]);
  });

  it("sets several URLs as one comma list and reads them back", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "urls");
    const app = await appOf(serviceUuid);
    await setServiceApplicationUrls(h.conn, serviceUuid, app.uuid, ["https://a.example.com:3000", "https://b.example.com:3000"]);
    const sent = h.emulator.requests.at(-1);
    expect(sent).toMatchObject({ method: "PATCH", path: `/api/v1/services/${serviceUuid}/applications/${app.uuid}`, query: {} });
    expect(sent?.body).toEqual({ url: "https://a.example.com:3000,https://b.example.com:3000" });
    expect((await getServiceApplication(h.conn, serviceUuid, app.uuid)).fqdn).toBe("https://a.example.com:3000,https://b.example.com:3000");
  });

  it("clears URLs with an empty list", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "clear");
    const app = await appOf(serviceUuid);
    await setServiceApplicationUrls(h.conn, serviceUuid, app.uuid, []);
    expect(h.emulator.requests.at(-1)?.body).toEqual({ url: null });
    expect((await getService(h.conn, serviceUuid)).applications?.[0].fqdn).toBeNull();
  });

  it("reports a domain used by another service as a conflict naming it", async () => {
    const first = await seedService(h.conn, h.emulator, "owner");
    const second = await seedService(h.conn, h.emulator, "intruder");
    await setServiceApplicationUrls(h.conn, first.serviceUuid, (await appOf(first.serviceUuid)).uuid, ["https://taken.example.com"]);
    const app = await appOf(second.serviceUuid);
    const err = await setServiceApplicationUrls(h.conn, second.serviceUuid, app.uuid, ["https://taken.example.com"]).catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((err as CoolifyApiError).message).toContain("conflicts: https://taken.example.com used by service 'owner'");
    expect((err as CoolifyApiError).conflicts[0]).toMatchObject({ domain: "https://taken.example.com", resource_type: "service" });
  });

  it("sends force_domain_override in the query, never in the body", async () => {
    const first = await seedService(h.conn, h.emulator, "first-owner");
    const second = await seedService(h.conn, h.emulator, "override");
    await setServiceApplicationUrls(h.conn, first.serviceUuid, (await appOf(first.serviceUuid)).uuid, ["https://shared.example.com"]);
    const app = await appOf(second.serviceUuid);
    await setServiceApplicationUrls(h.conn, second.serviceUuid, app.uuid, ["https://shared.example.com"], { forceDomainOverride: true });
    const sent = h.emulator.requests.at(-1);
    expect(sent?.query).toEqual({ force_domain_override: "true" });
    expect(sent?.body).toEqual({ url: "https://shared.example.com" });
    expect((await getServiceApplication(h.conn, second.serviceUuid, app.uuid)).fqdn).toBe("https://shared.example.com");
  });

  it("patches other container fields", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "fields");
    const app = await appOf(serviceUuid);
    const updated = await updateServiceApplication(h.conn, serviceUuid, app.uuid, { human_name: "App", is_gzip_enabled: false });
    expect(updated).toMatchObject({ uuid: app.uuid, human_name: "App", is_gzip_enabled: false });
  });
});
