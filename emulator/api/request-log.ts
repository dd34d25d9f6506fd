// The emulator's request log: what tests and the control route see of every API request. Env values,
// passwords, tokens and keys are replaced before an entry is stored, so neither the log in memory nor
// GET /_emulator/requests ever holds a secret a client sent. The shape of each body is kept (the contract
// tests validate logged bodies against the OpenAPI spec), and so are env keys (`key`), which are names.

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Status sent, or that would have been sent when a fault dropped the connection (0 when dropped unprocessed). */
  status: number;
  at: number;
  /** The parsed JSON body, secrets redacted; a body that is not JSON is not kept, only its size. */
  body?: unknown;
  dropped?: boolean;
}

export const REDACTED = "[redacted]";

/** `value` is an env value (POST/PATCH /services/{uuid}/envs and their bulk form); the rest name secrets. */
const SECRET_FIELD = /^(value|real_value)$|password|secret|token|api_?key|private_?key|authorization|credential/i;

/** The entry's body: parsed JSON with every secret field's string replaced; undefined for an empty body. */
export function loggedBody(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return redact(JSON.parse(raw));
  } catch {
    return `[body not JSON, ${Buffer.byteLength(raw)} bytes, not logged]`;
  }
}

/** Query parameters with secret-named ones redacted. */
export function loggedQuery(params: URLSearchParams): Record<string, string> {
  return Object.fromEntries([...params].map(([key, value]) => [key, SECRET_FIELD.test(key) ? REDACTED : value]));
}

/** Every string and number under a secret-named field becomes REDACTED; booleans, null and other fields stay. */
export function redact(value: unknown, secret = false): unknown {
  if (Array.isArray(value)) return value.map((item) => redact(item, secret));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, redact(field, secret || SECRET_FIELD.test(key))]));
  }
  return secret && (typeof value === "string" || typeof value === "number") ? REDACTED : value;
}
