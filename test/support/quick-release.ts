// A good local release (scripts/demo-release.ts writeLocalRelease) whose health checks probe every few seconds. The
// released telegram-bot probes every 60 s and Docker's first probe waits one interval (no start_interval set), so a
// real-engine test that deploys it waits a minute per up; with this cadence a container is judged within seconds,
// by the same check command. No vitest here, like platform.ts.
import type { LocalWorkspace } from "@pulumi/pulumi/automation";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { knownVersions, nextVersion, writeLocalRelease } from "../../scripts/demo-release";
import { listTemplates } from "../../templates";
import { LOCAL_RELEASES_VARIABLE } from "../../templates/local-releases";
import type { TestProgram } from "./pulumi";

type Compose = { services: Record<string, { healthcheck?: Record<string, unknown> }> };

/** Every service's health check probing every `seconds` (test and start period included); the rest unchanged. */
export function quickenHealthChecks(composeYaml: string, seconds: number): string {
  const compose = load(composeYaml) as Compose;
  for (const service of Object.values(compose.services)) {
    if (!service.healthcheck) continue;
    service.healthcheck = { ...service.healthcheck, interval: `${seconds}s` };
  }
  return dump(compose, { lineWidth: -1 });
}

/**
 * A compose override file that sets every health-checked service's interval to `seconds` and nothing else: passed as
 * a second `-f` after a compose file, which itself stays byte for byte as rendered.
 */
export function quickHealthCheckOverride(composeYaml: string, seconds: number): string {
  const compose = load(composeYaml) as Compose;
  const services = Object.entries(compose.services).filter(([, service]) => service.healthcheck).map(([name]) => [name, { healthcheck: { interval: `${seconds}s` } }]);
  return dump({ services: Object.fromEntries(services) }, { lineWidth: -1 });
}

/**
 * Writes `<folder>/<id>/<version>/` as writeLocalRelease(…, "good") does, then quickens its health checks. Returns
 * the new version's reference.
 */
export function writeQuickRelease(folder: string, id: string, version: string, seconds = 2): string {
  const ref = writeLocalRelease(folder, id, version, "good");
  const path = join(folder, id, version, "compose.yaml");
  const text = readFileSync(path, "utf8");
  const header = text.slice(0, text.indexOf("\n") + 1);
  writeFileSync(path, `${header}# health checks every ${seconds} s (test/support/quick-release.ts)\n${quickenHealthChecks(text, seconds)}`);
  return ref;
}

/** A quick release of every template's latest release, each as its next version in `folder`. Returns the references by template id. */
export function writeQuickReleases(folder: string, seconds = 2): Record<string, string> {
  return Object.fromEntries(listTemplates().map((id) => [id, writeQuickRelease(folder, id, nextVersion(knownVersions(folder, id)), seconds)]));
}

export interface QuickReleases {
  /** The CLOUDFREEDOM_LOCAL_RELEASES folder: `<id>/<version>/release.json` names the release each came from. */
  folder: string;
  /** Template id -> the quick release every tenant without a pinned version deploys. */
  refs: Record<string, string>;
  dispose(): void;
}

/**
 * Makes `program` deploy quick releases: writes one of every template into a new temporary folder and names it in
 * the program's CLOUDFREEDOM_LOCAL_RELEASES (templates/local-releases.ts), so its ups wait seconds, not a minute,
 * for a healthy stack. For tests whose subject is not the released health check cadence.
 */
export function useQuickReleases(program: TestProgram, seconds = 2): QuickReleases {
  const folder = mkdtempSync(join(tmpdir(), "cf-quick-releases-"));
  const refs = writeQuickReleases(folder, seconds);
  (program.stack.workspace as LocalWorkspace).envVars[LOCAL_RELEASES_VARIABLE] = folder;
  return { folder, refs, dispose: () => rmSync(folder, { recursive: true, force: true }) };
}
