import { z } from "zod";
import { defineManifest, type EnvContext } from "../../../lib/templates/manifest";
import { emailSchema, freeTextSchema, modelIdSchema } from "../../../lib/templates/inputs";

const settings = z
  .object({
    webuiName: freeTextSchema(64, false).default("CloudFreedom Chat"),
    /**
     * Off by default: the admin account comes from `ownerEmail`, never from whoever signs up first. Read by Open
     * WebUI on its first start only (a PersistentConfig), and turned off again when it creates the owner's admin.
     */
    enableSignup: z.boolean().default(false),
    /**
     * The tenant owner's e-mail (PocketBase `owner_email`): Open WebUI creates the admin account for it on its first
     * start, with the password Coolify generates (SERVICE_PASSWORD_WEBUIADMIN, written back to the tenant's record).
     * Without it no admin exists and, sign-up being off, nobody can log in until one is set on a fresh volume.
     */
    ownerEmail: emailSchema.optional(),
    defaultUserRole: z.enum(["pending", "user"]).default("pending"),
    /** Embedding model served by the AI Router, for Open WebUI's remote RAG embeddings. */
    embeddingModel: modelIdSchema.default("text-embedding-3-small"),
  })
  .strict();

const secrets = z.object({}).strict();

type Ctx = EnvContext<z.output<typeof settings>, z.output<typeof secrets>>;

/**
 * LiteLLM config: one explicit entry per plan model (a bare `*` route hides the real models from
 * Open WebUI, templates.md §5.3); credentials are `os.environ/` references, so this JSON holds no secret.
 */
function litellmConfig(ctx: Ctx): string {
  const names = [...new Set([...ctx.plan.models, ctx.settings.embeddingModel])];
  return JSON.stringify({
    model_list: names.map((name) => ({
      model_name: name,
      litellm_params: { model: `openai/${name}`, api_base: "os.environ/AI_ROUTER_BASE_URL", api_key: "os.environ/AI_ROUTER_API_KEY" },
    })),
  });
}

const litellmCommand = (workers: number) => ["--port", "4000", "--num_workers", String(workers)];

export default defineManifest({
  id: "llm-stack",
  version: "1.1.0",
  engine: 2,
  status: "released",
  description: "LiteLLM (with Postgres) in front of the AI Router, and Open WebUI (slim, remote embeddings, Ollama off) on the tenant domain.",
  domain: { service: "openwebui", port: 8080 },
  services: {
    postgres: {
      limits: {
        starter: { cpus: 0.25, memoryMb: 256, pids: 512 },
        pro: { cpus: 0.5, memoryMb: 512, pids: 512 },
        business: { cpus: 1, memoryMb: 1024, pids: 512 },
      },
    },
    litellm: {
      limits: {
        starter: { cpus: 0.5, memoryMb: 1024, pids: 512 },
        pro: { cpus: 1, memoryMb: 1536, pids: 512 },
        business: { cpus: 2, memoryMb: 3072, pids: 512 },
      },
      tiers: { pro: { command: litellmCommand(2) }, business: { command: litellmCommand(4) } },
    },
    openwebui: {
      limits: {
        starter: { cpus: 0.5, memoryMb: 1024, pids: 512 },
        pro: { cpus: 1, memoryMb: 1536, pids: 512 },
        business: { cpus: 2, memoryMb: 3072, pids: 512 },
      },
    },
  },
  generatedSecrets: [
    "SERVICE_PASSWORD_64_LITELLMMASTER",
    "SERVICE_PASSWORD_64_LITELLMSALT",
    "SERVICE_PASSWORD_64_WEBUISECRET",
    "SERVICE_PASSWORD_WEBUIADMIN",
    "SERVICE_PASSWORD_POSTGRES",
    "SERVICE_USER_POSTGRES",
  ],
  settings,
  secrets,
  secretEnvKeys: ["CF_AI_ROUTER_KEY"],
  example: { settings: { webuiName: "Acme Chat", ownerEmail: "owner@example.invalid" }, secrets: {} },
  check() {
    return [];
  },
  env(ctx) {
    return {
      CF_AI_ROUTER_URL: ctx.platform.aiRouterUrl,
      CF_AI_ROUTER_KEY: ctx.platform.aiRouterKey,
      CF_LITELLM_CONFIG_JSON: litellmConfig(ctx),
      CF_PUBLIC_URL: `https://${ctx.domains[0]}`,
      CF_WEBUI_NAME: ctx.settings.webuiName,
      CF_ENABLE_SIGNUP: String(ctx.settings.enableSignup),
      CF_OWNER_EMAIL: ctx.settings.ownerEmail ?? "",
      CF_DEFAULT_USER_ROLE: ctx.settings.defaultUserRole,
      CF_EMBEDDING_MODEL: ctx.settings.embeddingModel,
    };
  },
});
