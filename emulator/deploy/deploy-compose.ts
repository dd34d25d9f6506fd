// The docker-compose.yml Coolify 4.3 deploys for a service: serviceParser's environment handling
// (bootstrap/helpers/parsers.php, services.php), its injected variables, labels, names and env_file (notes §9).
import { dump } from "js-yaml";
import { phpTrim, serviceNameKey } from "./env-file";
import { generateMagicValue } from "../model/magic-vars";
import { withProxyLabels } from "./proxy-labels";
import type { EnvVarRecord, ServiceRecord, SubResourceRecord } from "../model/records";
import { isObject, type JsonObject } from "../model/json";

export const COOLIFY_VERSION = "4.3.11";

/** Names Coolify puts into the coolify.* labels. */
export interface DeployNames {
  projectName: string;
  environmentName: string;
}

/** A row parse() creates while rendering (firstOrCreate / updateOrCreate), written into the `.env` too. */
export type DerivedRow = Pick<EnvVarRecord, "key" | "value" | "isLiteral" | "isMultiline">;

export interface DeployFiles {
  composeYaml: string;
  /** Rows parse() would create, in creation order; the emulator does not store them as API rows. */
  derivedRows: DerivedRow[];
}

/** services.php extractBalancedBraceContent: the first `{…}` from startPos, braces balanced. */
export function extractBalancedBraceContent(text: string, startPos = 0): { content: string; start: number; end: number } | null {
  const open = text.indexOf("{", startPos);
  if (startPos >= text.length || open < 0) return null;
  let depth = 1;
  let pos = open + 1;
  while (pos < text.length && depth > 0) {
    if (text[pos] === "{") depth++;
    else if (text[pos] === "}") depth--;
    pos++;
  }
  if (depth !== 0) return null;
  return { content: text.slice(open + 1, pos - 1), start: open, end: pos - 1 };
}

/** services.php splitOnOperatorOutsideNested. */
export function splitOnOperatorOutsideNested(content: string): { variable: string; operator: string; default: string } | null {
  let depth = 0;
  for (let i = 0; i < content.length; i++) {
    if (content[i] === "{") depth++;
    else if (content[i] === "}") depth--;
    else if (depth === 0) {
      for (const op of [":-", "-", ":?", "?"]) {
        if (content.startsWith(op, i)) return { variable: content.slice(0, i), operator: op, default: content.slice(i + op.length) };
      }
    }
  }
  return null;
}

/** services.php replaceVariables, the branches a value starting with `$` can take. */
function replaceVariables(value: string): string {
  if (value.startsWith("${")) {
    const result = extractBalancedBraceContent(value, 0);
    if (result) return result.content;
    const beforeBrace = value.includes("}") ? value.slice(0, value.indexOf("}")) : value;
    return beforeBrace.replace("$", "").replace("{", "");
  }
  return value.startsWith("$") ? value.replace("$", "") : value;
}

/** shared.php convertToKeyValueCollection: list entries split at the first `=`, a bare key gets "". */
function keyValues(environment: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(environment)) {
    for (const item of environment) {
      if (typeof item !== "string") continue;
      const eq = item.indexOf("=");
      const key = eq < 0 ? item : item.slice(0, eq);
      if (key) map.set(key, eq < 0 ? "" : item.slice(eq + 1));
    }
  } else if (isObject(environment)) {
    for (const [key, value] of Object.entries(environment)) map.set(key, value);
  }
  return map;
}

