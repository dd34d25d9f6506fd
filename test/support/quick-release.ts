// A good local release (scripts/demo-release.ts writeLocalRelease) whose health checks probe every few seconds. The
// released telegram-bot probes every 60 s and Docker's first probe waits one interval (no start_interval set), so a
// real-engine test that deploys it waits a minute per up; with this cadence a container is judged within seconds,
// by the same check command. No vitest here, like platform.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { writeLocalRelease } from "../../scripts/demo-release";

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
