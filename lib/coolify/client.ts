import http from "node:http";
import https from "node:https";
import axios, { type AxiosAdapter, type AxiosResponse } from "axios";
import { CoolifyApiError } from "./errors";
import { acquireBudgetSlot, rateBudgetFromEnv, reportBudgetPause, type RateBudgetRef } from "./rate-budget";
import { acquireSlot, pauseUntil, systemClock, throttleKey, type Clock } from "./throttle";

/** Where and as whom to call Coolify. A plain value: build it at call time, never at module scope. */
export interface CoolifyConnection {
  /** Instance root, e.g. `https://coolify.example.com`; `/api/v1` is appended (a URL already ending in it is accepted). */
  url: string;
  /** Sanctum token `<id>|<secret>`; needs read, write and deploy, or root (coolify-api.md §2). */
  token: string;
  /** Per-attempt timeout; default 30 000. */
  timeoutMs?: number;
  /** Client-side throttle per (url, token); default 200, Coolify's default per-user limit. 0 disables it. */
  rateLimitPerMinute?: number;
  /**
   * A rate budget shared with other runs (rate-budget.ts): each attempt takes its slot there instead of from the
   * local throttle, which only serves when the budget fails (at the budget's fallback share, else the limit above).
   * Unset, the one the environment names (COOLIFY_RATE_BUDGET_*, set by the reconciler for its runs); null, none.
   */
  rateBudget?: RateBudgetRef | null;
  /** Retries after a 429, or for GET/PATCH/DELETE after a 5xx or a connection error; default 4. */
  maxRetries?: number;
  /** Test and tuning hooks; production code leaves this out. */
  transport?: TransportOptions;
  /** Awaited before every request other than GET; the providers pass the version gate (requireSupportedVersion). */
  beforeWrite?: (conn: CoolifyConnection) => Promise<unknown>;
}

/** Overrides for tests and benchmarks. */
export interface TransportOptions {
  /** Clock for throttle and retry waits (a virtual one makes tests instant). */
  clock?: Clock;
  /** First retry backoff; doubles per attempt, with jitter. Default 500. */
  retryBaseDelayMs?: number;
  /** Cap of the exponential backoff. Default 10 000. */
  retryMaxDelayMs?: number;
  /** Cap on a server-requested `Retry-After` wait. Default 120 000. */
  maxRetryAfterMs?: number;
  /** Replaces axios's HTTP adapter. */
  adapter?: AxiosAdapter;
  /** Sees every attempt just before it is sent. */
  onRequest?: (request: SentRequest) => void;
}

/** One attempt as handed to `TransportOptions.onRequest`. */
export interface SentRequest {
  method: HttpMethod;
  /** Full path from the host, e.g. `/api/v1/services`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  attempt: number;
}

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";
export type QueryValue = string | number | boolean | undefined;

/** Per-call options of `request`. */
export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Return the body as text instead of parsing JSON (`/version`, `/health`). */
  text?: boolean;
}

/** Defaults applied to a `CoolifyConnection`. */
export const DEFAULTS = {
  timeoutMs: 30_000,
  rateLimitPerMinute: 200,
  maxRetries: 4,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 10_000,
  maxRetryAfterMs: 120_000,
} as const;

const RETRYABLE_5XX = new Set([500, 502, 503, 504]);
const IDEMPOTENT: ReadonlySet<HttpMethod> = new Set(["GET", "PATCH", "DELETE"]);

/** The API root for a connection URL: `https://host/x` → `https://host/x/api/v1`. */
export function resolveApiBase(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, "");
  const root = trimmed.replace(/\/api\/v1$/, "").replace(/\/api$/, "");
  return `${root}/api/v1`;
}

/** Builds a path with every interpolated value URI-encoded: apiPath`/services/${uuid}`. */
export function apiPath(strings: TemplateStringsArray, ...segments: string[]): string {
  return strings.reduce((acc, part, i) => acc + part + (i < segments.length ? encodeURIComponent(segments[i]) : ""), "");
}

/**
 * Sends one API call through the throttle and the retry policy and returns the parsed body.
 * 429 is retried for every method after `Retry-After`; 5xx and connection errors only for GET/PATCH/DELETE.
 * A POST is never replayed: a lost response surfaces as status 0 and the caller re-lists and adopts.
 * @throws CoolifyApiError for any non-2xx answer, a non-JSON success body, or no response.
 */
