import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { renderStack, TemplateError, type RenderInput } from "../../templates";
import { exampleInput, LEGACY_VERSION } from "./fixtures";

// Engine 1 (the 1.0.0 releases) keeps its behaviour; engine 2 (1.1.0) is covered by value-encoding.test.ts.
const legacyInput = (template: string, tier?: Parameters<typeof exampleInput>[1], slug?: string) => exampleInput(template, tier, slug, LEGACY_VERSION);

/** Fragments that break naive YAML/.env/shell templating. */
const NASTY = [
  "'", '"', "\\", "\n", "\r\n", "\t", "${CF_AI_ROUTER_KEY}", "${SERVICE_PASSWORD_POSTGRES}", "$$", "$HOME", "$(id)", "`id`",
  "&a", "*a", "<<: *a", "!!python/object/apply:os.system ['id']", "!!js/function", "---", "...", "# c", ": x", "- y",
  "{a: 1}", "[1, 2]", "? k", "|", ">", "%YAML 1.2", "@", "yes", "null", "~", "0x1F", "1e9", "ports:\n  - 80:80",
  "\u0000", "\u2028", "\ufeff", "é", "日本語", "🦀", "\u202e", "a".repeat(5000),
];

/** Deterministic xorshift so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function hostileString(next: () => number): string {
  const parts = 1 + Math.floor(next() * 4);
  let out = "";
  for (let i = 0; i < parts; i++) out += NASTY[Math.floor(next() * NASTY.length)] + (next() < 0.3 ? "x" : "");
  return out;
}

type Mutation = [field: string, apply: (input: RenderInput, value: string) => void];

const MUTATIONS: Record<string, Mutation[]> = {
  openclaw: [
    ["tenant.slug", (i, v) => void (i.tenant.slug = v)],
    ["settings.timezone", (i, v) => void (i.tenant.settings.timezone = v)],
    ["settings.primaryModel", (i, v) => void (i.tenant.settings.primaryModel = v)],
    ["settings.telegramAllowFrom", (i, v) => void (i.tenant.settings.telegramAllowFrom = [v])],
    ["secrets.telegramBotToken", (i, v) => void (i.tenant.secrets.telegramBotToken = `123:${v}`)],
    ["platform.aiRouterKey", (i, v) => void (i.platform.aiRouterKey = v)],
    ["platform.aiRouterUrl", (i, v) => void (i.platform.aiRouterUrl = `https://r.test.invalid/${v}`)],
    ["plan.models", (i, v) => void (i.plan.models = [v, "gpt-4o"])],
    ["domains", (i, v) => void (i.domains = [v])],
  ],
  "telegram-bot": [
    ["settings.assistantPrompt", (i, v) => void (i.tenant.settings.assistantPrompt = v)],
    ["settings.language", (i, v) => void (i.tenant.settings.language = v)],
    ["settings.model", (i, v) => void (i.tenant.settings.model = v)],
    ["settings.adminUserIds", (i, v) => void (i.tenant.settings.adminUserIds = [v])],
    ["secrets.telegramBotToken", (i, v) => void (i.tenant.secrets.telegramBotToken = v)],
    ["platform.aiRouterKey", (i, v) => void (i.platform.aiRouterKey = v)],
  ],
  "llm-stack": [
    ["settings.webuiName", (i, v) => void (i.tenant.settings.webuiName = v)],
    ["settings.embeddingModel", (i, v) => void (i.tenant.settings.embeddingModel = v)],
    ["platform.aiRouterKey", (i, v) => void (i.platform.aiRouterKey = v)],
    ["platform.baseDomain", (i, v) => void (i.platform.baseDomain = v)],
    ["tenant.slug", (i, v) => void (i.tenant.slug = v)],
  ],
};

describe("hostile tenant values cannot change the compose structure", () => {
  for (const [template, mutations] of Object.entries(MUTATIONS)) {
    it(`${template}: 600 hostile inputs either fail with TemplateError or render the benign compose text`, () => {
      const benign = renderStack(legacyInput(template));
      const next = rng(0x5eed + template.length);
      let rendered = 0;
      for (let n = 0; n < 600; n++) {
        const [field, mutate] = mutations[n % mutations.length];
        const value = hostileString(next);
        const input = legacyInput(template);
        mutate(input, value);
        let stack;
        try {
          stack = renderStack(input);
        } catch (error) {
          expect(error, `${field}=${JSON.stringify(value).slice(0, 80)}`).toBeInstanceOf(TemplateError);
          expect((error as TemplateError).field.split(/[.[]/)[0]).toBe(field.split(".")[0]);
          continue;
        }
        rendered++;
        expect(stack.composeYaml, `${field}=${JSON.stringify(value).slice(0, 80)}`).toBe(benign.composeYaml);
        expect(load(stack.composeYaml)).toEqual(benign.compose);
      }
      // The free-text fields must really accept hostile text (otherwise this test proves nothing).
      expect(rendered).toBeGreaterThan(20);
    });
  }

  it("carries accepted hostile text verbatim in env and nowhere in the compose", () => {
    const prompt = "'; ${SERVICE_PASSWORD_POSTGRES} &a *a\n---\n!!python/object:os.system\nports:\n  - 80:80 日本語🦀";
    const input = legacyInput("telegram-bot");
    input.tenant.settings.assistantPrompt = prompt;
    const stack = renderStack(input);
    expect(stack.env.CF_ASSISTANT_PROMPT).toBe(prompt);
    expect(stack.composeYaml).not.toContain("日本語");
    expect(stack.composeYaml).not.toContain("python/object");
    expect(stack.composeYaml).toBe(renderStack(legacyInput("telegram-bot")).composeYaml);
  });

  it("refuses a router key with characters Coolify's .env writers would mangle", () => {
    for (const key of ["k'${X}&a*a!!python/object---\"", "sk-abc def-1234", "sk-\\abcdefgh", "sk-$abcdefgh", "sk-#abcdefgh"]) {
      const input = legacyInput("telegram-bot");
      input.platform.aiRouterKey = key;
      expect(() => renderStack(input), key).toThrow(/platform\.aiRouterKey/);
    }
  });

  it("keeps free text bounded: a 5,000 character WebUI name is rejected, not rendered", () => {
    const input = legacyInput("llm-stack");
    input.tenant.settings.webuiName = "a".repeat(5000);
    expect(() => renderStack(input)).toThrow(TemplateError);
  });
});
