// Released templates on a real Docker engine with the stand-in images: the project's render and Coolify's deploy
// files (emulator/preview.ts) go through `docker compose up -d --wait` untouched; each container becomes healthy
// through its own health check, gets exactly the environment compose-go predicts, and the plan's limits land in
// its cgroups (read back from GET /_standin inside the container). An override file beside the deploy files makes
// those checks probe every 2 s (test/support/quick-release.ts), so `--wait` does not sit out the bot's first probe
// a minute after its start, nor LiteLLM's 30 s and Open WebUI's 15 s one after the other.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCompose } from "../../emulator/deploy/compose-resolver";
import { previewDeployment } from "../../emulator/preview";
import { envItems, serviceName } from "../../providers/service-model";
import { getTemplate, renderStack, type PlanTier, type RenderInput } from "../../templates";
import { dockerEngineSkipReason, ENGINE_START_TIMEOUT, ENGINE_STOP_TIMEOUT, startDockerEngine, type DockerEngine } from "../support/docker-engine";
import { quickHealthCheckOverride } from "../support/quick-release";
import { templateImages } from "../support/standin-images";

const skip = dockerEngineSkipReason();
if (skip) console.warn(`${__filename}: ${skip}`);
const PLATFORM = { aiRouterUrl: "https://ai-router.example.invalid/v1", aiRouterKey: "sk-router-key-for-the-engine-test", baseDomain: "agents.example.invalid" };

interface Deployed {
  project: string;
  dir: string;
  envText: string;
  composeYaml: string;
}

/** Renders a tenant stack as the program does and writes Coolify's deploy files (.env, docker-compose.yml). */
function deployFiles(template: string, tier: PlanTier, tenant: string, version?: string) {
  const manifest = getTemplate(template, version, tenant).manifest;
  const input: RenderInput = {
    template,
    version,
    tenant: { slug: tenant, settings: { ...manifest.example.settings }, secrets: { ...manifest.example.secrets } },
    plan: { tier, models: ["gpt-4o-mini", "gpt-4o"] },
    platform: PLATFORM,
    domains: manifest.domain ? [`${tenant}.${PLATFORM.baseDomain}`] : [],
  };
  const stack = renderStack(input);
  const preview = previewDeployment({
    composeYaml: stack.composeYaml,
    rows: envItems(stack.env),
    urls: stack.domainService ? [{ name: stack.domainService, url: `https://${tenant}.${PLATFORM.baseDomain}:${stack.domainPort}` }] : [],
    names: { service: serviceName(tenant) },
  });
  return { stack, preview, manifest };
}

interface StandinReport {
  image: string;
  hostname: string;
  argv: string[];
  env: Record<string, string>;
  envBase64: Record<string, string>;
  cgroup: { version: number; memoryLimitBytes: number | null; cpus: number | null; pidsMax: number | null };
  addresses: Array<{ interface: string; cidr: string }>;
  listeners: Array<{ role: string; addr: string; port: number }>;
  checks?: Record<string, string>;
  files?: Record<string, string>;
}

