// The delete of a refusal record (program/refused-tenant.ts) against a real PocketBase: in a sharded fleet the home
// shard holds a refused tenant's record, and the shard that later deploys the tenant takes that record over; the
// home shard's delete must then leave it alone. A record still a refusal is deleted as before.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../lib/tenants/connection";
import { REFUSED_STATUS } from "../../lib/tenants/provisioning";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";
import { provider, type ProvisioningRecordInputs } from "../../providers/provisioning";

const p = provider as Required<typeof provider>;

describe("a refusal record's delete", () => {
  let pocketbase: PocketBaseInstance;
  let admin: PocketBase;
  let refusal: ProvisioningRecordInputs;

  beforeAll(async () => {
    pocketbase = await startPocketBase({ seed: true });
    Object.assign(process.env, { POCKETBASE_URL: pocketbase.url, POCKETBASE_EMAIL: pocketbase.email, POCKETBASE_PASSWORD: pocketbase.password });
    admin = await connect(pocketbase);
    const acme = await admin.collection("tenants").getFirstListItem('slug = "acme"');
    refusal = {
      tenantId: acme.id, coolifyProjectUuid: "", coolifyServiceUuid: "", templateRef: "llm-stack@1.0.0", status: REFUSED_STATUS,
      statusReason: "capacity: fits on no server", deleteAfter: "", urls: {}, credentials: {},
    };
  });
  afterAll(async () => {
    for (const key of ["POCKETBASE_URL", "POCKETBASE_EMAIL", "POCKETBASE_PASSWORD"]) delete process.env[key];
    await pocketbase?.stop();
  });

  const stored = () => admin.collection("agent_provisioning").getFullList({ filter: admin.filter("tenant = {:id}", { id: refusal.tenantId }) });

  it("leaves the record another stack has since written for the deployed tenant", async () => {
    const { outs } = await p.create(refusal);
    // The deploying shard's TenantStack upserts the same record.
    await p.create({ ...refusal, coolifyProjectUuid: "p1", coolifyServiceUuid: "s1", status: "running:healthy", statusReason: "" });
    await p.delete(refusal.tenantId, outs!);
    expect((await stored()).map((r) => [r.status, r.coolify_service_uuid])).toEqual([["running:healthy", "s1"]]);
  });

  it("deletes a record that is still a refusal, and a deployed tenant's record as before", async () => {
    const { outs } = await p.create(refusal);
    await p.delete(refusal.tenantId, outs!);
    expect(await stored()).toEqual([]);
    const deployed = { ...refusal, coolifyProjectUuid: "p1", coolifyServiceUuid: "s1", status: "running:healthy" };
    const { outs: deployedOuts } = await p.create(deployed);
    await p.delete(refusal.tenantId, deployedOuts!);
    expect(await stored()).toEqual([]);
  });
});
