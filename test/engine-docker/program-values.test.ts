// `pulumi up` of the program against PocketBase and the emulator on a real engine behind Traefik (issue 19, item 5):
// the worst hostile free-text values of the render tests reach the running containers byte for byte; every
// released template becomes healthy through its own health check (as a quick release: the same check, every 2 s)
// with its plan's limits in its cgroups; a plan the engine refuses (more cpus than the host has) fails that tenant
// only, named in its record and in the run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "../../lib/tenants/connection";
import { DEMO_PLANS } from "../../pocketbase/seed";
import { getTemplate, type PlanTier } from "../../templates";
import { dockerEngineSkipReason } from "../support/docker-engine";
import { startDockerPlatform, type DockerPlatform } from "../support/emulator-docker-platform";
import { failure } from "../support/engine";
import { hostileFeatures, hostileValues, worstHostile } from "../support/hostile-values";
import { provisioningRecordOf, updateTenant } from "../support/platform";
import { repoRoot } from "../support/pulumi";
import { useQuickReleases, type QuickReleases } from "../support/quick-release";

const skip = dockerEngineSkipReason();
const UP_TIMEOUT = 900_000;
// The refused tenant waits all of it (its status stays exited, as a service not started yet). The others deploy
// quick releases (test/support/quick-release.ts: the released checks, probed every 2 s), healthy well within it;
// the released cadence would need more than the bot's first probe, 60 s after its start.
const HEALTH_TIMEOUT_SECONDS = 40;

// The render tests' 500 values per free-text field, and the fewest of them that carry every hazard any of them has.
const PROMPTS = worstHostile(hostileValues("ASSISTANT_PROMPT", 4000, true));
const NAMES = worstHostile(hostileValues("WEBUI_NAME", 64, false));

interface Hostile { slug: string; container: string; port?: number; variable: string; value: string }
const HOSTILE: Hostile[] = [
  { slug: "acme", container: "openwebui", port: 8080, variable: "WEBUI_NAME", value: NAMES[0] },
  { slug: "echo", container: "openwebui", port: 8080, variable: "WEBUI_NAME", value: NAMES[1] },
  { slug: "chirp", container: "bot", variable: "ASSISTANT_PROMPT", value: PROMPTS[0] },
  { slug: "foxy", container: "bot", variable: "ASSISTANT_PROMPT", value: PROMPTS[1] },
];

type Limits = { cpus: number; memoryMb: number; pids: number };
/** Each running tenant: template, tier, the plan's overrides (PocketBase), and the port each container serves. */
const RUNNING: Record<string, { template: string; tier: PlanTier; plan: string; ports: Record<string, number | undefined> }> = {
  acme: { template: "llm-stack", tier: "pro", plan: "pro", ports: { postgres: 5432, litellm: 4000, openwebui: 8080 } },
  echo: { template: "llm-stack", tier: "business", plan: "business", ports: { postgres: 5432, litellm: 4000, openwebui: 8080 } },
  bolt: { template: "openclaw", tier: "starter", plan: "starter", ports: { openclaw: 8080 } },
  chirp: { template: "telegram-bot", tier: "business", plan: "business", ports: { bot: undefined } },
  foxy: { template: "telegram-bot", tier: "starter", plan: "starter", ports: { bot: undefined } },
};

/** The plan's limits per container, restated from templates/README.md: an override is a total, split in proportion. */
function expectedLimits(template: string, tier: PlanTier, plan: string): Record<string, Limits> {
  const overrides = ((DEMO_PLANS.find((p) => p.name === plan)?.limits ?? {}) as Record<string, Partial<Limits>>)[template] ?? {};
  const services = Object.entries(getTemplate(template).manifest.services).map(([name, spec]) => [name, spec.limits[tier]] as const);
  const total = (k: keyof Limits) => services.reduce((sum, [, l]) => sum + l[k], 0);
  const share = (k: keyof Limits, v: number) => (overrides[k] === undefined ? v : (v / total(k)) * overrides[k]!);
  return Object.fromEntries(services.map(([name, l]) => [name, {
    cpus: Math.max(0.05, Math.round(share("cpus", l.cpus) * 100) / 100),
    memoryMb: Math.floor(share("memoryMb", l.memoryMb)),
    pids: Math.max(32, Math.floor(share("pids", l.pids))),
  }]));
}

