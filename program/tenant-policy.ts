// What else one tenant record may not do to the fleet or the platform. Pure. Fleet-wide: no two tenants
// share a Telegram bot token (two pollers steal each other's updates) or an AI Router key (the router
// meters and revokes per key). Per tenant: a draft template version only where config allowDraftTemplates
// is true (the dev stack), and an AI Router key of its own unless config sharedRouterKeyFallback is true.
// No message ever shows a token or key.
import { isRouterKey } from "../lib/templates/inputs";
import type { TemplateVersion } from "../templates";
import type { Tenant } from "../lib/tenants/tenant";
import { sharedBy, tenantList, TenantRefusal } from "./refusal";

export interface TenantPolicyOptions {
  /** Tenants without their own key get the platform's `aiRouterKey`. Default false. */
  sharedRouterKeyFallback?: boolean;
  /** Tenants may pin a draft template version. Default false; true only on dev stacks. */
  allowDraftTemplates?: boolean;
}

const SECRETS: Array<{ field: string; what: string; valueOf: (tenant: Tenant) => string | undefined; fix: string }> = [
  {
    field: "telegram_bot_token",
    what: "Telegram bot token",
    valueOf: (tenant) => tenant.secrets.telegramBotToken,
    fix: "give each tenant its own bot from @BotFather; clear the token on the tenant that does not own the bot",
  },
  {
    field: "ai_router_key",
    what: "AI Router key",
    valueOf: (tenant) => tenant.routerKey,
    fix: "have Billing issue each tenant its own AI Router key",
  },
];

/** Refusals for secrets that several of the given tenants share; each names the others, never the value. */
export function sharedSecretRefusals(tenants: Tenant[]): TenantRefusal[] {
  const refusals: TenantRefusal[] = [];
  for (const secret of SECRETS) {
    for (const group of sharedBy(tenants, secret.valueOf)) {
      for (const tenant of group) {
        const others = group.filter((t) => t !== tenant);
        refusals.push(new TenantRefusal(tenant, secret.field, `its ${secret.what} is also used by ${tenantList(others)} (value not shown)`, secret.fix));
      }
    }
  }
  return refusals;
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
