// The read-only Coolify preflight (lib/coolify/preflight.ts) against the emulator: a clean instance passes, and each
// problem an operator can meet is named with its fix, without a single write.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startCoolifyEmulator, type CoolifyEmulator } from "../../../emulator/server";
import { createProject, createService, type CoolifyConnection } from "../../../lib/coolify";
import { runPreflight, type Finding, type PreflightOptions } from "../../../lib/coolify/preflight";
import { projectOwner } from "../../../providers/project";
import { serviceOwner } from "../../../providers/service-model";
import { COMPOSE } from "./emulator-harness";

const STACK = "organization/cloudfreedom-agents/prod";
const OTHER = "organization/cloudfreedom-agents/staging";

let emulator: CoolifyEmulator;
beforeEach(async () => {
  emulator = await startCoolifyEmulator({ rateLimitPerMinute: 1000 });
});
afterEach(async () => {
  await emulator.close();
});

function connection(token = emulator.token): CoolifyConnection {
  return { url: emulator.url, token, rateLimitPerMinute: 0, maxRetries: 0, timeoutMs: 5_000 };
}

function preflight(options: Partial<PreflightOptions> = {}): Promise<Finding[]> {
  return runPreflight({ conn: connection(), servers: [emulator.serverUuid], stack: STACK, owners: { project: projectOwner, service: serviceOwner }, env: {}, ...options });
}

const problems = (findings: Finding[]) => findings.filter((f) => f.level === "problem");
const writes = () => emulator.requests.filter((r) => r.method !== "GET" && r.status < 400);

