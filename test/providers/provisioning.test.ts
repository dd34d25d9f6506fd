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

  it("writes the applied spec to PocketBase and keeps only its digest in state, which tells a change and ignores key order", async () => {
    const spec = { slug: "acme", template: "llm-stack", templateVersion: "1.1.0", settings: { b: 1, a: 2 }, telegramAllowFrom: [], secrets: { telegramBotToken: "123456789:AAFakeDemoTokenForChirpTelegram0001" }, hosts: ["acme.example.com"] };
    const outs = (await p.create({ ...inputs, appliedSpec: spec })).outs!;
    expect((await stored())[0].applied_spec).toEqual(spec);
    expect("appliedSpec" in outs).toBe(false);
    expect(JSON.stringify(outs)).not.toContain("AAFakeDemoToken");
    expect(outs.appliedDigest).toMatch(/^sha256:/);
    const reordered = { ...spec, settings: { a: 2, b: 1 }, hosts: ["acme.example.com"] };
    expect(await p.diff(inputs.tenantId, outs, { ...inputs, appliedSpec: reordered })).toMatchObject({ changes: false });
    expect(await p.diff(inputs.tenantId, outs, { ...inputs, appliedSpec: { ...spec, settings: { a: 3 } } })).toMatchObject({ changes: true });
    // State from before applied specs: the first run writes it.
    expect(await p.diff(inputs.tenantId, { ...outs, appliedDigest: undefined }, { ...inputs, appliedSpec: spec })).toMatchObject({ changes: true });
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

  it("writes a refusal record without a deployment time: the tenant was never deployed", async () => {
    const refused = { ...inputs, coolifyProjectUuid: "", coolifyServiceUuid: "", status: "refused", statusReason: "fits on no server", urls: {}, credentials: {} };
    for (const record of await stored()) await admin.collection("agent_provisioning").delete(record.id);
    const outs = (await p.create(refused)).outs!;
    expect(outs.lastDeployed).toBe("");
    expect((await stored())[0]).toMatchObject({ status: "refused", status_reason: "fits on no server", last_deployed: "", coolify_service_uuid: "" });
    const deployed = await p.update(inputs.tenantId, outs, inputs);
    expect(deployed.outs!.lastDeployed).not.toBe("");
    expect((await stored())[0]).toMatchObject({ status: "running:healthy", coolify_service_uuid: "s1" });
  });
});
