// The supported Coolify range (lib/coolify/versions.ts) and the providers' gate: nothing is written to a Coolify
// below or above it unless the run allows that version (CLOUDFREEDOM_ALLOW_COOLIFY_VERSION).
import { afterEach, describe, expect, it } from "vitest";
import { changesOutside, SUPPORTED_COOLIFY_VERSIONS, versionSupport } from "../../../lib/coolify";
import { provider } from "../../../providers/project";
import { calls, useEmulator } from "../../providers/harness";

const p = provider as Required<typeof provider>;

describe("supported Coolify versions", () => {
  it.each([
    ["4.2.0", "below"],
    ["4.3.7", "below"],
    ["4.0.0-beta.460", "below"],
    ["4.3.8-rc.1", "below"],
    [SUPPORTED_COOLIFY_VERSIONS.min, "supported"],
    ["4.3.10", "supported"],
    ["v4.3.11", "supported"],
    [SUPPORTED_COOLIFY_VERSIONS.max, "supported"],
    ["4.3.12", "above"],
    ["4.4.0", "above"],
    ["5.0.0", "above"],
    ["OK", "unknown"],
  ])("%s is %s", (version, support) => {
    expect(versionSupport(version)).toBe(support);
  });

  it("names what a version below the range lacks", () => {
    expect(changesOutside("4.3.2")).toEqual([expect.stringMatching(/^since 4\.3\.3: .*traefik\.docker\.network/), expect.stringMatching(/^since 4\.3\.8: .*is_force_https_enabled/)]);
    expect(changesOutside("4.3.9")).toEqual([]);
  });
});

describe("the providers' version gate", () => {
  const h = useEmulator();
  afterEach(() => {
    delete process.env.CLOUDFREEDOM_ALLOW_COOLIFY_VERSION;
  });

  it.each([["4.2.0"], ["4.4.0"]])("refuses to write to Coolify %s before any write, naming the version, the range and the fix", async (version) => {
    h.emulator.store.settings.coolifyVersion = version;
    const error = await p.create({ name: "Tenant acme" }).then(() => undefined, (e: Error) => e);
    expect(error?.message).toContain(`answers version "${version}", outside the supported range 4.3.8 to 4.3.11`);
    expect(error?.message).toContain(`CLOUDFREEDOM_ALLOW_COOLIFY_VERSION=${version} pulumi up`);
    expect(h.emulator.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(h.emulator.store.projects).toEqual([]);
  });

  it("writes to a version inside the range, reading the version once for all writes", async () => {
    h.emulator.store.settings.coolifyVersion = "4.3.8";
    await p.create({ name: "Tenant one" });
    await p.create({ name: "Tenant two" });
    expect(h.emulator.store.projects.map((x) => x.name).sort()).toEqual(["Tenant one", "Tenant two"]);
    expect(calls(h.emulator, "GET", /^\/api\/v1\/version$/)).toHaveLength(1);
  });

  it("writes to an unsupported version the run allows with CLOUDFREEDOM_ALLOW_COOLIFY_VERSION", async () => {
    h.emulator.store.settings.coolifyVersion = "4.4.0";
    process.env.CLOUDFREEDOM_ALLOW_COOLIFY_VERSION = "4.4.0";
    await p.create({ name: "Tenant acme" });
    expect(calls(h.emulator, "POST", /^\/api\/v1\/projects$/)).toHaveLength(1);
  });

  it("does not take an allowance for another version", async () => {
    h.emulator.store.settings.coolifyVersion = "4.4.0";
    process.env.CLOUDFREEDOM_ALLOW_COOLIFY_VERSION = "4.3.12";
    await expect(p.create({ name: "Tenant acme" })).rejects.toThrow(/outside the supported range/);
    expect(calls(h.emulator, "POST", /^\/api\/v1\/projects$/)).toEqual([]);
  });
});
