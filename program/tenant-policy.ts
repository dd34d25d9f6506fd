// What else one tenant record may not do to the fleet or the platform. Pure. Fleet-wide: no two tenants
// share a Telegram bot token (two pollers steal each other's updates) or an AI Router key (the router
// meters and revokes per key). Per tenant: a draft template version only where config allowDraftTemplates
// is true (the dev stack), and an AI Router key of its own unless config sharedRouterKeyFallback is true.
// No message ever shows a token or key, or names another tenant (a refusal lands in the tenant's own record).
import { isRouterKey } from "../lib/templates/inputs";
import type { TemplateVersion } from "../templates";
import type { Tenant } from "../lib/tenants/tenant";
import { sharedBy, TenantRefusal } from "./refusal";

export interface TenantPolicyOptions {
  /** Tenants without their own key get the platform's `aiRouterKey`. Default false. */
  sharedRouterKeyFallback?: boolean;
  /** Tenants may pin a draft template version. Default false; true only on dev stacks. */
  allowDraftTemplates?: boolean;
}

const SECRETS: Array<{ field: string; what: string; valueOf: (tenant: Tenant) => string | undefined; fix: string; tenantSet: boolean }> = [
  {
    field: "telegram_bot_token",
    what: "Telegram bot token",
    valueOf: (tenant) => tenant.secrets.telegramBotToken,
    fix: "use a bot of your own from @BotFather",
    tenantSet: true,
  },
  {
    field: "ai_router_key",
    what: "AI Router key",
    valueOf: (tenant) => tenant.routerKey,
    fix: "have Billing issue each tenant its own AI Router key",
    tenantSet: false,
  },
];

/**
 * Refusals for secrets that several of the given tenants share, never naming the value or another tenant (the
 * reason lands in the refused tenant's own record). A tenant-set secret (the bot token) stays with the one tenant
 * that already runs with it (`applied`: each tenant's secrets as its last run applied them, by id), so typing
 * another tenant's token refuses only the one who typed it; without such an incumbent every holder is refused.
 * A Billing-issued key refuses every holder: the platform made the mistake.
 */
export function sharedSecretRefusals(tenants: Tenant[], applied: Map<string, Record<string, string>> = new Map()): TenantRefusal[] {
  const refusals: TenantRefusal[] = [];
  for (const secret of SECRETS) {
    for (const group of sharedBy(tenants, secret.valueOf)) {
      const runsWithIt = secret.tenantSet ? group.filter((t) => applied.get(t.id)?.[secretKey(secret.field)] === secret.valueOf(t)) : [];
      const incumbent = runsWithIt.length === 1 ? runsWithIt[0] : undefined;
      for (const tenant of group) {
        if (tenant === incumbent) continue;
        const problem = incumbent
          ? `its ${secret.what} is already in use by another tenant (value not shown)`
          : `its ${secret.what} is also used by ${group.length - 1 === 1 ? "another tenant" : `${group.length - 1} other tenants`} (value not shown)`;
        refusals.push(new TenantRefusal(tenant, secret.field, problem, secret.fix));
      }
    }
  }
  return refusals;
}

/** The key of a record field in a tenant's secrets. */
function secretKey(field: string): string {
  return field === "telegram_bot_token" ? "telegramBotToken" : field;
}

/** A draft template version is refused unless drafts are allowed. */
export function draftRefusals(tenant: Tenant, version: TemplateVersion, options: TenantPolicyOptions): TenantRefusal[] {
  if (version.manifest.status !== "draft" || options.allowDraftTemplates === true) return [];
  const ref = `${version.manifest.id}@${version.manifest.version}`;
  return [new TenantRefusal(tenant, "template_version", `${ref} is a draft; drafts run only where config allowDraftTemplates is true (dev stacks)`, "clear template_version (the latest release) or pick a released version")];
}

/**
 * The tenant's AI Router key: refused when it is missing (unless the shared fallback is on) or malformed.
 * `usesKey`: whether the rendered stack takes a router key at all.
 */
export function routerKeyRefusals(tenant: Tenant, usesKey: boolean, options: TenantPolicyOptions): TenantRefusal[] {
  if (!usesKey) return [];
  if (tenant.routerKey === undefined) {
    if (options.sharedRouterKeyFallback === true) return [];
    return [new TenantRefusal(tenant, "ai_router_key", "the tenant has no AI Router key of its own, and config sharedRouterKeyFallback is off", "have Billing issue the tenant's key (PocketBase field ai_router_key), or, for a transition, pulumi config set sharedRouterKeyFallback true")];
  }
  if (!isRouterKey(tenant.routerKey)) {
    return [new TenantRefusal(tenant, "ai_router_key", "the tenant's AI Router key is not 8-512 printable characters without spaces (value not shown)", "have Billing issue the tenant's key again")];
  }
  return [];
}
