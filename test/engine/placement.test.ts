// Placement through the real engine, a real PocketBase and the Coolify emulator with three servers of different
// sizes (config coolifyServers). The demo's tenants reserve: acme (llm-stack pro) 2 cpus 4095 MiB, bolt (openclaw
// starter) 1 cpu 2048 MiB, chirp (telegram-bot business) 1 cpu 512 MiB. Servers: large 4 cores 5 GiB, medium 2 cores
// 2 GiB, small 1 core 1.5 GiB; cpu overcommit 4. The steps share one platform and run in order.
import { execFileSync } from "node:child_process";
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_TIMEOUT, failure } from "../support/engine";
import { provisioningRecordOf, startPlatform, updateTenant, type Platform } from "../support/platform";
import { repoRoot } from "../support/pulumi";

describe("placement over three servers", () => {
  let platform: Platform;
  let large: string;
  let medium: string;
  let small: string;
  const service = (name: string) => platform.coolify.store.findServices({ name })[0];
  const serverOf = (name: string) => platform.coolify.store.servers.find((s) => s.id === service(name)?.serverId)?.uuid;
  const recordOf = async (slug: string) => provisioningRecordOf(await platform.admin(), slug);
  const servers = (smallDraining = false, without?: string) =>
    JSON.stringify([
      { uuid: large, cpus: 4, memoryGb: 5 },
      { uuid: medium, cpus: 2, memoryGb: 2 },
      { uuid: small, cpus: 1, memoryGb: 1.5, draining: smallDraining },
    ].filter((s) => s.uuid !== without));
  const env = () => (platform.program.stack.workspace as LocalWorkspace).envVars;
  const clearLog = () => (platform.coolify.requests.length = 0);

  beforeAll(async () => {
    platform = await startPlatform();
    large = platform.coolify.serverUuid;
    medium = platform.coolify.store.addServer({ team: 0, name: "medium", ip: "10.0.0.11" }).server.uuid;
    small = platform.coolify.store.addServer({ team: 0, name: "small", ip: "10.0.0.12" }).server.uuid;
    await platform.program.stack.removeConfig("coolifyServerUuid");
    await platform.program.stack.setConfig("coolifyServers", { value: servers() });
  }, ENGINE_TIMEOUT);
  afterAll(async () => platform?.dispose());

  it("places every tenant as specified, none above its allocatable, and refuses the next with each server's free capacity", async () => {
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({ slug: "dawn", name: "Dawn", status: "active", plan: starter.id, template: "openclaw", settings: {}, ai_router_key: "sk-dawn-router-key-not-real-0004" });
    const up = await failure(platform.program.stack.up());
    expect(up).toContain("1 tenant(s) did not converge");
    expect(up).toContain(`- dawn: refused (never deployed): tenant "dawn": capacity: it needs 1 cpus and 2048 MiB and fits on no server (${[
      [large, "14 cpus and 1025 MiB free"], [medium, "7 cpus and 0 MiB free"], [small, "3 cpus and 1024 MiB free, its largest container (1 cpus and 2048 MiB) exceeds its 1 cores or 1.5 GiB"],
    ].sort(([a], [b]) => (a < b ? -1 : 1)).map(([uuid, free]) => `${uuid}: ${free}`).join("; ")})`);
    expect({ acme: serverOf("cf-acme"), bolt: serverOf("cf-bolt"), chirp: serverOf("cf-chirp") }).toEqual({ acme: large, bolt: medium, chirp: small });
    expect(service("cf-dawn")).toBeUndefined();
    // Its record says why, and names no Coolify object.
    const dawn = await recordOf("dawn");
    expect(dawn).toMatchObject({ status: "refused", coolify_project_uuid: "", coolify_service_uuid: "", last_deployed: "", server_uuid: "", urls: {} });
    expect(dawn.status_reason).toContain(`capacity: it needs 1 cpus and 2048 MiB and fits on no server (`);
    expect(dawn.status_reason).toContain(`${medium}: 7 cpus and 0 MiB free`);
    for (const [slug, server, memoryMb] of [["acme", large, 4095], ["bolt", medium, 2048], ["chirp", small, 512]] as const) {
      const record = await recordOf(slug);
      expect(record.status).toBe("running:healthy");
      expect(record.server_uuid).toBe(server);
      expect(record.reservation.memoryMb).toBe(memoryMb);
    }
  }, ENGINE_TIMEOUT);

  it("npm run capacity shows each server's tenants, their reservations adding up to the plans' limits, and what is free", async () => {
    const { backendDir, workDir } = platform.program;
    const output = execFileSync("bash", [`${repoRoot}/scripts/with-env.sh`, `${repoRoot}/node_modules/.bin/tsx`, `${repoRoot}/scripts/capacity.ts`, "--stack", platform.program.stack.name, "--json"], {
      cwd: workDir, encoding: "utf8", env: { ...process.env, PULUMI_BACKEND_URL: `file://${backendDir}`, PULUMI_CONFIG_PASSPHRASE: "test-passphrase" },
    });
    const report = JSON.parse(output) as { servers: Array<{ uuid: string; draining: boolean; reserved: { cpus: number; memoryMb: number }; allocatable: { cpus: number; memoryMb: number }; free: { cpus: number; memoryMb: number }; reservations: Array<{ slug: string; memoryMb: number }> }> };
    const byUuid = Object.fromEntries(report.servers.map((s) => [s.uuid, s]));
    expect(byUuid[large]).toMatchObject({ draining: false, reserved: { cpus: 2, memoryMb: 4095 }, allocatable: { cpus: 16, memoryMb: 5120 }, free: { cpus: 14, memoryMb: 1025 } });
    expect(byUuid[medium]).toMatchObject({ reserved: { cpus: 1, memoryMb: 2048 }, free: { memoryMb: 0 } });
    expect(byUuid[small]).toMatchObject({ reserved: { cpus: 1, memoryMb: 512 }, free: { memoryMb: 1024 } });
    expect(report.servers.flatMap((s) => s.reservations.map((r) => r.slug)).sort()).toEqual(["acme", "bolt", "chirp"]);
  }, ENGINE_TIMEOUT);

  it("gives a draining server no new tenant and keeps its own there", async () => {
    await platform.program.stack.setConfig("coolifyServers", { value: servers(true) });
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await updateTenant(pb, "dawn", { status: "cancelled" });
    await pb.collection("tenants").create({
      slug: "echo", name: "Echo", status: "active", plan: starter.id, template: "telegram-bot", settings: {}, telegram_bot_token: "223456789:AAFakeDemoTokenForEchoTelegram00005",
      telegram_allow_from: ["100000005"], ai_router_key: "sk-echo-router-key-not-real-0005",
    });
    const chirp = service("cf-chirp").uuid;
    clearLog();
    const up = await platform.program.stack.up();
    expect(up.summary.result).toBe("succeeded");
    // 512 MiB: the small server (1024 free) is draining, so the large one (1025 free) takes it.
    expect(serverOf("cf-echo")).toBe(large);
    expect(service("cf-chirp").uuid).toBe(chirp);
    expect(serverOf("cf-chirp")).toBe(small);
    // dawn, refused and now cancelled, had only its record: gone with it, nothing else deleted.
    await expect(recordOf("dawn")).rejects.toThrow();
    expect(up.summary.resourceChanges?.delete).toBe(2);
  }, ENGINE_TIMEOUT);

  it("holds a plan upgrade that no longer fits on the tenant's server, at its last applied spec, and never moves it", async () => {
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    const limits = starter.limits;
    const bolt = service("cf-bolt");
    await pb.collection("plans").update(starter.id, { limits: { ...limits, openclaw: { cpus: 1, memoryMb: 3072, pids: 256 } } });
    try {
      clearLog();
      const up = await failure(platform.program.stack.up());
      expect(up).toMatch(/- bolt: held: tenant "bolt": capacity: its plan's new limits no longer fit on its server/);
      expect(platform.writes().filter((w) => w.path.includes(bolt.uuid))).toEqual([]);
      expect(service("cf-bolt").dockerComposeRaw).toBe(bolt.dockerComposeRaw);
      expect(serverOf("cf-bolt")).toBe(medium);
      const record = await recordOf("bolt");
      expect(record.status).toBe("held");
      expect(record.status_reason).toContain(`on its server ${medium}: its largest container (1 cpus and 3072 MiB) is larger than the server (2 cores, 2 GiB)`);
    } finally {
      await pb.collection("plans").update(starter.id, { limits });
    }
  }, ENGINE_TIMEOUT);

  it("keeps a tenant on its server across a slug rename and a new run (a restart reads the record)", async () => {
    const pb = await platform.admin();
    const chirp = service("cf-chirp");
    await updateTenant(pb, "chirp", { slug: "chirpy" });
    const up = await platform.program.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(service("cf-chirpy").uuid).toBe(chirp.uuid);
    expect(serverOf("cf-chirpy")).toBe(small);
    expect((await recordOf("chirpy")).server_uuid).toBe(small);
  }, ENGINE_TIMEOUT);

  it("moves the one tenant CLOUDFREEDOM_MOVE names, as a replacement, and nothing else", async () => {
    const before = Object.fromEntries(["cf-acme", "cf-bolt", "cf-echo"].map((name) => [name, service(name).uuid]));
    const old = service("cf-chirpy").uuid;
    env().CLOUDFREEDOM_MOVE = `chirpy:${medium}`;
    try {
      await expect(platform.program.stack.up()).rejects.toThrow(/CLOUDFREEDOM_MOVE to server .* refused: the server cannot take it/);
      env().CLOUDFREEDOM_MOVE = `chirpy:${large}`;
      clearLog();
      const up = await platform.program.stack.up();
      expect(up.summary.result).toBe("succeeded");
    } finally {
      delete env().CLOUDFREEDOM_MOVE;
    }
    expect(serverOf("cf-chirpy")).toBe(large);
    expect(service("cf-chirpy").uuid).not.toBe(old);
    expect(platform.coolify.store.findServices().some((s) => s.uuid === old)).toBe(false);
    expect(Object.fromEntries(Object.keys(before).map((name) => [name, service(name).uuid]))).toEqual(before);
    expect(platform.writes().filter((w) => Object.values(before).some((uuid) => w.path.includes(uuid)))).toEqual([]);
    expect((await recordOf("chirpy")).server_uuid).toBe(large);
    // The next run without the variable leaves it where it now is.
    const again = await platform.program.stack.up();
    expect(again.summary.resourceChanges).not.toHaveProperty("replace");
    expect(serverOf("cf-chirpy")).toBe(large);
  }, 2 * ENGINE_TIMEOUT);

  it("refuses a run whose config drops a server tenants live on, naming them, before any request", async () => {
    await platform.program.stack.setConfig("coolifyServers", { value: servers(false, medium) });
    try {
      clearLog();
      const up = await failure(platform.program.stack.up());
      expect(up).toContain(`server ${medium} is no longer in coolifyServers, but tenant(s) bolt live on it`);
      expect(platform.writes()).toEqual([]);
    } finally {
      await platform.program.stack.setConfig("coolifyServers", { value: servers() });
    }
  }, ENGINE_TIMEOUT);
  it("deploys a refused tenant once a server can take it, updating its refusal record in place (nothing deleted)", async () => {
    const pb = await platform.admin();
    const starter = await pb.collection("plans").getFirstListItem('name = "starter"');
    await pb.collection("tenants").create({ slug: "fox", name: "Fox", status: "active", plan: starter.id, template: "openclaw", settings: {}, ai_router_key: "sk-fox-router-key-not-real-00006" });
    expect(await failure(platform.program.stack.up())).toContain("- fox: refused (never deployed)");
    expect((await recordOf("fox")).status).toBe("refused");
    const bigger = JSON.parse(servers()).map((s: { uuid: string; memoryGb: number }) => (s.uuid === medium ? { ...s, memoryGb: 4 } : s));
    await platform.program.stack.setConfig("coolifyServers", { value: JSON.stringify(bigger) });
    try {
      const up = await platform.program.stack.up();
      expect(up.summary.result).toBe("succeeded");
      expect(up.summary.resourceChanges).not.toHaveProperty("delete");
      expect(serverOf("cf-fox")).toBe(medium);
      const record = await recordOf("fox");
      expect(record).toMatchObject({ status: "running:healthy", coolify_service_uuid: service("cf-fox").uuid, server_uuid: medium, status_reason: "" });
      expect(record.last_deployed).not.toBe("");
    } finally {
      await platform.program.stack.setConfig("coolifyServers", { value: servers() });
    }
  }, 2 * ENGINE_TIMEOUT);
});
