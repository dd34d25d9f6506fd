import { z } from "zod";

/** BotFather tokens: numeric bot id, colon, 35-ish url-safe characters. */
export const telegramTokenSchema = z
  .string()
  .regex(/^\d{1,20}:[A-Za-z0-9_-]{30,64}$/, "not a Telegram bot token (expected <bot id>:<secret> from @BotFather)");

/** Telegram user ids are positive integers; accepted as numbers or digit strings, returned as unique strings. */
export function telegramUserIdsSchema(min: number) {
  return z
    .array(
      z.union([
        z.string().regex(/^[1-9]\d{0,19}$/, "a Telegram user id is a positive integer"),
        z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
      ]),
    )
    .min(min)
    .max(100)
    .transform((ids) => [...new Set(ids.map(String))]);
}

/** Model ids as the AI Router names them (`gpt-4o`, `mistral/mistral-large`, `llama3.1:8b`). */
export const modelIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/, "not a model id");

/** IANA zone names such as `Europe/Berlin` or `UTC`. */
export const timezoneSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_+-]{0,30}(\/[A-Za-z0-9_+-]{1,30}){0,2}$/, "not an IANA time zone");

/** Free text that travels only in env (never in compose): bounded, no control characters except, when multi-line, newline and tab. */
export function freeTextSchema(max: number, multiLine: boolean) {
  const allowed = multiLine ? /^[^\u0000-\u0008\u000b-\u001f\u007f]*$/ : /^[^\u0000-\u001f\u007f]*$/;
  return z.string().max(max).regex(allowed, multiLine ? "control characters are not allowed" : "must be a single line without control characters");
}

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A slug usable as a DNS label and Coolify resource name. */
export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}

/** A lower-case ASCII host name with at least two labels (punycode for IDNs). */
export function isHostName(value: string): boolean {
  if (value.length > 253) return false;
  const labels = value.split(".");
  return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label)) && !/^\d+$/.test(labels[labels.length - 1]);
}

/**
 * Accepts `host` or `https://host[/]` and returns the lower-case host, or null when it is anything else
 * (other scheme, port, path, query, credentials, wildcard, non-ASCII).
 */
export function normaliseDomain(raw: string): string | null {
  const match = /^(?:https:\/\/)?([^/:?#@\s]+)\/?$/i.exec(raw);
  if (!match) return null;
  const host = match[1].toLowerCase();
  return isHostName(host) ? host : null;
}

/**
 * The AI Router's OpenAI-compatible base URL with a trailing `/v1` (added when missing), or null when the
 * value is not a plain http(s) URL without credentials, query or fragment.
 */
export function normaliseRouterUrl(raw: string): string | null {
  if (/\s/.test(raw) || raw.length > 512) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.search || url.hash) {
    return null;
  }
  const base = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  return base.endsWith("/v1") ? base : `${base}/v1`;
}

/**
 * Router keys travel as Coolify env rows, which Coolify writes into the stack's `.env` quoted or escaped in ways
 * compose does not undo (coolify-api.md §9): only characters no writer touches are accepted (letters, digits and
 * `. _ ~ + / = : -`, which covers sk-…, base64 and url-safe tokens).
 */
export function isRouterKey(value: string): boolean {
  return /^[A-Za-z0-9._~+/=:-]{8,512}$/.test(value);
}

/** An owner's e-mail address, as Open WebUI accepts it for its first admin account. */
export const emailSchema = z.string().max(254).regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "not an e-mail address");
