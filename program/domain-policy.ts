// Which host names a tenant's web container may answer on. Pure, applied to every tenant before anything
// is declared. A tenant answers on its own `<slug>.<baseDomain>`, plus its custom domain once the Admin
// Portal has verified that very host (`custom_domain_verified` and `custom_domain_verified_host`); an unverified
// one is left off, refuses nobody, and the write-back record says why. Every value is normalised first (lower
// case, punycode, no trailing dot, no port), and only the normalised host is ever attached.
//
// Refused, naming tenant, field and reason: a platform host (coolifyUrl, pocketbaseUrl, aiRouterUrl, the base
// domain apex, config reservedHosts), as a custom domain or as `<slug>.<baseDomain>`; any other custom domain under
// the base domain; a wildcard; a host still routed to another tenant (the URLs on its write-back record, held or
// not, count as that tenant's by PocketBase id); a custom domain verified by two tenants at once. What a tenant can
// read (its record's status_reason) never names another tenant. Coolify's own check compares whole URLs, port
// included, within one team only (coolify-api.md §7.7), and Traefik routes by host alone: so the policy compares
// normalised hosts.
import { ConfigError } from "../lib/config";
import { isHostName, normaliseHost } from "../lib/hosts";
import type { Provisioning } from "../lib/tenants/provisioning";
import type { Tenant } from "../lib/tenants/tenant";
import { quote, sharedBy, TenantRefusal } from "./refusal";

export interface DomainPlatform {
  baseDomain: string;
  coolifyUrl: string;
  pocketbaseUrl: string;
  aiRouterUrl: string;
  /** Further hosts no tenant may take; `*.zone` reserves the zone and every host under it. */
  reservedHosts?: string[];
}

export interface DomainDecision {
  /** The custom domain to attach, normalised; absent when there is none or it is left off. */
  customHost?: string;
  /** Why the custom domain is left off, for the write-back record. */
  leftOff?: string;
}

export interface DomainPolicyResult {
  /** By tenant id, for each tenant that takes hosts and was not refused. */
  decisions: Map<string, DomainDecision>;
  refusals: TenantRefusal[];
}

interface Reserved {
  host: string;
  /** true: the host and every host under it. */
  zone: boolean;
  what: string;
}

const FIELD = "custom_domain";

