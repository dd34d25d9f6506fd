import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coolifyEnvFile, escapeEnvVariables, realValue } from "../../emulator/deploy/env-file";
import type { CoolifyEmulator } from "../../emulator/server";
import { b64, call, createProject, createService, serviceStatus, startEmulator, waitFor } from "./helpers";

const row = (value: string | null, flags: { isLiteral?: boolean; isMultiline?: boolean } = {}) => ({
  value, isLiteral: flags.isLiteral ?? false, isMultiline: flags.isMultiline ?? false,
});

describe("the .env Coolify 4.3 writes (EnvironmentVariable realValue)", () => {
  it("writes a valid JSON object or array raw and unquoted, whatever the flags", () => {
    expect(realValue(row('{"a":"${X}"}', { isLiteral: true }))).toBe('{"a":"${X}"}');
    expect(realValue(row("[1, 2]"))).toBe("[1, 2]");
  });

  it("wraps literal or multiline values in single quotes without escaping anything", () => {
    expect(realValue(row("Bob's $HOME \\ \"x\"", { isLiteral: true }))).toBe("'Bob's $HOME \\ \"x\"'");
    expect(realValue(row("a\nb", { isMultiline: true }))).toBe("'a\nb'");
  });

  it("backslash-escapes quotes, backslashes, CR, tab and NUL of other values and leaves them unquoted", () => {
    expect(escapeEnvVariables("a'b\"c\\d\te\rf\0")).toBe("a\\'b\\\"c\\\\d\\te\\rf\\0");
    expect(realValue(row("{not json"))).toBe("{not json");
    expect(realValue(row("x\ny"))).toBe("x\ny");
  });

  it("trims values and writes null as empty (quoted when literal)", () => {
    expect(realValue(row("  padded \n"))).toBe("padded");
    expect(realValue(row(null))).toBe("");
    expect(realValue(row(null, { isLiteral: true }))).toBe("''");
  });

  it("puts SERVICE_NAME_* first, then SERVICE_* rows, then rows referring to them, then the rest in stored order", () => {
    const rows = [
      { key: "Z_PLAIN", ...row("1") },
      { key: "REF", ...row("${SERVICE_PASSWORD_X}") },
      { key: "SERVICE_PASSWORD_X", ...row("secret") },
      { key: "A_PLAIN", ...row("2") },
    ];
    expect(coolifyEnvFile(["web", "my-db"], rows)).toBe(
      "SERVICE_NAME_WEB=web\nSERVICE_NAME_MY_DB=my-db\nSERVICE_PASSWORD_X=secret\nREF=${SERVICE_PASSWORD_X}\nZ_PLAIN=1\nA_PLAIN=2",
    );
  });
});

const COMPOSE = `services:
  app:
    image: ghcr.io/example/app:1.0.0
    environment:
      - SERVICE_URL_APP_8080
      - TOKEN=\${SERVICE_PASSWORD_APP}
      - GREETING=\${CF_GREETING}
      - MODE=fixed
    deploy:
      resources:
        limits: {cpus: 0.5, memory: 512M, pids: 128}
`;

interface Effective {
  containers: Record<string, { image: string; environment: Record<string, string | null>; limits: { cpus: number; memoryBytes: number; pids: number } }>;
}

