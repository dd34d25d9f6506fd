// What reaches the containers (issue 9): renders go through the emulator's model of Coolify 4.3 (parse, bulk env
// upsert, .env writer, compose rendering) and the real compose loader (tools/compose-resolve), and the effective
// values are compared with what the tenant asked for.
import { describe, expect, it } from "vitest";
import { resolveComposeBatch, type ResolveResult } from "../../emulator/deploy/compose-resolver";
import { previewDeployment } from "../../emulator/preview";
import { envItems } from "../../providers/service-model";
import { getTemplate, PLAN_TIERS, renderStack, type RenderedStack, type RenderInput } from "../../templates";
import { hostileValues } from "../support/hostile-values";
import { exampleInput, LEGACY_VERSION, MATRIX } from "./fixtures";

function preview(input: RenderInput, stack: RenderedStack = renderStack(input)) {
  return previewDeployment({
    composeYaml: stack.composeYaml,
    rows: envItems(stack.env),
    urls: stack.domainService ? [{ name: stack.domainService, url: input.domains.map((d) => `https://${d}:${stack.domainPort}`).join(",") }] : [],
  });
}

type Effective = Record<string, Record<string, string | null>>;

/** Each container's environment with the per-deploy parts (service uuid, Coolify-generated values) named instead. */
function normalised(result: ResolveResult, p: ReturnType<typeof preview>): Effective {
  if (!result.ok) throw new Error(`compose refused the render: ${result.error}`);
  const generated = p.service.envs.filter((r) => r.isCoolify && r.value && !r.key.startsWith("SERVICE_URL_") && !r.key.startsWith("SERVICE_FQDN_"));
  const clean = (value: string | null) => {
    if (value === null) return null;
    let out = value.split(p.service.uuid).join("<uuid>");
    for (const row of generated) out = out.split(row.value as string).join(`<${row.key}>`);
    return out;
  };
  return Object.fromEntries(Object.entries(result.services).map(([name, s]) => [name, Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, clean(v)]))]));
}

interface Field {
  template: string;
  field: string;
  set: (input: RenderInput, value: string) => void;
  container: string;
  variable: string;
  max: number;
  multiLine: boolean;
}

const FREE_TEXT: Field[] = [
  { template: "telegram-bot", field: "settings.assistantPrompt", set: (i, v) => void (i.tenant.settings.assistantPrompt = v), container: "bot", variable: "ASSISTANT_PROMPT", max: 4000, multiLine: true },
  { template: "llm-stack", field: "settings.webuiName", set: (i, v) => void (i.tenant.settings.webuiName = v), container: "openwebui", variable: "WEBUI_NAME", max: 64, multiLine: false },
];

const CASES = 500;

describe("every value a free-text field accepts reaches its container byte for byte (Coolify 4.3 + compose-go)", () => {
  it.each(FREE_TEXT.map((f) => [f.template, f.field, f] as const))("%s %s: %d generated hostile strings".replace("%d", String(CASES)), async (_t, _f, field) => {
    const baseInput = exampleInput(field.template);
    const basePreview = preview(baseInput);
    const values = hostileValues(field.variable, field.max, field.multiLine, CASES);
    const previews = values.map((value) => {
      const input = exampleInput(field.template);
      field.set(input, value);
      return preview(input);
    });
    const [base, ...results] = await resolveComposeBatch([basePreview, ...previews]);
    const baseline = normalised(base, basePreview);
    results.forEach((result, n) => {
      const label = `${field.field}=${JSON.stringify(values[n]).slice(0, 120)}`;
      const effective = normalised(result, previews[n]);
      expect(effective[field.container][field.variable], label).toBe(values[n]);
      // Nothing else changes, in any container: no injected, lost or altered variable.
      const others = structuredClone(effective);
      others[field.container][field.variable] = baseline[field.container][field.variable];
      expect(others, label).toEqual(baseline);
      if (result.ok) expect(result.warnings, label).toEqual([]);
    });
    expect(new Set(values).size).toBeGreaterThan(CASES * 0.9);
    expect(values.some((v) => v.length === field.max)).toBe(true);
  }, 120_000);
});

