// The reconciler as it runs for real: a real PocketBase (realtime and records), the Coolify emulator, the
// real engine running index.ts. Each engine operation costs seconds, so the cases share one platform and
// build on each other in order.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReconciler, type Reconciler } from "../../reconciler/reconciler";
import { serviceStatus } from "../../emulator/model/status";
import { DEMO_BOT_TOKEN } from "../../pocketbase/seed";
import { ENGINE_TIMEOUT } from "../support/engine";
import { startPlatform, type Platform } from "../support/platform";
import { repoRoot } from "../support/pulumi";
import { envOf, planId, provisioningOf, routerKey, runRecords, TOKEN, waitFor } from "./helpers";

/** Fake but well-formed, and echo's own (two tenants may not share a bot). */
const ECHO_BOT_TOKEN = "123456780:AAFakeEchoTokenForReconcilerTest001";

describe("the reconciler", () => {
  let platform: Platform;
  let reconciler: Reconciler;
  let pb: PocketBase;
  const logs: string[] = [];
  const statusOf = (name: string) => {
    const service = platform.coolify.store.findServices({ name })[0];
    return service && serviceStatus(service, (uuid, container) => platform.coolify.faults.healthOf(uuid, container));
  };

  beforeAll(async () => {
    // A cancelled tenant goes at once here; test/engine/teardown-grace.test.ts covers the grace period.
    platform = await startPlatform({ config: { teardownGraceDays: "0" } });
    await platform.program.stack.setConfig("reconcilerToken", { value: TOKEN, secret: true });
    await platform.program.stack.setConfig("reconcileDebounceSeconds", { value: "1" });
    reconciler = await startReconciler({ stackName: "test", workDir: platform.program.workDir, port: 0, envVars: envOf(platform), log: (line) => logs.push(`${new Date().toISOString()} ${line}`) });
    pb = await platform.admin();
    await reconciler.idle();
  }, ENGINE_TIMEOUT);
  afterAll(async () => {
    // RECONCILER_TEST_LOG=<file> keeps the reconciler's log of the whole sequence, for a failing case.
    if (process.env.RECONCILER_TEST_LOG) writeFileSync(process.env.RECONCILER_TEST_LOG, `${logs.join("\n")}\n`);
    await reconciler?.stop();
    await platform?.dispose();
  });

  it("deploys the seeded tenants at start and records the run and each tenant's observation", async () => {
    expect(reconciler.lastRun()).toMatchObject({ trigger: "startup", result: "succeeded", counts: { create: 3, update: 0, delete: 0, same: 0 } });
    expect((await runRecords(pb)).map((r) => [r.trigger, r.result])).toEqual([["startup", "succeeded"]]);
    const acme = await provisioningOf(pb, "acme");
    expect(acme).toMatchObject({ status: "running:healthy", last_error: "" });
    expect(acme?.observed_at).not.toBe("");
  });

  it("brings a tenant created in PocketBase to running:healthy, with its record written, without a manual up", async () => {
    platform.coolify.requests.length = 0;
    await pb.collection("tenants").create({ slug: "delta", name: "Delta", status: "active", plan: await planId(pb, "starter"), template: "openclaw", settings: {}, ai_router_key: routerKey("delta") });
    const record = await waitFor("delta's observed record", async () => {
      const found = await provisioningOf(pb, "delta");
      return found?.status === "running:healthy" && found.observed_at ? found : undefined;
    });
    expect(record.last_error).toBe("");
    expect(statusOf("cf-delta")).toBe("running:healthy");
    // Targeted: only delta was created, and Coolify saw writes for nothing else.
    expect(reconciler.lastRun()).toMatchObject({ trigger: "realtime", result: "succeeded", scope: "targeted", counts: { create: 1, update: 0, delete: 0, same: 3 } });
    const delta = platform.coolify.store.findServices({ name: "cf-delta" })[0];
    const others = platform.writes().filter((w) => w.path.startsWith("/api/v1/services/") && !w.path.includes(delta.uuid));
    expect(others).toEqual([]);
    const metrics = await (await fetch(`${reconciler.url}/metrics`)).text();
    expect(metrics).toMatch(/cloudfreedom_reconciler_change_to_healthy_seconds_count 1\b/);
    expect(metrics).toMatch(/cloudfreedom_reconciler_tenants\{status="running:healthy"\} 4\b/);
  }, ENGINE_TIMEOUT);

  it("merges a burst of 20 changes into at most 2 runs", async () => {
    const before = reconciler.runs().length;
    const delta = await pb.collection("tenants").getFirstListItem('slug = "delta"');
    for (let i = 0; i < 20; i++) await pb.collection("tenants").update(delta.id, { name: `Delta ${i}` });
    await waitFor("a run after the burst", () => reconciler.runs().length > before || undefined);
    await new Promise((done) => setTimeout(done, 2000));
    await reconciler.idle();
    const runs = reconciler.runs().slice(before);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(runs.every((r) => r.result === "succeeded")).toBe(true);
  }, ENGINE_TIMEOUT);

  it("answers POST /reconcile without a token, or with a wrong one, with 401 and runs nothing", async () => {
    const before = reconciler.runs().length;
    const url = `${reconciler.url}/reconcile`;
    const answers = await Promise.all([
      fetch(url, { method: "POST" }),
      fetch(url, { method: "POST", headers: { Authorization: "Bearer wrong-token" } }),
      fetch(url, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}x` } }),
      fetch(url, { method: "POST", headers: { Authorization: TOKEN } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    await new Promise((done) => setTimeout(done, 1500));
    expect(reconciler.runs().length).toBe(before);
    const health = await fetch(`${reconciler.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ pocketbase: true, backend: true, loop: true, realtime: true, queueDepth: 0, lastRun: { result: "succeeded" } });
  });

  it("applies a change made while PocketBase was down, through the catch-up after it restarts", async () => {
    await platform.pocketbase.stop();
    const down = await fetch(`${reconciler.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ pocketbase: false, backend: true, loop: true });
    // Written into the stopped server's database: no realtime event can ever announce it, only the catch-up.
    const db = new DatabaseSync(join(platform.pocketbase.dataDir, "data.db"));
    const now = new Date().toISOString().replace("T", " ");
    db.prepare("UPDATE tenants SET status = 'suspended', updated = ? WHERE slug = 'bolt'").run(now);
    db.close();
    await platform.pocketbase.restart();
    await waitFor("bolt stopped in Coolify", () => statusOf("cf-bolt")?.startsWith("exited") || undefined);
    await reconciler.idle();
    expect(reconciler.lastRun()).toMatchObject({ result: "succeeded", scope: "targeted" });
    expect(reconciler.lastRun()?.trigger).toContain("catch-up");
  }, ENGINE_TIMEOUT);

  it("records a preview refused over the teardown budget as refused, and runs no up", async () => {
    platform.coolify.requests.length = 0;
    const before = reconciler.runs().length;
    for (const slug of ["acme", "delta"]) {
      const tenant = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
      await pb.collection("tenants").update(tenant.id, { status: "cancelled" });
    }
    await waitFor("the refused run", () => reconciler.runs().slice(before).find((r) => r.result === "refused"));
    await reconciler.idle();
    expect(reconciler.runs().slice(before).map((r) => r.result)).toEqual(["refused"]);
    expect(reconciler.lastRun()?.message).toMatch(/over the budget of 1/);
    expect(platform.writes()).toEqual([]);
    expect((await runRecords(pb)).at(-1)).toMatchObject({ result: "refused", counts: { create: 0, update: 0, delete: 0, same: 0 } });
    // The refusal's remedy points to an operator shell or a one-run allow, never to the reconciler's environment.
    expect(reconciler.lastRun()?.message).toMatch(/CLOUDFREEDOM_ALLOW_TEARDOWN=\S+ pulumi up --stack test from an operator shell, or POST \/reconcile with \{"allow": \{"teardown": \[/);
  }, ENGINE_TIMEOUT);

  it("tears down what the guard refused when POST /reconcile allows it for one run, records the allow with that run, and the next run has none", async () => {
    const before = reconciler.runs().length;
    const unauthenticated = await fetch(`${reconciler.url}/reconcile`, { method: "POST", body: JSON.stringify({ allow: { teardown: ["acme", "delta"] } }) });
    expect(unauthenticated.status).toBe(401);
    const asked = await fetch(`${reconciler.url}/reconcile`, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ allow: { teardown: ["acme", "delta"] } }) });
    expect(asked.status).toBe(202);
    await waitFor("the allowed run", () => reconciler.runs().length > before || undefined);
    await reconciler.idle();
    const allowed = reconciler.runs()[before];
    expect(allowed).toMatchObject({ trigger: "api", result: "succeeded", counts: { delete: 2 } });
    expect(allowed.message).toMatch(/^allowed for this run only by POST \/reconcile: CLOUDFREEDOM_ALLOW_TEARDOWN=acme,delta; /);
    expect((await runRecords(pb)).at(-1)?.message).toBe(allowed.message);
    expect(platform.coolify.store.findServices({ name: "cf-acme" })).toEqual([]);
    for (const slug of ["acme", "delta"]) {
      const tenant = await pb.collection("tenants").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
      await pb.collection("tenants").update(tenant.id, { status: "active" });
    }
    await waitFor("acme and delta back", () => ["cf-acme", "cf-delta"].every((name) => statusOf(name) === "running:healthy") || undefined);
    await reconciler.idle();
    expect(reconciler.lastRun()).toMatchObject({ result: "succeeded" });
    expect(reconciler.runs().slice(before + 1).every((run) => !run.message.includes("allowed for this run"))).toBe(true);
  }, ENGINE_TIMEOUT);

  it("tears down a tenant cancelled in PocketBase, in a full run", async () => {
    const delta = await pb.collection("tenants").getFirstListItem('slug = "delta"');
    await pb.collection("tenants").update(delta.id, { status: "cancelled" });
    await waitFor("cf-delta gone from Coolify", () => platform.coolify.store.findServices({ name: "cf-delta" }).length === 0 || undefined);
    await reconciler.idle();
    expect(reconciler.lastRun()).toMatchObject({ result: "succeeded", scope: "full", counts: { create: 0, update: 0, delete: 1, same: 3 } });
    expect(await provisioningOf(pb, "delta")).toBeUndefined();
  }, ENGINE_TIMEOUT);

  it("lets the other tenants converge when one tenant's service fails", async () => {
    platform.coolify.faults.markContainer("bot", "degraded");
    await pb.collection("tenants").create({
      slug: "echo", name: "Echo", status: "active", plan: await planId(pb, "business"), template: "telegram-bot", settings: {}, telegram_bot_token: ECHO_BOT_TOKEN, telegram_allow_from: ["100000003"], ai_router_key: routerKey("echo"),
    });
    await pb.collection("tenants").create({ slug: "fox", name: "Fox", status: "active", plan: await planId(pb, "starter"), template: "openclaw", settings: {}, ai_router_key: routerKey("fox") });
    const echo = await waitFor("echo's failure recorded", async () => {
      const found = await provisioningOf(pb, "echo");
      return found?.status === "failed" ? found : undefined;
    });
    await reconciler.idle();
    expect(echo.last_error).toMatch(/cf-echo|degraded|bot/);
    expect(await provisioningOf(pb, "fox")).toMatchObject({ status: "running:healthy", last_error: "" });
    expect(statusOf("cf-fox")).toBe("running:healthy");
    platform.coolify.faults.clearContainer("bot");
    const failed = reconciler.runs().find((r) => r.result === "failed");
    // Besides echo's own failure, the stack reports that the program could not register its outputs.
    expect(failed?.failures.map((f) => f.tenant).filter(Boolean)).toEqual(["echo"]);
    expect(failed?.message).toMatch(/up failed for (echo, the stack|the stack, echo|echo);/);
  }, ENGINE_TIMEOUT);

  it("keeps every secret out of its run records and observations", async () => {
    const stored = JSON.stringify([await runRecords(pb), await pb.collection("agent_provisioning").getFullList({ fields: "status,last_error" })]);
    for (const secret of [TOKEN, platform.coolify.token, platform.pocketbase.password, DEMO_BOT_TOKEN, ECHO_BOT_TOKEN, routerKey("echo")]) expect(stored).not.toContain(secret);
  });

  it("stops on SIGTERM during a run with no pending operation or lock left, and the next start catches up", async () => {
    await reconciler.stop();
    await pb.collection("tenants").create({ slug: "golf", name: "Golf", status: "active", plan: await planId(pb, "starter"), template: "openclaw", settings: {}, ai_router_key: routerKey("golf") });
    platform.coolify.requests.length = 0;
    platform.coolify.faults.latencyMs = 300;
    const child = spawn("tsx", [join(repoRoot, "reconciler", "main.ts"), "--stack", "test", "--work-dir", platform.program.workDir, "--port", "0"], {
      env: { ...process.env, ...envOf(platform) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    await waitFor("the child's up writing to Coolify", () => {
      if (child.exitCode !== null) throw new Error(`the reconciler exited early with ${child.exitCode}:\n${output}`);
      return platform.coolify.requests.some((r) => r.method === "POST") || undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`);
    });
    child.kill("SIGTERM");
    expect(await exited, output).toBe(0);
    platform.coolify.faults.latencyMs = 0;
    expect(output).toMatch(/run cancelled/);

    const exported = JSON.parse(platform.program.cli(["stack", "export"])) as { deployment: { pending_operations?: unknown[] } };
    expect(exported.deployment.pending_operations ?? []).toEqual([]);
    const locks = join(platform.program.backendDir, ".pulumi", "locks");
    expect(existsSync(locks) ? readdirSync(locks, { recursive: true }).filter((f) => String(f).endsWith(".json")) : []).toEqual([]);
    expect((await runRecords(pb)).at(-1)).toMatchObject({ trigger: "startup", result: "cancelled" });

    reconciler = await startReconciler({ stackName: "test", workDir: platform.program.workDir, port: 0, envVars: envOf(platform), log: (line) => logs.push(`${new Date().toISOString()} ${line}`) });
    expect(reconciler.recoveredPendingOperations).toBe(0);
    await reconciler.idle();
    expect(reconciler.lastRun()).toMatchObject({ trigger: "startup", result: "succeeded" });
    expect(statusOf("cf-golf")).toBe("running:healthy");
  }, ENGINE_TIMEOUT);
});
