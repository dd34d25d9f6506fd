import { z } from "zod";
import { TenantSourceError } from "./errors";

export type TenantStatus = "active" | "suspended" | "cancelled";
export type PlanTier = "starter" | "pro" | "business";

/** Per-template resource overrides from a plan's `limits` field. */
export interface TemplateLimits {
  cpus?: number;
  memoryMb?: number;
  pids?: number;
}

export interface Plan {
  id: string;
  name: string;
  tier: PlanTier;
  allowedTemplates: string[];
  models: string[];
  /** Keyed by template id. */
  limits: Record<string, TemplateLimits>;
}

export interface Tenant {
  id: string;
  /** DNS-safe, unique; names every Coolify resource of the tenant. */
  slug: string;
  name: string;
  status: TenantStatus;
  plan: Plan;
  template: string;
  /** Absent means the latest released version of the template. */
  templateVersion?: string;
  customDomain?: string;
  /** Set by the Admin Portal after its DNS check; an unverified custom domain is not attached. */
  customDomainVerified: boolean;
  /** The tenant owner's e-mail (e.g. the admin account of a stack's web UI). */
  ownerEmail?: string;
  /** The tenant's own AI Router key, issued by Billing (a secret; hidden in PocketBase). */
  routerKey?: string;
  /** When the tenant was cancelled (ISO 8601), if PocketBase records it. */
  cancelledAt?: string;
  settings: Record<string, unknown>;
  /** Secret values by name, e.g. `{ telegramBotToken }`; only non-empty ones are present. */
  secrets: Record<string, string>;
  /** Telegram user ids, as decimal strings. */
  telegramAllowFrom: string[];
}

/** The same pattern as the `tenants.slug` field in pocketbase/migrations. */
export const TENANT_SLUG_PATTERN = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
/** A template id: the folder name under templates/. */
export const TEMPLATE_ID_PATTERN = /^[a-z][a-z0-9-]*$/;
/** The template that needs `telegram_bot_token` (and reads `telegram_allow_from`). */
export const TELEGRAM_TEMPLATE = "telegram-bot";
/** BotFather's token shape: numeric bot id, colon, 35 characters. */
export const TELEGRAM_BOT_TOKEN_PATTERN = /^[0-9]{5,15}:[A-Za-z0-9_-]{35}$/;

const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An empty PocketBase json field arrives as null. */
function jsonOr<T extends z.ZodType>(schema: T, empty: z.output<T>) {
  return schema.nullish().transform((value) => value ?? empty);
}

const limitsSchema = z
  .object({
    cpus: z.number().positive().max(64).optional(),
    memoryMb: z.number().int().positive().max(262_144).optional(),
    pids: z.number().int().positive().max(100_000).optional(),
  })
  .strict();

const planRecord = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  tier: z.enum(["starter", "pro", "business"]),
  allowed_templates: jsonOr(z.array(z.string().regex(TEMPLATE_ID_PATTERN, "must be template ids")), []),
  models: jsonOr(z.array(z.string().min(1, "must be non-empty model names")), []),
  limits: jsonOr(z.record(z.string().regex(TEMPLATE_ID_PATTERN, "keys must be template ids"), limitsSchema), {}),
});

const telegramUserId = z.union([z.number().int().positive(), z.string().regex(/^[0-9]{1,20}$/)]).transform(String);

const tenantRecord = z.object({
  id: z.string().min(1),
  slug: z.string().regex(TENANT_SLUG_PATTERN, "must match ^[a-z][a-z0-9-]{1,30}[a-z0-9]$ (DNS-safe)"),
  name: z.string().min(1, "must not be empty"),
  status: z.enum(["active", "suspended", "cancelled"]),
  plan: z.string().min(1, "must reference a plan"),
  template: z.string().regex(TEMPLATE_ID_PATTERN, "must be a template id such as llm-stack"),
  template_version: z.string().regex(SEMVER, "must be empty (latest) or a version such as 1.2.0").or(z.literal("")).default(""),
  custom_domain: z.string().regex(HOSTNAME, "must be empty or a lower-case host name such as agents.example.com").or(z.literal("")).default(""),
  custom_domain_verified: z.boolean().default(false),
  owner_email: z.email("must be empty or an e-mail address").or(z.literal("")).default(""),
  cancelled_at: z.string().default(""),
  // Hidden fields: only superusers see them; absent when the caller is not one.
  ai_router_key: z.string().default(""),
  settings: jsonOr(z.record(z.string(), z.unknown()), {}),
  // Hidden field: only superusers see it; absent when the caller is not one.
  telegram_bot_token: z.string().default(""),
  telegram_allow_from: jsonOr(z.array(telegramUserId), []),
  expand: z.object({ plan: planRecord }, { error: "the plan was not expanded (request with expand=plan)" }),
});

