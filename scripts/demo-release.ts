// npm run demo:release -- good|broken [--template <id>]... [--no-reconcile]
// Releases a new version of templates into the running demo (`npm start`) and asks its reconciler for a run, so a
// progressive rollout (config rollout, issue 21) can be watched: `npm run rollout -- status` shows the canary wave
// first, and a broken release halted after it with the canaries back on the version they ran. The versions go to
// .local/demo/releases (templates/local-releases.ts, read by the demo's program through CLOUDFREEDOM_LOCAL_RELEASES),
// never into templates/. `good` is the latest release's compose under the new version; `broken` has every health
// check probe a closed port with curl (the bot's Python image has no curl at all), so its containers never become
// healthy. Default templates: openclaw and telegram-bot (the demo has one tenant of each: two waves).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { dump, load } from "js-yaml";
import { commandLine, UsageError } from "../lib/cli/args";
import { listRollouts } from "../lib/tenants/rollouts";
import { compareSemver, getTemplate, latestVersion, listTemplates, listVersions } from "../templates";

export type ReleaseKind = "good" | "broken";

const COMMAND = {
  name: "demo:release",
  usage: "good|broken [--template <id>]... [--no-reconcile]",
  options: { template: { type: "string", multiple: true }, "no-reconcile": { type: "boolean" } },
  positionals: true,
} as const;

/** The next minor version after every version known (templates/ and the local ones). */
export function nextVersion(versions: string[]): string {
  const [major, minor] = [...versions].sort(compareSemver).pop()!.split(".").map(Number);
  return `${major}.${minor + 1}.0`;
}

/** A failing health check in place of each service's own: curl against a port nothing listens on, quickly judged. */
export function breakHealthChecks(composeYaml: string): string {
  const compose = load(composeYaml) as { services: Record<string, { healthcheck?: Record<string, unknown> }> };
  for (const service of Object.values(compose.services)) {
    if (!service.healthcheck) continue;
    service.healthcheck = { test: ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9/healthz"], interval: "2s", timeout: "2s", retries: 2, start_period: "1s" };
  }
  return dump(compose, { lineWidth: -1 });
}

/**
 * Writes `<folder>/<id>/<version>/` (release.json and compose.yaml): `id`'s latest release under `version`, broken or
 * not. Returns the new version's reference.
 */
export function writeLocalRelease(folder: string, id: string, version: string, kind: ReleaseKind): string {
  const from = latestVersion(id);
  const compose = readFileSync(getTemplate(id, from).composePath, "utf8");
  const header = `# ${id}@${version} (${kind} local release from ${from}; test and demo only, templates/local-releases.ts)\n`;
  const dir = join(folder, id, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "compose.yaml"), header + (kind === "broken" ? breakHealthChecks(compose) : compose));
  writeFileSync(join(dir, "release.json"), `${JSON.stringify({ from, status: "released" })}\n`);
  return `${id}@${version}`;
}

/** The versions of `id` in templates/ and in the local folder. */
export function knownVersions(folder: string, id: string): string[] {
  const local = existsSync(join(folder, id)) ? readdirSync(join(folder, id)) : [];
  return [...listVersions(id), ...local];
}

async function main(): Promise<void> {
  const { kind, templates, reconcile } = commandLine(COMMAND, process.argv.slice(2), ({ values, positionals }) => {
    const [word, extra] = positionals;
    if (word !== "good" && word !== "broken") throw new UsageError(word === undefined ? "name the kind of release: good or broken" : `unknown kind "${word}" (good or broken)`);
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    const templates = values.template ?? ["openclaw", "telegram-bot"];
    const unknown = templates.find((id) => !listTemplates().includes(id));
    if (unknown !== undefined) throw new UsageError(`unknown template "${unknown}" (one of ${listTemplates().join(", ")})`);
    return { kind: word as ReleaseKind, templates, reconcile: values["no-reconcile"] !== true };
  });
  const demoDir = resolve(__dirname, "..", ".local", "demo");
  const endpointsFile = join(demoDir, "endpoints.json");
  if (!existsSync(endpointsFile)) throw new Error(`demo:release: ${endpointsFile} is missing.\nFix: start the demo first (npm start) and wait until it prints the reconciler's address.`);
  const endpoints = JSON.parse(readFileSync(endpointsFile, "utf8")) as { reconcilerUrl: string; reconcilerToken: string; pocketbaseUrl: string; superuserEmail: string; superuserPassword: string };
  const folder = join(demoDir, "releases");
  const status = `PULUMI_BACKEND_URL=file://${join(demoDir, "state")} PULUMI_CONFIG_PASSPHRASE=demo npm run rollout -- status --stack dev`;
  for (const id of templates) console.log(`released ${writeLocalRelease(folder, id, nextVersion(knownVersions(folder, id)), kind)} (${kind}) in ${join(folder, id)}`);
  // A halted or paused rollout holds every newer release until the operator acts (program/rollout.ts).
  const held = (await listRollouts({ url: endpoints.pocketbaseUrl, email: endpoints.superuserEmail, password: endpoints.superuserPassword })).find((r) => r.state.status === "halted" || r.state.status === "paused");
  if (held) console.log(`note: the rollout ${held.state.release} is ${held.state.status}; this release waits until it is aborted: ${status.replace(" status ", " abort ")}`);
  if (!reconcile) return;
  const res = await fetch(`${endpoints.reconcilerUrl}/reconcile`, { method: "POST", headers: { Authorization: `Bearer ${endpoints.reconcilerToken}` } });
  if (!res.ok) throw new Error(`demo:release: the reconciler answered POST /reconcile with ${res.status}: ${(await res.text()).trim()}`);
  console.log(`asked the reconciler for a run (${endpoints.reconcilerUrl}); watch the rollout with:`);
  console.log(`  ${status}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
