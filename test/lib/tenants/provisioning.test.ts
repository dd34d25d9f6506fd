import PocketBase, { BaseAuthStore } from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROVISIONING_COLLECTION } from "../../../lib/tenants/collections";
import type { PocketBaseSource } from "../../../lib/tenants/connection";
import { deleteProvisioning, getProvisioning, isRefusal, listProvisioning, REFUSED_STATUS, STATUS_REASON_MAX, upsertProvisioning, type ProvisioningInput } from "../../../lib/tenants/provisioning";
import { startPocketBase, type PocketBaseInstance } from "../../../pocketbase/local-server";
import { expectSourceError } from "./expect-source-error";

let server: PocketBaseInstance;
let admin: PocketBase;
let acmeId: string;
let boltId: string;

const DEPLOYED: ProvisioningInput = {
  coolifyProjectUuid: "p-uuid-1",
  coolifyServiceUuid: "s-uuid-1",
  templateRef: "llm-stack@1.0.0",
  status: "deployed",
  urls: { app: "https://acme.agents.example" },
  lastDeployed: "2026-01-02T03:04:05.000Z",
  credentials: { adminPassword: "generated-secret-1" },
};

beforeAll(async () => {
  server = await startPocketBase({ seed: true });
  admin = new PocketBase(server.url, new BaseAuthStore());
  admin.autoCancellation(false);
  await admin.collection("_superusers").authWithPassword(server.email, server.password);
  acmeId = (await admin.collection("tenants").getFirstListItem('slug = "acme"')).id;
  boltId = (await admin.collection("tenants").getFirstListItem('slug = "bolt"')).id;
});

afterAll(async () => {
  await server?.stop();
});

