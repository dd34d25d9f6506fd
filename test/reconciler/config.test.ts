import { describe, expect, it } from "vitest";
import { readReconcilerConfig, ReconcilerConfigError, scrubSecrets } from "../../reconciler/config";

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
    expect(problems.join("\n")).toMatch(/reconcileDebounceSeconds "soon" is invalid/);
    expect(problems.join("\n")).toMatch(/reconcilerToken is missing.*--secret reconcilerToken/);
    expect(problems.join("\n")).toMatch(/not the view itself/);
    expect(attempt({ ...base, reconcilerToken: TOKEN }, { pocketbasePassword: "x-password" })).toEqual([
      "reconcilerToken is stored in plain text: pulumi config set --secret reconcilerToken <token>",
    ]);
  });

  it("scrubs secret values, plain and URL-encoded, from a message", () => {
    expect(scrubSecrets("token a/b c, in a URL a%2Fb%20c", ["a/b c"])).toBe("token [secret], in a URL [secret]");
  });
});
