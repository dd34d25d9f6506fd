import { describe, expect, it } from "vitest";
import { getHealth, getVersion } from "../../../lib/coolify";
import { useEmulator } from "./emulator-harness";

const h = useEmulator();

describe("instance", () => {
  it("reads the version as plain text without a v", async () => {
    await expect(getVersion(h.conn)).resolves.toBe("4.3.11");
  });

  it("reads the health text", async () => {
    await expect(getHealth(h.conn)).resolves.toBe("OK");
  });

  it("accepts a connection URL that already ends in /api/v1", async () => {
    await expect(getVersion({ ...h.conn, url: `${h.emulator.url}/api/v1/` })).resolves.toBe("4.3.11");
    expect(h.emulator.requests.at(-1)?.path).toBe("/api/v1/version");
  });
});
