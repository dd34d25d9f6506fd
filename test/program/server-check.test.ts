// The program's per-run server check (program/server-check.ts) against the Coolify emulator: a constant two GETs,
// per-server verdicts placement can use, and a stop only for config errors and a Coolify that cannot be asked.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../emulator/server";
import type { CoolifyConnection } from "../../lib/coolify/client";
import type { ServerSpec } from "../../lib/servers";
import { placeTenants } from "../../program/placement";
import { checkServers, ServerCheckError } from "../../program/server-check";

let emulator: CoolifyEmulator;
beforeEach(async () => {
  emulator = await startCoolifyEmulator({ servers: 3, rateLimitPerMinute: 100_000 });
  emulator.requests.length = 0;
});
afterEach(async () => {
  await emulator.close();
});

function connection(overrides: Partial<CoolifyConnection> = {}): CoolifyConnection {
  return { url: emulator.url, token: emulator.token, rateLimitPerMinute: 0, maxRetries: 0, timeoutMs: 5_000, ...overrides };
}

/** Configured as coolifyServers entries (sized); `legacy` as coolifyServerUuid alone (unsized). */
const sized = (uuid: string, extra: Partial<ServerSpec> = {}): ServerSpec => ({ uuid, cpus: 8, memoryGb: 32, reserved: { cpus: 0, memoryGb: 0 }, draining: false, ...extra });
const legacy = (uuid: string): ServerSpec => ({ uuid, cpus: Infinity, memoryGb: Infinity, reserved: { cpus: 0, memoryGb: 0 }, draining: false });
const fleet = () => emulator.servers.map((s) => sized(s.uuid));
const record = (uuid: string) => emulator.store.servers.find((s) => s.uuid === uuid)!;

async function refusal(promise: Promise<unknown>): Promise<ServerCheckError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ServerCheckError);
  return error as ServerCheckError;
}

