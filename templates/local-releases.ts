// Test and demo only: template versions kept outside templates/, so a test or the demo can release a new version, or
// a deliberately broken one, without a folder here (released folders are immutable: released.lock.json). Read only
// when CLOUDFREEDOM_LOCAL_RELEASES names a folder; unset (production), nothing is read and the registry is exactly
// templates/. Each version is `<folder>/<id>/<version>/release.json` ({"from": "<version>", "status": "released"})
// beside its compose.yaml: the manifest of `<id>@<from>` under the new version and status, with that compose.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { TemplateManifest, TemplateVersion } from "../lib/templates";

export const LOCAL_RELEASES_VARIABLE = "CLOUDFREEDOM_LOCAL_RELEASES";

const VERSION = /^\d+\.\d+\.\d+$/;

/** The versions in `folder`; `manifestOf` finds a registered `from` version. Throws naming the file and the fix. */
export function readLocalReleases(folder: string, manifestOf: (id: string, version: string) => TemplateManifest | undefined): TemplateVersion[] {
  const problem = (where: string, what: string) =>
    new Error(`${LOCAL_RELEASES_VARIABLE}: ${where}: ${what}. Fix the file, or unset ${LOCAL_RELEASES_VARIABLE} (test and demo only) to use templates/ alone.`);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw problem(folder, "is not a folder");
  const found: TemplateVersion[] = [];
  for (const id of readdirSync(folder).sort()) {
    const idDir = path.join(folder, id);
    if (!statSync(idDir).isDirectory()) continue;
    for (const version of readdirSync(idDir).sort()) {
      const dir = path.join(idDir, version);
      if (!statSync(dir).isDirectory()) continue;
      const releaseFile = path.join(dir, "release.json");
      const composePath = path.join(dir, "compose.yaml");
      if (!VERSION.test(version)) throw problem(dir, "the folder name must be a version such as 1.2.0");
      if (!existsSync(releaseFile) || !existsSync(composePath)) throw problem(dir, "needs release.json and compose.yaml");
      let release: { from?: unknown; status?: unknown };
      try {
        release = JSON.parse(readFileSync(releaseFile, "utf8")) as typeof release;
      } catch {
        throw problem(releaseFile, 'is not JSON such as {"from": "1.1.0", "status": "released"}');
      }
      if (release.status !== "released" && release.status !== "draft") throw problem(releaseFile, 'status must be "released" or "draft"');
      const base = typeof release.from === "string" ? manifestOf(id, release.from) : undefined;
      if (!base) throw problem(releaseFile, `from must name a version of ${id} in templates/`);
      if (manifestOf(id, version)) throw problem(dir, `${id}@${version} is already in templates/; pick a new version`);
      found.push({ manifest: { ...base, version, status: release.status }, composePath });
    }
  }
  return found;
}
