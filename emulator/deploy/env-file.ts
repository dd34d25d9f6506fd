// The `.env` Coolify 4.3 writes beside a service's docker-compose.yml on every start (app/Models/Service.php
// saveComposeConfigs: `KEY=` + real_value per row; app/Models/EnvironmentVariable.php realValue; notes §9).
import type { EnvVarRecord } from "../model/records";

/** Coolify's escapeEnvVariables (bootstrap/helpers/docker.php): backslash-escapes, never quotes. */
export function escapeEnvVariables(value: string): string {
  return value
    .replace(/\\/g, "\\\\")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(/\0/g, "\\0")
    .replace(/"/g, '\\"')
    .replace(/'/g, "\\'");
}

/** PHP's trim(): the model trims values on write and on read. */
export function phpTrim(value: string): string {
  return value.replace(/^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g, "");
}

function isJsonObjectOrArray(value: string): boolean {
  if (!value.startsWith("{") && !value.startsWith("[")) return false;
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * `real_value` of a row as written into the `.env`: a valid JSON object/array raw and unquoted (Coolify #6160),
 * a literal or multiline value in single quotes with no escaping at all, anything else through escapeEnvVariables,
 * unquoted. A null value is PHP's null coerced to "" by both branches. Shared `{{team.X}}` references are resolved
 * by Coolify only when such a shared variable exists; the emulator has none, so they stay as written.
 */
export function realValue(row: Pick<EnvVarRecord, "value" | "isLiteral" | "isMultiline">): string {
  const value = row.value === null ? null : phpTrim(row.value);
  if (value !== null && isJsonObjectOrArray(value)) return value;
  if (row.isLiteral || row.isMultiline) return `'${value ?? ""}'`;
  return escapeEnvVariables(value ?? "");
}

/** Compose service key as Coolify's SERVICE_NAME_<X> names it. */
export function serviceNameKey(name: string): string {
  return `SERVICE_NAME_${name.replace(/-/g, "_").replace(/\./g, "_").toUpperCase()}`;
}

function group(row: Pick<EnvVarRecord, "key" | "value">): number {
  if (row.key.startsWith("SERVICE_")) return 1;
  if (row.value !== null && (row.value.startsWith("$SERVICE_") || row.value.startsWith("${SERVICE_"))) return 2;
  return 3;
}

/**
 * The whole file: SERVICE_NAME_* for every compose service, then the rows with the SERVICE_* keys first and rows
 * referring to them second (a stable sort, so each group keeps the database order), joined by newlines.
 */
export function coolifyEnvFile(serviceNames: string[], rows: Array<Pick<EnvVarRecord, "key" | "value" | "isLiteral" | "isMultiline">>): string {
  const lines = serviceNames.map((name) => `${serviceNameKey(name)}=${name}`);
  const sorted = rows.map((row, index) => ({ row, index })).sort((a, b) => group(a.row) - group(b.row) || a.index - b.index);
  for (const { row } of sorted) lines.push(`${row.key}=${realValue(row)}`);
  return lines.join("\n");
}
