// A template version as the engine sees it: its manifest and the path of its compose file.
import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { TemplateError } from "./errors";
import type { TemplateManifest } from "./manifest";

export interface TemplateVersion {
  manifest: TemplateManifest;
  /** Absolute path of `templates/<id>/<version>/compose.yaml`. */
  composePath: string;
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