export async function request<T>(conn: CoolifyConnection, method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
  if (!conn.url) throw new TypeError("CoolifyConnection.url is empty");
  if (!conn.token) throw new TypeError("CoolifyConnection.token is empty");
  const t = conn.transport ?? {};
  const clock = t.clock ?? systemClock;
  const base = resolveApiBase(conn.url);
  const fullPath = `${new URL(base).pathname}${path}`;
  const key = throttleKey(base, conn.token);
  const budget = conn.rateBudget === undefined ? rateBudgetFromEnv() : (conn.rateBudget ?? undefined);
  const limit = budget?.fallbackPerMinute ?? conn.rateLimitPerMinute ?? DEFAULTS.rateLimitPerMinute;
  const maxRetries = conn.maxRetries ?? DEFAULTS.maxRetries;
  const query = toQuery(options.query);
  const fail = (status: number, extra: { body?: string; cause?: Error; attempts: number; hint?: string }) =>
    new CoolifyApiError({ method, path: fullPath, status, token: conn.token, ...extra });
  if (method !== "GET" && conn.beforeWrite) await conn.beforeWrite(conn);

  for (let attempt = 0; ; attempt++) {
    if (!(budget && (await acquireBudgetSlot(budget)))) await acquireSlot(clock, key, limit);
    t.onRequest?.({ method, path: fullPath, query, body: options.body, attempt });
    const outcome = await send(conn, t, method, base + path, query, options.body);
    const retriesLeft = attempt < maxRetries;
    if (outcome.kind === "lost") {
      if (retriesLeft && IDEMPOTENT.has(method)) {
        await clock.sleep(backoff(t, attempt));
        continue;
      }
      throw fail(0, { cause: outcome.cause, attempts: attempt + 1 });
    }
    const res = outcome.response;
    const body = res.data;
    if (res.status >= 200 && res.status < 300) {
      if (options.text) return body as T;
      if (body.trim() === "") return undefined as T;
      try {
        return JSON.parse(body) as T;
      } catch {
        throw fail(res.status, { body, attempts: attempt + 1, hint: "expected JSON: is the connection URL the Coolify instance root?" });
      }
    }
    if (res.status === 429 && retriesLeft) {
      const wait = serverWait(t, res, attempt, clock.now());
      // Holds back every caller of this (url, token), not just this one; acquireSlot does the waiting.
      pauseUntil(clock, key, clock.now() + wait);
      // A shared budget holds every run back: they all count against the same limit.
      if (budget) await reportBudgetPause(budget, wait);
      continue;
    }
    if (RETRYABLE_5XX.has(res.status) && retriesLeft && IDEMPOTENT.has(method)) {
      // A 503 in maintenance mode may say when to come back.
      const wait = serverWait(t, res, attempt, clock.now());
      await clock.sleep(wait);
      continue;
    }
    const location = res.headers["location"];
    const hint = res.status >= 300 && res.status < 400 ? `redirected to ${String(location)}: use that address as the connection URL` : undefined;
    throw fail(res.status, { body, attempts: attempt + 1, hint });
  }
}

type Outcome = { kind: "response"; response: AxiosResponse<string> } | { kind: "lost"; cause: Error };

async function send(conn: CoolifyConnection, t: TransportOptions, method: HttpMethod, url: string, params: Record<string, string>, data: unknown): Promise<Outcome> {
  try {
    const response = await axios.request<string>({
      method,
      url,
      params,
      data,
      headers: { Authorization: `Bearer ${conn.token}`, Accept: "application/json", "Content-Type": "application/json" },
      timeout: conn.timeoutMs ?? DEFAULTS.timeoutMs,
      responseType: "text",
      transformResponse: [(raw: unknown) => (typeof raw === "string" ? raw : raw == null ? "" : String(raw))],
      validateStatus: () => true,
      // A redirect would turn a POST into a GET on the new location; surface it instead.
      maxRedirects: 0,
      // No keep-alive: a reused socket the server already closed fails a POST with no way to know it was never sent.
      httpAgent: new http.Agent({ keepAlive: false }),
      httpsAgent: new https.Agent({ keepAlive: false }),
      adapter: t.adapter,
    });
    return { kind: "response", response: response };
  } catch (err) {
    return { kind: "lost", cause: sanitiseCause(err) };
  }
}

/** Copies code and message only: axios errors hold the request config, Authorization header included. */
function sanitiseCause(err: unknown): Error {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const message = typeof e?.message === "string" && e.message ? e.message : "request failed";
  const cause = new Error(code && !message.includes(code) ? `${code}: ${message}` : message);
  if (code) Object.assign(cause, { code });
  return cause;
}

function toQuery(query: Record<string, QueryValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) out[k] = String(v);
  return out;
}

function backoff(t: TransportOptions, attempt: number): number {
  const base = t.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs;
  const ceiling = Math.min(t.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs, base * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** The server's `Retry-After` (capped) when it sent one, else the exponential backoff. */
function serverWait(t: TransportOptions, res: AxiosResponse<string>, attempt: number, now: number): number {
  return Math.min(retryAfterMs(res, now) ?? backoff(t, attempt), t.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs);
}

/** `Retry-After` as seconds or an HTTP date; else Laravel's `X-RateLimit-Reset` (epoch seconds, coolify-api.md §3). */
function retryAfterMs(res: AxiosResponse<string>, now: number): number | undefined {
  const header = res.headers["retry-after"];
  if (header !== undefined && header !== null && String(header).trim() !== "") {
    const value = String(header).trim();
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(res.headers["x-ratelimit-reset"]);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : undefined;
}
