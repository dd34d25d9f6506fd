import type { ComposeService, ParsedCompose } from "./parsed-compose";
import { newUuid, randomAlnum, randomHex, randomLowerAlnum, randomWithSymbols } from "./ids";
import type { EnvVarRecord, ServerRecord, ServiceRecord, SubResourceRecord } from "./records";
import type { EmulatorStore } from "./store";

export function normaliseName(name: string): string {
  return name.toUpperCase().replace(/[-.]/g, "_");
}

export function newEnvRow(store: EmulatorStore, service: ServiceRecord, key: string, value: string | null): EnvVarRecord {
  const at = store.now();
  const row: EnvVarRecord = {
    id: store.nextId(), uuid: newUuid(), key, value, isLiteral: false, isMultiline: false, isPreview: false,
    isRuntime: true, isBuildtime: true, isShownOnce: false, isRequired: false, isCoolify: false, comment: null,
    order: service.envs.length + 1, createdAt: at, updatedAt: at,
  };
  service.envs.push(row);
  return row;
}

function randomBase64(length: number): string {
  return Buffer.from(randomAlnum(length)).toString("base64").slice(0, length);
}

function fakeJwt(role: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "HS256", typ: "JWT" })}.${part({ role, iss: "supabase" })}.${randomAlnum(43)}`;
}

const GENERATORS: Record<string, () => string> = {
  PASSWORD: () => randomAlnum(32),
  PASSWORD_64: () => randomAlnum(64),
  PASSWORDWITHSYMBOLS: () => randomWithSymbols(32),
  PASSWORDWITHSYMBOLS_64: () => randomWithSymbols(64),
  USER: () => randomAlnum(16),
  LOWERCASEUSER: () => randomLowerAlnum(16),
  // SERVICE_BASE64 is a random string, not base64; REALBASE64 is real base64 (notes §9).
  BASE64: () => randomAlnum(32),
  BASE64_32: () => randomAlnum(32),
  BASE64_64: () => randomAlnum(64),
  BASE64_128: () => randomAlnum(128),
  REALBASE64: () => randomBase64(32),
  REALBASE64_32: () => randomBase64(32),
  REALBASE64_64: () => randomBase64(64),
  REALBASE64_128: () => randomBase64(128),
  HEX_32: () => randomHex(32),
  HEX_64: () => randomHex(64),
  HEX_128: () => randomHex(128),
  SUPABASEANON: () => fakeJwt("anon"),
  SUPABASESERVICE: () => fakeJwt("service_role"),
};

/** The command is read by counting underscores, so an `<ID>` containing `_` yields null (notes §9). */
export function generateMagicValue(key: string): string | null {
  const parts = key.slice("SERVICE_".length).split("_");
  const command = parts.length === 2 ? parts[0] : parts.length === 3 ? `${parts[0]}_${parts[1]}` : "";
  const generator = GENERATORS[command];
  return generator ? generator() : null;
}

interface UrlDeclaration {
  app: SubResourceRecord | undefined;
  normalisedName: string;
  port: string | null;
}

function parseUrlKey(key: string, service: ServiceRecord): UrlDeclaration {
  const rest = key.replace(/^SERVICE_(URL|FQDN)_/, "");
  const parts = rest.split("_");
  const last = parts[parts.length - 1];
  const port = parts.length > 1 && /^\d+$/.test(last) ? last : null;
  const normalisedName = (port ? parts.slice(0, -1) : parts).join("_");
  const app = service.applications.find((a) => normaliseName(a.name) === normalisedName);
  return { app, normalisedName, port };
}

export function generatedFqdn(app: SubResourceRecord, service: ServiceRecord, server: ServerRecord): string {
  if (server.wildcardDomain) {
    const base = new URL(server.wildcardDomain);
    return `${base.protocol}//${app.name}-${service.uuid}.${base.hostname}`;
  }
  return `http://${app.name}-${service.uuid}.${server.ip}.sslip.io`;
}

function urlValues(fqdn: string): { url: string; host: string } {
  const first = new URL(fqdn.split(",")[0]);
  const path = first.pathname === "/" ? "" : first.pathname;
  return { url: `${first.protocol}//${first.hostname}${path}`, host: `${first.hostname}${path}` };
}

function setRow(store: EmulatorStore, service: ServiceRecord, key: string, value: string | null, overwrite: boolean): void {
  const existing = service.envs.find((e) => e.key === key);
  if (existing) {
    if (overwrite) {
      existing.value = value;
      existing.updatedAt = store.now();
    }
    return;
  }
  const row = newEnvRow(store, service, key, value);
  row.isCoolify = true;
}

/**
 * The URL pairs of one container: the base pair without the port, and per port `<base>:<port>` (services.php
 * updateCompose `$urlWithPort = $urlValue.':'.$portNum`, serviceParser `"$url:$port"`; Coolify's own
 * ServiceMagicVariableOverwriteTest expects `SERVICE_URL_NGINX_8080` = `https://my-nginx.example.com:8080`).
 */
