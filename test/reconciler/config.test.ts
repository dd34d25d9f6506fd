import { describe, expect, it } from "vitest";
import { allowVariableProblems, forOperatorShell, NUMBER_SETTINGS, readReconcilerConfig, ReconcilerConfigError, scrubSecrets } from "../../reconciler/config";

const TOKEN = "0123456789abcdef0123";

function stackConfig(project: string, plain: Record<string, string>, secrets: Record<string, string>) {
  return Object.fromEntries([
    ...Object.entries(plain).map(([key, value]) => [`${project}:${key}`, { value, secret: false }]),
    ...Object.entries(secrets).map(([key, value]) => [`${project}:${key}`, { value, secret: true }]),
  ]);
}

const base = { pocketbaseUrl: "http://127.0.0.1:8090", pocketbaseEmail: "p@example.com" };
const secrets = { pocketbasePassword: "pb-password-123", reconcilerToken: TOKEN, coolifyToken: "coolify-token-1" };

describe("the reconciler's config", () => {
  it("reads its keys under the project's namespace, with defaults, and lists every secret for scrubbing", () => {
    const config = readReconcilerConfig(stackConfig("my-project", base, secrets), {}, "my-project");
    expect(config).toMatchObject({
      token: TOKEN, intervalMinutes: 15, debounceSeconds: 5, resubscribeMinutes: 25, refreshOnTimer: true, targetedRuns: true,
      sourceCollections: ["tenants", "plans"], tenantView: "agent_tenants",
      pocketbase: { url: base.pocketbaseUrl, email: base.pocketbaseEmail, password: secrets.pocketbasePassword },
    });
    expect(config.secrets.sort()).toEqual(Object.values(secrets).sort());
    expect(readReconcilerConfig(stackConfig("my-project", { ...base, reconcileIntervalMinutes: "5" }, secrets), { intervalMinutes: 2 }, "my-project").intervalMinutes).toBe(2);
  });

  it("reports every problem at once with its fix: a missing or plain-text token, a bad number, the view as a source", () => {
    const attempt = (plain: Record<string, string>, secret: Record<string, string>) => {
      try {
        readReconcilerConfig(stackConfig("p", plain, secret), {}, "p");
      } catch (error) {
        expect(error).toBeInstanceOf(ReconcilerConfigError);
        return (error as ReconcilerConfigError).problems;
      }
      throw new Error("expected a ReconcilerConfigError");
    };
    const problems = attempt({ ...base, reconcileDebounceSeconds: "soon", tenantSourceCollections: "agent_tenants" }, { pocketbasePassword: "x-password" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/reconcileDebounceSeconds "soon" is not a whole number: it must be a whole number of seconds from 0 to 300/);
    expect(problems.join("\n")).toMatch(/reconcilerToken is missing.*--secret reconcilerToken/);
    expect(problems.join("\n")).toMatch(/not the view itself/);
    expect(attempt({ ...base, reconcilerToken: TOKEN }, { pocketbasePassword: "x-password" })).toEqual([
      "reconcilerToken is stored in plain text: pulumi config set --secret reconcilerToken <token>",
    ]);
  });

  it("bounds every numeric setting: an interval of 35,792 minutes (Node's timer would fire after 1 ms) is refused naming the key, the range and the fix", () => {
    const problemsOf = (plain: Record<string, string>, overrides: { intervalMinutes?: number } = {}) => {
      try {
        readReconcilerConfig(stackConfig("p", { ...base, ...plain }, secrets), overrides, "p");
        return [];
      } catch (error) {
        return (error as ReconcilerConfigError).problems;
      }
    };
    expect(problemsOf({ reconcileIntervalMinutes: "35792" })).toEqual([
      'reconcileIntervalMinutes "35792" is out of range: it must be a whole number of minutes from 1 to 1440: pulumi config set reconcileIntervalMinutes 15',
    ]);
    expect(problemsOf({}, { intervalMinutes: 35792 })).toEqual(["--interval 35792 is out of range: it must be a whole number of minutes from 1 to 1440"]);
    // Every numeric key refuses one past each end, a fraction, an exponent and an empty value; accepts both ends.
    for (const [key, spec] of Object.entries(NUMBER_SETTINGS)) {
      for (const bad of [String(spec.min - 1), String(spec.max + 1), "2.5", "1e3", "", "Infinity"]) {
        const problems = problemsOf({ [key]: bad, ...(key === "reconcileMaxRunMinutes" ? { reconcileStaleLockMinutes: "10080" } : {}) });
        expect(problems, `${key}=${bad}`).toHaveLength(1);
        expect(problems[0]).toContain(`${key} "${bad}"`);
        expect(problems[0]).toContain(`from ${spec.min} to ${spec.max}`);
        expect(problems[0]).toContain(`pulumi config set ${key} ${spec.fallback}`);
      }
      const ends: Record<string, string> = key === "reconcileMaxRunMinutes" ? { reconcileStaleLockMinutes: "10080" } : key === "reconcileStaleLockMinutes" ? { reconcileMaxRunMinutes: "5" } : {};
      for (const good of [spec.min, spec.max]) expect(problemsOf({ [key]: String(good), ...ends }), `${key}=${good}`).toEqual([]);
    }
    expect(problemsOf({ reconcileMaxRunMinutes: "300", reconcileStaleLockMinutes: "240" })[0]).toMatch(/reconcileStaleLockMinutes \(240\) must be greater than reconcileMaxRunMinutes \(300\)/);
  });

  it("refuses each allow variable set in the reconciler's environment, naming it and where a single run is allowed instead", () => {
    const env = { CLOUDFREEDOM_ALLOW_TEARDOWN: "acme", CLOUDFREEDOM_ALLOW_REPLACE: "*", CLOUDFREEDOM_CLAIM_FROM: "organization/p/old", CLOUDFREEDOM_DELETE_VOLUMES: "false", PATH: "/usr/bin" };
    const problems = allowVariableProblems(env, "prod");
    expect(problems.map((p) => p.split(" ")[0])).toEqual(["CLOUDFREEDOM_ALLOW_TEARDOWN", "CLOUDFREEDOM_ALLOW_REPLACE", "CLOUDFREEDOM_CLAIM_FROM", "CLOUDFREEDOM_DELETE_VOLUMES"]);
    for (const problem of problems) {
      expect(problem).toMatch(/would apply to every run from now on\. Remove it/);
      expect(problem).toContain("pulumi up --stack prod");
      expect(problem).toContain('POST /reconcile with its bearer token and a body such as {"allow": {"teardown": ["<slug>"]}}');
    }
    expect(allowVariableProblems({ CLOUDFREEDOM_ALLOW_TEARDOWN: " ", PATH: "/usr/bin" }, "prod")).toEqual([]);
  });

  it("turns a refusal's `<allow variable>=... pulumi up` into a command for an operator shell or a one-run allow, never the reconciler's environment", () => {
    const refusal = "If that is intended, allow it for this run: CLOUDFREEDOM_ALLOW_TEARDOWN=acme,bolt pulumi up. Or CLOUDFREEDOM_CLAIM_FROM=organization/p/old pulumi up";
    const shown = forOperatorShell(refusal, "prod");
    expect(shown).toBe(
      "If that is intended, allow it for this run: CLOUDFREEDOM_ALLOW_TEARDOWN=acme,bolt pulumi up --stack prod from an operator shell, " +
        'or POST /reconcile with {"allow": {"teardown": ["acme","bolt"]}} for one reconciler run (never in the reconciler\'s environment, which refuses it). ' +
        "Or CLOUDFREEDOM_CLAIM_FROM=organization/p/old pulumi up --stack prod from an operator shell, " +
        'or POST /reconcile with {"allow": {"claimFrom": "organization/p/old"}} for one reconciler run (never in the reconciler\'s environment, which refuses it)',
    );
    expect(forOperatorShell(shown, "prod")).toBe(shown);
    expect(forOperatorShell("CLOUDFREEDOM_ALLOW_REPLACE='*' pulumi up", "prod")).toContain('{"allow": {"replace": ["*"]}}');
    expect(forOperatorShell("run pulumi up", "prod")).toBe("run pulumi up");
  });

  it("scrubs secret values, plain and URL-encoded, from a message", () => {
    expect(scrubSecrets("token a/b c, in a URL a%2Fb%20c", ["a/b c"])).toBe("token [secret], in a URL [secret]");
  });
});
