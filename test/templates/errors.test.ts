import { describe, expect, it } from "vitest";
import { getTemplate, renderStack, TemplateError, type RenderInput } from "../../templates";
import { exampleInput } from "./fixtures";

function errorOf(input: RenderInput): TemplateError {
  try {
    renderStack(input);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error("expected a TemplateError");
}

/** `<id>@<latest released version>`, the version exampleInput renders. */
const ref = (id: string) => `${id}@${getTemplate(id).manifest.version}`;

const TOKEN = "123456789:EXAMPLE_fake_token_do_not_use_000";

describe("TemplateError names tenant, template and field", () => {
  it.each<[string, string, (input: RenderInput) => void, string, string]>([
    ["an unknown template", "openclaw", (i) => void (i.template = "wordpress"), "wordpress", "template"],
    ["an unknown version", "openclaw", (i) => void (i.version = "9.9.9"), "openclaw", "version"],
    ["a slug that is not DNS-safe", "openclaw", (i) => void (i.tenant.slug = "Acme_Corp"), ref("openclaw"), "tenant.slug"],
    ["a slug with a trailing hyphen", "llm-stack", (i) => void (i.tenant.slug = "acme-"), ref("llm-stack"), "tenant.slug"],
    ["a bad Telegram token", "telegram-bot", (i) => void (i.tenant.secrets.telegramBotToken = "not-a-token"), ref("telegram-bot"), "secrets.telegramBotToken"],
    ["a missing Telegram token", "telegram-bot", (i) => void delete i.tenant.secrets.telegramBotToken, ref("telegram-bot"), "secrets.telegramBotToken"],
    ["a missing allowlist", "telegram-bot", (i) => void (i.tenant.settings.allowedUserIds = []), ref("telegram-bot"), "settings.allowedUserIds"],
    ["a non-numeric Telegram user id", "openclaw", (i) => void (i.tenant.settings.telegramAllowFrom = ["@alice"]), ref("openclaw"), "settings.telegramAllowFrom[0]"],
    ["a token without an allowlist", "openclaw", (i) => void (i.tenant.settings.telegramAllowFrom = []), ref("openclaw"), "settings.telegramAllowFrom"],
    ["an unknown setting", "llm-stack", (i) => void (i.tenant.settings.ollama = true), ref("llm-stack"), "settings"],
    ["a model outside the plan", "openclaw", (i) => void (i.tenant.settings.primaryModel = "claude-opus"), ref("openclaw"), "settings.primaryModel"],
    ["a model the bot image cannot use", "telegram-bot", (i) => void (i.plan.models = ["llama3.1:8b"]), ref("telegram-bot"), "plan.models"],
    ["an empty model list", "llm-stack", (i) => void (i.plan.models = []), ref("llm-stack"), "plan.models"],
    ["an unknown plan tier", "llm-stack", (i) => void (i.plan.tier = "gold" as never), ref("llm-stack"), "plan.tier"],
    ["a memory override below OpenClaw's floor", "openclaw", (i) => void (i.plan.limits = { memoryMb: 1024 }), ref("openclaw"), "plan.limits.memoryMb"],
    ["a bad domain", "llm-stack", (i) => void (i.domains = ["acme.agents.test.invalid", "http://evil.example:8080/x"]), ref("llm-stack"), "domains[1]"],
    ["a wildcard domain", "openclaw", (i) => void (i.domains = ["*.acme.example"]), ref("openclaw"), "domains[0]"],
    ["no domain for a web stack", "openclaw", (i) => void (i.domains = []), ref("openclaw"), "domains"],
    ["a domain for the bot", "telegram-bot", (i) => void (i.domains = ["bot.acme.example"]), ref("telegram-bot"), "domains"],
    ["a duplicate domain", "openclaw", (i) => void (i.domains = ["a.example.com", "https://A.example.com"]), ref("openclaw"), "domains[1]"],
    ["a router URL with credentials", "llm-stack", (i) => void (i.platform.aiRouterUrl = "https://u:p@router.example/v1"), ref("llm-stack"), "platform.aiRouterUrl"],
    ["an empty router key", "llm-stack", (i) => void (i.platform.aiRouterKey = ""), ref("llm-stack"), "platform.aiRouterKey"],
  ])("for %s", (_label, template, mutate, expectedTemplate, field) => {
    const input = exampleInput(template);
    if (template === "openclaw") input.tenant.secrets.telegramBotToken = TOKEN;
    mutate(input);
    const error = errorOf(input);
    expect({ tenant: error.tenant, template: error.template, field: error.field }).toEqual({ tenant: input.tenant.slug, template: expectedTemplate, field });
    expect(error.message).toContain(JSON.stringify(input.tenant.slug));
    expect(error.message).toContain(expectedTemplate);
    expect(error.message).toContain(field);
    expect(error.message).toMatch(/Fix: \S/);
  });

  it("never echoes a rejected secret value", () => {
    const input = exampleInput("telegram-bot");
    input.tenant.secrets.telegramBotToken = "SECRET-VALUE-that-is-not-a-token";
    const error = errorOf(input);
    expect(error.message).not.toContain("SECRET-VALUE");
    expect(JSON.stringify(error)).not.toContain("SECRET-VALUE");
  });

  it("quotes and truncates a hostile slug so it cannot forge log lines", () => {
    const input = exampleInput("openclaw");
    input.tenant.slug = `evil\nlevel=info msg=ok ${"x".repeat(500)}`;
    const error = errorOf(input);
    expect(error.message).not.toContain("\n");
    expect(error.message.length).toBeLessThan(400);
  });
});
