import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { getTemplate, latestVersion, listTemplates, listVersions, PLAN_TIERS, renderStack, TemplateError } from "../../templates";
import { compareSemver, TEMPLATES_DIR } from "../../templates";
import { exampleInput } from "./fixtures";

const lock = JSON.parse(readFileSync(path.join(TEMPLATES_DIR, "released.lock.json"), "utf8")) as Record<string, Record<string, string>>;
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const released = listTemplates().flatMap((id) => listVersions(id).map((version) => getTemplate(id, version).manifest).filter((m) => m.status === "released"));

describe("template registry", () => {
  it("knows the three templates and their latest released versions", () => {
    expect(listTemplates()).toEqual(["llm-stack", "openclaw", "telegram-bot"]);
    for (const id of listTemplates()) expect(latestVersion(id)).toBe("1.1.0");
  });

  it("keeps each manifest in the folder named by its id and version, next to its compose.yaml", () => {
    for (const id of listTemplates()) {
      for (const version of listVersions(id)) {
        const entry = getTemplate(id, version);
        expect([entry.manifest.id, entry.manifest.version]).toEqual([id, version]);
        expect(entry.composePath).toBe(path.join(TEMPLATES_DIR, id, version, "compose.yaml"));
        expect(existsSync(path.join(TEMPLATES_DIR, id, version, "manifest.ts"))).toBe(true);
      }
    }
  });

  it("throws TemplateError for an unknown template id", () => {
    expect(() => latestVersion("nope")).toThrow(TemplateError);
    expect(() => getTemplate("nope")).toThrow(/template: no released template named "nope"/);
  });

  it.each([
    ["1.0.0", "1.0.1", -1],
    ["1.10.0", "1.9.9", 1],
    ["2.0.0", "2.0.0", 0],
  ])("orders versions numerically (%s vs %s)", (a, b, sign) => {
    expect(Math.sign(compareSemver(a, b))).toBe(sign);
  });
});

describe("released template versions are immutable", () => {
  it.each(released.map((m) => [`${m.id}@${m.version}`]))("%s matches templates/released.lock.json", (ref) => {
    const [id, version] = ref.split("@");
    const entry = lock[ref];
    expect(entry, `${ref} is released but missing from templates/released.lock.json`).toBeDefined();
    for (const file of ["compose.yaml", "manifest.ts"]) {
      expect(sha256(path.join(TEMPLATES_DIR, id, version, file)), `${ref}/${file} changed after release: add a new version folder instead`).toBe(entry[file]);
    }
  });

  // Guards the renderer too: a change in lib/templates that alters a released version's output fails here.
  for (const manifest of released) {
    for (const tier of PLAN_TIERS) {
      it(`${manifest.id}@${manifest.version} renders the recorded compose for ${tier}`, async () => {
        const input = exampleInput(manifest.id, tier, "acme", manifest.version);
        await expect(renderStack(input).composeYaml).toMatchFileSnapshot(`./golden/${manifest.id}@${manifest.version}.${tier}.yaml`);
      });
    }
  }
});
