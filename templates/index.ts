// The template registry: every version folder the program can deploy. The engine (lib/templates) knows
// nothing of these folders; it renders the TemplateVersion it is given.
import * as path from "node:path";
import { compareSemver, manifestSchema, renderVersion, TemplateError, type RenderedStack, type TemplateManifest, type TemplateVersion, type TenantRenderInput } from "../lib/templates";
import llmStack100 from "./llm-stack/1.0.0/manifest";
import llmStack110 from "./llm-stack/1.1.0/manifest";
import openclaw100 from "./openclaw/1.0.0/manifest";
import openclaw110 from "./openclaw/1.1.0/manifest";
import telegramBot100 from "./telegram-bot/1.0.0/manifest";
import telegramBot101 from "./telegram-bot/1.0.1/manifest";
import telegramBot110 from "./telegram-bot/1.1.0/manifest";
import telegramBot111 from "./telegram-bot/1.1.1/manifest";
import { LOCAL_RELEASES_VARIABLE, readLocalReleases } from "./local-releases";

export * from "../lib/templates";

/** Every template version the program can deploy. A new version is a new folder plus one line here. */
const MANIFESTS: TemplateManifest[] = [openclaw100, openclaw110, telegramBot100, telegramBot101, telegramBot110, telegramBot111, llmStack100, llmStack110];

export const TEMPLATES_DIR = __dirname;

export interface RenderInput extends TenantRenderInput {
  /** Template id, e.g. `llm-stack`. */
  template: string;
  /** Default: the latest released version. */
  version?: string;
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
// Test and demo only: versions released outside templates/ (local-releases.ts); unset in production.
const localReleases = process.env[LOCAL_RELEASES_VARIABLE];
if (localReleases) {
  for (const entry of readLocalReleases(localReleases, (id, version) => registry.get(id)?.get(version)?.manifest)) {
    registry.get(entry.manifest.id)?.set(entry.manifest.version, entry);
  }
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

/** Renders one tenant's stack from `template@version` (latest release when omitted). Throws TemplateError. */
export function renderStack(input: RenderInput): RenderedStack {
  const slug = typeof input.tenant?.slug === "string" ? input.tenant.slug : "";
  return renderVersion(getTemplate(input.template, input.version, slug), input);
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
