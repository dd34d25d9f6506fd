import type { DomainConflict } from "./types";

/** Key under which `CoolifyApiError.errors` keeps messages that name no field (the list-shaped 422, coolify-api.md §4). */
export const GENERAL_ERRORS_KEY = "_";

const EXCERPT_MAX = 800;
const LONG_FIELD_MAX = 120;
const SECRET_KEYS = /^(value|real_value|password|secret|token|api_key|apikey|private_key|sentinel_token|authorization)$|(_password|_secret|_token|_key)$/i;
const LONG_FIELDS = /^(docker_compose_raw|docker_compose)$/;

/** What the transport knows about a failed call; `CoolifyApiError` is built from it. */
export interface CoolifyErrorDetails {
  method: string;
  /** Path from the host on, e.g. `/api/v1/services/abc` (no query). */
  path: string;
  /** HTTP status, or 0 when no response came back. */
  status: number;
  /** Raw response body text, if any. */
  body?: string;
  /** Token to scrub from everything kept on the error. */
  token?: string;
  /** Sanitised low-level cause (never an axios error: those carry the request headers). */
  cause?: Error;
  /** How many attempts were sent (retries included). */
  attempts?: number;
  /** Extra operator guidance appended to the message (replaces the standard hint). */
  hint?: string;
}

/** The one error every `lib/coolify` function throws: a Coolify API call that failed or got no response. */
export class CoolifyApiError extends Error {
  readonly method: string;
  readonly path: string;
  /** HTTP status; 0 means no response arrived (connection refused, reset, timeout). */
  readonly status: number;
  /** Coolify's own `message`, when the body had one. */
  readonly coolifyMessage: string | undefined;
  /** Field → messages, normalised from all three 422 shapes; field-less messages sit under `GENERAL_ERRORS_KEY`. */
  readonly errors: Record<string, string[]>;
  /** Domain conflicts from a 409 (coolify-api.md §7.7); empty otherwise. */
  readonly conflicts: DomainConflict[];
  /** Response body, secrets redacted and capped. */
  readonly bodyExcerpt: string;
  override readonly cause: Error | undefined;

  constructor(raw: CoolifyErrorDetails) {
    const details = { ...raw, body: raw.body === undefined ? undefined : scrub(raw.body, raw.token), cause: scrubCause(raw.cause, raw.token) };
    const parsed = parseBody(details.body);
    const coolifyMessage = typeof parsed?.message === "string" ? parsed.message : undefined;
    const errors = normaliseErrors(parsed?.errors);
    const conflicts = Array.isArray(parsed?.conflicts) ? (parsed.conflicts as DomainConflict[]) : [];
    super(scrub(formatMessage(details, coolifyMessage, errors, conflicts), details.token));
    this.name = "CoolifyApiError";
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.coolifyMessage = coolifyMessage;
    this.errors = errors;
    this.conflicts = conflicts;
    this.bodyExcerpt = excerpt(parsed, details.body, details.token);
    this.cause = details.cause;
  }

  /** A plain, token-free object for logs. */
  toJSON(): Record<string, unknown> {
    const { name, message, method, path, status, coolifyMessage, errors, conflicts, bodyExcerpt } = this;
    return { name, message, method, path, status, coolifyMessage, errors, conflicts, bodyExcerpt, cause: this.cause?.message };
  }
}

/** True for a Coolify 404 (unknown uuid, another team's resource, or a finished delete). */
export function isNotFound(e: unknown): boolean {
  return e instanceof CoolifyApiError && e.status === 404;
}

/** True for a Coolify 409 (domain conflict, duplicate env key, environment name or destination network). */
export function isConflict(e: unknown): boolean {
  return e instanceof CoolifyApiError && e.status === 409;
}

type Json = Record<string, unknown>;

