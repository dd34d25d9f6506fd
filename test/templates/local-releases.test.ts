// Test and demo only: versions released outside templates/ (templates/local-releases.ts), read when
// CLOUDFREEDOM_LOCAL_RELEASES names a folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getTemplate, listVersions } from "../../templates";
import { readLocalReleases } from "../../templates/local-releases";

const manifestOf = (id: string, version: string) => (listVersions(id).includes(version) ? getTemplate(id, version).manifest : undefined);

describe("local releases", () => {
  let folder = "";
  const version = (id: string, v: string, release: string | undefined, compose = "services: {}\n") => {
    mkdirSync(join(folder, id, v), { recursive: true });
    if (release !== undefined) writeFileSync(join(folder, id, v, "release.json"), release);
    writeFileSync(join(folder, id, v, "compose.yaml"), compose);
  };
  const fresh = () => (folder = mkdtempSync(join(tmpdir(), "cf-local-releases-")));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it("takes the manifest of the version it names under its own version and status, with its own compose", () => {
    fresh();
    version("telegram-bot", "1.2.0", '{"from": "1.1.0", "status": "released"}');
    const [entry, ...rest] = readLocalReleases(folder, manifestOf);
    expect(rest).toEqual([]);
    expect(entry.composePath).toBe(join(folder, "telegram-bot", "1.2.0", "compose.yaml"));
    expect(entry.manifest).toEqual({ ...getTemplate("telegram-bot", "1.1.0").manifest, version: "1.2.0", status: "released" });
  });

  it.each([
    ["a folder that is no version", "next", '{"from": "1.1.0", "status": "released"}', /the folder name must be a version/],
    ["release.json that is not JSON", "1.2.0", "from 1.1.0", /is not JSON/],
    ["no release.json", "1.2.0", undefined, /needs release.json and compose.yaml/],
    ["an unknown status", "1.2.0", '{"from": "1.1.0", "status": "final"}', /status must be "released" or "draft"/],
    ["a from version templates/ lacks", "1.2.0", '{"from": "0.9.0", "status": "released"}', /from must name a version of telegram-bot in templates\//],
    ["a version templates/ has", "1.1.0", '{"from": "1.1.0", "status": "released"}', /telegram-bot@1.1.0 is already in templates\/; pick a new version/],
  ])("refuses %s, naming the file and the fix", (_case, v, release, message) => {
    fresh();
    version("telegram-bot", v, release);
    expect(() => readLocalReleases(folder, manifestOf)).toThrow(message);
    expect(() => readLocalReleases(folder, manifestOf)).toThrow(/unset CLOUDFREEDOM_LOCAL_RELEASES \(test and demo only\)/);
  });

  it("refuses a folder that does not exist", () => {
    fresh();
    expect(() => readLocalReleases(join(folder, "missing"), manifestOf)).toThrow(/missing: is not a folder/);
  });
});
