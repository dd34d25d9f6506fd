// Shared pieces of the providers' check and diff: pure, no network.
import * as yaml from "js-yaml";
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
 */
export function sameCompose(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || isUnknown(a) || isUnknown(b)) return a === b;
  try {
    return isDeepStrictEqual(yaml.load(a), yaml.load(b));
  } catch {
    return a === b;
  }
}

/** A pulumi check failure for one property. */
export interface CheckFailure {
  property: string;
  reason: string;
}
