import { describe, expect, it } from "vitest";
import { ComposeResolverError, resolveCompose, resolveComposeBatch } from "../../emulator/deploy/compose-resolver";

const COMPOSE = "services:\n  a:\n    image: example/a:1\n    environment:\n      - X=${CF_X}\n    env_file: [.env]\n";

describe("tools/compose-resolve through its TypeScript client", () => {
  it("resolves many cases in one process and keeps each result apart", async () => {
    const [good, bad] = await resolveComposeBatch([
      { composeYaml: COMPOSE, envText: "CF_X=one" },
      { composeYaml: COMPOSE, envText: "CF_X='unterminated" },
    ]);
    expect(good).toMatchObject({ ok: true, services: { a: { image: "example/a:1", environment: { X: "one", CF_X: "one" } } } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toContain("unterminated quoted value");
  });

  it("does not see this process's environment", async () => {
    process.env.CF_X_FROM_HOST = "leak";
    try {
      const result = await resolveCompose({ composeYaml: COMPOSE.replace("${CF_X}", "${CF_X_FROM_HOST}"), envText: "" });
      expect(result).toMatchObject({ ok: true, services: { a: { environment: { X: "" } } } });
      if (result.ok) expect(result.warnings.join()).toContain("CF_X_FROM_HOST");
    } finally {
      delete process.env.CF_X_FROM_HOST;
    }
  });

  it("names the fix when the binary is missing", async () => {
    await expect(resolveCompose({ composeYaml: COMPOSE, envText: "" }, "/nonexistent/compose-resolve")).rejects.toThrow(ComposeResolverError);
    await expect(resolveCompose({ composeYaml: COMPOSE, envText: "" }, "/nonexistent/compose-resolve")).rejects.toThrow("npm run setup");
  });
});
