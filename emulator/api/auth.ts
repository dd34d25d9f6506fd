import type { AuthInfo } from "./context";
import { reply, type Reply } from "./http";
import type { Ability, TokenRecord } from "../model/records";
import type { EmulatorStore } from "../model/store";

export type AuthOutcome = { auth: AuthInfo; denied?: undefined } | { denied: Reply; auth?: undefined };

const ELEVATED: Ability[] = ["write", "deploy", "root", "write:sensitive", "read:sensitive"];

export function hasAbility(token: TokenRecord, ability: Ability): boolean {
  return token.abilities.some((a) => a === ability || a === "root" || a === "*");
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match ? match[1].trim() : null;
}

/** auth:sanctum then api.token.team (notes §2). */
export function authenticate(store: EmulatorStore, authorization: string | undefined): AuthOutcome {
  const bearer = bearerToken(authorization);
  const token = bearer ? store.findToken(bearer) : undefined;
  if (!token || (token.expiresAt !== null && token.expiresAt < Date.now())) {
    return { denied: reply(401, { message: "Unauthenticated." }) };
  }
  if (token.teamId === null || !token.userInTeam) return { denied: reply(401, { message: "Invalid token." }) };
  const elevated = token.abilities.some((a) => ELEVATED.includes(a) || a === "*");
  const privileged = token.role === "owner" || token.role === "admin";
  if (elevated && !privileged) return { denied: reply(403, { message: "Missing required team role." }) };
  const sensitive = hasAbility(token, "read:sensitive") && privileged;
  return { auth: { token, teamId: token.teamId, canReadSensitive: sensitive } };
}

export function abilityDenied(ability: Ability): Reply {
  return reply(403, { message: `Missing required permissions: ${ability}` });
}

interface Bucket {
  count: number;
  resetAt: number;
}

/** Laravel's fixed-window throttle, keyed by user id (or IP without a user) (notes §3). */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  hit(key: string, limit: number, now = Date.now()): { allowed: boolean; remaining: number; resetAt: number } {
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.resetAt <= now) {
      bucket = { count: 0, resetAt: now + 60_000 };
      this.buckets.set(key, bucket);
    }
    if (bucket.count >= limit) return { allowed: false, remaining: 0, resetAt: bucket.resetAt };
    bucket.count += 1;
    return { allowed: true, remaining: limit - bucket.count, resetAt: bucket.resetAt };
  }

  reset(): void {
    this.buckets.clear();
  }
}

export function throttleHeaders(limit: number, result: { allowed: boolean; remaining: number; resetAt: number }): Record<string, string> {
  const headers: Record<string, string> = { "X-RateLimit-Limit": String(limit), "X-RateLimit-Remaining": String(result.remaining) };
  if (!result.allowed) {
    headers["Retry-After"] = String(Math.max(1, Math.ceil((result.resetAt - Date.now()) / 1000)));
    headers["X-RateLimit-Reset"] = String(Math.ceil(result.resetAt / 1000));
  }
  return headers;
}
