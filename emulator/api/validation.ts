import { isObject, type JsonObject } from "../model/json";
import { fail, validationFailed } from "./http";

export { isObject, type JsonObject };

/**
 * Coolify's validateIncomingRequest (notes §1): 400 "Invalid request." for a non-JSON content type,
 * unparseable JSON or an empty body. `{}` and `[]` count as empty, as the notes say.
 */
export function parseIncomingJson(contentType: string | undefined, raw: string): JsonObject {
  const invalid = (error: string): never => fail(400, { message: "Invalid request.", error });
  if (!contentType || !/^application\/(.+\+)?json\b/i.test(contentType.trim())) {
    invalid("Content-Type must be application/json.");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return invalid(raw.trim() === "" ? "Empty JSON." : "Invalid JSON.");
  }
  if (parsed === null || (typeof parsed === "object" && Object.keys(parsed).length === 0)) invalid("Empty JSON.");
  if (!isObject(parsed)) invalid("Invalid JSON.");
  return normaliseInput(parsed) as JsonObject;
}

/** Laravel's TrimStrings + ConvertEmptyStringsToNull global middleware (notes §1). */
export function normaliseInput(value: unknown): unknown {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed === "" ? null : trimmed;
  }
  if (Array.isArray(value)) return value.map(normaliseInput);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseInput(v)]));
  }
  return value;
}

export interface FieldRule {
  type?: "string" | "boolean" | "array" | "integer";
  required?: boolean;
  nullable?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export type Rules = Record<string, FieldRule>;
export type ErrorMap = Record<string, string[]>;

function attribute(field: string): string {
  return field.replace(/_/g, " ");
}

function isLaravelBoolean(value: unknown): boolean {
  return value === true || value === false || value === 0 || value === 1 || value === "0" || value === "1";
}

export function toBoolean(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  return value === true || value === 1 || value === "1" || value === "true";
}

function checkField(field: string, value: unknown, rule: FieldRule): string[] {
  const name = attribute(field);
  if (value === undefined || value === null) {
    return rule.required ? [`The ${name} field is required.`] : [];
  }
  const errors: string[] = [];
  if (rule.type === "string" && typeof value !== "string") errors.push(`The ${name} field must be a string.`);
  if (rule.type === "boolean" && !isLaravelBoolean(value)) errors.push(`The ${name} field must be true or false.`);
  if (rule.type === "array" && !Array.isArray(value)) errors.push(`The ${name} field must be an array.`);
  if (rule.type === "integer" && !Number.isInteger(value)) errors.push(`The ${name} field must be an integer.`);
  if (typeof value === "string") {
    if (rule.min !== undefined && [...value].length < rule.min) {
      errors.push(`The ${name} field must be at least ${rule.min} characters.`);
    }
    if (rule.max !== undefined && [...value].length > rule.max) {
      errors.push(`The ${name} field must not be greater than ${rule.max} characters.`);
    }
    if (rule.pattern && !rule.pattern.test(value)) errors.push(`The ${name} field format is invalid.`);
  }
  return errors;
}

/** Laravel-style validation; unknown fields get "This field is not allowed." (notes §4 shape a). */
export function collectErrors(body: JsonObject, rules: Rules, allowed: readonly string[] = Object.keys(rules)): ErrorMap {
  const errors: ErrorMap = {};
  for (const [field, rule] of Object.entries(rules)) {
    const found = checkField(field, body[field], rule);
    if (found.length > 0) errors[field] = found;
  }
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) errors[field] = ["This field is not allowed."];
  }
  return errors;
}

export function assertValid(errors: ErrorMap): void {
  if (Object.keys(errors).length > 0) validationFailed(errors);
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
