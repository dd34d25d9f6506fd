import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { getTemplate, renderStack } from "../../templates";
import { exampleInput, LEGACY_VERSION, MATRIX } from "./fixtures";

// Engine 1 (the 1.0.0 releases) keeps its behaviour; engine 2 (1.1.0) is covered by value-encoding.test.ts.
const legacyInput = (template: string, tier?: Parameters<typeof exampleInput>[1], slug?: string) => exampleInput(template, tier, slug, LEGACY_VERSION);

type Service = { deploy: { resources: { limits: { cpus: number; memory: string } } }; pids_limit: number; environment?: string[]; command?: string[] };
const servicesOf = (compose: Record<string, unknown>) => compose.services as Record<string, Service>;

describe("renderStack", () => {
  it.each(MATRIX)("renders %s for the %s plan with the tier's limits on every container", (template, tier) => {
    const stack = renderStack(legacyInput(template, tier));
    const manifest = getTemplate(template, LEGACY_VERSION).manifest;
    expect(stack.templateRef).toBe(`${template}@${manifest.version}`);
    expect(Object.keys(servicesOf(stack.compose)).sort()).toEqual(Object.keys(manifest.services).sort());
    for (const [name, service] of Object.entries(servicesOf(stack.compose))) {
      const expected = manifest.services[name].limits[tier];
      expect(service.deploy.resources.limits).toEqual({ cpus: expected.cpus, memory: `${expected.memoryMb}M` });
      expect(service.pids_limit).toBe(expected.pids);
    }
  });

  it.each(MATRIX)("%s/%s: the YAML text parses back to exactly the returned compose object", (template, tier) => {
    const stack = renderStack(legacyInput(template, tier));
    expect(load(stack.composeYaml)).toEqual(stack.compose);
  });

  it.each(MATRIX)("%s/%s: every ${VAR} the compose uses is in env, every env key is used, secrets are env keys", (template, tier) => {
    const stack = renderStack(legacyInput(template, tier));
    const referenced = new Set([...stack.composeYaml.matchAll(/\$\{(CF_[A-Z0-9_]+)\}/g)].map((m) => m[1]));
    expect([...referenced].sort()).toEqual(Object.keys(stack.env).sort());
    for (const key of stack.secretEnvKeys) expect(stack.env).toHaveProperty(key);
  });

  it("is deterministic: the same input gives byte-identical YAML and equal env", () => {
    for (const [template, tier] of MATRIX) {
      const a = renderStack(legacyInput(template, tier));
      const b = renderStack(legacyInput(template, tier));
      expect(b.composeYaml).toBe(a.composeYaml);
      expect(JSON.stringify(b.env)).toBe(JSON.stringify(a.env));
    }
  });

  it("gives two tenants of the same plan the same compose text and different env", () => {
    for (const [template] of MATRIX) {
      const acme = renderStack(legacyInput(template, "pro", "acme"));
      const globex = renderStack(legacyInput(template, "pro", "globex"));
      expect(globex.composeYaml).toBe(acme.composeYaml);
    }
    const a = renderStack(legacyInput("llm-stack", "pro", "acme"));
    const g = renderStack(legacyInput("llm-stack", "pro", "globex"));
    expect(a.env.CF_PUBLIC_URL).not.toBe(g.env.CF_PUBLIC_URL);
  });

  it("returns a fresh compose object per call (mutating one render does not leak into the next)", () => {
    const first = renderStack(legacyInput("openclaw"));
    servicesOf(first.compose).openclaw.pids_limit = 1;
    expect(servicesOf(renderStack(legacyInput("openclaw")).compose).openclaw.pids_limit).toBe(512);
  });

  it.each([
    ["openclaw", "openclaw", 8080],
    ["llm-stack", "openwebui", 8080],
    ["telegram-bot", "", 0],
  ])("%s takes the tenant domain on service %j port %d", (template, service, port) => {
    const stack = renderStack(legacyInput(template));
    expect([stack.domainService, stack.domainPort]).toEqual([service, port]);
  });

  it("splits plan limit overrides over the stack's containers in proportion to the tier defaults", () => {
    const input = legacyInput("llm-stack", "pro");
    input.plan.limits = { memoryMb: 7000, cpus: 5 };
    const services = servicesOf(renderStack(input).compose);
    // pro defaults: postgres 512/0.5, litellm 1536/1, openwebui 1536/1 → totals 3584 MiB, 2.5 cpus
    expect(services.postgres.deploy.resources.limits).toEqual({ cpus: 1, memory: "1000M" });
    expect(services.litellm.deploy.resources.limits).toEqual({ cpus: 2, memory: "3000M" });
    expect(services.openwebui.pids_limit).toBe(512);
  });

  it("applies an override exactly on a one-container stack and keeps the Node heap at 70 % of it", () => {
    const input = legacyInput("openclaw", "starter");
    input.plan.limits = { memoryMb: 4096, pids: 2048 };
    const service = servicesOf(renderStack(input).compose).openclaw;
    expect(service.deploy.resources.limits.memory).toBe("4096M");
    expect(service.pids_limit).toBe(2048);
    expect(service.environment).toContain("NODE_OPTIONS=--max-old-space-size=2867");
  });

  it.each([
    ["starter", "1"],
    ["pro", "2"],
    ["business", "4"],
  ] as const)("runs LiteLLM with the %s worker count", (tier, workers) => {
    const command = servicesOf(renderStack(legacyInput("llm-stack", tier)).compose).litellm.command;
    expect(command).toEqual(["--port", "4000", "--num_workers", workers]);
  });

  it("lists plan models explicitly in LiteLLM's config (no wildcard route), plus the embedding model", () => {
    const config = JSON.parse(renderStack(legacyInput("llm-stack")).env.CF_LITELLM_CONFIG_JSON) as { model_list: Array<{ model_name: string }> };
    expect(config.model_list.map((m) => m.model_name)).toEqual(["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]);
  });

  it("points every OpenClaw provider at the AI Router and keeps the key out of the config JSON", () => {
    const stack = renderStack(legacyInput("openclaw"));
    const config = JSON.parse(stack.env.CF_OPENCLAW_CONFIG_JSON) as { models: { providers: Record<string, { baseUrl: string }> } };
    for (const provider of Object.values(config.models.providers)) expect(provider.baseUrl).toBe("https://ai-router.test.invalid/v1");
    expect(stack.env.CF_OPENCLAW_CONFIG_JSON).not.toContain(stack.env.CF_AI_ROUTER_KEY);
  });

  it("normalises domains and the router URL", () => {
    const input = legacyInput("openclaw");
    input.domains = ["https://Acme.Agents.Test.Invalid/", "chat.acme.example"];
    input.platform.aiRouterUrl = "https://ai-router.test.invalid/";
    const stack = renderStack(input);
    expect(stack.env.CF_ALLOWED_ORIGINS).toBe("https://acme.agents.test.invalid,https://chat.acme.example");
    expect(JSON.parse(stack.env.CF_OPENCLAW_CONFIG_JSON).models.providers.airouter.baseUrl).toBe("https://ai-router.test.invalid/v1");
  });

  it("renders OpenClaw without Telegram when no token is given", () => {
    const input = legacyInput("openclaw");
    input.tenant.secrets = {};
    input.tenant.settings = {};
    const stack = renderStack(input);
    expect([stack.env.CF_TELEGRAM_BOT_TOKEN, stack.env.CF_TELEGRAM_ALLOW_FROM]).toEqual(["", ""]);
  });

  it("reports the magic variables each template relies on, matching its manifest", () => {
    for (const [template] of MATRIX) {
      expect(renderStack(legacyInput(template)).generatedSecrets).toEqual(getTemplate(template, LEGACY_VERSION).manifest.generatedSecrets);
    }
  });
});
