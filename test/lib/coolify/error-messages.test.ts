import { afterEach, describe, expect, it } from "vitest";
import {
  CoolifyApiError, createProject, createService, getService, GENERAL_ERRORS_KEY, isConflict, isNotFound, listProjects, listServices,
  type CreateProjectInput,
} from "../../../lib/coolify";
import { COMPOSE, fastConnection, seedService, useEmulator } from "./emulator-harness";

const h = useEmulator();
const seen: CoolifyApiError[] = [];

/** Runs `call`, expects a CoolifyApiError and keeps it for the token check at the end. */
async function failure(call: Promise<unknown>): Promise<CoolifyApiError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CoolifyApiError);
  seen.push(err as CoolifyApiError);
  return err as CoolifyApiError;
}

afterEach(() => h.emulator.faults.reset());

describe("error messages that reach the operator", () => {
  it("404 names the path and Coolify's message", async () => {
    const err = await failure(getService(h.conn, "nosuchservice"));
    expect(isNotFound(err)).toBe(true);
    expect(err.message).toBe("Coolify API GET /api/v1/services/nosuchservice failed (404): Service not found.");
  });

  it("409 lists the conflicting domains, and the failed create leaves no service", async () => {
    const { projectUuid, serviceUuid } = await seedService(h.conn, h.emulator, "domain-owner");
    const [app] = (await getService(h.conn, serviceUuid)).applications ?? [];
    const url = String(app.fqdn);
    const err = await failure(
      createService(h.conn, {
        project_uuid: projectUuid, environment_name: "production", server_uuid: h.emulator.serverUuid, name: "clash",
        compose: COMPOSE, urls: [{ name: "app", url }],
      }),
    );
    expect(isConflict(err)).toBe(true);
    expect(err.message).toBe(
      `Coolify API POST /api/v1/services failed (409): Domain conflicts detected. Use force_domain_override=true to proceed.; ` +
        `conflicts: ${url} used by service 'domain-owner' (${serviceUuid})`,
    );
    expect((await listServices(h.conn)).some((s) => s.name === "clash")).toBe(false);
  });

  it("422 with a Laravel field map", async () => {
    const err = await failure(createProject(h.conn, { name: "ok name", colour: "red" } as CreateProjectInput));
    expect(err.errors).toEqual({ colour: ["This field is not allowed."] });
    expect(err.message).toBe("Coolify API POST /api/v1/projects failed (422): Validation failed.; errors: colour: This field is not allowed.");
  });

  it("422 with a string per field", async () => {
    const { server } = h.emulator.store.addServer({ name: "two-networks" });
    h.emulator.store.addDestination(server.uuid, "second");
    const { uuid: projectUuid } = await createProject(h.conn, { name: "foreign destination" });
    const err = await failure(
      createService(h.conn, {
        project_uuid: projectUuid, environment_name: "production", server_uuid: server.uuid, destination_uuid: h.emulator.destinationUuid,
        compose: COMPOSE,
      }),
    );
    expect(err.errors).toEqual({ destination_uuid: [expect.stringContaining("destination_uuid")] });
    expect(err.message).toMatch(/failed \(422\): Validation failed\.; errors: destination_uuid: .+/);
  });

  it("422 with a plain list from urls", async () => {
    const { uuid: projectUuid } = await createProject(h.conn, { name: "bad urls" });
    const err = await failure(
      createService(h.conn, {
        project_uuid: projectUuid, environment_name: "production", server_uuid: h.emulator.serverUuid, compose: COMPOSE,
        urls: [{ name: "app", url: "ftp://files.example.com" }],
      }),
    );
    expect(err.errors).toEqual({ [GENERAL_ERRORS_KEY]: [expect.stringContaining("ftp://files.example.com")] });
    expect(err.message).toContain("(422): Validation failed.; errors: ");
    expect(err.message).toContain("ftp://files.example.com");
  });

  it("422 with only a message", async () => {
    const { uuid: projectUuid } = await createProject(h.conn, { name: "no env" });
    const err = await failure(createService(h.conn, { project_uuid: projectUuid, server_uuid: h.emulator.serverUuid, compose: COMPOSE }));
    expect(err.message).toBe("Coolify API POST /api/v1/services failed (422): You need to provide at least one of environment_name or environment_uuid.");
  });

  it("401 for an unknown token, with a hint", async () => {
    const err = await failure(listProjects({ ...h.conn, token: "99|notarealtokennotarealtoken" }));
    expect(err.message).toBe("Coolify API GET /api/v1/projects failed (401): Unauthenticated.; check the API token (expired, revoked or mistyped)");
    expect(JSON.stringify(err)).not.toContain("notarealtoken");
  });

  it("403 for a token without the ability, and while the API is disabled", async () => {
    const readOnly = h.emulator.store.addToken({ abilities: ["read"] });
    const denied = await failure(createProject({ ...h.conn, token: readOnly }, { name: "nope" }));
    expect(denied.message).toContain("(403): Missing required permissions: write; the token needs read, write and deploy (or root)");
    expect(JSON.stringify(denied)).not.toContain(readOnly.split("|")[1]);
    h.emulator.store.setApiEnabled(false);
    try {
      const disabled = await failure(listProjects(h.conn));
      expect(disabled.message).toContain("(403): API is disabled.; enable the API in Coolify");
    } finally {
      h.emulator.store.setApiEnabled(true);
    }
  });

  it("status 0 when a POST's connection drops, and the create is not repeated", async () => {
    h.emulator.faults.dropNext({ count: 1, method: "POST", pathPrefix: "/api/v1/projects", afterProcessing: true });
    const before = h.emulator.requests.length;
    const err = await failure(createProject(h.conn, { name: "lost response" }));
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/^Coolify API POST \/api\/v1\/projects failed \(no response\): .+; the request may or may not have been applied/);
    expect(h.emulator.requests.slice(before).filter((r) => r.method === "POST")).toHaveLength(1);
    expect((await listProjects(h.conn)).filter((p) => p.name === "lost response")).toHaveLength(1);
  });

  it("status 0 when nothing listens", async () => {
    const err = await failure(listProjects(fastConnection(h.emulator, { url: "http://127.0.0.1:1", maxRetries: 1 })));
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/failed \(no response\) after 2 attempts: .*ECONNREFUSED/);
  });

  it("never includes the token in any error seen above", () => {
    expect(seen.length).toBeGreaterThanOrEqual(10);
    const secret = h.emulator.token.split("|")[1];
    for (const err of seen) {
      for (const text of [err.message, err.bodyExcerpt, JSON.stringify(err), String(err.cause), err.stack ?? ""]) {
        expect(text).not.toContain(secret);
      }
    }
  });
});
