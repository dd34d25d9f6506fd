// What names a change of the rendering code in a rollout's key (program/rollout-fleet.ts releaseOf): a digest of the
// sources that turn a tenant into its stack, read relative to the program: every file under templates/ (manifests,
// compose files, the registry), the local releases' compose files (CLOUDFREEDOM_LOCAL_RELEASES, test and demo only),
// lib/templates/, program/plan.ts and program/domain-policy.ts (settings and hosts), and the js-yaml version that
// dumps the compose. The same code gives the same digest in every run, and a change of any of them another. It only
// names the change: whether a tenant is behind is decided by its render digest, so an edit that changes no stack
// (a comment) starts no rollout.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { getTemplate, listTemplates, listVersions, TEMPLATES_DIR } from "../templates";

/** The files whose content the digest covers, sorted: each path relative to `root` where it lies under it. */
export function renderSources(): string[] {
  const root = path.resolve(__dirname, "..");
  const files = [
    ...filesUnder(TEMPLATES_DIR),
    ...filesUnder(path.join(root, "lib", "templates")),
    ...["plan", "domain-policy"].flatMap((name) => filesNamed(__dirname, name)),
    ...listTemplates().flatMap((id) => listVersions(id).map((version) => getTemplate(id, version).composePath)),
  ];
  return [...new Set(files)].sort();
}

/** A short digest of the files' names (relative to `root`) and contents, and of `extra` (a dependency's version). */
export function sourcesDigest(files: string[], root: string, extra = ""): string {
  const hash = createHash("sha256").update(extra);
  for (const file of files) hash.update(`\0${path.relative(root, file)}\0`).update(readFileSync(file));
  return `sha256:${hash.digest("hex").slice(0, 12)}`;
}

let cached: string | undefined;

/** The digest of the rendering code this program runs (computed once per process: the code does not change under it). */
export function renderCodeDigest(): string {
  const root = path.resolve(__dirname, "..");
  cached ??= sourcesDigest(renderSources(), root, `js-yaml@${jsYamlVersion(root)}`);
  return cached;
}

function jsYamlVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, "node_modules", "js-yaml", "package.json"), "utf8")) as { version?: string }).version ?? "";
  } catch {
    return "";
  }
}

function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? (name === "node_modules" ? [] : filesUnder(file)) : [file];
  });
}

/** `name.ts` or `name.js` beside this file, whichever the program runs from. */
function filesNamed(dir: string, name: string): string[] {
  return [".ts", ".js"].map((ext) => path.join(dir, `${name}${ext}`)).filter((file) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