describe("issue 9's four production failures, fixed", () => {
  it("an apostrophe in free text no longer refuses the project (Bob's Chat)", async () => {
    const input = exampleInput("llm-stack");
    input.tenant.settings.webuiName = "Bob's Chat";
    const [result] = await resolveComposeBatch([preview(input)]);
    expect(result.ok && result.services.openwebui.environment.WEBUI_NAME).toBe("Bob's Chat");
  });

  it("a quote and newline in the prompt cannot become a second assignment of the router URL", async () => {
    const input = exampleInput("telegram-bot");
    const prompt = "x'\nCF_AI_ROUTER_URL='https://evil.invalid/v1";
    input.tenant.settings.assistantPrompt = prompt;
    const [result] = await resolveComposeBatch([preview(input)]);
    if (!result.ok) throw new Error(result.error);
    const env = result.services.bot.environment;
    expect(env.ASSISTANT_PROMPT).toBe(prompt);
    expect(env.OPENAI_BASE_URL).toBe(input.platform.aiRouterUrl);
    expect(Object.keys(env).filter((k) => env[k]?.includes("evil.invalid"))).toEqual(["ASSISTANT_PROMPT"]);
  });

  it("OpenClaw's config JSON keeps its ${AI_ROUTER_API_KEY} reference and the variable holds the router key", async () => {
    const input = exampleInput("openclaw");
    const [result] = await resolveComposeBatch([preview(input)]);
    if (!result.ok) throw new Error(result.error);
    const env = result.services.openclaw.environment;
    const config = JSON.parse(env.OPENCLAW_CONFIG_JSON!) as { models: { providers: Record<string, { apiKey: string }> } };
    expect(config.models.providers.airouter.apiKey).toBe("${AI_ROUTER_API_KEY}");
    expect(config.models.providers.openai.apiKey).toBe("${OPENAI_API_KEY}");
    expect([env.AI_ROUTER_API_KEY, env.OPENAI_API_KEY]).toEqual([input.platform.aiRouterKey, input.platform.aiRouterKey]);
    expect(JSON.parse(env.OPENCLAW_CONFIG_JSON!)).toEqual(JSON.parse(renderStack(input).composeValues.CF_OPENCLAW_CONFIG_JSON));
  });

  it("LiteLLM's config JSON arrives whole, with its os.environ references and the variables they name", async () => {
    const input = exampleInput("llm-stack");
    const [result] = await resolveComposeBatch([preview(input)]);
    if (!result.ok) throw new Error(result.error);
    const env = result.services.litellm.environment;
    expect(env.LITELLM_CONFIG_JSON).toBe(renderStack(input).composeValues.CF_LITELLM_CONFIG_JSON);
    expect([env.AI_ROUTER_BASE_URL, env.AI_ROUTER_API_KEY]).toEqual([input.platform.aiRouterUrl, input.platform.aiRouterKey]);
  });

  it.each(MATRIX)("%s/%s: the latest release loads in compose-go with its consistency checks (pids_limit vs deploy pids)", async (template, tier) => {
    const [result] = await resolveComposeBatch([preview(exampleInput(template, tier))]);
    expect(result.ok ? "" : result.error).toBe("");
  });

  it.each(MATRIX)("%s/%s: 1.0.0 is refused by compose (why 1.1.0 exists; templates/README.md)", async (template, tier) => {
    const [result] = await resolveComposeBatch([preview(exampleInput(template, tier, "acme", LEGACY_VERSION))]);
    expect(result.ok ? "" : result.error).toMatch(/can't set distinct values on 'pids_limit' and 'deploy\.resources\.limits\.pids'/);
  });
});

describe("plan limits arrive: compose's effective cpus, memory and pids per container equal the plan's", () => {
  it.each(MATRIX)("%s/%s", async (template, tier) => {
    const [result] = await resolveComposeBatch([preview(exampleInput(template, tier))]);
    if (!result.ok) throw new Error(result.error);
    const manifest = getTemplate(template).manifest;
    for (const [name, spec] of Object.entries(manifest.services)) {
      const plan = spec.limits[tier];
      expect(result.services[name].limits, name).toEqual({ cpus: plan.cpus, memoryBytes: plan.memoryMb * 1024 * 1024, pids: plan.pids });
    }
  });

  it("a PocketBase plan override, split over the stack, is what compose applies", async () => {
    const input = exampleInput("llm-stack", "pro");
    input.plan.limits = { memoryMb: 7000, cpus: 5, pids: 3000 };
    const [result] = await resolveComposeBatch([preview(input)]);
    if (!result.ok) throw new Error(result.error);
    expect(result.services.postgres.limits).toEqual({ cpus: 1, memoryBytes: 1000 * 1024 * 1024, pids: 1000 });
    expect(result.services.openwebui.limits).toEqual({ cpus: 2, memoryBytes: 3000 * 1024 * 1024, pids: 1000 });
  });

  it("covers every tier", () => expect(new Set(MATRIX.map(([, tier]) => tier))).toEqual(new Set(PLAN_TIERS)));
});
