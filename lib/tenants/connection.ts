import { createHash } from "node:crypto";
import PocketBase, { BaseAuthStore, ClientResponseError, isTokenExpired, type AuthRecord } from "pocketbase";
import { TenantSourceError, type TenantSourceCause, type TenantSourceErrorDetails } from "./errors";

/**
 * Where PocketBase is and how to log in as a superuser. Passed to every call; the only thing kept between
 * calls is the superuser token of `session` (per process), so these functions work inside a Pulumi dynamic provider.
 */
export interface PocketBaseSource {
  /** Base URL, e.g. "http://127.0.0.1:8090". */
  url: string;
  email: string;
  password: string;
  /** Replaces global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Per-request timeout; default 30 000 ms. */
  timeoutMs?: number;
}

const CONFIG_FIX = "check the PocketBase URL, superuser email and password in the stack config";

/** A fresh SDK client, authenticated as a superuser (a login of its own). Auto-cancellation is off: pages are read in sequence. */
export async function connect(source: PocketBaseSource): Promise<PocketBase> {
  const pb = client(source);
  try {
    await pb.collection("_superusers").authWithPassword(source.email, source.password);
  } catch (error) {
    throw toSourceError(error, source, { operation: "logging in as a PocketBase superuser", login: true });
  }
  return pb;
}

interface Auth {
  token: string;
  record: AuthRecord;
}

/**
 * Superuser logins shared within this process, by URL, e-mail and a hash of the password. A login is a bcrypt
 * check on the server (tens of milliseconds of its CPU): the record client of a full run would otherwise make
 * one per record and call.
 */
const sessions = new Map<string, Promise<Auth>>();
/** A token this close to its expiry (seconds) is not reused. */
const EXPIRY_MARGIN_S = 60;

function sessionKey(source: PocketBaseSource): string {
  return createHash("sha256").update(`${source.url}\0${source.email}\0${source.password}`).digest("hex");
}

/**
 * A client authenticated as a superuser through the login this process already made for the same source, or
 * one new login shared by every concurrent caller. Use it through `withSession`, which logs in again once when
 * PocketBase no longer accepts the token (a password change, a restart with a new token secret).
 */
export async function session(source: PocketBaseSource): Promise<PocketBase> {
  const key = sessionKey(source);
  let login = sessions.get(key);
  if (login !== undefined) {
    const auth = await login.catch(() => undefined);
    if (auth === undefined || isTokenExpired(auth.token, EXPIRY_MARGIN_S)) {
      if (sessions.get(key) === login) sessions.delete(key);
      login = undefined;
    }
  }
  if (login === undefined) {
    const started = connect(source).then((pb): Auth => ({ token: pb.authStore.token, record: pb.authStore.record }));
    sessions.set(key, started);
    // A failed login is not kept: the next call tries again.
    started.catch(() => sessions.get(key) === started && sessions.delete(key));
    login = started;
  }
  const auth = await login;
  const pb = client(source);
  pb.authStore.save(auth.token, auth.record);
  return pb;
}

/** Runs `work` with a shared superuser session; on a 401 it drops that session and runs `work` once more with a new login. */
export async function withSession<T>(source: PocketBaseSource, work: (pb: PocketBase) => Promise<T>): Promise<T> {
  const pb = await session(source);
  try {
    return await work(pb);
  } catch (error) {
    if (!(error instanceof ClientResponseError) || error.status !== 401) throw error;
    await forget(source, pb.authStore.token);
    return work(await session(source));
  }
}

/** Drops the shared session of `source` if it still holds `token`. */
async function forget(source: PocketBaseSource, token: string): Promise<void> {
  const key = sessionKey(source);
  const current = sessions.get(key);
  if (current === undefined) return;
  const auth = await current.catch(() => undefined);
  if ((auth === undefined || auth.token === token) && sessions.get(key) === current) sessions.delete(key);
}

/** An SDK client of `source`, not logged in. */
function client(source: PocketBaseSource): PocketBase {
  checkUrl(source.url);
  const pb = new PocketBase(source.url, new BaseAuthStore());
  pb.autoCancellation(false);
  const guarded = guardedFetch(source);
  pb.beforeSend = (url, options) => ({ url, options: { ...options, fetch: guarded } });
  return pb;
}

/** What was being done when an error happened, for the message. */
export interface SourceContext {
  /** A gerund phrase such as "listing tenants (page 2, 5 per page)". */
  operation: string;
  /** The tenant concerned (slug or record id), if any. */
  tenant?: string;
  /** The superuser login: PocketBase answers a wrong password with 400. */
  login?: boolean;
}

