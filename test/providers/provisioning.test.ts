// The ProvisioningRecord provider against a real PocketBase: upsert by tenant, drift, idempotent delete.
import type PocketBase from "pocketbase";
import { connect } from "../../lib/tenants/connection";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provider, type ProvisioningRecordInputs } from "../../providers/provisioning";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";

const p = provider as Required<typeof provider>;

describe("ProvisioningRecord provider", () => {
  let pocketbase: PocketBaseInstance;
  let admin: PocketBase;
  let inputs: ProvisioningRecordInputs;

  beforeAll(async () => {
    pocketbase = await startPocketBase({ seed: true });
    Object.assign(process.env, { POCKETBASE_URL: pocketbase.url, POCKETBASE_EMAIL: pocketbase.email, POCKETBASE_PASSWORD: pocketbase.password });
    admin = await connect(pocketbase);
    const acme = await admin.collection("tenants").getFirstListItem('slug = "acme"');
    inputs = {
      tenantId: acme.id, coolifyProjectUuid: "p1", coolifyServiceUuid: "s1", templateRef: "llm-stack@1.0.0",
      status: "running:healthy", urls: { primary: "https://acme.example.com" }, credentials: { SERVICE_PASSWORD_X: "generated-secret" },
    };
  });
  afterAll(async () => {
    for (const key of ["POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD"]) delete process.env[key];
    await pocketbase?.stop();
  });

  const stored = () => admin.collection("agent_provisioning").getFullList({ filter: admin.filter("tenant = {:id}", { id: inputs.tenantId }) });

  it("creates one record per tenant, credentials included, and adopts it on a second create", async () => {
    const { id } = await p.create(inputs);
    expect(id).toBe(inputs.tenantId);
    await p.create(inputs);
    const records = await stored();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ coolify_service_uuid: "s1", template_ref: "llm-stack@1.0.0", credentials: { SERVICE_PASSWORD_X: "generated-secret" } });
  });

  it("updates in place and replaces only for another tenant", async () => {
    const outs = (await p.create(inputs)).outs!;
    expect(await p.diff(inputs.tenantId, outs, { ...inputs, status: "exited" })).toMatchObject({ changes: true, replaces: [] });
    expect(await p.diff(inputs.tenantId, outs, { ...inputs, tenantId: "other" })).toMatchObject({ replaces: ["tenantId"] });
    expect(await p.diff(inputs.tenantId, outs, { ...inputs })).toMatchObject({ changes: false });
    await p.update(inputs.tenantId, outs, { ...inputs, status: "exited" });
    expect((await stored())[0].status).toBe("exited");
  });

  it("reports a record deleted out of band as gone, and treats deleting it again as success", async () => {
    const outs = (await p.create(inputs)).outs!;
    await p.delete(inputs.tenantId, outs);
    expect(await stored()).toEqual([]);
    expect((await p.read(inputs.tenantId, outs)).id).toBe("");
    await expect(p.delete(inputs.tenantId, outs)).resolves.toBeUndefined();
  });

  it("names the missing config when PocketBase credentials are absent", async () => {
    const saved = process.env.POCKETBASE_PASSWORD;
    delete process.env.POCKETBASE_PASSWORD;
    try {
      await expect(p.create(inputs)).rejects.toThrow(/pulumi config set --secret pocketbasePassword/);
    } finally {
      process.env.POCKETBASE_PASSWORD = saved;
    }
  });
});
