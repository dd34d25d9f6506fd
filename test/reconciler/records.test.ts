// What the reconciler writes to PocketBase (lib/tenants/observations.ts, lib/tenants/runs.ts), against a real one.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../lib/tenants/connection";
import { writeObservations } from "../../lib/tenants/observations";
import { recordRun, RUNS_COLLECTION } from "../../lib/tenants/runs";
import { startPocketBase, type PocketBaseInstance } from "../../pocketbase/local-server";

describe("the reconciler's records in PocketBase", () => {
  let pocketbase: PocketBaseInstance;
  let pb: PocketBase;
  let ids: Record<string, string>;
  beforeAll(async () => {
    pocketbase = await startPocketBase({ seed: true });
    pb = await connect(pocketbase);
    ids = Object.fromEntries((await pb.collection("tenants").getFullList()).map((t) => [t.slug, t.id]));
    await pb.collection("agent_provisioning").create({ tenant: ids.acme, status: "running:healthy", urls: {}, credentials: { KEY: "kept" }, last_error: "old failure" });
  });
  afterAll(async () => pocketbase?.stop());

  it("writes observed time, status and last error onto existing records, and creates one only for a failed tenant", async () => {
    const observedAt = "2026-12-01T10:00:00.000Z";
    await writeObservations(pocketbase, [
      { tenantId: ids.acme, status: "running:healthy", lastError: "", observedAt },
      { tenantId: ids.bolt, status: "failed", lastError: "Coolify service \"cf-bolt\" failed to start", observedAt },
      { tenantId: ids.chirp, status: "running:healthy", lastError: "", observedAt },
    ]);
    const records = await pb.collection("agent_provisioning").getFullList();
    const byTenant = Object.fromEntries(records.map((r) => [r.tenant, r]));
    expect(byTenant[ids.acme]).toMatchObject({ status: "running:healthy", last_error: "", observed_at: "2026-12-01 10:00:00.000Z", credentials: { KEY: "kept" } });
    expect(byTenant[ids.bolt]).toMatchObject({ status: "failed", last_error: 'Coolify service "cf-bolt" failed to start' });
    expect(byTenant[ids.chirp]).toBeUndefined();
  });

  it("keeps a refusal record's status: the program refused the tenant before any request, and its reason says why", async () => {
    const reason = 'tenant "chirp": capacity: it needs 1 cpus and 512 MiB and fits on no server';
    await pb.collection("agent_provisioning").create({ tenant: ids.chirp, status: "refused", status_reason: reason, coolify_project_uuid: "", coolify_service_uuid: "", urls: {}, credentials: {} });
    await writeObservations(pocketbase, [{ tenantId: ids.chirp, status: "unknown", lastError: "", observedAt: "2026-12-01T11:00:00.000Z" }]);
    const record = await pb.collection("agent_provisioning").getFirstListItem(pb.filter("tenant = {:id}", { id: ids.chirp }));
    expect(record).toMatchObject({ status: "refused", status_reason: reason, observed_at: "2026-12-01 11:00:00.000Z" });
  });

  it("reads only the observed tenants' records when a run observes a few, and every record when it observes many", async () => {
    const lists: URL[] = [];
    const recording: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      if ((init?.method ?? "GET") === "GET" && url.pathname === "/api/collections/agent_provisioning/records") lists.push(url);
      return fetch(input, init);
    };
    const source = { url: pocketbase.url, email: pocketbase.email, password: pocketbase.password, fetch: recording };
    await writeObservations(source, [{ tenantId: ids.acme, status: "running:healthy", lastError: "", observedAt: "2026-12-02T10:00:00.000Z" }]);
    expect(lists).toHaveLength(1);
    expect(lists[0].searchParams.get("filter")).toContain(ids.acme);
    expect(lists[0].searchParams.get("filter")).not.toContain(ids.bolt);
    expect((await pb.collection("agent_provisioning").getFirstListItem(pb.filter("tenant = {:id}", { id: ids.acme }))).observed_at).toBe("2026-12-02 10:00:00.000Z");

    lists.length = 0;
    const unknown = Array.from({ length: 101 }, (_, i) => ({ tenantId: `unknown${String(i).padStart(8, "0")}`, status: "unknown", lastError: "", observedAt: "2026-12-02T11:00:00.000Z" }));
    await writeObservations(source, [...unknown, { tenantId: ids.bolt, status: "failed", lastError: "still failing", observedAt: "2026-12-02T11:00:00.000Z" }]);
    expect(lists.map((url) => url.searchParams.get("filter") ?? "")).toEqual([""]);
    expect(await pb.collection("agent_provisioning").getFirstListItem(pb.filter("tenant = {:id}", { id: ids.bolt }))).toMatchObject({ last_error: "still failing", observed_at: "2026-12-02 11:00:00.000Z" });
    expect((await pb.collection("agent_provisioning").getFullList()).filter((r) => String(r.tenant).startsWith("unknown"))).toEqual([]);
  });

  it("appends a run record with its counts and failures, cutting an overlong message", async () => {
    const id = await recordRun(pocketbase, {
      trigger: "realtime+timer",
      started: "2026-12-01T10:00:00.000Z",
      ended: "2026-12-01T10:00:30.000Z",
      result: "failed",
      counts: { create: 5, update: 1, delete: 0, same: 15 },
      failures: [{ tenant: "bolt", message: "x".repeat(5000) }],
      message: "y".repeat(5000),
    });
    const run = await pb.collection(RUNS_COLLECTION).getOne(id);
    expect(run).toMatchObject({ trigger: "realtime+timer", result: "failed", counts: { create: 5, update: 1, delete: 0, same: 15 }, started: "2026-12-01 10:00:00.000Z" });
    expect(run.message).toHaveLength(4000);
    expect(run.failures[0]).toMatchObject({ tenant: "bolt" });
    expect(run.failures[0].message).toHaveLength(4000);
  });

  it("logs in once per process for its observations and run records, not once per write", async () => {
    const email = "reconciler-records@cloudfreedom.test";
    const password = "pw-reconciler-records-0123456789";
    await pb.collection("_superusers").create({ email, password, passwordConfirm: password });
    let logins = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes("/api/collections/_superusers/auth-with-password")) logins++;
      return fetch(input, init);
    };
    const source = { url: pocketbase.url, email, password, fetch: counting };
    const run = { trigger: "timer", started: "2026-12-01T10:00:00.000Z", ended: "2026-12-01T10:00:30.000Z", result: "succeeded" as const, counts: { create: 0, update: 0, delete: 0, same: 3 }, failures: [], message: "ok" };
    for (let i = 0; i < 3; i++) {
      await writeObservations(source, [{ tenantId: ids.acme, status: "running:healthy", lastError: "", observedAt: "2026-12-01T10:00:00.000Z" }]);
      await recordRun(source, run);
    }
    expect(logins).toBe(1);
  });
});
