import type { Faults } from "../model/faults";
import type { Reply } from "./http";
import type { Ability, TokenRecord } from "../model/records";
import type { HealthLookup } from "../model/status";
import type { EmulatorStore } from "../model/store";
import type { JsonObject } from "./validation";

export interface AuthInfo {
  token: TokenRecord;
  teamId: number;
  /** root or read:sensitive, held by an owner/admin (notes §2). */
  canReadSensitive: boolean;
}

export interface RequestContext {
  store: EmulatorStore;
  faults: Faults;
  health: HealthLookup;
  auth: AuthInfo;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed, trimmed JSON body for routes declared with `json: true`; `{}` otherwise. */
  body: JsonObject;
}

export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT";
  /** Path template under /api/v1, e.g. "/services/{uuid}/envs". */
  path: string;
  ability: Ability;
  /** Run Coolify's validateIncomingRequest JSON checks first (400s, notes §1). */
  json?: boolean;
  handler: (ctx: RequestContext) => Reply;
}

export function queryFlag(query: Record<string, string>, name: string, fallback: boolean): boolean {
  const raw = query[name];
  if (raw === undefined) return fallback;
  return !["false", "0", "no", "off", ""].includes(raw.toLowerCase());
}