function hostWithoutPort(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function urlWithoutPort(url: string): string {
  try {
    const parsed = new URL(url);
    const path = parsed.pathname === "/" ? "" : parsed.pathname;
    return `${parsed.protocol}//${parsed.hostname}${path}`;
  } catch {
    return url;
  }
}

interface RowLookup {
  find(key: string): DerivedRow | undefined;
  /** firstOrCreate: an existing row wins; otherwise a new one with this value is recorded. */
  firstOrCreate(key: string, value: string | null): DerivedRow;
  updateOrCreate(key: string, value: string): void;
}

function rowLookup(rows: EnvVarRecord[], derived: DerivedRow[]): RowLookup {
  const find = (key: string) => derived.find((r) => r.key === key) ?? rows.find((r) => r.key === key);
  return {
    find,
    firstOrCreate(key, value) {
      const existing = find(key);
      if (existing) return existing;
      // Coolify stores values trimmed and reads them back trimmed (EnvironmentVariable value accessor).
      const row = { key, value: value === null ? null : phpTrim(value), isLiteral: false, isMultiline: false };
      derived.push(row);
      return row;
    },
    updateOrCreate(key, value) {
      const existing = derived.find((r) => r.key === key);
      if (existing) existing.value = value;
      else if (!rows.some((r) => r.key === key && r.value === value)) derived.push({ key, value, isLiteral: false, isMultiline: false });
    },
  };
}

/**
 * serviceParser's pass over the normal (non-magic) variables: a value starting with `$` makes Coolify create the
 * referenced row and copy its stored value into the container's environment under the referenced name; a value
 * naming a SERVICE_* variable becomes a row of its own. Values not starting with `$` are left for compose.
 */
function inlineReferences(environment: Map<string, unknown>, rows: RowLookup): void {
  for (const [key, raw] of [...environment]) {
    if (key.startsWith("SERVICE_") || typeof raw !== "string" || raw.startsWith("SERVICE_")) continue;
    const parsed = replaceVariables(raw);
    if (parsed.startsWith("SERVICE_")) {
      rows.updateOrCreate(key, raw);
      continue;
    }
    if (!raw.startsWith("$")) continue;
    if (key === parsed) {
      rows.firstOrCreate(key, null);
      continue;
    }
    const braced = extractBalancedBraceContent(raw, 0);
    if (!braced) continue; // Coolify's legacy fallback for malformed input is not modelled.
    const split = splitOnOperatorOutsideNested(braced.content);
    const name = split ? split.variable : braced.content;
    environment.set(name, rows.firstOrCreate(name, split ? split.default : null).value);
  }
}

// parsers.php serviceParser: every `$NAME` / `${NAME}` in a value that names a SERVICE_* variable makes Coolify
// generate it (once), whatever else the value says; the PHP pattern works on bytes, so any non-ASCII counts as a
// name character.
const MAGIC_IN_VALUE = /\$\{?([a-zA-Z_\u0080-\uffff][a-zA-Z0-9_\u0080-\uffff]*)\}?/g;

function generateMagicInValues(environment: Map<string, unknown>, rows: RowLookup): void {
  for (const value of environment.values()) {
    if (typeof value !== "string") continue;
    for (const match of value.matchAll(MAGIC_IN_VALUE)) {
      const name = match[1];
      if (name.startsWith("SERVICE_") && !/^SERVICE_(URL|FQDN)_/.test(name) && !rows.find(name)) rows.firstOrCreate(name, generateMagicValue(name));
    }
  }
}

/** Laravel's Str::slug (language "en"): ASCII, lower case, `_` as `-`, `@` as `-at-`, other marks dropped. */
export function strSlug(title: string): string {
  const ascii = title.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const dashed = ascii.replace(/_+/g, "-").replace(/@/g, "-at-");
  const kept = dashed.toLowerCase().replace(/[^-\p{L}\p{N}\s]+/gu, "");
  return kept.replace(/[-\s]+/gu, "-").replace(/^-+|-+$/g, "");
}

/** docker.php defaultLabels(type: service): every name through Str::slug. */
function defaultLabels(service: ServiceRecord, sub: SubResourceRecord, containerName: string, names: DeployNames): string[] {
  const subName = sub.humanName ?? sub.name;
  return [
    "coolify.managed=true",
    `coolify.version=${COOLIFY_VERSION}`,
    `coolify.serviceId=${service.id}`,
    "coolify.type=service",
    `coolify.name=${strSlug(containerName)}`,
    `coolify.resourceName=${strSlug(service.name)}`,
    `coolify.projectName=${strSlug(names.projectName)}`,
    `coolify.serviceName=${strSlug(subName)}`,
    `coolify.environmentName=${strSlug(names.environmentName)}`,
    "coolify.pullRequestId=0",
    `coolify.service.subId=${sub.id}`,
    `coolify.service.subType=${sub.kind}`,
    `coolify.service.subName=${strSlug(subName)}`,
  ];
}

function labelList(labels: unknown): string[] {
  if (Array.isArray(labels)) return labels.map(String);
  if (isObject(labels)) return Object.entries(labels).map(([key, value]) => `${key}=${value}`);
  return [];
}

function renameVolume(entry: unknown, uuid: string): unknown {
  if (typeof entry === "string" && !/^[./~]/.test(entry)) return `${uuid}_${entry}`;
  if (isObject(entry) && typeof entry.source === "string" && entry.type !== "bind" && !/^[./~]/.test(entry.source)) {
    return { ...entry, source: `${uuid}_${entry.source}` };
  }
  return entry;
}

/**
 * The compose Coolify writes on a start, from the stored compose and the service's rows: per container the
 * environment as serviceParser leaves it (references inlined, COOLIFY_* and SERVICE_NAME_* injected, an empty
 * value replaced by a stored non-empty row of the same key), `env_file: .env`, the forced container name and
 * restart policy, the coolify.* labels (every `$` doubled while label escaping is on), then for a container with
 * URLs `traefik.docker.network` and the Traefik and Caddy labels (proxy-labels.ts), the stack network and
 * `<uuid>_` volume names.
 */
export function coolifyDeployCompose(service: ServiceRecord, document: JsonObject, names: DeployNames): DeployFiles {
  const derived: DerivedRow[] = [];
  const rows = rowLookup(service.envs, derived);
  const services = isObject(document.services) ? document.services : {};
  const serviceNames = Object.keys(services);
  const out: JsonObject = {};
  for (const [name, definition] of Object.entries(services)) {
    const source = isObject(definition) ? structuredClone(definition) : {};
    const sub = [...service.applications, ...service.databases].find((r) => r.name === name);
    const containerName = `${name}-${service.uuid}`;
    const environment = keyValues(source.environment);
    generateMagicInValues(environment, rows);
    inlineReferences(environment, rows);
    for (const key of [...environment.keys()]) if (key.startsWith("SERVICE_FQDN_")) environment.delete(key);
    for (const [key, value] of environment) {
      let resolved = value;
      if (value === "") {
        const stored = rows.find(key);
        if (stored?.value) resolved = stored.value;
      }
      // resolveSharedEnvironmentVariables trims; no shared variables exist in the emulator.
      if (typeof resolved === "string" && resolved.includes("{{")) resolved = phpTrim(resolved);
      environment.set(key, resolved);
    }
    if (!service.envs.some((r) => r.key === "COOLIFY_RESOURCE_UUID")) environment.set("COOLIFY_RESOURCE_UUID", service.uuid);
    if (!service.envs.some((r) => r.key === "COOLIFY_CONTAINER_NAME")) environment.set("COOLIFY_CONTAINER_NAME", containerName);
    const fqdns = sub?.kind === "application" && sub.fqdn ? sub.fqdn.split(",").filter(Boolean) : [];
    if (fqdns.length > 0) {
      environment.set("COOLIFY_FQDN", fqdns.map(hostWithoutPort).join(","));
      environment.set("COOLIFY_URL", fqdns.map(urlWithoutPort).join(","));
    }
    for (const other of serviceNames) environment.set(serviceNameKey(other), other);

    let labels = [...labelList(source.labels), ...(sub ? defaultLabels(service, sub, containerName, names) : [])];
    if (service.isContainerLabelEscapeEnabled) labels = labels.map((label) => label.replace(/\$/g, "$$$$"));
    if (sub?.kind === "application" && fqdns.length > 0) {
      labels = withProxyLabels({
        uuid: service.uuid, serviceName: name, fqdns, image: typeof source.image === "string" ? source.image : sub.image,
        isForceHttpsEnabled: sub.isForceHttpsEnabled, isGzipEnabled: sub.isGzipEnabled, isStripprefixEnabled: sub.isStripprefixEnabled,
        noindexDomains: sub.noindexDomains, serviceLabels: labels,
      }, source.network_mode !== undefined);
    }
    delete source.exclude_from_hc;
    const envFiles = source.env_file === undefined ? [] : Array.isArray(source.env_file) ? source.env_file : [source.env_file];
    out[name] = {
      ...source,
      container_name: containerName,
      restart: typeof source.restart === "string" ? source.restart : "unless-stopped",
      labels,
      ...(source.network_mode === undefined ? { networks: [service.uuid] } : {}),
      ...(Array.isArray(source.volumes) ? { volumes: source.volumes.map((v) => renameVolume(v, service.uuid)) } : {}),
      environment: Object.fromEntries(environment),
      env_file: [...new Set([...envFiles, ".env"])],
    };
  }
  // Coolify declares every named volume a container mounts at top level, under its `<uuid>_` name.
  const named = new Set(isObject(document.volumes) ? Object.keys(document.volumes) : []);
  for (const definition of Object.values(services)) {
    const mounts = isObject(definition) && Array.isArray(definition.volumes) ? definition.volumes : [];
    for (const mount of mounts) {
      const source = typeof mount === "string" ? mount.split(":")[0] : isObject(mount) && mount.type !== "bind" ? mount.source : undefined;
      if (typeof source === "string" && source !== "" && !/^[./~]/.test(source) && (typeof mount !== "string" || mount.includes(":"))) named.add(source);
    }
  }
  const volumes = named.size > 0 ? Object.fromEntries([...named].map((v) => [`${service.uuid}_${v}`, { name: `${service.uuid}_${v}` }])) : undefined;
  const rendered: JsonObject = { services: out, ...(volumes ? { volumes } : {}), networks: { [service.uuid]: { name: service.uuid, external: true } } };
  return { composeYaml: dump(rendered, { lineWidth: -1, noRefs: true }), derivedRows: derived };
}