describe("Coolify preflight", () => {
  it("passes against a supported instance with a root token, and writes nothing", async () => {
    const findings = await preflight();
    expect(problems(findings)).toEqual([]);
    expect(findings.map((f) => f.check)).toEqual(expect.arrayContaining(["instance", "api", "version", "ability:write", "ability:deploy", "ability:read:sensitive", "server", "destination", "ownership", "rate-limit"]));
    expect(findings.find((f) => f.check === "version")?.message).toContain("Coolify 4.3.11, inside the supported range 4.3.8 to 4.3.11");
    expect(findings.find((f) => f.check === "rate-limit")?.message).toContain("Coolify allows 1000 API requests per minute");
    expect(writes()).toEqual([]);
  });

  it("stops at a disabled API, naming the switch that enables it", async () => {
    emulator.store.setApiEnabled(false);
    const [problem, ...rest] = problems(await preflight());
    expect(problem).toMatchObject({ check: "api", message: expect.stringContaining("the API is disabled"), fix: expect.stringContaining("Settings, Advanced, API Access") });
    expect(rest).toEqual([]);
  });

  it("names a token that is not accepted", async () => {
    const [problem] = problems(await preflight({ conn: connection("99|not-a-token") }));
    expect(problem).toMatchObject({ check: "token", message: expect.stringContaining("not accepted (401"), fix: expect.stringContaining("pulumi config set --secret coolifyToken") });
  });

  it("finds a token without write by a probe that changes nothing", async () => {
    const token = emulator.store.addToken({ team: 0, abilities: ["read", "deploy"] });
    const findings = await preflight({ conn: connection(token) });
    expect(problems(findings)).toEqual([expect.objectContaining({ check: "ability:write", message: expect.stringContaining("lacks the write ability"), fix: expect.stringContaining("read, write and deploy") })]);
    expect(findings.find((f) => f.check === "ability:deploy")?.level).toBe("ok");
    expect(findings.find((f) => f.check === "ability:read:sensitive")).toMatchObject({ level: "warning", message: expect.stringContaining("refresh cannot compare") });
    expect(writes()).toEqual([]);
  });

  it("finds a token without read, and still probes write and deploy", async () => {
    const token = emulator.store.addToken({ team: 0, abilities: ["write", "deploy"] });
    const findings = await preflight({ conn: connection(token) });
    expect(problems(findings)).toEqual([expect.objectContaining({ check: "ability:read", fix: expect.stringContaining("read, write and deploy") })]);
    expect(findings.filter((f) => f.check.startsWith("ability:") && f.level === "ok").map((f) => f.check)).toEqual(["ability:write", "ability:deploy"]);
    expect(writes()).toEqual([]);
  });

  it("finds a token without deploy", async () => {
    const token = emulator.store.addToken({ team: 0, abilities: ["read", "write"] });
    expect(problems(await preflight({ conn: connection(token) }))).toEqual([expect.objectContaining({ check: "ability:deploy" })]);
  });

  it("names an unknown server with the command that sets the right one", async () => {
    const [problem] = problems(await preflight({ servers: ["no-such-server-uuid-000000"] }));
    expect(problem).toMatchObject({ check: "server", message: "server no-such-server-uuid-000000 does not exist in this token's team", fix: expect.stringContaining("pulumi config set coolifyServerUuid") });
  });

  it("names a server that is neither reachable nor usable", async () => {
    Object.assign(emulator.store.servers[0], { isReachable: false, isUsable: false });
    const messages = problems(await preflight()).map((f) => f.message);
    expect(messages).toEqual([expect.stringMatching(/is not reachable$/), expect.stringMatching(/is not usable$/)]);
  });

  it("names a destination that is not the server's, listing the server's", async () => {
    const [problem] = problems(await preflight({ destinationUuid: "not-a-destination" }));
    expect(problem).toMatchObject({ check: "destination", message: expect.stringMatching(new RegExp(`^coolifyDestinationUuid not-a-destination is not a destination of server localhost .*; it has \\S+ \\(${emulator.destinationUuid}, network coolify\\)$`)), fix: expect.stringContaining("coolifyDestinationUuid") });
    expect(problems(await preflight({ destinationUuid: emulator.destinationUuid }))).toEqual([]);
  });

  it("asks for coolifyDestinationUuid on a server with several destinations", async () => {
    emulator.store.addDestination(emulator.serverUuid, "tenants");
    expect(problems(await preflight())).toEqual([expect.objectContaining({ check: "destination", message: expect.stringContaining("2 destinations and coolifyDestinationUuid is not set") })]);
  });

  it.each([["4.3.2", "update Coolify to 4.3.11"], ["4.4.0", "check Coolify's release notes"]])("refuses version %s with what it lacks and its fix", async (version, fix) => {
    emulator.store.settings.coolifyVersion = version;
    const [problem] = problems(await preflight());
    expect(problem).toMatchObject({ check: "version", message: expect.stringMatching(new RegExp(`^Coolify ${version} is outside the supported range 4\\.3\\.8 to 4\\.3\\.11: the providers refuse to write to it`)) });
    expect(problem.fix).toContain(fix);
    if (version === "4.3.2") expect(problem.message).toContain("(missing since 4.3.3: service containers get traefik.docker.network=<service uuid>");
    expect(problem.fix).toContain(`CLOUDFREEDOM_ALLOW_COOLIFY_VERSION=${version} pulumi up`);
  });

  it("turns an allowed unsupported version into a warning", async () => {
    emulator.store.settings.coolifyVersion = "4.4.0";
    const findings = await preflight({ env: { CLOUDFREEDOM_ALLOW_COOLIFY_VERSION: "4.4.0" } });
    expect(problems(findings)).toEqual([]);
    expect(findings.find((f) => f.check === "version")?.level).toBe("warning");
  });

  it("counts this stack's projects and services and names another stack's, with the claim command", async () => {
    const conn = connection();
    await createProject(conn, { name: "Tenant acme", description: `acme (managed by cloudfreedom-agents stack=${STACK})` });
    const { uuid: other } = await createProject(conn, { name: "Tenant bolt", description: `(managed by cloudfreedom-agents stack=${OTHER})` });
    await createService(conn, { project_uuid: other, environment_name: "production", server_uuid: emulator.serverUuid, name: "cf-bolt", compose: COMPOSE,
      description: `[cloudfreedom-agents stack=${OTHER} project=${other} env=production server=${emulator.serverUuid}]` });
    const findings = (await preflight()).filter((f) => f.check === "ownership");
    expect(findings).toEqual([
      expect.objectContaining({ level: "ok", message: `1 project(s) and 0 service(s) carry this stack's marker (${STACK})` }),
      expect.objectContaining({ level: "warning", message: expect.stringContaining(`1 project(s) and 1 service(s) carry the marker of another stack, ${OTHER} (Tenant bolt, cf-bolt)`), fix: expect.stringContaining(`CLOUDFREEDOM_CLAIM_FROM=${OTHER} pulumi up`) }),
    ]);
  });

  it("warns when the providers' throttle allows more than Coolify's rate limit", async () => {
    const finding = (await preflight({ clientRateLimit: 5000 })).find((f) => f.check === "rate-limit");
    expect(finding).toMatchObject({ level: "warning", fix: "pulumi config set coolifyRateLimit 1000" });
  });

  it("names an instance that does not answer", async () => {
    await emulator.close();
    const findings = await preflight();
    expect(findings).toEqual([expect.objectContaining({ level: "problem", check: "instance", message: expect.stringContaining("Coolify does not answer") })]);
    emulator = await startCoolifyEmulator();
  });
});
