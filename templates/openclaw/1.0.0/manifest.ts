import { z } from "zod";
import { defineManifest, type EnvContext, type ManifestIssue } from "../../../lib/templates/manifest";
import { modelIdSchema, telegramTokenSchema, telegramUserIdsSchema, timezoneSchema } from "../../../lib/templates/inputs";

const settings = z
  .object({
    /** Agent model; must be in the plan's list. Default: the plan's first model. */
    primaryModel: modelIdSchema.optional(),
    /** Telegram user ids allowed to DM the bot (DM policy is always `allowlist`). */
    telegramAllowFrom: telegramUserIdsSchema(0).default([]),
    timezone: timezoneSchema.default("UTC"),
  })
  .strict();

const secrets = z
  .object({
    /** Optional: enables the Telegram channel (long polling, no inbound port). */
    telegramBotToken: telegramTokenSchema.optional(),
  })
  .strict();

type Ctx = EnvContext<z.output<typeof settings>, z.output<typeof secrets>>;

const PROVIDER = "airouter";

function primaryModel(ctx: Ctx): string {
  return ctx.settings.primaryModel ?? ctx.plan.models[0];
}

/**
 * OpenClaw reads `${VAR}` inside config strings from its own env, so the key stays out of this JSON.
 * The wrapper refuses to start without a known provider key, so OPENAI_API_KEY carries the router key and
 * the built-in `openai` provider is pointed at the router too: nothing goes to api.openai.com (templates.md §3).
 */
function openclawConfig(ctx: Ctx): string {
  const models = ctx.plan.models.map((id) => ({ id, name: id, contextWindow: 32_000, maxTokens: 4_096, input: ["text"] }));
  const provider = (keyVar: string) => ({ baseUrl: ctx.platform.aiRouterUrl, apiKey: `\${${keyVar}}`, api: "openai-completions", models });
  return JSON.stringify({
    models: { providers: { [PROVIDER]: provider("AI_ROUTER_API_KEY"), openai: provider("OPENAI_API_KEY") } },
    agents: { defaults: { model: { primary: `${PROVIDER}/${primaryModel(ctx)}` } } },
  });
}

export default defineManifest({
  id: "openclaw",
  version: "1.0.0",
  status: "released",
  description: "OpenClaw gateway (coollabsio wrapper) using the AI Router as its only model provider; optional Telegram channel.",
  domain: { service: "openclaw", port: 8080 },
  services: {
    openclaw: {
      limits: {
        starter: { cpus: 1, memoryMb: 2048, pids: 512 },
        pro: { cpus: 2, memoryMb: 3072, pids: 512 },
        business: { cpus: 4, memoryMb: 6144, pids: 1024 },
      },
      minMemoryMb: 1536,
      nodeHeapPercent: 70,
    },
  },
  generatedSecrets: ["SERVICE_PASSWORD_64_GATEWAYTOKEN", "SERVICE_PASSWORD_OPENCLAW", "SERVICE_USER_OPENCLAW"],
  settings,
  secrets,
  secretEnvKeys: ["CF_AI_ROUTER_KEY", "CF_TELEGRAM_BOT_TOKEN"],
  example: {
    settings: { telegramAllowFrom: ["123456789"], timezone: "Europe/Berlin" },
    secrets: { telegramBotToken: "123456789:EXAMPLE_fake_token_do_not_use_000" },
  },
  check(ctx) {
    const issues: ManifestIssue[] = [];
    if (ctx.settings.primaryModel !== undefined && !ctx.plan.models.includes(ctx.settings.primaryModel)) {
      issues.push({
        field: "settings.primaryModel",
        problem: `model ${JSON.stringify(ctx.settings.primaryModel)} is not in the plan`,
        fix: `choose one of ${ctx.plan.models.join(", ")}`,
      });
    }
    if (ctx.secrets.telegramBotToken !== undefined && ctx.settings.telegramAllowFrom.length === 0) {
      issues.push({
        field: "settings.telegramAllowFrom",
        problem: "a Telegram bot token is set but no Telegram user id is allowed to talk to it",
        fix: "add the tenant's numeric Telegram user id(s), or drop the token",
      });
    }
    return issues;
  },
  env(ctx) {
    return {
      CF_AI_ROUTER_KEY: ctx.platform.aiRouterKey,
      CF_OPENCLAW_CONFIG_JSON: openclawConfig(ctx),
      CF_PRIMARY_MODEL: `${PROVIDER}/${primaryModel(ctx)}`,
      CF_ALLOWED_ORIGINS: ctx.domains.map((host) => `https://${host}`).join(","),
      CF_TELEGRAM_BOT_TOKEN: ctx.secrets.telegramBotToken ?? "",
      CF_TELEGRAM_ALLOW_FROM: ctx.settings.telegramAllowFrom.join(","),
      CF_TZ: ctx.settings.timezone,
    };
  },
});
