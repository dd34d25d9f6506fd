// The columns the tenant view must have, as PocketBase types them. PocketBase derives a view's fields
// from its SQL (core/view.go, parseQueryToFields): a plain column `t.x AS y` copies the source field
// (type, and the hidden flag), `p.id AS y` becomes a relation, CAST(... AS TEXT|BOOLEAN|INTEGER|REAL)
// becomes text/bool/number, and any other expression becomes a visible json field.

export interface ViewFieldSpec {
  name: string;
  /** PocketBase field types the loader accepts for this column. */
  types: readonly string[];
  /** A secret: the view must hide it (only superusers read it). */
  secret?: boolean;
  /** What the column holds, for messages. */
  holds: string;
}

export const TENANT_VIEW_FIELDS: readonly ViewFieldSpec[] = [
  { name: "id", types: ["text"], holds: "the tenant's record id (agent_provisioning.tenant refers to it)" },
  { name: "slug", types: ["text"], holds: "the DNS-safe tenant name, e.g. acme" },
  { name: "name", types: ["text"], holds: "the tenant's display name" },
  { name: "status", types: ["text", "select"], holds: "active | suspended | cancelled" },
  { name: "plan_id", types: ["text", "relation"], holds: "the plan's record id" },
  { name: "plan_name", types: ["text", "select"], holds: "the plan's name" },
  { name: "plan_tier", types: ["text", "select"], holds: "starter | pro | business" },
  { name: "plan_allowed_templates", types: ["json"], holds: 'a JSON array of template ids, e.g. ["openclaw"]' },
  { name: "plan_models", types: ["json"], holds: "a JSON array of AI Router model names" },
  { name: "plan_limits", types: ["json"], holds: "a JSON object: template id -> { cpus, memoryMb, pids }" },
  { name: "template", types: ["text", "select"], holds: "the template id, e.g. llm-stack" },
  { name: "template_version", types: ["text"], holds: "a version such as 1.0.0, or empty for the latest" },
  { name: "custom_domain", types: ["text"], holds: "a host name, or empty" },
  { name: "custom_domain_verified", types: ["bool"], holds: "true once the Admin Portal verified the custom domain" },
  { name: "custom_domain_verified_host", types: ["text"], holds: "the host the Admin Portal verified; the custom domain is attached only while it is that host" },
  { name: "owner_email", types: ["email", "text"], holds: "the owner's e-mail, or empty" },
  { name: "cancelled_at", types: ["date", "autodate", "text"], holds: "when the tenant was cancelled, or empty" },
  { name: "settings", types: ["json"], holds: "a JSON object of template settings" },
  { name: "telegram_allow_from", types: ["json"], holds: "a JSON array of Telegram user ids" },
  { name: "telegram_bot_token", types: ["text"], secret: true, holds: "the tenant's Telegram bot token" },
  { name: "ai_router_key", types: ["text"], secret: true, holds: "the tenant's own AI Router key" },
];

/** Columns the loader reads when the view has them and does without otherwise: `rollout_ring` (config rollout's canary ring). */
export const OPTIONAL_VIEW_FIELDS: readonly string[] = ["rollout_ring"];

/** The names of the secret columns. */
export const SECRET_VIEW_FIELDS = TENANT_VIEW_FIELDS.filter((field) => field.secret === true).map((field) => field.name);

/** How to get a column of the right type out of PocketBase's view typing. */
export function typeFix(spec: ViewFieldSpec, actual: string): string {
  const wanted = spec.types[0];
  if (actual === "json" && wanted === "text") return `select a text column as is, or wrap the expression in CAST(... AS TEXT) AS ${spec.name}`;
  if (actual === "json" && wanted === "bool") return `select a bool column as is, or wrap the expression in CAST(... AS BOOLEAN) AS ${spec.name}`;
  if (wanted === "json") return `select a json column of your collections as ${spec.name} (or any expression, which PocketBase types as json)`;
  return `select a ${spec.types.join(" or ")} column as ${spec.name}`;
}
