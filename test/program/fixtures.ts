// Tenants and platform values for the planning and policy tests.
import type { Tenant } from "../../lib/tenants/tenant";
import type { PlatformValues } from "../../program/plan";

export const PLATFORM: PlatformValues = {
  aiRouterUrl: "https://ai.cloudfreedom.test/v1",
  baseDomain: "agents.cloudfreedom.test",
  coolifyUrl: "https://coolify.cloudfreedom.test",
  pocketbaseUrl: "https://api.cloudfreedom.test",
};

export const BOT_TOKEN = "123456789:AAFakeDemoTokenForChirpTelegram0001";
export const OTHER_BOT_TOKEN = "987654321:AAFakeDemoTokenForBoltTelegram00002";

/** An active tenant on a plan that allows every template, with its own router key (and a bot token for telegram-bot). */
export function tenant(slug: string, template: string, fields: Partial<Tenant> = {}): Tenant {
  return {
    id: `id-${slug}`,
    slug,
    name: slug,
    status: "active",
    plan: { id: "plan-pro", name: "pro", tier: "pro", allowedTemplates: ["llm-stack", "openclaw", "telegram-bot"], models: ["gpt-4o-mini"], limits: {} },
    template,
    customDomainVerified: false,
    routerKey: `sk-test-${slug}-router-key`,
    settings: {},
    secrets: template === "telegram-bot" ? { telegramBotToken: BOT_TOKEN } : {},
    telegramAllowFrom: template === "telegram-bot" ? ["100000001"] : [],
    ...fields,
  };
}