describe("provisioning write-back", () => {
  it("returns null for a tenant without a record", async () => {
    expect(await getProvisioning(server, boltId)).toBeNull();
  });

  it("creates the record on first upsert and reads it back", async () => {
    const created = await upsertProvisioning(server, acmeId, DEPLOYED);
    expect(created).toEqual({ id: created.id, tenantId: acmeId, ...DEPLOYED, statusReason: "", lastError: "" });
    expect(await getProvisioning(server, acmeId)).toEqual(created);
  });

  it("is idempotent: the same upsert again keeps one record with the same content", async () => {
    const first = await upsertProvisioning(server, acmeId, DEPLOYED);
    const second = await upsertProvisioning(server, acmeId, DEPLOYED);
    expect(second).toEqual(first);
    const all = await admin.collection(PROVISIONING_COLLECTION).getFullList({ filter: admin.filter("tenant = {:t}", { t: acmeId }) });
    expect(all).toHaveLength(1);
  });

  it("updates in place and keeps optional fields that are left out", async () => {
    const before = await upsertProvisioning(server, acmeId, DEPLOYED);
    const after = await upsertProvisioning(server, acmeId, {
      coolifyProjectUuid: "p-uuid-1",
      coolifyServiceUuid: "s-uuid-2",
      templateRef: "llm-stack@1.1.0",
      status: "deployed",
    });
    expect(after.id).toBe(before.id);
    expect(after).toMatchObject({ coolifyServiceUuid: "s-uuid-2", templateRef: "llm-stack@1.1.0" });
    expect(after.credentials).toEqual(DEPLOYED.credentials);
    expect(after.urls).toEqual(DEPLOYED.urls);
    expect(after.lastDeployed).toBe(DEPLOYED.lastDeployed);
  });

  it("creates with empty urls and credentials when they are left out", async () => {
    const created = await upsertProvisioning(server, boltId, { coolifyProjectUuid: "p", coolifyServiceUuid: "s", templateRef: "openclaw@1.0.0", status: "deploying" });
    expect(created).toMatchObject({ urls: {}, credentials: {} });
    expect(created.lastDeployed).toBeUndefined();
    await deleteProvisioning(server, boltId);
  });

  it("refers to the tenant by plain text id, so the operator's tenants never depend on our collection", async () => {
    const field = (await admin.collections.getOne(PROVISIONING_COLLECTION)).fields.find((f) => f.name === "tenant");
    expect(field).toMatchObject({ type: "text", required: true });
    const plan = await admin.collection("plans").getFirstListItem('name = "starter"');
    const gone = await admin.collection("tenants").create({ slug: "gone-soon", name: "x", status: "active", plan: plan.id, template: "openclaw" });
    await upsertProvisioning(server, gone.id, DEPLOYED);
    await admin.collection("tenants").delete(gone.id);
    expect(await getProvisioning(server, gone.id)).toMatchObject({ tenantId: gone.id });
    await deleteProvisioning(server, gone.id);
  });

  it("keeps one record per tenant: a second record for the same tenant is refused", async () => {
    await upsertProvisioning(server, acmeId, DEPLOYED);
    await expect(admin.collection(PROVISIONING_COLLECTION).create({ tenant: acmeId, status: "x" })).rejects.toMatchObject({
      status: 400,
      response: { data: { tenant: { code: "validation_not_unique" } } },
    });
  });

  it("leaves a refusal record (status refused, no Coolify object) out of the deployed tenants' records", async () => {
    await upsertProvisioning(server, acmeId, DEPLOYED);
    const reason = 'tenant "bolt": capacity: it needs 1 cpus and 2048 MiB and fits on no server (s1: 0 cpus and 0 MiB free)';
    await upsertProvisioning(server, boltId, { coolifyProjectUuid: "", coolifyServiceUuid: "", templateRef: "openclaw@1.0.0", status: REFUSED_STATUS, statusReason: reason });
    const refused = (await getProvisioning(server, boltId))!;
    expect(refused).toMatchObject({ status: "refused", statusReason: reason, coolifyServiceUuid: "", urls: {}, credentials: {} });
    expect(refused.lastDeployed).toBeUndefined();
    expect(isRefusal(refused)).toBe(true);
    expect([...(await listProvisioning(server)).keys()]).toEqual([acmeId]);
    await deleteProvisioning(server, boltId);
    await deleteProvisioning(server, acmeId);
  });

  it.each([
    [{ status: "refused", coolifyServiceUuid: "", coolifyProjectUuid: "" }, true],
    [{ status: "refused", coolifyServiceUuid: "s", coolifyProjectUuid: "p" }, false],
    [{ status: "failed", coolifyServiceUuid: "", coolifyProjectUuid: "" }, false],
    [{ status: "held", coolifyServiceUuid: "s", coolifyProjectUuid: "p" }, false],
  ])("tells a refusal record: %o -> %s", (record, expected) => {
    expect(isRefusal(record)).toBe(expected);
  });

  it("deletes the record, and deleting an absent record succeeds", async () => {
    await upsertProvisioning(server, acmeId, DEPLOYED);
    await deleteProvisioning(server, acmeId);
    expect(await getProvisioning(server, acmeId)).toBeNull();
    await expect(deleteProvisioning(server, acmeId)).resolves.toBeUndefined();
  });

  it("fails naming the tenant and the field when PocketBase refuses the record", async () => {
    const long = { ...DEPLOYED, status: "x".repeat(65) };
    const error = await expectSourceError(upsertProvisioning(server, "nosuchtenant000", long), "http", [server.password, "generated-secret-1"]);
    expect(error.tenant).toBe("nosuchtenant000");
    expect(error.message).toContain("status: validation_max_text_constraint");
  });

  it("fails with auth on a wrong password and never shows the password or the credentials", async () => {
    const wrong = `${server.password}-x`;
    await expectSourceError(upsertProvisioning({ ...server, password: wrong }, acmeId, DEPLOYED), "auth", [wrong, "generated-secret-1"]);
    await expectSourceError(getProvisioning({ ...server, password: wrong }, acmeId), "auth", [wrong]);
    await expectSourceError(deleteProvisioning({ ...server, password: wrong }, acmeId), "auth", [wrong]);
  });

  it("cuts status_reason to its field's length (characters, not UTF-16 units) instead of failing the write", async () => {
    const long = `${"🙂".repeat(1500)}${"x".repeat(1500)}`;
    const written = await upsertProvisioning(server, acmeId, { ...DEPLOYED, statusReason: long });
    expect(Array.from(written.statusReason)).toHaveLength(STATUS_REASON_MAX);
    expect(written.statusReason.startsWith("🙂".repeat(1500))).toBe(true);
    expect(written.statusReason.endsWith("x…")).toBe(true);
    expect((await upsertProvisioning(server, acmeId, { ...DEPLOYED, statusReason: "short" })).statusReason).toBe("short");
  });

  it("keeps when a run first saw the tenant cancelled, and clears it with delete_after on reactivation", async () => {
    const graceStartedAt = "2026-12-01T12:00:00.000Z";
    const cancelled = await upsertProvisioning(server, acmeId, { ...DEPLOYED, deleteAfter: "2026-12-08T12:00:00.000Z", graceStartedAt });
    expect(cancelled).toMatchObject({ deleteAfter: "2026-12-08T12:00:00.000Z", graceStartedAt });
    // A later run that leaves it out keeps it.
    expect(await upsertProvisioning(server, acmeId, { ...DEPLOYED, deleteAfter: "2026-12-09T00:00:00.000Z" })).toMatchObject({ graceStartedAt });
    const active = await upsertProvisioning(server, acmeId, { ...DEPLOYED, deleteAfter: "" });
    expect(active.deleteAfter).toBeUndefined();
    expect(active.graceStartedAt).toBeUndefined();
  });

  it("keeps the tenant's applied spec in a hidden field, reads it back, and keeps it when an update leaves it out", async () => {
    const applied = { slug: "acme", template: "llm-stack", templateVersion: "1.1.0", settings: { webuiName: "Acme" }, telegramAllowFrom: [], secrets: {}, hosts: ["acme.example"] };
    await upsertProvisioning(server, acmeId, { ...DEPLOYED, appliedSpec: applied });
    await upsertProvisioning(server, acmeId, { ...DEPLOYED, status: "held" });
    expect((await getProvisioning(server, acmeId))?.appliedSpec).toEqual(applied);
    const field = (await admin.collections.getOne(PROVISIONING_COLLECTION)).fields.find((f: { name: string }) => f.name === "applied_spec");
    expect(field).toMatchObject({ type: "json", hidden: true });
  });

  it("logs in once per process and source, however many records it reads and writes, also when called concurrently", async () => {
    // A superuser of its own, so no earlier test has logged in with this source yet.
    const email = "record-client@cloudfreedom.test";
    const password = "pw-record-client-0123456789";
    await admin.collection("_superusers").create({ email, password, passwordConfirm: password });
    const logins: string[] = [];
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes("/api/collections/_superusers/auth-with-password")) logins.push(String(input));
      return fetch(input, init);
    };
    const source: PocketBaseSource = { url: server.url, email, password, fetch: counting };
    await Promise.all([acmeId, boltId].map((id) => upsertProvisioning(source, id, DEPLOYED)));
    for (let i = 0; i < 5; i++) {
      await upsertProvisioning(source, acmeId, { ...DEPLOYED, status: `deployed-${i}` });
      await getProvisioning(source, boltId);
    }
    await listProvisioning(source);
    await deleteProvisioning(source, boltId);
    expect(logins).toHaveLength(1);
  });

  it("logs in again once when PocketBase no longer accepts the shared token, and the call succeeds", async () => {
    const email = "record-client-2@cloudfreedom.test";
    const password = "pw-record-client-2-0123456789";
    await admin.collection("_superusers").create({ email, password, passwordConfirm: password });
    let logins = 0;
    let rejectNext = false;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).includes("auth-with-password")) logins++;
      else if (rejectNext) {
        rejectNext = false;
        return new Response(JSON.stringify({ status: 401, message: "The request requires valid record authorization token.", data: {} }), { status: 401, headers: { "content-type": "application/json" } });
      }
      return fetch(input, init);
    };
    const source: PocketBaseSource = { url: server.url, email, password, fetch: flaky };
    await getProvisioning(source, acmeId);
    rejectNext = true;
    expect(await upsertProvisioning(source, acmeId, DEPLOYED)).toMatchObject({ tenantId: acmeId, status: "deployed" });
    expect(logins).toBe(2);
    await getProvisioning(source, acmeId);
    expect(logins).toBe(2);
  });

  it("rejects a tenant id that is not a record id before calling PocketBase", async () => {
    await expect(getProvisioning(server, 'x" || 1=1')).rejects.toThrow(RangeError);
  });
});
