// The request log keeps every secret a client sent out of memory and out of GET /_emulator/requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redact, REDACTED } from "../../emulator/api/request-log";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, startEmulator, type EnvJson } from "./helpers";

const SECRETS = ["tenant-env-value-7f3a", "bulk-env-value-91c2", "hunter2-password", "query-token-55d1"];

describe("the emulator's request log", () => {
  let emu: CoolifyEmulator;
  let uuid: string;
  beforeAll(async () => {
    emu = await startEmulator();
    uuid = await createService(emu, await createProject(emu));
  });
  afterAll(() => emu.close());

  it("redacts env values, passwords and tokens, keeping env keys and the body's shape", async () => {
    emu.requests.length = 0;
    expect((await call(emu, "POST", `/services/${uuid}/envs`, { key: "TENANT_NOTE", value: SECRETS[0], is_literal: true })).status).toBe(201);
    const bulk = { data: [{ key: "BOT_TOKEN", value: SECRETS[1] }, { key: "DB_PASSWORD", value: SECRETS[2], is_multiline: false }] };
    expect((await call(emu, "PATCH", `/services/${uuid}/envs/bulk`, bulk)).status).toBe(201);
    await call(emu, "GET", `/projects?token=${SECRETS[3]}&page=1`);

    expect(emu.requests.map((r) => r.body)).toEqual([
      { key: "TENANT_NOTE", value: REDACTED, is_literal: true },
      { data: [{ key: "BOT_TOKEN", value: REDACTED }, { key: "DB_PASSWORD", value: REDACTED, is_multiline: false }] },
      undefined,
    ]);
    expect(emu.requests[2].query).toEqual({ token: REDACTED, page: "1" });
    const served = await call<unknown[]>(emu, "GET", "/_emulator/requests", undefined, { token: null });
    for (const secret of SECRETS) {
      expect(JSON.stringify(emu.requests)).not.toContain(secret);
      expect(served.text).not.toContain(secret);
    }
    // The emulated Coolify itself still has the values: only the log forgets them.
    const envs = await call<EnvJson[]>(emu, "GET", `/services/${uuid}/envs`);
    expect(envs.body.find((e) => e.key === "BOT_TOKEN")?.value).toBe(SECRETS[1]);
  });

  it("keeps no part of a body that is not JSON", async () => {
    emu.requests.length = 0;
    await call(emu, "POST", "/projects", undefined, { raw: `name=x&password=${SECRETS[2]}`, contentType: "application/json" });
    expect(emu.requests[0].body).toMatch(/^\[body not JSON, \d+ bytes, not logged\]$/);
  });

  it("redacts everything under a secret-named field, and no field that only sounds alike", () => {
    expect(redact({ credentials: { user: "u", nested: ["a", 1, true] }, api_key: 7, is_secret: false, key: "API_KEY", name: "n" })).toEqual({
      credentials: { user: REDACTED, nested: [REDACTED, REDACTED, true] },
      api_key: REDACTED,
      is_secret: false,
      key: "API_KEY",
      name: "n",
    });
  });
});