interface StandinReport {
  envBase64: Record<string, string>;
  env: Record<string, string>;
  cgroup: { memoryLimitBytes: number | null; cpus: number | null; pidsMax: number | null };
}
interface Inspected {
  Config: { Env: string[]; Healthcheck?: { Test: string[] } };
  State: { Status: string; Health?: { Status: string } };
  HostConfig: { Memory: number; NanoCpus: number; PidsLimit: number | null };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

describe.skipIf(skip)(`the program on a real engine: values, templates and limits${skip ? ` — ${skip}` : ""}`, () => {
  let platform: DockerPlatform;
  let pb: PocketBase;
  let upError: string;
  let hostCpus: number;
  let upSeconds: number;
  let quick: QuickReleases | undefined;

  const uuidOf = async (slug: string) => (await provisioningRecordOf(pb, slug)).coolify_service_uuid as string;

  async function inspect(slug: string, container: string): Promise<Inspected> {
    const name = `${container}-${await uuidOf(slug)}`;
    return (JSON.parse((await platform.engine.docker(["inspect", name])).stdout) as Inspected[])[0];
  }

  /** GET /_standin on the container's port (the host reaches container addresses); `standin report` when it has none. */
  async function report(slug: string, container: string, port: number | undefined): Promise<StandinReport> {
    if (port === undefined) {
      const out = await platform.engine.docker(["exec", `${container}-${await uuidOf(slug)}`, "standin", "report"]);
      return JSON.parse(out.stdout) as StandinReport;
    }
    const ip = Object.values((await inspect(slug, container)).NetworkSettings.Networks)[0].IPAddress;
    const res = await fetch(`http://${ip}:${port}/_standin`);
    expect(res.status).toBe(200);
    return (await res.json()) as StandinReport;
  }

  beforeAll(async () => {
    platform = await startDockerPlatform({ healthTimeoutSeconds: String(HEALTH_TIMEOUT_SECONDS) });
    quick = useQuickReleases(platform.program);
    pb = await connect(platform.pocketbase);
    hostCpus = Number((await platform.engine.docker(["info", "--format", "{{.NCPU}}"])).stdout.trim());
    const plans = Object.fromEntries((await pb.collection("plans").getFullList()).map((p) => [p.name as string, p.id]));
    const oversized = await pb.collection("plans").create({
      name: "oversized", tier: "business", allowed_templates: ["openclaw"], models: ["gpt-4o-mini"],
      limits: { openclaw: { cpus: hostCpus + 1, memoryMb: 2048, pids: 256 } },
    });
    await updateTenant(pb, "acme", { settings: { webuiName: NAMES[0] } });
    await updateTenant(pb, "chirp", { settings: { assistantPrompt: PROMPTS[0] } });
    const tenant = (slug: string, template: string, plan: string, extra: Record<string, unknown> = {}) => pb.collection("tenants").create({
      slug, name: `Tenant ${slug}`, status: "active", plan, template, owner_email: `owner@${slug}.example`,
      ai_router_key: `sk-demo-${slug}-router-key-not-real-0009`, ...extra,
    });
    await tenant("echo", "llm-stack", plans.business, { settings: { webuiName: NAMES[1] } });
    await tenant("foxy", "telegram-bot", plans.starter, {
      settings: { assistantPrompt: PROMPTS[1] }, telegram_bot_token: "987654321:AAFakeDemoTokenForFoxyyTelegram0002", telegram_allow_from: ["100000003"],
    });
    await tenant("dyno", "openclaw", oversized.id);
    const started = Date.now();
    upError = await failure(platform.program.stack.up());
    upSeconds = (Date.now() - started) / 1000;
  }, UP_TIMEOUT);
  afterAll(async () => {
    await platform?.dispose();
    quick?.dispose();
  }, 180_000);

  it("deploys the worst hostile values: together they carry every hazard, and each field's longest is at its maximum", () => {
    expect(hostileFeatures(PROMPTS.join(""))).toEqual(expect.arrayContaining(["apostrophe", "newline", "dollar", "{{", " #", "backslash", "non-ASCII"]));
    expect(hostileFeatures(NAMES.join(""))).toEqual(expect.arrayContaining(["apostrophe", "dollar", "{{", " #", "backslash", "non-ASCII"]));
    expect(PROMPTS[0]).toHaveLength(4000);
  });

  it("fails the run naming only the tenant whose plan the engine refuses; every other tenant converges to running:healthy", async () => {
    console.log(`up with a refused plan (${hostCpus + 1} cpus on ${hostCpus}): ${upSeconds.toFixed(0)} s`);
    expect(upError).toMatch(/1 tenant\(s\) did not converge/);
    expect(upError).toMatch(/- dyno: Coolify service "cf-dyno" did not become running:healthy/);
    for (const slug of Object.keys(RUNNING)) {
      expect(upError).not.toContain(`- ${slug}:`);
      const record = await provisioningRecordOf(pb, slug);
      expect(`${slug}: ${record.status} ${record.status_reason}`).toBe(`${slug}: running:healthy `);
    }
  });

  it("reports the refusal in the tenant's record; the engine's message is at the emulator's control route, no container runs", async () => {
    const record = await provisioningRecordOf(pb, "dyno");
    expect(record.status).toBe("exited");
    expect(record.status_reason).toMatch(/^Coolify service "cf-dyno" did not become running:healthy within \d+s \(status exited; containers: openclaw: exited\)/);
    const engine = await (await fetch(`${platform.coolify.url}/_emulator/services/${record.coolify_service_uuid}/engine`)).json() as { start: { ok: boolean; error: string } };
    expect(engine.start.ok).toBe(false);
    expect(engine.start.error).toContain(`Range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`);
    const ps = await platform.engine.docker(["ps", "-a", "--filter", `label=com.docker.compose.project=${record.coolify_service_uuid}`, "--format", "{{.Names}} {{.Status}}"]);
    expect(ps.stdout).not.toMatch(/ Up /);
  });

  it.each(HOSTILE.map((h) => [h.slug, h.variable, h] as const))("%s: %s arrives byte for byte, in GET /_standin and in docker inspect", async (slug, variable, h) => {
    const rep = await report(slug, h.container, h.port);
    const bytes = Buffer.from(rep.envBase64[variable] ?? "", "base64");
    expect(bytes.equals(Buffer.from(h.value, "utf8")), `${variable} = ${JSON.stringify(bytes.toString("utf8")).slice(0, 200)}`).toBe(true);
    const env = (await inspect(slug, h.container)).Config.Env;
    expect(env.filter((e) => e.startsWith(`${variable}=`))).toEqual([`${variable}=${h.value}`]);
    // Nothing leaked into another variable: only the hostile one mentions what it tries to inject.
    const suspicious = Object.entries(rep.env).filter(([k, v]) => k !== variable && /evil\.invalid|EVIL|\{\{/.test(`${k}=${v}`)).map(([k]) => k);
    expect(suspicious).toEqual([]);
  });

  it.each(Object.entries(RUNNING))("%s: every container healthy through its template's own check, the plan's limits in its cgroups", async (slug, t) => {
    // The latest release of each template, as templates/released.lock.json lists them, deployed as its quick release.
    const released = Object.keys(JSON.parse(readFileSync(join(repoRoot, "templates", "released.lock.json"), "utf8")) as Record<string, unknown>);
    const latest = released.filter((ref) => ref.startsWith(`${t.template}@`)).sort((a, b) => a.localeCompare(b, "en", { numeric: true })).at(-1)!;
    const ref = quick!.refs[t.template];
    expect((await provisioningRecordOf(pb, slug)).template_ref).toBe(ref);
    const from = JSON.parse(readFileSync(join(quick!.folder, t.template, ref.split("@")[1], "release.json"), "utf8")) as { from: string };
    expect(`${t.template}@${from.from}`).toBe(latest);
    const compose = load(readFileSync(join(repoRoot, "templates", t.template, latest.split("@")[1], "compose.yaml"), "utf8")) as { services: Record<string, { healthcheck: { test: string[] } }> };
    const limits = expectedLimits(t.template, t.tier, t.plan);
    expect(Object.keys(limits).sort()).toEqual(Object.keys(t.ports).sort());
    for (const [container, port] of Object.entries(t.ports)) {
      const inspected = await inspect(slug, container);
      // As compose hands it to the engine: `$$` in the compose file is a literal `$`.
      expect(inspected.Config.Healthcheck?.Test, container).toEqual(compose.services[container].healthcheck.test.map((a) => a.replaceAll("$$", "$")));
      expect(`${container} ${inspected.State.Status} ${inspected.State.Health?.Status}`).toBe(`${container} running healthy`);
      const { cgroup } = await report(slug, container, port);
      const want = limits[container];
      expect({ container, memory: cgroup.memoryLimitBytes, cpus: cgroup.cpus, pids: cgroup.pidsMax })
        .toEqual({ container, memory: want.memoryMb * 1024 * 1024, cpus: want.cpus, pids: want.pids });
      expect(inspected.HostConfig.NanoCpus).toBe(Math.round(want.cpus * 1e9));
    }
  });
});
