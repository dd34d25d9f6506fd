import { z } from "zod";
import { defineManifest, type EnvContext } from "../../../lib/templates/manifest";
import { freeTextSchema, modelIdSchema, telegramTokenSchema, telegramUserIdsSchema } from "../../../lib/templates/inputs";

/**
 * chatgpt-telegram-bot 0.4.2 computes token limits from a hard-coded OpenAI model list and fails on any
 * other name, so the router must serve these aliases (templates.md §4).
 */
const BOT_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4", "gpt-4-turbo-preview", "gpt-3.5-turbo"];

const settings = z
  .object({
    /** Must be in the plan and one of the names the bot knows. Default: the first plan model it knows. */
    model: modelIdSchema.optional(),
    /** Only these Telegram users may use the bot (never `*`: every message costs router tokens). */
    allowedUserIds: telegramUserIdsSchema(1),
    adminUserIds: telegramUserIdsSchema(0).default([]),
    assistantPrompt: freeTextSchema(4000, true).default("You are a helpful assistant."),
    language: z.string().regex(/^[a-z]{2}(-[a-z]{2})?$/, "a language code such as en or pt-br").default("en"),
  })
  .strict();

const secrets = z.object({ telegramBotToken: telegramTokenSchema }).strict();

type Ctx = EnvContext<z.output<typeof settings>, z.output<typeof secrets>>;

function model(ctx: Ctx): string | undefined {
  return ctx.settings.model ?? ctx.plan.models.find((id) => BOT_MODELS.includes(id));
}

export default defineManifest({
  id: "telegram-bot",
  version: "1.0.1",
  status: "draft",
  description: "Long-polling Telegram chat bot (n3d1117/chatgpt-telegram-bot) talking to the AI Router; no HTTP ingress.",
  domain: null,
  services: {
    bot: {
      limits: {
        starter: { cpus: 0.25, memoryMb: 256, pids: 256 },
        pro: { cpus: 0.5, memoryMb: 384, pids: 256 },
        business: { cpus: 1, memoryMb: 512, pids: 256 },
      },
    },
  },
  generatedSecrets: [],
  settings,
  secrets,
  secretEnvKeys: ["CF_AI_ROUTER_KEY", "CF_TELEGRAM_BOT_TOKEN"],
  example: {
    settings: { allowedUserIds: ["123456789"], language: "de" },
    secrets: { telegramBotToken: "123456789:EXAMPLE_fake_token_do_not_use_000" },
  },
  check(ctx) {
    const chosen = model(ctx);
    if (chosen === undefined) {
      return [{ field: "plan.models", problem: "the plan offers no model this bot can use", fix: `add one of ${BOT_MODELS.join(", ")} to the plan (as an AI Router alias)` }];
    }
    if (!ctx.plan.models.includes(chosen)) {
      return [{ field: "settings.model", problem: `model ${JSON.stringify(chosen)} is not in the plan`, fix: `choose one of ${ctx.plan.models.join(", ")}` }];
    }
    if (!BOT_MODELS.includes(chosen)) {
      return [{ field: "settings.model", problem: `the bot image cannot use model ${JSON.stringify(chosen)}`, fix: `choose one of ${BOT_MODELS.join(", ")}` }];
    }
    return [];
  },
  env(ctx) {
    return {
      CF_TELEGRAM_BOT_TOKEN: ctx.secrets.telegramBotToken,
      CF_AI_ROUTER_KEY: ctx.platform.aiRouterKey,
      CF_AI_ROUTER_URL: ctx.platform.aiRouterUrl,
      CF_MODEL: model(ctx) ?? "",
      CF_ALLOWED_USER_IDS: ctx.settings.allowedUserIds.join(","),
      // "-" is the bot's spelling of "no admins".
      CF_ADMIN_USER_IDS: ctx.settings.adminUserIds.length > 0 ? ctx.settings.adminUserIds.join(",") : "-",
      CF_ASSISTANT_PROMPT: ctx.settings.assistantPrompt,
      CF_BOT_LANGUAGE: ctx.settings.language,
    };
  },
});