describe("server check", () => {
  it("finds every server usable with two GETs, the same two for one server as for three", async () => {
    const three = await checkServers(fleet(), connection());
    expect(three.verdicts.map((v) => [v.name, v.usable])).toEqual([["localhost", true], ["server-2", true], ["server-3", true]]);
    expect(three.unusable.size).toBe(0);
    expect(three.warnings).toEqual([]);
    const forThree = emulator.requests.map((r) => `${r.method} ${r.path}`).sort();
    expect(forThree).toEqual(["GET /api/v1/destinations", "GET /api/v1/servers"]);
    emulator.requests.length = 0;
    await checkServers([legacy(emulator.serverUuid)], connection());
    expect(emulator.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(forThree);
  });

  it("marks an unreachable server unusable, naming it and the fix, and keeps the others usable", async () => {
    const [down] = emulator.servers.slice(1);
    record(down.uuid).isReachable = false;
    const check = await checkServers(fleet(), connection());
    expect(check.verdicts.filter((v) => !v.usable).map((v) => v.uuid)).toEqual([down.uuid]);
    expect(check.unusable.get(down.uuid)).toBe(`server server-2 (${down.uuid}) is not reachable`);
    expect(check.verdicts.find((v) => v.uuid === down.uuid)?.reasons[0].fix).toContain("Validate it");
    expect(check.warnings).toHaveLength(1);
    expect(check.warnings[0]).toMatch(/is not reachable: it takes no new tenant in this run .*its own tenants stay\. Fix: in Coolify open the server and Validate it.*or mark it draining/);
  });

  it("warns about a draining server that is not usable without refusing anything", async () => {
    const [, , drained] = emulator.servers;
    record(drained.uuid).isUsable = false;
    const check = await checkServers(fleet().map((s) => (s.uuid === drained.uuid ? { ...s, draining: true } : s)), connection());
    expect(check.unusable.get(drained.uuid)).toBe(`server server-3 (${drained.uuid}) is not usable`);
    expect(check.warnings).toEqual([expect.stringContaining("it is draining, so its tenants stay and nothing new goes there anyway")]);
  });

  it("marks a build server, one with no destination and one with several but none chosen unusable", async () => {
    const [build, bare, ambiguous] = emulator.servers;
    record(build.uuid).isBuildServer = true;
    const bareId = record(bare.uuid).id;
    emulator.store.destinations.splice(emulator.store.destinations.findIndex((d) => d.serverId === bareId), 1);
    emulator.store.addDestination(ambiguous.uuid, "second");
    const check = await checkServers(fleet(), connection());
    expect(check.unusable.get(build.uuid)).toContain("is a build server, which cannot host services");
    expect(check.unusable.get(bare.uuid)).toContain("has no destination");
    expect(check.unusable.get(ambiguous.uuid)).toBe(`server server-3 (${ambiguous.uuid}) has 2 destinations and coolifyServers "destinationUuid" is not set: Coolify refuses the create`);
    // Choosing one of them in its entry makes it usable again.
    const chosen = fleet().map((s) => (s.uuid === ambiguous.uuid ? { ...s, destinationUuid: ambiguous.destinationUuid } : s));
    expect((await checkServers(chosen, connection())).unusable.has(ambiguous.uuid)).toBe(false);
  });

  it("stops the run for a server Coolify does not know, naming it, the team's servers and the config fix", async () => {
    const error = await refusal(checkServers([...fleet(), sized("typo-uuid")], connection()));
    expect(error.message).toContain("The Coolify servers check failed (nothing was declared)");
    expect(error.message).toContain(`server typo-uuid does not exist in this token's team (the token's team has localhost (${emulator.serverUuid}), server-2`);
    expect(error.message).toContain("Fix: correct its uuid in coolifyServers (pulumi config set coolifyServers");
    const old = await refusal(checkServers([legacy("typo-uuid")], connection()));
    expect(old.problems[0]).toMatch(/Fix: pulumi config set coolifyServerUuid <uuid from GET \/api\/v1\/servers>$/);
  });

  it("stops the run for a configured destination that is not one of the server's", async () => {
    const servers = fleet().map((s, i) => (i === 1 ? { ...s, destinationUuid: emulator.servers[0].destinationUuid } : s));
    const error = await refusal(checkServers(servers, connection()));
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^coolifyServers "destinationUuid" ${emulator.servers[0].destinationUuid} is not a destination of server server-2 \\(${emulator.servers[1].uuid}\\); it has server-2-coolify .* Fix: set "destinationUuid" on the server's coolifyServers entry`))]);
  });

  it("stops the run when Coolify does not answer or refuses the token, without the token in the message", async () => {
    const closed = await startCoolifyEmulator();
    const url = closed.url;
    await closed.close();
    const down = await refusal(checkServers(fleet(), connection({ url })));
    expect(down.message).toMatch(new RegExp(`GET /api/v1/(servers|destinations) failed: .*Fix: check coolifyUrl \\(${url.replace(/[.]/g, "\\.")}\\) and that Coolify runs`));
    const token = "9|not-a-token-coolify-knows";
    const refused = await refusal(checkServers(fleet(), connection({ token })));
    expect(refused.message).toContain("Fix: give the stack a token Coolify accepts");
    expect(refused.message).not.toContain("not-a-token-coolify-knows");
  });

  it("gives placement what it needs: no new tenant on the unreachable server, its own tenant stays", async () => {
    const [first, down] = emulator.servers;
    record(down.uuid).isReachable = false;
    const servers = [sized(first.uuid, { memoryGb: 4 }), sized(down.uuid, { memoryGb: 64 })];
    const { unusable } = await checkServers(servers, connection());
    const reservation = { cpus: 1, memoryMb: 2048, largest: { cpus: 1, memoryMb: 2048 } };
    const result = placeTenants({
      servers, overcommit: { cpu: 1, memory: 1 }, unusable,
      tenants: [{ id: "a", slug: "stays", reservation, current: down.uuid }, ...["n1", "n2", "n3"].map((slug) => ({ id: slug, slug, reservation }))],
    });
    expect(result.placed.get("a")?.server).toBe(down.uuid);
    expect([...result.placed].filter(([id]) => id !== "a").map(([, p]) => p.server)).toEqual([first.uuid, first.uuid]);
    expect(result.refused.map((r) => r.slug)).toEqual(["n3"]);
  });
});