/**
 * Parses one PocketBase `tenants` record fetched with `expand=plan` into a Tenant.
 * Throws TenantSourceError("malformed") naming the tenant (slug, else record id) and the field.
 * Besides the schema, it checks what the schema cannot: the template is allowed by the plan,
 * and a telegram-bot tenant that is not cancelled has a well-formed bot token.
 */
export function parseTenant(record: unknown): Tenant {
  const parsed = tenantRecord.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldName(issue?.path ?? []);
    throw malformed(record, field, `${field} ${issue?.message ?? "is invalid"}.`, parsed.error);
  }
  const raw = parsed.data;
  const plan = toPlan(raw.expand.plan);
  if (!plan.allowedTemplates.includes(raw.template)) {
    throw malformed(
      record,
      "template",
      `template "${raw.template}" is not allowed by plan "${plan.name}" (allowed: ${plan.allowedTemplates.join(", ") || "none"}).`,
    );
  }
  const token = raw.telegram_bot_token;
  if (token !== "" && !TELEGRAM_BOT_TOKEN_PATTERN.test(token)) {
    throw malformed(record, "telegram_bot_token", "telegram_bot_token is not shaped like a BotFather token (<bot id>:<35 characters>); its value is not shown.");
  }
  if (raw.template === TELEGRAM_TEMPLATE && raw.status !== "cancelled" && token === "") {
    throw malformed(record, "telegram_bot_token", `a ${raw.status} telegram-bot tenant needs telegram_bot_token.`);
  }
  return {
    id: raw.id,
    slug: raw.slug,
    name: raw.name,
    status: raw.status,
    plan,
    template: raw.template,
    ...(raw.template_version !== "" ? { templateVersion: raw.template_version } : {}),
    ...(raw.custom_domain !== "" ? { customDomain: raw.custom_domain } : {}),
    customDomainVerified: raw.custom_domain_verified,
    ...(raw.owner_email !== "" ? { ownerEmail: raw.owner_email } : {}),
    ...(raw.ai_router_key !== "" ? { routerKey: raw.ai_router_key } : {}),
    ...(raw.cancelled_at !== "" ? { cancelledAt: raw.cancelled_at } : {}),
    settings: raw.settings,
    secrets: token !== "" ? { telegramBotToken: token } : {},
    telegramAllowFrom: raw.telegram_allow_from,
  };
}

function toPlan(raw: z.output<typeof planRecord>): Plan {
  return {
    id: raw.id,
    name: raw.name,
    tier: raw.tier,
    allowedTemplates: raw.allowed_templates,
    models: raw.models,
    limits: raw.limits,
  };
}

/** ["expand", "plan", "limits", "llm-stack", "cpus"] -> "plan.limits.llm-stack.cpus"; ["expand"] -> "plan"; [..., 0] -> "[0]". */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 1 && path[0] === "expand") return "plan";
  const parts = path[0] === "expand" ? path.slice(1) : path;
  if (parts.length === 0) return "(record)";
  return parts
    .map((part, index) => (typeof part === "number" ? `[${part}]` : `${index > 0 ? "." : ""}${String(part)}`))
    .join("");
}

/** The tenant's slug when the record has one, else its record id. */
function tenantLabel(record: unknown): string | undefined {
  const { slug, id } = fieldsOf(record);
  if (slug !== undefined) return slug;
  return id;
}

function fieldsOf(record: unknown): { slug?: string; id?: string } {
  if (typeof record !== "object" || record === null) return {};
  const { slug, id } = record as { slug?: unknown; id?: unknown };
  return {
    ...(typeof slug === "string" && slug !== "" ? { slug } : {}),
    ...(typeof id === "string" && id !== "" ? { id } : {}),
  };
}

function malformed(record: unknown, field: string, problem: string, origin?: unknown): TenantSourceError {
  return new TenantSourceError("malformed", {
    problem: `The tenants record${recordId(record)} is invalid: ${problem}`,
    fix: `correct field "${field}" of this tenant in PocketBase (Dashboard > Collections > tenants), then run again`,
    tenant: tenantLabel(record),
    field,
    origin,
  });
}

function recordId(record: unknown): string {
  const { id } = fieldsOf(record);
  return id !== undefined ? ` ${id}` : "";
}