/** The hosts no tenant may take. Throws ConfigError for an unusable `reservedHosts` entry. */
export function reservedHostsOf(platform: DomainPlatform): Reserved[] {
  const urlHost = (url: string) => normaliseHost(new URL(url).hostname.replace(/^\[|\]$/g, "")) ?? new URL(url).hostname;
  const reserved: Reserved[] = [
    { host: urlHost(platform.coolifyUrl), zone: false, what: "the Coolify dashboard, config coolifyUrl" },
    { host: urlHost(platform.pocketbaseUrl), zone: false, what: "PocketBase, config pocketbaseUrl" },
    { host: urlHost(platform.aiRouterUrl), zone: false, what: "the AI Router, config aiRouterUrl" },
    { host: baseOf(platform), zone: false, what: "the apex of the base domain, config baseDomain" },
  ];
  const problems: string[] = [];
  for (const entry of platform.reservedHosts ?? []) {
    const zone = entry.startsWith("*.");
    const host = normaliseHost(zone ? entry.slice(2) : entry);
    if (host === null || !isHostName(host)) problems.push(`reservedHosts entry ${quote(entry)} is not a host name or *.zone: pulumi config set reservedHosts 'status.example.com,*.example.com'`);
    else reserved.push({ host, zone, what: `config reservedHosts ${quote(entry)}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return reserved;
}

/** Hosts still routed to each tenant, by tenant id: the URLs on its write-back record (what was last applied, held or not). */
export function routedHosts(records: Map<string, Provisioning>): Map<string, string[]> {
  const routed = new Map<string, string[]>();
  for (const [tenantId, record] of records) {
    const hosts = Object.values(record.urls).map(hostOfUrl).filter((host): host is string => host !== null);
    if (hosts.length > 0) routed.set(tenantId, hosts);
  }
  return routed;
}

/**
 * Decides every tenant's hosts. `tenants` are the tenants to deploy; only those for which `takesHosts` is true
 * (their template has a web container) have hosts judged. `routed`: hosts still routed to each tenant, by tenant
 * id (`routedHosts`), including tenants not deployed in this run.
 */
export function applyDomainPolicy(tenants: Tenant[], platform: DomainPlatform, takesHosts: (tenant: Tenant) => boolean, routed: Map<string, string[]> = new Map()): DomainPolicyResult {
  const reserved = reservedHostsOf(platform);
  const base = baseOf(platform);
  const routedTo = new Map<string, Set<string>>();
  for (const [tenantId, hosts] of routed) for (const host of hosts) routedTo.set(host, (routedTo.get(host) ?? new Set()).add(tenantId));
  const routedElsewhere = (host: string, tenant: Tenant) => [...(routedTo.get(host) ?? [])].some((id) => id !== tenant.id);
  const decisions = new Map<string, DomainDecision>();
  const refusals: TenantRefusal[] = [];
  const claims: Array<{ tenant: Tenant; host: string }> = [];

  for (const tenant of tenants.filter(takesHosts)) {
    const refuse = (field: string, problem: string, fix: string) => refusals.push(new TenantRefusal(tenant, field, problem, fix));
    const own = `${tenant.slug}.${base}`;
    const ownReserved = reservedFor(own, reserved, base);
    if (ownReserved) {
      refuse("slug", `its host ${quote(own)} is reserved for the platform (${ownReserved.what})`, "choose another slug; a tenant can never take a platform host");
      continue;
    }
    if (routedElsewhere(own, tenant)) {
      refuse("slug", `its host ${quote(own)} still routes to another tenant's service`, "wait until that tenant's rename or teardown is applied (the host is free then), or choose another slug");
      continue;
    }
    const raw = tenant.customDomain;
    if (raw === undefined || raw === "") {
      decisions.set(tenant.id, {});
      continue;
    }
    const host = normaliseHost(raw);
    if (raw.includes("*")) {
      refuse(FIELD, `custom domain ${quote(raw)} is a wildcard; a tenant gets single host names only`, "set custom_domain to one host name such as agents.example.com, or clear it");
    } else if (host === null || !isHostName(host)) {
      refuse(FIELD, `custom domain ${quote(raw)} is not a host name`, "set a host name such as agents.example.com (no scheme, IP address, path or wildcard), or clear it");
    } else if (host === own) {
      decisions.set(tenant.id, {});
    } else {
      const platformHost = reservedFor(host, reserved);
      if (platformHost) {
        refuse(FIELD, `custom domain ${quote(host)} is reserved for the platform (${platformHost.what})`, "clear custom_domain; a tenant can never take a platform host");
      } else if (host.endsWith(`.${base}`)) {
        refuse(FIELD, `custom domain ${quote(host)} is under the platform's base domain ${quote(base)}, where only ${quote(own)} belongs to this tenant`, `clear custom_domain (the tenant already answers on ${own}), or set a domain it owns outside ${base}`);
      } else if (!isVerified(tenant, host)) {
        const leftOff = `custom domain ${host} is left off until the Admin Portal has verified this host (custom_domain_verified, custom_domain_verified_host); the tenant answers on its own host meanwhile`;
        decisions.set(tenant.id, { leftOff });
      } else if (routedElsewhere(host, tenant)) {
        refuse(FIELD, `custom domain ${quote(host)} still routes to another tenant's service`, "clear custom_domain, or wait until the other tenant's stack no longer uses it");
      } else {
        claims.push({ tenant, host });
      }
    }
  }

  // Only verified claims get here; a conflict among them refuses each claimant, none named to the others.
  const contested = new Set(sharedBy(claims, (claim) => claim.host).flat());
  for (const claim of claims) {
    if (contested.has(claim)) {
      refusals.push(new TenantRefusal(claim.tenant, FIELD, `custom domain ${quote(claim.host)} is verified for another tenant as well`, "the Admin Portal must keep a domain verified on one tenant only: clear custom_domain on every tenant but its owner"));
    } else {
      decisions.set(claim.tenant.id, { customHost: claim.host });
    }
  }
  return { decisions, refusals };
}

/**
 * The reservation `host` falls under. With `tenantBase`, `host` is a tenant's `<slug>.<baseDomain>`: a zone that
 * encloses the base domain (`*.example.com` around `agents.example.com`) does not reserve the tenants' own hosts.
 */
function reservedFor(host: string, reserved: Reserved[], tenantBase?: string): Reserved | undefined {
  const encloses = (zone: string, name: string) => name === zone || name.endsWith(`.${zone}`);
  return reserved.find((r) => r.host === host || (r.zone && encloses(r.host, host) && !(tenantBase !== undefined && encloses(r.host, tenantBase))));
}

/** The Admin Portal verified exactly this host: the flag, and the recorded host equal to the domain attached. */
function isVerified(tenant: Tenant, host: string): boolean {
  const verifiedHost = tenant.customDomainVerifiedHost;
  return tenant.customDomainVerified && verifiedHost !== undefined && normaliseHost(verifiedHost) === host;
}

function hostOfUrl(url: string): string | null {
  try {
    return normaliseHost(new URL(url).hostname);
  } catch {
    return null;
  }
}

function baseOf(platform: DomainPlatform): string {
  return normaliseHost(platform.baseDomain) ?? platform.baseDomain;
}
