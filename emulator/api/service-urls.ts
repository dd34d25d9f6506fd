import { fail } from "./http";
import type { ServiceRecord, SubResourceRecord } from "../model/records";
import type { EmulatorStore } from "../model/store";
import { isObject } from "./validation";

export interface UrlItem {
  name: string;
  url: string | null;
}

interface Conflict {
  domain: string;
  resource_name: string;
  resource_uuid: string | null;
  resource_type: "application" | "service" | "instance";
  message: string;
}

const FORBIDDEN = /[`$;&|<>()\\\n\r]/;

/** The `urls` item shape check done by the validator (notes §7.1 step 2). */
export function urlItemErrors(urls: unknown): Record<string, string[]> {
  if (urls === undefined || urls === null) return {};
  if (!Array.isArray(urls)) return { urls: ["The urls field must be an array."] };
  const errors: Record<string, string[]> = {};
  urls.forEach((item, i) => {
    if (!isObject(item)) {
      errors[`urls.${i}`] = ["The urls." + i + " field must be an array."];
      return;
    }
    if (Object.keys(item).some((k) => k !== "name" && k !== "url")) {
      errors.urls = ["An item in the urls array has invalid fields. Only name and url fields are supported."];
    }
    if (typeof item.name !== "string") errors[`urls.${i}.name`] = [`The urls.${i}.name field is required.`];
    if (item.url !== undefined && item.url !== null && typeof item.url !== "string") {
      errors[`urls.${i}.url`] = [`The urls.${i}.url field must be a string.`];
    }
  });
  return errors;
}

/** http(s) scheme and host, no shell metacharacters; scheme and host lowercased, path kept (notes §7.7). */
export function normaliseUrl(raw: string): string | null {
  if (FORBIDDEN.test(raw)) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return null;
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) return null;
  const afterHost = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "");
  const port = parsed.port ? `:${parsed.port}` : "";
  return `${parsed.protocol}//${parsed.hostname.toLowerCase()}${port}${afterHost}`;
}

function comparable(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

/** checkIfDomainIsAlreadyUsedViaAPI: whole-URL equality minus one trailing slash, team scope (notes §7.7). */
export function findConflicts(store: EmulatorStore, teamId: number, self: SubResourceRecord, urls: string[]): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const url of urls) {
    const wanted = comparable(url);
    for (const service of store.findServices({ team: teamId })) {
      for (const app of service.applications) {
        if (app === self || !app.fqdn) continue;
        if (app.fqdn.split(",").some((u) => comparable(u.trim()) === wanted)) {
          conflicts.push({
            domain: url, resource_name: service.name, resource_uuid: service.uuid, resource_type: "service",
            message: `Domain ${url} is already in use by service '${service.name}'`,
          });
        }
      }
    }
    if (store.instanceFqdn && comparable(store.instanceFqdn) === wanted) {
      conflicts.push({
        domain: url, resource_name: "Coolify Instance", resource_uuid: null, resource_type: "instance",
        message: `Domain ${url} is already in use by this Coolify instance`,
      });
    }
  }
  return conflicts;
}

export function conflictResponse(conflicts: Conflict[]): never {
  return fail(409, {
    message: "Domain conflicts detected. Use force_domain_override=true to proceed.",
    conflicts,
    warning: "Using the same domain for multiple resources can cause routing conflicts and unpredictable behavior.",
  });
}

/**
 * Applies `urls` from POST/PATCH /services (notes §7.7). Errors: 422 with a plain list; conflicts: 409. Not atomic:
 * containers before a conflicting one keep their new fqdn. `onFailure` runs before the error goes out (soft delete on create).
 */
export function applyServiceUrls(
  store: EmulatorStore, service: ServiceRecord, items: UrlItem[], force: boolean, onFailure: () => void,
): void {
  const errors: string[] = [];
  const planned: Array<{ app: SubResourceRecord; urls: string[] }> = [];
  for (const item of items) {
    const app = service.applications.find((a) => a.name === item.name);
    if (!app) {
      errors.push(`Service container with '${item.name}' not found.`);
      continue;
    }
    const raw = (item.url ?? "").split(",").map((u) => u.trim()).filter((u) => u !== "");
    const urls: string[] = [];
    for (const u of raw) {
      const normalised = normaliseUrl(u);
      if (normalised === null) errors.push(`Invalid URL: ${u}`);
      else urls.push(normalised);
    }
    planned.push({ app, urls });
  }
  if (errors.length === 0 && !force) {
    const seen = new Map<string, string>();
    for (const { app, urls } of planned) {
      for (const url of urls) {
        const owner = seen.get(comparable(url));
        if (owner !== undefined && owner !== app.name) {
          errors.push(`The domain ${url} is used by more than one container ('${owner}' and '${app.name}').`);
        }
        seen.set(comparable(url), app.name);
      }
    }
  }
  if (errors.length > 0) {
    onFailure();
    fail(422, { message: "Validation failed.", errors });
  }
  for (const { app, urls } of planned) {
    const conflicts = force ? [] : findConflicts(store, service.teamId, app, urls);
    if (conflicts.length > 0) {
      onFailure();
      conflictResponse(conflicts);
    }
    app.fqdn = urls.length > 0 ? urls.join(",") : null;
    app.updatedAt = store.now();
  }
}