function parseBody(body: string | undefined): Json | undefined {
  if (!body) return undefined;
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** Coolify's 422 `errors` comes as `{field:[msg]}`, `{field:"msg"}` or `["msg"]` (coolify-api.md §4). */
export function normaliseErrors(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (Array.isArray(raw)) {
    const list = raw.map(String);
    if (list.length > 0) out[GENERAL_ERRORS_KEY] = list;
  } else if (raw !== null && typeof raw === "object") {
    for (const [field, msgs] of Object.entries(raw)) out[field] = Array.isArray(msgs) ? msgs.map(String) : [String(msgs)];
  }
  return out;
}

function formatMessage(d: CoolifyErrorDetails, msg: string | undefined, errors: Record<string, string[]>, conflicts: DomainConflict[]): string {
  const tries = d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : "";
  const what = `failed (${d.status === 0 ? "no response" : d.status})${tries}`;
  const parts = [`Coolify API ${d.method} ${d.path} ${what}: ${msg ?? d.cause?.message ?? bodyText(d.body) ?? "no message"}`];
  const fields = Object.entries(errors).map(([f, m]) => (f === GENERAL_ERRORS_KEY ? m.join("; ") : `${f}: ${m.join(" ")}`));
  if (fields.length > 0) parts.push(`errors: ${fields.join("; ")}`);
  if (conflicts.length > 0) parts.push(`conflicts: ${conflicts.map(describeConflict).join("; ")}`);
  const hint = d.hint ?? standardHint(d.status, d.method, msg);
  if (hint) parts.push(hint);
  return parts.join("; ");
}

function standardHint(status: number, method: string, msg: string | undefined): string | undefined {
  if (status === 0 && method === "POST") return "the request may or may not have been applied: list the resources before creating again";
  if (status === 401) return "check the API token (expired, revoked or mistyped)";
  if (msg === "API is disabled.") return "enable the API in Coolify (Settings > Advanced, or POST /api/v1/enable with a root token)";
  if (msg?.startsWith("Missing required permissions")) return "the token needs read, write and deploy (or root)";
  if (status === 429) return "rate limited by Coolify: lower rateLimitPerMinute or raise API_RATE_LIMIT on the instance";
  return undefined;
}

function describeConflict(c: DomainConflict): string {
  const owner = c.resource_name ? ` used by ${c.resource_type ?? "resource"} '${c.resource_name}'${c.resource_uuid ? ` (${c.resource_uuid})` : ""}` : "";
  return `${c.domain}${owner}`;
}

function bodyText(body: string | undefined): string | undefined {
  const text = body?.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text ? text.slice(0, 200) : undefined;
}

function excerpt(parsed: Json | undefined, body: string | undefined, token: string | undefined): string {
  const text = parsed ? JSON.stringify(redact(parsed)) : (bodyText(body) ?? "");
  const scrubbed = scrub(text, token);
  return scrubbed.length > EXCERPT_MAX ? `${scrubbed.slice(0, EXCERPT_MAX)}…` : scrubbed;
}

/** Replaces secret-looking values and truncates compose text, recursively. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEYS.test(k) && v !== null && v !== undefined) out[k] = "[redacted]";
    else if (LONG_FIELDS.test(k) && typeof v === "string" && v.length > LONG_FIELD_MAX) out[k] = `${v.slice(0, LONG_FIELD_MAX)}…`;
    else out[k] = redact(v);
  }
  return out;
}

function scrubCause(cause: Error | undefined, token: string | undefined): Error | undefined {
  if (!cause || scrub(cause.message, token) === cause.message) return cause;
  return new Error(scrub(cause.message, token));
}

/** Removes the token (and its secret half, after the `id|`) from a string. */
export function scrub(text: string, token: string | undefined): string {
  if (!token) return text;
  let out = text.split(token).join("[token]");
  const secret = token.includes("|") ? token.slice(token.indexOf("|") + 1) : "";
  if (secret.length >= 8) out = out.split(secret).join("[token]");
  return out;
}
