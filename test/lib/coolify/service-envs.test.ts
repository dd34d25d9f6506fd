import { describe, expect, it } from "vitest";
import {
  createServiceEnv, deleteServiceEnv, isConflict, isNotFound, listServiceEnvs, updateServiceEnv, upsertServiceEnvs,
} from "../../../lib/coolify";
import { seedService, useEmulator } from "./emulator-harness";

const h = useEmulator();

describe("service envs", () => {
  it("lists the parser's rows, Coolify's own marked is_coolify", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "envs-list");
    const envs = await listServiceEnvs(h.conn, serviceUuid);
    expect(envs.find((e) => e.key === "GREETING")?.value).toBe("hello");
    expect(envs.find((e) => e.key === "SERVICE_PASSWORD_DB")?.is_coolify).toBe(true);
  });

  it("bulk-upserts by key, creating and updating in one call", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "envs-bulk");
    const rows = await upsertServiceEnvs(h.conn, serviceUuid, [
      { key: "GREETING", value: "bonjour" },
      { key: "API_KEY", value: "k-123", is_literal: true, comment: "from tenant" },
    ]);
    expect(rows.map((r) => r.key).sort()).toEqual(["API_KEY", "GREETING"]);
    // The emulator's log redacts env values; the values themselves are read back below.
    expect(h.emulator.requests.at(-1)?.body).toEqual({
      data: [{ key: "GREETING", value: "[redacted]" }, { key: "API_KEY", value: "[redacted]", is_literal: true, comment: "from tenant" }],
    });
    const envs = await listServiceEnvs(h.conn, serviceUuid);
    expect(envs.find((e) => e.key === "GREETING")?.value).toBe("bonjour");
    expect(envs.find((e) => e.key === "API_KEY")).toMatchObject({ value: "k-123", is_literal: true });
  });

  it("sends nothing for an empty bulk upsert", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "envs-empty");
    const before = h.emulator.requests.length;
    await expect(upsertServiceEnvs(h.conn, serviceUuid, [])).resolves.toEqual([]);
    expect(h.emulator.requests.length).toBe(before);
  });

  it("creates one variable, refuses a duplicate, updates it by key and deletes it", async () => {
    const { serviceUuid } = await seedService(h.conn, h.emulator, "envs-single");
    const created = await createServiceEnv(h.conn, serviceUuid, { key: "FEATURE", value: "on" });
    await expect(createServiceEnv(h.conn, serviceUuid, { key: "FEATURE", value: "on" })).rejects.toSatisfy(isConflict);
    await updateServiceEnv(h.conn, serviceUuid, { key: "FEATURE", value: "off" });
    expect((await listServiceEnvs(h.conn, serviceUuid)).find((e) => e.key === "FEATURE")?.value).toBe("off");
    await deleteServiceEnv(h.conn, serviceUuid, created.uuid);
    expect((await listServiceEnvs(h.conn, serviceUuid)).some((e) => e.key === "FEATURE")).toBe(false);
    await expect(deleteServiceEnv(h.conn, serviceUuid, created.uuid)).rejects.toSatisfy(isNotFound);
  });
});
