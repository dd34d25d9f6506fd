import { z } from "zod";
import { hostNameOf } from "../hosts";
import { DEFAULT_TENANT_VIEW } from "./collections";
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
  /** The host the Admin Portal's check verified; the custom domain is attached only when the two are the same host. */
  customDomainVerifiedHost?: string;
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
  /**
   * Fields of this tenant's row that do not parse (absent when every field does). The tenant is then held at its
   * last applied spec, or refused if never applied; the fields named here carry neutral stand-ins and are never used.
   */
  fieldErrors?: TenantFieldError[];
  /** The view's optional `rollout_ring` column (e.g. "canary", config rollout.canaryRing); absent when the view has none. */
  rolloutRing?: string;
}

/** One field of a tenant's row that does not parse: it holds or refuses that tenant only, never the run. */
export interface TenantFieldError {
  /** The view column, with the path inside it, e.g. "telegram_allow_from[0]" or "plan_limits.llm-stack.cpus". */
  field: string;
  /** What is wrong, without the value of a secret. */
  problem: string;
  fix: string;
}

/** The same pattern as the demo `tenants.slug` field in pocketbase/demo-migrations. */
export const TENANT_SLUG_PATTERN = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
/** A template id: the folder name under templates/. */
export const TEMPLATE_ID_PATTERN = /^[a-z][a-z0-9-]*$/;
/** The template that needs `telegram_bot_token` (and reads `telegram_allow_from`). */
export const TELEGRAM_TEMPLATE = "telegram-bot";
/** BotFather's token shape: numeric bot id, colon, 35 characters. */
export const TELEGRAM_BOT_TOKEN_PATTERN = /^[0-9]{5,15}:[A-Za-z0-9_-]{35}$/;

const SEMVER = /^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$/;
/** A PocketBase record id, as `agent_provisioning.tenant` stores it (lib/tenants/provisioning.ts). */
export const TENANT_ID_PATTERN = /^[a-z0-9]{1,64}$/;

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

const TELEGRAM_ID_PROBLEM = "must be numeric Telegram user ids (not @names)";
const telegramUserId = z.union([z.number({ error: TELEGRAM_ID_PROBLEM }).int(TELEGRAM_ID_PROBLEM).positive(TELEGRAM_ID_PROBLEM), z.string().regex(/^[0-9]{1,20}$/, TELEGRAM_ID_PROBLEM)], { error: TELEGRAM_ID_PROBLEM }).transform(String);

/** What identifies a row and decides its lifecycle. A row that fails here stops the run (TenantSourceError). */
const envelope = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, "must be a PocketBase record id (1-64 lower-case letters and digits)"),
  slug: z.string().regex(TENANT_SLUG_PATTERN, "must match ^[a-z][a-z0-9-]{1,30}[a-z0-9]$ (DNS-safe)"),
  status: z.enum(["active", "suspended", "cancelled"], { error: "must be active, suspended or cancelled" }),
});

/** Any spelling of one host (case, trailing dot, port, Unicode) passes, normalised (lib/hosts.ts); "" for none. */
const customDomain = z
  .string()
  .default("")
  .transform((raw, ctx) => {
    if (raw.trim() === "") return "";
    const host = hostNameOf(raw);
    if (host === null) ctx.addIssue({ code: "custom", message: "must be empty or one host name such as agents.example.com (no scheme, path, wildcard or IP address)" });
    return host ?? "";
  });

/**
 * Every other column of the tenant view (lib/tenants/view-fields.ts lists them with their PocketBase types). A value
 * that does not parse holds or refuses only its tenant, by id; the run goes on and fails at its end naming it.
 */
const fields = {
  name: z.string().min(1, "must not be empty"),
  plan_id: z.string().min(1, "must reference a plan"),
  plan_name: z.string().min(1, "must not be empty"),
  plan_tier: z.enum(["starter", "pro", "business"], { error: "must be starter, pro or business" }),
  plan_allowed_templates: jsonOr(z.array(z.string().regex(TEMPLATE_ID_PATTERN, "must be template ids")), []),
  plan_models: jsonOr(z.array(z.string().min(1, "must be non-empty model names")), []),
  plan_limits: jsonOr(z.record(z.string().regex(TEMPLATE_ID_PATTERN, "keys must be template ids"), limitsSchema), {}),
  template: z.string().regex(TEMPLATE_ID_PATTERN, "must be a template id such as llm-stack"),
  template_version: z.string().regex(SEMVER, "must be empty (latest) or a version such as 1.2.0").or(z.literal("")).default(""),
  custom_domain: customDomain,
  custom_domain_verified: z.boolean().default(false),
  custom_domain_verified_host: z.string().default(""),
  owner_email: z.email("must be empty or an e-mail address").or(z.literal("")).default(""),
  cancelled_at: z.string().default(""),
  settings: jsonOr(z.record(z.string(), z.unknown(), { error: "must be a JSON object of template settings" }), {}),
  telegram_allow_from: jsonOr(z.array(telegramUserId, { error: "must be a JSON array of numeric Telegram user ids" }), []),
  // Hidden fields: only superusers see them; absent when the caller is not one.
  telegram_bot_token: z.string().default(""),
  ai_router_key: z.string().default(""),
};
type Fields = { [K in keyof typeof fields]: z.output<(typeof fields)[K]> };

/** Stand-ins for columns that do not parse. Such a tenant is held or refused, so they never reach a deployment. */
const STAND_INS: Fields = {
  name: "", plan_id: "", plan_name: "", plan_tier: "starter", plan_allowed_templates: [], plan_models: [], plan_limits: {},
  template: "", template_version: "", custom_domain: "", custom_domain_verified: false, custom_domain_verified_host: "", owner_email: "", cancelled_at: "",
  settings: {}, telegram_allow_from: [], telegram_bot_token: "", ai_router_key: "",
};

