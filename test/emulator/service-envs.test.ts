import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoolifyEmulator } from "../../emulator/server";
import { call, createProject, createService, startEmulator, type EnvJson } from "./helpers";

describe("emulator service environment variables", () => {
  let emu: CoolifyEmulator;
  let service: string;
  beforeAll(async () => {
    emu = await startEmulator();
    service = await createService(emu, await createProject(emu));
  });
  afterAll(() => emu.close());

  const envs = () => call<EnvJson[]>(emu, "GET", `/services/${service}/envs`);
  const find = async (key: string) => (await envs()).body.find((e) => e.key === key);

  it("creates a row with 201, trims the value and ignores unknown fields", async () => {
    const res = await call<EnvJson>(emu, "POST", `/services/${service}/envs`, {
      key: "GREETING", value: "  hello  ", comment: "why", is_preview: true, surprise: 1,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ key: "GREETING", value: "hello", comment: "why", is_preview: false });
  });

  it("answers 409 for an existing key on POST", async () => {
    await call(emu, "POST", `/services/${service}/envs`, { key: "DUP", value: "1" });
    const res = await call(emu, "POST", `/services/${service}/envs`, { key: "DUP", value: "2" });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ message: "Environment variable already exists. Use PATCH request to update it." });
  });

  it("validates the key pattern with a 422 map", async () => {
    const res = await call(emu, "POST", `/services/${service}/envs`, { key: "1BAD-KEY", value: "x" });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual({ key: ["The key field format is invalid."] });
  });

  it("PATCH matches by key, answers 201 and stores null when the value is omitted", async () => {
    await call(emu, "POST", `/services/${service}/envs`, { key: "KEEP", value: "v1" });
    const updated = await call<EnvJson>(emu, "PATCH", `/services/${service}/envs`, { key: "KEEP", value: "v2", is_literal: true });
    expect(updated.status).toBe(201);
    expect(updated.body).toMatchObject({ value: "v2", real_value: "'v2'", is_literal: true });
    const nulled = await call<EnvJson>(emu, "PATCH", `/services/${service}/envs`, { key: "KEEP", comment: "only a comment" });
    expect(nulled.status).toBe(201);
    expect((await find("KEEP"))?.value).toBeNull();
    const empty = await call<EnvJson>(emu, "PATCH", `/services/${service}/envs`, { key: "KEEP", value: "   " });
    expect(empty.body.value).toBeNull();
  });

  it("PATCH on a missing key, or by uuid, is a 404", async () => {
    const row = await find("GREETING");
    const res = await call(emu, "PATCH", `/services/${service}/envs`, { uuid: row?.uuid, key: "NOPE", value: "x" });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: "Environment variable not found." });
  });

  it("bulk-upserts by key with 201 and an array", async () => {
    const res = await call<EnvJson[]>(emu, "PATCH", `/services/${service}/envs/bulk`, {
      data: [{ key: "GREETING", value: "hi" }, { key: "NEW_ONE", value: "n", is_required: true }],
    });
    expect(res.status).toBe(201);
    expect(res.body.map((e) => [e.key, e.value])).toEqual([["GREETING", "hi"], ["NEW_ONE", "n"]]);
    expect((await find("NEW_ONE"))?.is_required).toBe(true);
  });

  it("bulk keeps the items before the first invalid one and answers 422", async () => {
    const res = await call(emu, "PATCH", `/services/${service}/envs/bulk`, {
      data: [{ key: "FIRST_OK", value: "1" }, { key: "bad key", value: "2" }, { key: "NEVER", value: "3" }],
    });
    expect(res.status).toBe(422);
    expect((await find("FIRST_OK"))?.value).toBe("1");
    expect(await find("NEVER")).toBeUndefined();
  });

  it("bulk without data is a 400 Bulk data is required.", async () => {
    const res = await call(emu, "PATCH", `/services/${service}/envs/bulk`, { items: [] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: "Bulk data is required." });
  });

  it("never shows the value of an is_shown_once row, even with sensitive access", async () => {
    await call(emu, "POST", `/services/${service}/envs`, { key: "ONCE", value: "secret", is_shown_once: true });
    const row = await find("ONCE");
    expect(row).toBeDefined();
    expect(row).not.toHaveProperty("value");
  });

  it("hides value and real_value from write responses without read:sensitive", async () => {
    const writer = emu.store.addToken({ abilities: ["read", "write"] });
    const res = await call<EnvJson>(emu, "POST", `/services/${service}/envs`, { key: "HIDDEN", value: "x" }, { token: writer });
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty("value");
    expect(res.body).not.toHaveProperty("real_value");
  });

  it("hard-deletes a row by uuid", async () => {
    const row = await find("DUP");
    const res = await call(emu, "DELETE", `/services/${service}/envs/${row?.uuid}`);
    expect(res.body).toEqual({ message: "Environment variable deleted." });
    expect(await find("DUP")).toBeUndefined();
    expect((await call(emu, "DELETE", `/services/${service}/envs/${row?.uuid}`)).status).toBe(404);
  });
});
