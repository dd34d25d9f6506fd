// Shared pieces of the providers' check and diff: pure, no network.
import * as yaml from "js-yaml";
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";

/** What the engine sends in place of a value it will only know after apply (preview of a dependent). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (value && typeof value === "object") return Object.values(value).some(isUnknown);
  return false;
}

/** Same value, with unknowns counting as a change. Undefined and null are both "not set". */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;
  return isDeepStrictEqual(a ?? null, b ?? null);
}

/** The keys whose values differ between old and new inputs. */
export function changedKeys<T extends object>(olds: T, news: T, keys: readonly (keyof T)[]): (keyof T)[] {
  return keys.filter((key) => !sameValue(olds[key], news[key]));
}

/**
 * Compose texts that parse to the same document are equal: Coolify stores compose re-serialized,
 * comments and formatting gone (coolify-api.md §7.1), so text comparison would report false drift.
 * Either side may be a `composeDigest` (what the state keeps of an applied compose).
 */
export function sameCompose(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || isUnknown(a) || isUnknown(b)) return a === b;
  if (isDigest(a) || isDigest(b)) return composeDigest(a) === composeDigest(b);
  try {
    return isDeepStrictEqual(yaml.load(a), yaml.load(b));
  } catch {
    return a === b;
  }
}

const DIGEST = /^sha256:[0-9a-f]{16}$/;

/** A value's stand-in in state: enough to see that it changed (64 bits of its SHA-256), at a fixed 23 bytes. */
export function digest(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

/** Whether a value is a `digest` (a compose always holds a `services:` map, so it never looks like one). */
export function isDigest(value: unknown): boolean {
  return typeof value === "string" && DIGEST.test(value);
}

/** The digest of the parsed document, so two texts `sameCompose` calls equal have the same digest. */
export function composeDigest(compose: string): string {
  if (isDigest(compose)) return compose;
  let canonical: string;
  try {
    canonical = canonicalJson(yaml.load(compose));
  } catch {
    canonical = compose;
  }
  return digest(canonical);
}

/** JSON with object keys sorted: the same document always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === "object") {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** A pulumi check failure for one property. */
export interface CheckFailure {
  property: string;
  reason: string;
}
