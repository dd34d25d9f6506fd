import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "../../lib/config";
import { DEFAULT_ROLLOUT, readRollout } from "../../lib/rollout-config";
import { parseTenant } from "../../lib/tenants/tenant";

function read(raw: string | undefined) {
  const problems: string[] = [];
  return { policy: readRollout(raw, problems), problems };
}

describe("config rollout", () => {
  it("is off when unset, takes every default from {}, and overrides key by key", () => {
    expect(read(undefined)).toEqual({ policy: undefined, problems: [] });
    expect(read("{}")).toEqual({ policy: DEFAULT_ROLLOUT, problems: [] });
    expect(DEFAULT_ROLLOUT).toEqual({ canaryRing: "canary", fraction: 0.25, soakMinutes: 30, maxFailures: 0 });
    expect(read(`{"fraction":0.5,"soakMinutes":"10","maxFailures":1,"canaryRing":"early"}`).policy).toEqual({ canaryRing: "early", fraction: 0.5, soakMinutes: 10, maxFailures: 1 });
  });

  it("names the key and the command that fixes each problem", () => {
    expect(read("nope").problems).toEqual([expect.stringMatching(/^rollout is not JSON: pulumi config set rollout '\{"canaryRing"/)]);
    expect(read("[1]").problems).toEqual([expect.stringMatching(/^rollout must be a JSON object/)]);
    expect(read(`{"fraction":0,"maxFailures":-1,"soak":5}`)).toEqual({
      policy: undefined,
      problems: [
        "rollout.fraction 0 must be a number above 0 and at most 1: pulumi config set --path rollout.fraction 0.25",
        "rollout.maxFailures -1 must be a whole number, 0 or more: pulumi config set --path rollout.maxFailures 0",
        "rollout.soak is not a rollout setting (known: canaryRing, fraction, soakMinutes, maxFailures): pulumi config rm --path rollout.soak",
      ],
    });
  });

  it("reaches the platform config, and its problems join the ConfigError", () => {
    const values: Record<string, string> = {
      coolifyUrl: "https://coolify.example.com", coolifyServerUuid: "srv-1", baseDomain: "agents.example.com", pocketbaseUrl: "https://pb.example.com",
      pocketbaseEmail: "provisioner@example.com", aiRouterUrl: "https://ai.example.com/v1", coolifyToken: "tok", pocketbasePassword: "pw", aiRouterKey: "key",
    };
    const configOf = (extra: Record<string, string>) => ({ get: (k: string) => ({ ...values, ...extra })[k], getSecret: (k: string) => (values[k] === undefined ? undefined : pulumi.secret(values[k])) }) as unknown as pulumi.Config;
    expect(readConfig(configOf({}), {})).not.toHaveProperty("rollout");
    expect(readConfig(configOf({ rollout: `{"soakMinutes":5}` }), {}).rollout).toEqual({ ...DEFAULT_ROLLOUT, soakMinutes: 5 });
    expect(() => readConfig(configOf({ rollout: `{"fraction":2}` }), {})).toThrow(ConfigError);
  });
});

describe("rollout_ring, read leniently", () => {
  const row = (extra: Record<string, unknown>) => ({
    id: "abc123", slug: "bolt", status: "active", name: "Bolt", plan_id: "p1", plan_name: "pro", plan_tier: "pro",
    plan_allowed_templates: ["openclaw"], template: "openclaw", ...extra,
  });

  it("marks a tenant the view puts in a ring; absent, empty or not text means no ring and no field error", () => {
    expect(parseTenant(row({ rollout_ring: " Canary " })).rolloutRing).toBe("canary");
    for (const ring of [undefined, "", 7, null]) {
      const tenant = parseTenant(row({ rollout_ring: ring }));
      expect(tenant).not.toHaveProperty("rolloutRing");
      expect(tenant.fieldErrors).toBeUndefined();
    }
  });
});