/** Maps any error from the SDK to a TenantSourceError. The password is scrubbed from every text that reaches the message. */
export function toSourceError(error: unknown, source: PocketBaseSource, context: SourceContext): TenantSourceError {
  const { operation, tenant } = context;
  if (error instanceof TenantSourceError) return error;
  const inner = error instanceof ClientResponseError ? error.originalError : undefined;
  if (inner instanceof TenantSourceError) return inner;
  const at = redactUrl(source.url);
  const fail = (cause: TenantSourceCause, details: TenantSourceErrorDetails): TenantSourceError =>
    new TenantSourceError(cause, { ...details, problem: scrub(details.problem, source.password) });
  if (!(error instanceof ClientResponseError)) {
    return fail("http", {
      problem: `${operation} at ${at} failed: ${describe(error)}.`,
      fix: "this is unexpected; report it with the message above",
      tenant,
      origin: error,
    });
  }
  const status = error.status;
  const serverMessage = [String(error.message || ""), ...fieldErrors(error)].join(" ");
  if (status === 0) {
    return fail("unreachable", {
      problem: `${operation}: no answer from PocketBase at ${at} (${describe(inner ?? error)}).`,
      fix: `start PocketBase or correct its URL, then check GET ${at}/api/health`,
      tenant,
      status,
      origin: error,
    });
  }
  if (status === 401 || status === 403 || (context.login === true && status === 400)) {
    return fail("auth", {
      problem: `${operation}: PocketBase at ${at} rejected the superuser "${source.email}" (HTTP ${status}: ${serverMessage}).`,
      fix: `${CONFIG_FIX}; create or reset the superuser with \`pocketbase superuser upsert EMAIL PASSWORD\``,
      tenant,
      status,
      origin: error,
    });
  }
  return fail("http", {
    problem: `${operation}: PocketBase at ${at} answered HTTP ${status} (${serverMessage}).`,
    fix: HTTP_FIXES[status] ?? "check the PocketBase logs (Dashboard > Logs) and retry",
    tenant,
    status,
    origin: error,
  });
}

const HTTP_FIXES: Record<number, string> = {
  400: "PocketBase rejected the data (field codes above): check that the migrations in pocketbase/migrations are applied (`npm run pocketbase:check`)",
  404: "apply the migrations in pocketbase/migrations, create the tenant view, and check the URL points at PocketBase (`npm run pocketbase:check` tells which is missing)",
  429: "PocketBase is rate limiting; retry later or raise its rate limits",
};

/** Only plain http(s) URLs: credentials belong in email/password, never in the URL where messages could quote them. */
function checkUrl(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !["http:", "https:"].includes(parsed.protocol) || parsed.username !== "" || parsed.password !== "") {
    throw new TenantSourceError("unreachable", {
      problem: `the PocketBase URL ${redactUrl(url)} is not an http(s) URL without user info.`,
      fix: 'set it to the form "http://127.0.0.1:8090" or "https://pb.example.com" and put the credentials in the email and password settings',
    });
  }
}

/**
 * Wraps fetch with a timeout and turns answers the SDK would accept silently into errors:
 * a 1xx/3xx status, or a 2xx whose body is not JSON (a proxy's maintenance page parses as `{}` in the SDK).
 */
function guardedFetch(source: PocketBaseSource): typeof fetch {
  const base = source.fetch ?? fetch;
  const timeoutMs = source.timeoutMs ?? 30_000;
  return async (input, init) => {
    const signal = init?.signal ?? AbortSignal.timeout(timeoutMs);
    const response = await base(input, { ...init, signal });
    if (response.status >= 400) return response;
    const path = pathOf(input);
    if (response.status < 200 || response.status >= 300) {
      throw new TenantSourceError("http", {
        problem: `${path} answered HTTP ${response.status}; PocketBase answers 2xx or an error.`,
        fix: "point the URL at PocketBase itself, not at a proxy that redirects (include the scheme and port)",
        status: response.status,
      });
    }
    if (response.status === 204) return response; // A delete answers without a body.
    const type = response.headers.get("content-type") ?? "";
    if (!type.includes("json")) {
      throw new TenantSourceError("malformed", {
        problem: `${path} answered HTTP ${response.status} with "${type || "no content type"}" instead of JSON.`,
        fix: "point the URL at PocketBase itself; a proxy or maintenance page is answering in its place",
        status: response.status,
      });
    }
    return response;
  };
}

function pathOf(input: string | URL | Request): string {
  const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(raw).pathname;
  } catch {
    return "the request";
  }
}

/** The URL without user info or query, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an invalid URL)";
  }
}

/** PocketBase's per-field validation errors, e.g. `tenant: validation_missing_rel_records`. */
function fieldErrors(error: ClientResponseError): string[] {
  const data: unknown = error.response["data"];
  if (typeof data !== "object" || data === null) return [];
  return Object.entries(data).map(([field, issue]) => {
    const code = typeof issue === "object" && issue !== null ? (issue as { code?: unknown }).code : undefined;
    return `${field}: ${typeof code === "string" ? code : "invalid"}`;
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.name}: ${error.message}${nested}`;
}

function scrub(text: string, password: string): string {
  if (password.length === 0) return text;
  const forms = new Set([password, encodeURIComponent(password), encodeURI(password)]);
  let scrubbed = text;
  for (const form of forms) scrubbed = scrubbed.split(form).join("[redacted]");
  return scrubbed;
}