async function eventually(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe.skipIf(skip)(`templates on a private Docker engine with stand-in images${skip ? ` — ${skip}` : ""}`, () => {
  let engine: DockerEngine;
  const dirs: string[] = [];

  beforeAll(async () => {
    engine = await startDockerEngine();
  }, ENGINE_START_TIMEOUT);
  afterAll(async () => {
    await engine?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, ENGINE_STOP_TIMEOUT);

  async function up(project: string, composeYaml: string, envText: string, { quickChecks = false } = {}): Promise<Deployed & { code: number; output: string }> {
    const dir = mkdtempSync(join(tmpdir(), "cf-engine-stack-"));
    dirs.push(dir);
    writeFileSync(join(dir, "docker-compose.yml"), composeYaml);
    writeFileSync(join(dir, ".env"), envText);
    const files = ["-f", join(dir, "docker-compose.yml")];
    if (quickChecks) {
      writeFileSync(join(dir, "quick-checks.yml"), quickHealthCheckOverride(composeYaml, 2));
      files.push("-f", join(dir, "quick-checks.yml"));
    }
    // Coolify's StartService creates the service's network first; the deploy compose declares it external.
    if (/^\s+external: true$/m.test(composeYaml)) await engine.docker(["network", "create", "--attachable", project]);
    const result = await engine.compose(["--project-name", project, ...files, "up", "-d", "--wait"], {
      cwd: dir,
      allowFailure: true,
      timeoutMs: 240_000,
    });
    return { project, dir, envText, composeYaml, code: result.code, output: `${result.stdout}\n${result.stderr}` };
  }

  async function containerOf(project: string, service: string): Promise<{ id: string; health: string; ip: string }> {
    const id = (await engine.docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${project}`, "--filter", `label=com.docker.compose.service=${service}`])).stdout.trim();
    expect(id, `container of ${project}/${service}`).not.toBe("");
    const inspected = JSON.parse((await engine.docker(["inspect", id])).stdout)[0] as {
      State: { Health?: { Status: string } };
      NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
    };
    return { id, health: inspected.State.Health?.Status ?? "none", ip: Object.values(inspected.NetworkSettings.Networks)[0]?.IPAddress ?? "" };
  }

  /** GET /_standin from the host, straight to the container's address (the host reaches container IPs). */
  async function report(ip: string, port: number): Promise<StandinReport> {
    const response = await fetch(`http://${ip}:${port}/_standin`);
    expect(response.status).toBe(200);
    return (await response.json()) as StandinReport;
  }

  it("holds a stand-in, never a pulled image, for every image the templates use", async () => {
    const expected = [...templateImages().keys()].sort();
    expect([...engine.standinImages].sort()).toEqual(expected);
    for (const image of expected) {
      const comment = (await engine.docker(["image", "inspect", "-f", "{{.Comment}}", image])).stdout.trim();
      expect(comment, image).toMatch(/^standin [0-9a-f]{16}$/);
    }
  });

  /** Each service healthy, with exactly compose-go's environment and the plan's limits in its cgroups. */
  async function expectWiring(deployed: Deployed, template: string, tier: PlanTier, ports: Record<string, number>): Promise<Record<string, StandinReport>> {
    const resolved = await resolveCompose({ composeYaml: deployed.composeYaml, envText: deployed.envText, projectName: deployed.project });
    if (!resolved.ok) throw new Error(resolved.error);
    const manifest = getTemplate(template).manifest;
    const reports: Record<string, StandinReport> = {};
    for (const [service, port] of Object.entries(ports)) {
      const c = await containerOf(deployed.project, service);
      expect(c.health, service).toBe("healthy");
      const rep = await report(c.ip, port);
      const predicted = resolved.services[service];
      expect(rep.image).toBe(predicted.image);
      // Every variable compose-go predicts arrives byte for byte (the image adds only PATH, HOME, HOSTNAME & co.).
      for (const [key, value] of Object.entries(predicted.environment)) {
        if (value === null) continue;
        expect(Buffer.from(rep.envBase64[key] ?? "", "base64").toString("utf8"), `${service} ${key}`).toBe(value);
      }
      const plan = manifest.services[service].limits[tier];
      expect(rep.cgroup.memoryLimitBytes, `${service} memory`).toBe(plan.memoryMb * 1024 * 1024);
      expect(rep.cgroup.memoryLimitBytes).toBe(predicted.limits.memoryBytes);
      expect(rep.cgroup.cpus, `${service} cpus`).toBeCloseTo(plan.cpus, 5);
      expect(rep.cgroup.pidsMax, `${service} pids`).toBe(predicted.limits.pids > 0 ? predicted.limits.pids : null);
      expect(rep.addresses.some((a) => a.cidr.startsWith(`${c.ip}/`))).toBe(true);
      reports[service] = rep;
    }
    return reports;
  }

  it.concurrent("runs llm-stack (starter) healthy through its own checks, with compose-go's environment and the plan's limits", async () => {
    const { stack, preview } = deployFiles("llm-stack", "starter", "acme");
    const deployed = await up(preview.projectName ?? "acme", preview.composeYaml, preview.envText, { quickChecks: true });
    expect(deployed.code, deployed.output).toBe(0);
    expect(stack.templateRef).toBe("llm-stack@1.1.0");
    const reports = await expectWiring(deployed, "llm-stack", "starter", { postgres: 5432, litellm: 4000, openwebui: 8080 });
    expect(reports.postgres.cgroup.pidsMax).toBe(512);
    // LiteLLM logged in to Postgres with DATABASE_URL's credentials and wrote the plan's model list to its config.
    expect(reports.litellm.checks?.database).toBe("ok");
    expect(reports.litellm.files?.["/tmp/litellm-config.yaml"]).toBe(reports.litellm.env.LITELLM_CONFIG_JSON);
    expect(reports.litellm.env.LITELLM_CONFIG_JSON).toContain("gpt-4o-mini");
  }, 300_000);

  it.concurrent("runs openclaw (starter): the wrapper on the network, the gateway on loopback only, healthy through the gateway", async () => {
    const { preview } = deployFiles("openclaw", "starter", "bravo");
    const deployed = await up(preview.projectName ?? "bravo", preview.composeYaml, preview.envText, { quickChecks: true });
    expect(deployed.code, deployed.output).toBe(0);
    const rep = (await expectWiring(deployed, "openclaw", "starter", { openclaw: 8080 })).openclaw;
    expect(rep.listeners).toEqual(expect.arrayContaining([
      { role: "wrapper", addr: "0.0.0.0:8080", port: 8080 },
      { role: "gateway", addr: "127.0.0.1:18789", port: 18789 },
    ]));
    const c = await containerOf(deployed.project, "openclaw");
    await expect(fetch(`http://${c.ip}:18789/healthz`)).rejects.toThrow();
    // Its own health check, run by hand, and the exit code of the same curl against a closed port.
    expect((await engine.docker(["exec", c.id, "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:18789/healthz"], { allowFailure: true })).code).toBe(0);
    expect((await engine.docker(["exec", c.id, "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:18790/healthz"], { allowFailure: true })).code).toBe(7);
  }, 240_000);

  it.concurrent("runs telegram-bot (starter) healthy: its getMe check answered offline for a token of Telegram's shape", async () => {
    const { preview } = deployFiles("telegram-bot", "starter", "carol");
    const deployed = await up(preview.projectName ?? "carol", preview.composeYaml, preview.envText, { quickChecks: true });
    expect(deployed.code, deployed.output).toBe(0);
    const c = await containerOf(deployed.project, "bot");
    expect(c.health).toBe("healthy");
    // The deploy file's own check command, at the override's cadence.
    const check = JSON.parse((await engine.docker(["inspect", c.id, "--format", "{{json .Config.Healthcheck}}"])).stdout) as { Test: string[]; Interval: number };
    const deployedCheck = (load(preview.composeYaml) as { services: Record<string, { healthcheck: { test: string[] } }> }).services.bot.healthcheck.test;
    expect(check).toMatchObject({ Test: deployedCheck.map((a) => a.replaceAll("$$", "$")), Interval: 2e9 });
    // No port: the report comes from inside the container.
    const rep = JSON.parse((await engine.docker(["exec", c.id, "standin", "report"])).stdout) as StandinReport;
    expect(rep.env.TELEGRAM_BOT_TOKEN).toMatch(/^\d+:/);
    expect(rep.argv).toEqual(["python", "bot/main.py"]);
    expect(rep.listeners ?? []).toEqual([]);
    expect(rep.cgroup.memoryLimitBytes).toBe(getTemplate("telegram-bot").manifest.services.bot.limits.starter.memoryMb * 1024 * 1024);
  }, 240_000);

  it("reports a failing health check as unhealthy and `up --wait` fails", async () => {
    const compose = [
      "services:",
      "  db:",
      "    image: postgres:16-alpine",
      "    environment: [POSTGRES_PASSWORD=x]",
      "    healthcheck:",
      '      test: ["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5433"]',
      "      interval: 1s",
      "      timeout: 2s",
      "      retries: 2",
      "  bot:",
      "    image: ghcr.io/n3d1117/chatgpt-telegram-bot:0.4.2",
      "    environment: [TELEGRAM_BOT_TOKEN=123456789:EXAMPLE_fake_token_do_not_use_000, OPENAI_API_KEY=k]",
      "    healthcheck:",
      '      test: ["CMD", "curl", "-f", "http://127.0.0.1/"]',
      "      interval: 1s",
      "      retries: 2",
      "",
    ].join("\n");
    const deployed = await up("failing", compose, "");
    expect(deployed.code).not.toBe(0);
    expect(deployed.output).toMatch(/unhealthy/);
    // `--wait` gives up at the first unhealthy container; the other gets there on its own.
    await eventually(async () => expect((await containerOf("failing", "db")).health).toBe("unhealthy"));
    // The bot's Python image has no curl: the check fails as it would on the real image.
    await eventually(async () => expect((await containerOf("failing", "bot")).health).toBe("unhealthy"));
    const exec = await engine.docker(["exec", (await containerOf("failing", "db")).id, "pg_isready", "-h", "127.0.0.1", "-p", "5433"], { allowFailure: true });
    expect(exec.code).toBe(2);
  }, 120_000);
});