function writeUrlRows(store: EmulatorStore, service: ServiceRecord, app: SubResourceRecord, ports: string[], overwrite: boolean): void {
  const values = app.fqdn ? urlValues(app.fqdn) : { url: null, host: null };
  const name = normaliseName(app.name);
  setRow(store, service, `SERVICE_URL_${name}`, values.url, overwrite);
  setRow(store, service, `SERVICE_FQDN_${name}`, values.host, overwrite);
  for (const port of ports) {
    setRow(store, service, `SERVICE_URL_${name}_${port}`, values.url === null ? null : `${values.url}:${port}`, overwrite);
    setRow(store, service, `SERVICE_FQDN_${name}_${port}`, values.host === null ? null : `${values.host}:${port}`, overwrite);
  }
}

/** The port written in the first URL of an fqdn, as Spatie's getPort() reads it (443 too), or null. */
function fqdnPort(fqdn: string | null): string | null {
  const match = fqdn ? /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#:,]*:(\d+)/.exec(fqdn.split(",")[0].trim()) : null;
  return match ? String(Number(match[1])) : null;
}

function declareUrl(store: EmulatorStore, service: ServiceRecord, server: ServerRecord, key: string, path: string | null): void {
  const declaration = parseUrlKey(key, service);
  const app = declaration.app;
  if (!app) {
    setRow(store, service, key, null, false);
    return;
  }
  if (!app.fqdn) {
    // Auto URL: http://<name>-<uuid>.<wildcard | ip.sslip.io>[:PORT][/path] (notes §7.7).
    const port = declaration.port ? `:${declaration.port}` : "";
    app.fqdn = `${generatedFqdn(app, service, server)}${port}${path ?? ""}`;
  }
  writeUrlRows(store, service, app, declaration.port ? [declaration.port] : [], false);
}

function handleReference(store: EmulatorStore, service: ServiceRecord, server: ServerRecord, expression: string): void {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])(.*))?$/.exec(expression);
  if (!match) return;
  const [, key, operator, rest] = match;
  if (/^SERVICE_(URL|FQDN)_/.test(key)) return declareUrl(store, service, server, key, null);
  if (service.envs.some((e) => e.key === key)) return;
  if (key.startsWith("SERVICE_")) {
    newEnvRow(store, service, key, generateMagicValue(key)).isCoolify = true;
    return;
  }
  const row = newEnvRow(store, service, key, operator === "-" && rest !== "" ? rest : null);
  row.isRequired = operator === "?";
}

function handleDeclarations(store: EmulatorStore, service: ServiceRecord, server: ServerRecord, compose: ComposeService): void {
  for (const { key, value } of compose.environment) {
    if (/^SERVICE_(URL|FQDN)_/.test(key)) {
      declareUrl(store, service, server, key, value && value.startsWith("/") ? value : null);
    } else if (key.startsWith("SERVICE_") && (value === null || value === "") && !service.envs.some((e) => e.key === key)) {
      newEnvRow(store, service, key, generateMagicValue(key)).isCoolify = true;
    }
  }
}

/**
 * Coolify's parse() after save: sub-resources by compose key (never removed, notes §7.3), magic SERVICE_* rows
 * generated once and never regenerated, `${VAR}` rows, and auto URLs.
 */
export function applyParse(store: EmulatorStore, service: ServiceRecord, parsed: ParsedCompose, server: ServerRecord): void {
  for (const compose of parsed.services) syncSubResource(store, service, compose);
  for (const compose of parsed.services) {
    handleDeclarations(store, service, server, compose);
    for (const expression of compose.references) handleReference(store, service, server, expression);
  }
}

function syncSubResource(store: EmulatorStore, service: ServiceRecord, compose: ComposeService): void {
  const existing = [...service.applications, ...service.databases].find((r) => r.name === compose.name);
  if (existing) {
    existing.image = compose.image;
    existing.excludeFromStatus = compose.excludeFromStatus;
    return;
  }
  const at = store.now();
  const row: SubResourceRecord = {
    id: store.nextId(), uuid: newUuid(), kind: compose.kind, name: compose.name, humanName: null, description: null,
    image: compose.image, fqdn: null, status: "exited", excludeFromStatus: compose.excludeFromStatus, isGzipEnabled: true,
    isStripprefixEnabled: true, isForceHttpsEnabled: true, isLogDrainEnabled: false, noindexDomains: null, ports: null,
    createdAt: at, updatedAt: at,
  };
  (compose.kind === "application" ? service.applications : service.databases).push(row);
}

/** updateCompose after a per-container URL change: rewrites that app's SERVICE_URL_/SERVICE_FQDN_ rows (notes §7.3). */
export function refreshUrlRows(store: EmulatorStore, service: ServiceRecord, app: SubResourceRecord): void {
  const prefix = normaliseName(app.name);
  const ports = service.envs
    .map((e) => new RegExp(`^SERVICE_URL_${prefix}_(\\d+)$`).exec(e.key)?.[1])
    .filter((p): p is string => p !== undefined);
  // "Create port-specific pairs for each port found in template or FQDN" (updateCompose), for a declared container.
  const port = fqdnPort(app.fqdn);
  const declared = service.envs.some((e) => e.key === `SERVICE_URL_${prefix}` || e.key === `SERVICE_FQDN_${prefix}`);
  if (port !== null && declared && !ports.includes(port)) ports.push(port);
  writeUrlRows(store, service, app, ports, true);
}
