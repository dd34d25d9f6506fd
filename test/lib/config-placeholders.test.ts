// A value left as a placeholder (`REPLACE-…`, an `<example>`) is refused by the config check with the key and the
// command that sets it; and Pulumi.prod.yaml says which secrets a production stack needs.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { isPlaceholder } from "../../lib/config";
import { problemsOf } from "./config-fixtures";

const ROOT = resolve(__dirname, "../..");

/** Pulumi.prod.yaml's settings, keys without the project namespace. */
function prodSettings(): { header: string; values: Record<string, string> } {
  const text = readFileSync(resolve(ROOT, "Pulumi.prod.yaml"), "utf8");
  const config = (load(text) as { config: Record<string, string> }).config;
  const values = Object.fromEntries(Object.entries(config).map(([key, value]) => [key.slice(key.indexOf(":") + 1), String(value)]));
  return { header: text.split("\nconfig:")[0], values };
}

describe("placeholders in the stack config", () => {
  it.each([["REPLACE-with-server-uuid", true], ["replace me", true], ["<server uuid from GET /api/v1/servers>", true], ["CHANGEME", true],
    ["k4s8w0c4gk0ook8wwgc0s8cs", false], ["replacement-server", false]])("%s is a placeholder: %s", (value, expected) => {
    expect(isPlaceholder(value)).toBe(expected);
  });

  it("refuses Pulumi.prod.yaml's placeholder server uuid, naming the key and the command", () => {
    const { values } = prodSettings();
    const problems = problemsOf({ ...values, coolifyToken: "tok", pocketbasePassword: "pw" });
    expect(problems).toEqual([`coolifyServerUuid "REPLACE-with-server-uuid" is a placeholder: pulumi config set coolifyServerUuid '<server uuid from GET /api/v1/servers>'`]);
  });

  it("Pulumi.prod.yaml names exactly the secrets a prod stack must set, and aiRouterKey only as the fallback", () => {
    const { header, values } = prodSettings();
    const missing = problemsOf({ ...values, coolifyServerUuid: "k4s8w0c4gk0ook8wwgc0s8cs" }).map((p) => /^(\w+) is missing: pulumi config set --secret/.exec(p)?.[1]);
    expect(missing.sort()).toEqual(["coolifyToken", "pocketbasePassword"]);
    for (const secret of missing) expect(header).toMatch(new RegExp(`^#\\s+pulumi config set --secret ${secret} `, "m"));
    expect(header).toMatch(/sharedRouterKeyFallback=true also needs the shared fallback key: pulumi config set --secret aiRouterKey/);
    expect(header).not.toMatch(/^#\s+pulumi config set --secret aiRouterKey/m);
  });
});