describe("emulator start: Coolify's compose and .env loaded by the real compose loader", () => {
  let emu: CoolifyEmulator;
  let project: string;
  beforeAll(async () => {
    emu = await startEmulator();
    project = await createProject(emu);
  });
  afterAll(() => emu.close());

  async function deployed(env: Array<Record<string, unknown>>, compose = COMPOSE) {
    const uuid = await createService(emu, project, { docker_compose_raw: b64(compose) });
    if (env.length > 0) expect((await call(emu, "PATCH", `/services/${uuid}/envs/bulk`, { data: env })).status).toBe(201);
    await call(emu, "POST", `/services/${uuid}/start`);
    await waitFor(async () => (await call(emu, "GET", `/_emulator/services/${uuid}/effective`)).status, (s) => s !== 404);
    return uuid;
  }

  it("has no effective view before the first start", async () => {
    const uuid = await createService(emu, project, { docker_compose_raw: b64(COMPOSE) });
    expect((await call(emu, "GET", `/_emulator/services/${uuid}/effective`)).status).toBe(404);
  });

  it("serves each container's effective environment and limits, with the variables Coolify injects", async () => {
    const uuid = await deployed([{ key: "CF_GREETING", value: "hello", is_literal: true }]);
    expect(await serviceStatus(emu, uuid)).toBe("running:healthy");
    const res = await call<Effective>(emu, "GET", `/_emulator/services/${uuid}/effective`);
    expect(res.status).toBe(200);
    const app = res.body.containers.app;
    expect(app.image).toBe("ghcr.io/example/app:1.0.0");
    expect(app.limits).toEqual({ cpus: 0.5, memoryBytes: 512 * 1024 * 1024, pids: 128 });
    const generated = emu.store.findService(uuid)!.envs.find((r) => r.key === "SERVICE_PASSWORD_APP")!.value;
    expect(app.environment).toMatchObject({
      GREETING: "hello", CF_GREETING: "hello", MODE: "fixed", TOKEN: generated, SERVICE_NAME_APP: "app",
      COOLIFY_RESOURCE_UUID: uuid, COOLIFY_CONTAINER_NAME: `app-${uuid}`,
    });
    expect(app.environment.COOLIFY_URL).toMatch(/^http:\/\/app-/);
  });

  it("fails the start like Coolify when a literal value with an apostrophe breaks the .env, and serves compose-go's error", async () => {
    const uuid = await deployed([{ key: "CF_GREETING", value: "Bob's Chat", is_literal: true }]);
    expect(await serviceStatus(emu, uuid)).toBe("exited");
    const res = await call<{ error: string }>(emu, "GET", `/_emulator/services/${uuid}/effective`);
    expect(res.status).toBe(409);
    expect(res.body.error).toContain(`unexpected character "'" in variable name`);
  });

  it("lets a quote and a newline in a literal value become a second assignment, as Coolify's writer does", async () => {
    // The router row is created first (it is referenced first), so the injected line comes later and wins.
    const compose = COMPOSE.replace("- GREETING=${CF_GREETING}", "- ROUTER=${CF_ROUTER}\n      - GREETING=${CF_GREETING}");
    const uuid = await deployed([
      { key: "CF_ROUTER", value: "https://router.example/v1" },
      { key: "CF_GREETING", value: "x'\nCF_ROUTER='https://evil.invalid/v1", is_literal: true, is_multiline: true },
    ], compose);
    const res = await call<Effective>(emu, "GET", `/_emulator/services/${uuid}/effective`);
    expect(res.body.containers.app.environment.ROUTER).toBe("https://evil.invalid/v1");
  });

  it("copies the stored value of a referenced row into the container under its own name (serviceParser)", async () => {
    const uuid = await deployed([{ key: "CF_GREETING", value: "cost: $$5" }]);
    const env = (await call<Effective>(emu, "GET", `/_emulator/services/${uuid}/effective`)).body.containers.app.environment;
    // The .env copy is unquoted, so compose reads `$$` as `$`; the inlined compose copy is interpolated the same way.
    expect(env.GREETING).toBe("cost: $5");
    expect(env.CF_GREETING).toBe("cost: $5");
  });

  it("refuses pids_limit beside deploy limits without the same pids, compose's consistency check", async () => {
    const compose = COMPOSE.replace("limits: {cpus: 0.5, memory: 512M, pids: 128}", "limits: {cpus: 0.5, memory: 512M}\n    pids_limit: 128");
    const uuid = await deployed([{ key: "CF_GREETING", value: "hi" }], compose);
    const res = await call<{ error: string }>(emu, "GET", `/_emulator/services/${uuid}/effective`);
    expect(res.body.error).toContain("can't set distinct values on 'pids_limit' and 'deploy.resources.limits.pids'");
    expect(await serviceStatus(emu, uuid)).toBe("exited");
  });

  it("trims env values and stores an empty one as null, as Laravel's middleware does", async () => {
    const uuid = await createService(emu, project, { docker_compose_raw: b64(COMPOSE) });
    await call(emu, "PATCH", `/services/${uuid}/envs/bulk`, { data: [{ key: "CF_GREETING", value: "  hi \n" }, { key: "EMPTY", value: "" }] });
    const rows = emu.store.findService(uuid)!.envs;
    expect(rows.find((r) => r.key === "CF_GREETING")!.value).toBe("hi");
    expect(rows.find((r) => r.key === "EMPTY")!.value).toBeNull();
  });
});
