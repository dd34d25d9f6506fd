// The digest that names a change of the rendering code in a rollout's key (program/render-code.ts): the same for the
// same sources, another when one of them changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderCodeDigest, renderSources, sourcesDigest } from "../../program/render-code";
import { repoRoot } from "../support/pulumi";

describe("the rendering code's digest", () => {
  const dir = mkdtempSync(join(tmpdir(), "cf-render-code-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("covers the templates, lib/templates and the planning code that renders, relative to the program", () => {
    const files = renderSources().map((file) => relative(repoRoot, file));
    expect(files).toEqual(expect.arrayContaining([
      "templates/openclaw/1.1.0/compose.yaml", "templates/openclaw/1.0.0/manifest.ts", "templates/index.ts",
      "lib/templates/render.ts", "lib/templates/compose-values.ts", "program/plan.ts", "program/domain-policy.ts",
    ]));
    expect(files.some((file) => file.startsWith("program/rollout"))).toBe(false);
  });

  it("is the same in every run of the same code, and another when a source's content changes", () => {
    expect(renderCodeDigest()).toMatch(/^sha256:[0-9a-f]{12}$/);
    const jsYaml = (JSON.parse(readFileSync(join(repoRoot, "node_modules/js-yaml/package.json"), "utf8")) as { version: string }).version;
    expect(sourcesDigest(renderSources(), repoRoot, `js-yaml@${jsYaml}`)).toBe(renderCodeDigest());
    const a = join(dir, "compose.yaml");
    const b = join(dir, "manifest.ts");
    writeFileSync(a, "services: {}\n");
    writeFileSync(b, "export default {};\n");
    const before = sourcesDigest([a, b], dir);
    expect(sourcesDigest([a, b], dir)).toBe(before);
    writeFileSync(a, "services: {x: {}}\n");
    expect(sourcesDigest([a, b], dir)).not.toBe(before);
    expect(sourcesDigest([a, b], dir, "js-yaml@4.1.0")).not.toBe(sourcesDigest([a, b], dir, "js-yaml@4.1.1"));
  });
});
