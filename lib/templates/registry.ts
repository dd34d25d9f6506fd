import { readFileSync } from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";
import { TemplateError } from "./errors";
import { manifestSchema, type TemplateManifest } from "./manifest";
import llmStack100 from "../../templates/llm-stack/1.0.0/manifest";
import openclaw100 from "../../templates/openclaw/1.0.0/manifest";
import telegramBot100 from "../../templates/telegram-bot/1.0.0/manifest";
import telegramBot101 from "../../templates/telegram-bot/1.0.1/manifest";

/** Every template version the program can deploy. A new version is a new folder plus one line here. */
const MANIFESTS: TemplateManifest[] = [openclaw100, telegramBot100, telegramBot101, llmStack100];

export const TEMPLATES_DIR = path.resolve(__dirname, "../../templates");

export interface TemplateVersion {
  manifest: TemplateManifest;
  /** Absolute path of `templates/<id>/<version>/compose.yaml`. */
  composePath: string;
}

const registry = new Map<string, Map<string, TemplateVersion>>();
for (const manifest of MANIFESTS) {
  const parsed = manifestSchema.safeParse(manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TemplateError({
      tenant: "",
      template: `${manifest.id}@${manifest.version}`,
      field: ["manifest", ...issue.path.map(String)].join("."),
      problem: issue.message,
      fix: "correct the manifest (an unreleased version) or add a new version folder",
    });
  }
  const versions = registry.get(manifest.id) ?? new Map<string, TemplateVersion>();
  versions.set(manifest.version, { manifest, composePath: path.join(TEMPLATES_DIR, manifest.id, manifest.version, "compose.yaml") });
  registry.set(manifest.id, versions);
}

/** Template ids, sorted. */
export function listTemplates(): string[] {
  return [...registry.keys()].sort();
}

/** Versions of a template (drafts included), oldest first. */
export function listVersions(id: string): string[] {
  return [...(registry.get(id)?.keys() ?? [])].sort(compareSemver);
}

/** Highest released version of a template; throws TemplateError for an unknown id or one with no release. */
export function latestVersion(id: string, tenant = ""): string {
  const released = listVersions(id).filter((version) => registry.get(id)?.get(version)?.manifest.status === "released");
  if (released.length === 0) throw unknownTemplate(id, tenant);
  return released[released.length - 1];
}

/** The manifest and compose path of `id@version` (latest released when version is omitted). */
export function getTemplate(id: string, version?: string, tenant = ""): TemplateVersion {
  const versions = registry.get(id);
  if (!versions) throw unknownTemplate(id, tenant);
  const resolved = version ?? latestVersion(id, tenant);
  const entry = versions.get(resolved);
  if (!entry) {
    throw new TemplateError({
      tenant,
      template: id,
      field: "version",
      problem: `version ${JSON.stringify(resolved)} does not exist`,
      fix: `use one of ${listVersions(id).join(", ")} or omit it for the latest release`,
    });
  }
  return entry;
}

const parsedCompose = new Map<string, Record<string, unknown>>();

/** The template's compose file parsed once (YAML core schema: no custom tags); callers must not mutate it. */
export function loadCompose(entry: TemplateVersion): Readonly<Record<string, unknown>> {
  const cached = parsedCompose.get(entry.composePath);
  if (cached) return cached;
  const parsed = load(readFileSync(entry.composePath, "utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TemplateError({
      tenant: "",
      template: `${entry.manifest.id}@${entry.manifest.version}`,
      field: "compose",
      problem: "compose.yaml is not a mapping",
      fix: "fix the template file",
    });
  }
  parsedCompose.set(entry.composePath, parsed as Record<string, unknown>);
  return parsed as Record<string, unknown>;
}

export function compareSemver(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function unknownTemplate(id: string, tenant: string): TemplateError {
  return new TemplateError({
    tenant,
    template: id,
    field: "template",
    problem: `no released template named ${JSON.stringify(id)}`,
    fix: `use one of ${listTemplates().join(", ")}`,
  });
}