/**
 * Parses one row of the tenant view (config `tenantView`, default agent_tenants) into a Tenant.
 * Fails closed on the envelope: a row that is not an object, or whose id, slug or status does not parse, throws
 * TenantSourceError("malformed") naming the tenant (slug, else record id) and the view column, which stops the run.
 * Every other column is judged per tenant: what does not parse (including what the schema cannot check: a template
 * the plan does not allow, a telegram-bot tenant without a well-formed bot token) lands in `fieldErrors`.
 */
export function parseTenant(record: unknown, view: string = DEFAULT_TENANT_VIEW): Tenant {
  const head = envelope.safeParse(record);
  if (!head.success) {
    const issue = head.error.issues[0];
    const field = fieldName(issue?.path ?? []);
    throw malformed(record, view, field, `${field} ${issue?.message ?? "is invalid"}.`, head.error);
  }
  const row = record as Record<string, unknown>;
  const errors: TenantFieldError[] = [];
  const raw: Fields = { ...STAND_INS };
  for (const column of Object.keys(fields) as Array<keyof Fields>) {
    const parsed = fields[column].safeParse(row[column]);
    if (parsed.success) (raw as Record<string, unknown>)[column] = parsed.data;
    else errors.push(fieldError(view, column, parsed.error));
  }
  const failed = (column: keyof Fields) => errors.some((e) => e.field.split(/[.[]/)[0] === column);
  const plan: Plan = {
    id: raw.plan_id,
    name: raw.plan_name,
    tier: raw.plan_tier,
    allowedTemplates: raw.plan_allowed_templates,
    models: raw.plan_models,
    limits: raw.plan_limits,
  };
  if (!failed("template") && !failed("plan_allowed_templates") && !plan.allowedTemplates.includes(raw.template)) {
    errors.push({
      field: "template",
      problem: `"${raw.template}" is not allowed by plan "${plan.name}" (allowed: ${plan.allowedTemplates.join(", ") || "none"})`,
      fix: "pick a template the plan allows, or move the tenant to a plan that allows it",
    });
  }
  let token = raw.telegram_bot_token;
  if (token !== "" && !TELEGRAM_BOT_TOKEN_PATTERN.test(token)) {
    errors.push({ field: "telegram_bot_token", problem: "is not shaped like a BotFather token (<bot id>:<35 characters>); its value is not shown", fix: "paste the token @BotFather gave for the tenant's bot" });
    token = "";
  } else if (raw.template === TELEGRAM_TEMPLATE && head.data.status !== "cancelled" && token === "" && !failed("telegram_bot_token")) {
    errors.push({ field: "telegram_bot_token", problem: `a ${head.data.status} telegram-bot tenant needs one`, fix: "paste the token @BotFather gave for the tenant's bot" });
  }
  return {
    id: head.data.id,
    slug: head.data.slug,
    name: raw.name,
    status: head.data.status,
    plan,
    template: raw.template,
    ...(raw.template_version !== "" ? { templateVersion: raw.template_version } : {}),
    ...(raw.custom_domain !== "" ? { customDomain: raw.custom_domain } : {}),
    customDomainVerified: raw.custom_domain_verified,
    ...(raw.custom_domain_verified_host !== "" ? { customDomainVerifiedHost: raw.custom_domain_verified_host } : {}),
    ...(raw.owner_email !== "" ? { ownerEmail: raw.owner_email } : {}),
    ...(raw.ai_router_key !== "" ? { routerKey: raw.ai_router_key } : {}),
    ...(raw.cancelled_at !== "" ? { cancelledAt: raw.cancelled_at } : {}),
    settings: raw.settings,
    secrets: token !== "" ? { telegramBotToken: token } : {},
    telegramAllowFrom: raw.telegram_allow_from,
    ...(errors.length > 0 ? { fieldErrors: errors } : {}),
    ...ringOf(row),
  };
}

/** Read leniently: only a rollout wave depends on it, so a missing or odd value means no ring, never a refusal. */
function ringOf(row: Record<string, unknown>): { rolloutRing?: string } {
  const ring = typeof row.rollout_ring === "string" ? row.rollout_ring.trim().toLowerCase() : "";
  return ring !== "" ? { rolloutRing: ring } : {};
}

function fieldError(view: string, column: string, error: z.ZodError): TenantFieldError {
  const issue = error.issues[0];
  return {
    field: fieldName([column, ...(issue?.path ?? [])]),
    problem: issue?.message ?? "is invalid",
    fix: `correct this tenant's data behind column "${column}" of the view ${view} (the collection and field its SQL reads), then run again; \`npm run pocketbase:check\` lists every such row`,
  };
}

/** ["plan_limits", "llm-stack", "cpus"] -> "plan_limits.llm-stack.cpus"; [..., 0] -> "[0]"; [] -> "(record)". */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(record)";
  return path
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

function malformed(record: unknown, view: string, field: string, problem: string, origin?: unknown): TenantSourceError {
  const column = field.split(/[.[]/)[0];
  return new TenantSourceError("malformed", {
    problem: `The ${view} row${recordId(record)} is invalid: ${problem}`,
    fix: `correct this tenant's data behind column "${column}" of the view ${view} (the collection and field its SQL reads), then run again; \`npm run pocketbase:check\` lists every such row`,
    tenant: tenantLabel(record),
    field,
    origin,
  });
}

function recordId(record: unknown): string {
  const { id } = fieldsOf(record);
  return id !== undefined ? ` ${id}` : "";
}
