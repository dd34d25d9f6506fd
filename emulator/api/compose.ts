import { dump, load } from "js-yaml";
import { fail } from "./http";
import type { ComposeService, ComposeVolume, ParsedCompose } from "../model/parsed-compose";
import { isObject, type JsonObject } from "./validation";

export type { ComposeService, ComposeVolume, ParsedCompose };

const SHELL_META = /[`$;&|<>()\\\n\r'"]/;

/** notes §7.1 step 6: canonical padded base64 of UTF-8 text, else 422 with a string (shape b). */
export function decodeComposeRaw(encoded: string): string {
  const bytes = Buffer.from(encoded, "base64");
  const invalid = (): never =>
    fail(422, { message: "Validation failed.", errors: { docker_compose_raw: "The docker_compose_raw should be base64 encoded." } });
  if (bytes.toString("base64") !== encoded) return invalid();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return invalid();
  }
}

function composeError(text: string): never {
  return fail(422, { message: "Validation failed.", errors: { docker_compose_raw: text } });
}

// Database images by basename, with Coolify's known exceptions (notes §7).
const DATABASE_IMAGES = [
  "postgres", "postgresql", "postgis", "pgvector", "timescaledb", "mysql", "mariadb", "mongo", "mongodb", "redis",
  "redis-stack", "keydb", "dragonfly", "memcached", "couchdb", "neo4j", "influxdb", "clickhouse", "clickhouse-server",
];
const APPLICATION_EXCEPTIONS = ["supertokens", "metabase", "umami", "appsmith", "zitadel", "plausible-analytics"];

export function classifyImage(image: string): "application" | "database" {
  const withoutTag = image.toLowerCase().split("@")[0].replace(/:[^/]*$/, "");
  const segments = withoutTag.split("/");
  const base = segments[segments.length - 1];
  if (APPLICATION_EXCEPTIONS.some((name) => withoutTag.includes(name))) return "application";
  const isDatabase = DATABASE_IMAGES.some((name) => base === name || base.startsWith(`${name}-`) || base.endsWith(`-${name}`));
  return isDatabase || withoutTag.includes("supabase/postgres") ? "database" : "application";
}

function environmentEntries(raw: unknown): Array<{ key: string; value: string | null }> {
  if (Array.isArray(raw)) {
    return raw.filter((item): item is string => typeof item === "string").map((item) => {
      const eq = item.indexOf("=");
      return eq < 0 ? { key: item, value: null } : { key: item.slice(0, eq), value: item.slice(eq + 1) };
    });
  }
  if (isObject(raw)) {
    return Object.entries(raw).map(([key, value]) => ({ key, value: value === null || value === undefined ? null : String(value) }));
  }
  return [];
}

function collectReferences(node: unknown, out: string[]): void {
  if (typeof node === "string") {
    for (const match of node.matchAll(/\$\{([^}]+)\}/g)) out.push(match[1]);
  } else if (Array.isArray(node)) {
    node.forEach((item) => collectReferences(item, out));
  } else if (isObject(node)) {
    Object.entries(node).forEach(([key, value]) => {
      collectReferences(key, out);
      collectReferences(value, out);
    });
  }
}

function parseVolume(entry: unknown, service: string): ComposeVolume | null {
  let source: string | undefined;
  let target: string | undefined;
  if (typeof entry === "string") {
    [source, target] = entry.split(":");
  } else if (isObject(entry)) {
    // `content` and `is_directory` are Coolify-only keys; they never reach the stored compose (notes §9).
    delete entry.content;
    delete entry.is_directory;
    source = typeof entry.source === "string" ? entry.source : undefined;
    target = typeof entry.target === "string" ? entry.target : undefined;
  }
  if (source === undefined || target === undefined) return null;
  if (SHELL_META.test(source) || SHELL_META.test(target)) {
    composeError(`Invalid volume definition in service "${service}": shell metacharacters are not allowed.`);
  }
  const kind = /^[./~]/.test(source) ? "bind" : "named";
  return { source, target, kind };
}

/** YAML that does not parse is uncaught in Coolify → 500 (notes §7.1 step 6, §11.10). */
export function parseCompose(yamlText: string): ParsedCompose {
  let document: unknown;
  try {
    document = load(yamlText);
  } catch {
    return fail(500, { message: "Server Error" });
  }
  // Coolify checks `isset($yaml['services']) && is_array(...)`: an empty map passes (`services: {}`), a missing or null one does not.
  if (!isObject(document) || !isObject(document.services)) {
    return composeError('Docker Compose file must contain a "services" section');
  }
  const services: ComposeService[] = [];
  for (const [name, definition] of Object.entries(document.services)) {
    if (SHELL_META.test(name) || /\s/.test(name)) {
      composeError(`Invalid service name "${name}": shell metacharacters are not allowed.`);
    }
    const service = isObject(definition) ? definition : {};
    const image = typeof service.image === "string" ? service.image : "";
    const references: string[] = [];
    collectReferences(service, references);
    const volumes = Array.isArray(service.volumes) ? service.volumes : [];
    services.push({
      name,
      image,
      kind: classifyImage(image),
      environment: environmentEntries(service.environment),
      references,
      excludeFromStatus: service.restart === "no" || service.exclude_from_hc === true,
      volumes: volumes.map((v) => parseVolume(v, name)).filter((v): v is ComposeVolume => v !== null),
    });
  }
  return { document, services };
}

/** The stored `docker_compose_raw`: a YAML dump of the parsed document, so comments are gone (notes §7.1). */
export function serialiseCompose(parsed: ParsedCompose): string {
  return dump(parsed.document);
}

/** A cheap stand-in for Coolify's rendered compose (notes §9 rewrites). */
export function renderCompose(parsed: ParsedCompose, serviceUuid: string): string {
  const rendered = structuredClone(parsed.document);
  const services = rendered.services as JsonObject;
  for (const [name, definition] of Object.entries(services)) {
    const service = isObject(definition) ? definition : {};
    service.container_name = `${name}-${serviceUuid}`;
    service.restart ??= "unless-stopped";
    service.env_file = [".env"];
    if (Array.isArray(service.volumes)) {
      service.volumes = service.volumes.map((v) =>
        typeof v === "string" && !/^[./~]/.test(v) ? `${serviceUuid}_${v}` : v,
      );
    }
    services[name] = service;
  }
  rendered.networks = { [serviceUuid]: { name: serviceUuid, external: true } };
  return dump(rendered);
}
